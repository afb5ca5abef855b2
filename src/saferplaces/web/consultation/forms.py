"""Forms for consultations: GOV.UK labels, the workspace's text rules (core.forms.GovukForm)."""

from __future__ import annotations

from typing import Any

from django import forms

from saferplaces.assessment.themes import THEMES
from saferplaces.web.consultation.services import ROLES
from saferplaces.web.core.forms import GovukDateField, GovukForm

MAX_UPLOAD = 10 * 1024 * 1024


class ConsultationForm(GovukForm):
    title = forms.CharField(max_length=200, help_text="For example, Community safety survey 2026")
    opened_on = GovukDateField(label="Opened on", required=False)
    closed_on = GovukDateField(label="Closed on", required=False)
    method = forms.CharField(
        label="How it was run", widget=forms.Textarea, required=False,
        help_text="For example, online survey promoted on social media and at libraries; paper copies on request",
    )  # fmt: skip
    female_share = forms.FloatField(
        label="Share of residents aged 16+ who are female (%) (optional)", required=False,
        min_value=0, max_value=100,
        help_text="Only if you have it, with its source: the reference data has no population by sex. "
        "Without it responses are weighted by age and ward",
    )  # fmt: skip
    sex_source = forms.CharField(
        label="Source of that figure (optional)", max_length=300, required=False
    )

    def to_service(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        if d["female_share"] is not None:
            d["female_share"] = d["female_share"] / 100
        return d


class UploadForm(GovukForm):
    file = forms.FileField(
        label="Responses file",
        help_text="CSV or Excel (XLSX) exported from your survey tool, one row per response",
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD:
            raise forms.ValidationError("The file must be 10 MB or smaller")
        if not f.name.lower().endswith((".csv", ".xlsx", ".xlsm")):
            raise forms.ValidationError("The file must be a CSV or an Excel (XLSX) file")
        return f


def _theme_choices() -> list[tuple[str, str]]:
    return [("", "None")] + [(t.title, t.title) for t in THEMES]


class MappingForm(GovukForm):
    """One role (and for a problem question, the assessment theme and the answers that count as
    concern) per column of the file."""

    def __init__(
        self, *args: Any, header: list[str], initial_map: dict[str, dict[str, str]], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.header = header
        for j, h in enumerate(header):
            m = initial_map.get(str(j), {})
            self.fields[f"role_{j}"] = forms.ChoiceField(
                label=h, choices=list(ROLES.items()), initial=m.get("role", "ignore")
            )
            self.fields[f"theme_{j}"] = forms.ChoiceField(
                label="Public concern about (assessment theme)", choices=_theme_choices(),
                initial=m.get("theme", ""), required=False,
            )  # fmt: skip
            self.fields[f"concern_{j}"] = forms.CharField(
                label="Answers that count as concern, separated by |", max_length=500,
                initial=m.get("concern", ""), required=False,
            )  # fmt: skip
        from saferplaces.web.core.forms import bind_text_rules

        for name, field in self.fields.items():
            bind_text_rules(field, name)
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "govuk-select"
            else:
                field.widget.attrs["class"] = "govuk-input"

    def columns(self) -> list[tuple[str, Any, Any, Any]]:
        return [
            (h, self[f"role_{j}"], self[f"theme_{j}"], self[f"concern_{j}"])
            for j, h in enumerate(self.header)
        ]

    def mapping(self) -> dict[str, dict[str, str]]:
        d = self.cleaned_data
        return {str(j): {"role": d[f"role_{j}"], "theme": d.get(f"theme_{j}") or "",
                         "concern": d.get(f"concern_{j}") or ""} for j in range(len(self.header))}  # fmt: skip


class ThemeForm(GovukForm):
    name = forms.CharField(max_length=200, help_text="For example, Visible policing")
    keywords = forms.CharField(
        label="Words and phrases", widget=forms.Textarea,
        help_text="One per line. An answer containing any of them (as whole words) is in the theme; "
        "end a word with * to match its endings, like patrol* for patrols and patrolling",
    )  # fmt: skip


class YouSaidForm(GovukForm):
    you_said = forms.CharField(label="You said", widget=forms.Textarea,
                               help_text="The finding, for example 62% said drug dealing is a big problem")  # fmt: skip
    we_did = forms.CharField(label="We did", widget=forms.Textarea)
    action = forms.ChoiceField(label="Action in the work plan (optional)", required=False)
    published = forms.BooleanField(label="Show on the public pages", required=False)

    def __init__(self, *args: Any, actions: list[Any], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.actions = {str(a.pk): a for a in actions}
        self.fields["action"].choices = [("", "None")] + [(str(a.pk), a.title) for a in actions]

    def to_service(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["action"] = self.actions.get(d["action"] or "")
        return d
