"""Forms for grant money. Amounts are typed in pounds ("61,394.00") and cleaned to whole pence."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone

from saferplaces.web.core.forms import GovukDateField, GovukForm
from saferplaces.web.funds.models import Decision, Entry, Evaluation, Vat
from saferplaces.web.funds.money import parse_pounds, quarter_end, quarter_label, year_label


class PoundsField(forms.CharField):
    """An amount in pounds, cleaned to whole pence (an int)."""

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("max_length", 20)
        kw.setdefault("help_text", "In pounds, for example 61,394.00")
        super().__init__(**kw)
        self.widget.attrs.update({"inputmode": "decimal", "spellcheck": "false"})

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return parse_pounds(text, self.label or "Amount")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


def _year_choices(years: list[int]) -> list[tuple[str, str]]:
    return [(str(y), year_label(y)) for y in years]


def _vat() -> forms.ChoiceField:
    return forms.ChoiceField(label="VAT", choices=Vat.choices, initial=Vat.NOT_APPLICABLE)


class StreamForm(GovukForm):
    name = forms.CharField(max_length=200, help_text="For example, Locality Deal Fund")
    grantor = forms.CharField(
        max_length=200, help_text="For example, Office of the Staffordshire Commissioner"
    )
    purpose = forms.CharField(widget=forms.Textarea, required=False)
    conditions = forms.CharField(widget=forms.Textarea, required=False)
    starts_on = GovukDateField(label="Starts on")
    ends_on = GovukDateField(label="Ends on")
    vat = _vat()
    held_back_percent = forms.IntegerField(
        label="Share held back until the evaluation (%)",
        min_value=0,
        max_value=100,
        initial=0,
        help_text="For example 20 when 80% is paid up front and 20% on evaluation; 0 for none",
    )
    return_due_days = forms.IntegerField(
        label="Days after a quarter ends that the return is due",
        min_value=0,
        max_value=365,
        initial=30,
    )
    tolerance_percent = forms.IntegerField(
        label="Flag spend this far from plan (%)", min_value=0, max_value=100, initial=10
    )

    def to_service(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        held = d.pop("held_back_percent") or 0
        d["stages"] = (
            [("Up front", 100 - held, False), ("On evaluation", held, True)]
            if held
            else [("Up front", 100, False)]
        )
        return d


class AmountForm(GovukForm):
    year = forms.IntegerField(
        label="Financial year starting in April of",
        min_value=2000,
        max_value=2100,
        help_text="For example 2023 for 2023/24",
    )
    amount = PoundsField(label="Amount")
    label = forms.CharField(
        max_length=200, required=False, help_text="For example, one-off ASB early intervention"
    )
    vat = _vat()


class AllocationForm(GovukForm):
    year = forms.IntegerField(
        label="Financial year starting in April of", min_value=2000, max_value=2100
    )
    total = PoundsField(label="Amount to allocate")
    weight_population = forms.IntegerField(label="Weight: residents", min_value=0, initial=50)
    weight_crime = forms.IntegerField(
        label="Weight: police-recorded crime", min_value=0, initial=25
    )
    weight_asb = forms.IntegerField(label="Weight: anti-social behaviour", min_value=0, initial=25)
    base = PoundsField(label="Fixed amount for every partnership", required=False)
    floor = PoundsField(label="Least any partnership gets (floor)", required=False)
    period_from = GovukDateField(label="Count crime and anti-social behaviour from")
    period_to = GovukDateField(label="Up to the end of the month of")
    phasing = forms.CharField(
        max_length=300,
        required=False,
        help_text="Optional: parts and their whole-number shares, for example "
        "Up front 80; On evaluation 20",
    )

    def clean_phasing(self) -> list[tuple[str, int]]:
        text = self.cleaned_data.get("phasing") or ""
        out = []
        for part in filter(None, (p.strip() for p in text.split(";"))):
            m = re.match(r"^(.*\S)\s+(\d+)%?$", part)
            if not m:
                raise forms.ValidationError(
                    "Write each part as a name and a whole number, for example Up front 80"
                )
            out.append((m.group(1), int(m.group(2))))
        return out

    def to_service(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "year": d["year"],
            "total_pence": d["total"],
            "weights": {
                "population": d["weight_population"],
                "crime": d["weight_crime"],
                "asb": d["weight_asb"],
            },
            "base_pence": d.get("base") or 0,
            "floor_pence": d.get("floor") or 0,
            "period_from": d["period_from"],
            "period_to": d["period_to"],
            "phasing": d["phasing"],
        }


class LineForm(GovukForm):
    project = forms.CharField(max_length=200)
    provider = forms.CharField(max_length=200, required=False)
    priority = forms.ChoiceField(label="Priority it serves", required=False, choices=())
    actions = forms.MultipleChoiceField(
        label="Work-plan actions it serves",
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )
    q1 = PoundsField(label="Q1 (April to June)", required=False)
    q2 = PoundsField(label="Q2 (July to September)", required=False)
    q3 = PoundsField(label="Q3 (October to December)", required=False)
    q4 = PoundsField(label="Q4 (January to March)", required=False)
    vat = _vat()
    outputs = forms.CharField(
        widget=forms.Textarea,
        required=False,
        label="Outputs promised",
        help_text="What will be delivered, for example 40 young people on the diversion course",
    )
    outcomes = forms.CharField(
        widget=forms.Textarea,
        required=False,
        label="Outcomes promised",
        help_text="What difference it should make",
    )

    def __init__(self, *args: Any, priorities: list[Any], actions: list[Any], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.priorities = {str(p.pk): p for p in priorities}
        self.action_objs = {str(a.pk): a for a in actions}
        self.fields["priority"].choices = [("", "None")] + [
            (k, p.title) for k, p in self.priorities.items()
        ]
        self.fields["actions"].choices = [(k, a.title) for k, a in self.action_objs.items()]

    def to_service(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "project": d["project"],
            "provider": d["provider"],
            "priority": self.priorities.get(d.get("priority") or ""),
            "actions": [self.action_objs[k] for k in d.get("actions") or []],
            "quarters_pence": [d.get(f"q{i}") or 0 for i in range(1, 5)],
            "vat": d["vat"],
            "outputs": d["outputs"],
            "outcomes": d["outcomes"],
        }


class EntryForm(GovukForm):
    kind = forms.ChoiceField(
        label="What is it?", choices=Entry.Kind.choices, widget=forms.RadioSelect
    )
    line = forms.ChoiceField(label="Spend plan line", required=False, choices=())
    occurred_on = GovukDateField(label="Date")
    amount = PoundsField(label="Amount")
    vat = _vat()
    reference = forms.CharField(
        max_length=100, required=False, help_text="For example, the invoice or order number"
    )
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, lines: list[Any], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.lines = {str(x.pk): x for x in lines}
        self.fields["line"].choices = [("", "Not for a line (money received)")] + [
            (k, f"{x.project} ({year_label(x.plan.year)})") for k, x in self.lines.items()
        ]

    def to_service(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["line"] = self.lines.get(d.get("line") or "")
        d["amount_pence"] = d.pop("amount")
        return d


def _resolution_choices(resolutions: list[Any], empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [
        (
            str(r.pk),
            f"{r.item.meeting.body.name}, {r.item.meeting.held_on:%d %B %Y}, "
            f"item {r.item.number} {r.letter}): {r.text[:80]}",
        )
        for r in resolutions
    ]


class ApproveForm(GovukForm):
    resolution = forms.ChoiceField(
        label="The resolution that approved the spend plan",
        choices=(),
        error_messages={"required": "Choose the resolution that approved the spend plan"},
    )
    approved_on = GovukDateField(
        label="Approved on", required=False, help_text="Leave empty to use the meeting's date"
    )

    def __init__(self, *args: Any, resolutions: list[Any], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.resolutions = {str(r.pk): r for r in resolutions}
        self.fields["resolution"].choices = _resolution_choices(resolutions, "Choose one")

    def clean_resolution(self) -> Any:
        return self.resolutions.get(self.cleaned_data.get("resolution") or "")


class DecisionForm(GovukForm):
    kind = forms.ChoiceField(
        label="Decision", choices=Decision.Kind.choices, widget=forms.RadioSelect
    )
    amount = PoundsField(label="Amount")
    decided_on = GovukDateField(label="Decided on")
    resolution = forms.ChoiceField(label="Minuted resolution", required=False, choices=())
    reason = forms.CharField(widget=forms.Textarea)

    def __init__(self, *args: Any, resolutions: list[Any], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.resolutions = {str(r.pk): r for r in resolutions}
        self.fields["resolution"].choices = _resolution_choices(resolutions, "None minuted")

    def to_service(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["resolution"] = self.resolutions.get(d.get("resolution") or "")
        d["amount_pence"] = d.pop("amount")
        return d


class ReturnForm(GovukForm):
    quarter = forms.ChoiceField(label="Quarter", choices=())
    narrative = forms.CharField(
        widget=forms.Textarea,
        label="Progress and reasons for any variance",
        error_messages={"required": "Enter the progress and reasons for any variance"},
    )
    outputs = forms.CharField(widget=forms.Textarea, required=False, label="Outputs delivered")
    outcomes = forms.CharField(widget=forms.Textarea, required=False, label="Outcomes so far")

    def __init__(self, *args: Any, year: int, done: set[int], **kw: Any) -> None:
        super().__init__(*args, **kw)
        today = timezone.localdate()
        self.fields["quarter"].choices = [
            (str(q), quarter_label(year, q))
            for q in range(1, 5)
            if quarter_end(year, q) < today and q not in done
        ]

    def clean_quarter(self) -> int:
        return int(self.cleaned_data["quarter"])


class EvaluationForm(GovukForm):
    outcome = forms.ChoiceField(choices=Evaluation.Outcome.choices, widget=forms.RadioSelect)
    summary = forms.CharField(widget=forms.Textarea, label="What the evaluation found")
    judged_on = GovukDateField(label="Date of the evaluation", initial=dt.date.today)
