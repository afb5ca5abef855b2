"""Shared form helpers (person and organisation choices), and the forms still waiting to move to
their app (plans, imports). Each app keeps its own forms in <app>/forms.py; all validation
happens there or in the services, on the server."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms

from saferplaces.web import integrations
from saferplaces.web.accounts.models import Organisation, User
from saferplaces.web.core.forms import GovukDateField, GovukForm
from saferplaces.web.partnerships.models import (
    PartnershipArea,
)
from saferplaces.web.plans.models import Action, Priority, Rag

RAG_CHOICES = [("", "Not rated"), *Rag.choices]


def person_choices(people: list[User]) -> list[tuple[str, str]]:
    return [("", "Nobody yet")] + [(str(u.pk), u.display_name) for u in people]


def org_choices() -> list[tuple[str, str]]:
    return [("", "Not recorded")] + [
        (str(o.pk), o.name) for o in Organisation.objects.order_by("name")
    ]


class PeopleMixin:
    """Resolves person and organisation choices to objects; choices limited to the partnership."""

    def _person(self, name: str) -> User | None:
        v = self.cleaned_data.get(name)  # type: ignore[attr-defined]
        return self.people_by_id.get(int(v)) if v else None  # type: ignore[attr-defined]

    def _org(self, name: str) -> Organisation | None:
        v = self.cleaned_data.get(name)  # type: ignore[attr-defined]
        return Organisation.objects.filter(pk=int(v)).first() if v else None


class PriorityForm(PeopleMixin, GovukForm):
    title = forms.CharField(
        label="Priority", max_length=200, error_messages={"required": "Enter the priority's name"}
    )
    definition = forms.CharField(
        widget=forms.Textarea,
        required=False,
        help_text="What the partnership means by it, for example the legal definition of anti-social behaviour",
    )
    scope = forms.ChoiceField(
        label="County-wide or local", choices=Priority.Scope.choices, widget=forms.RadioSelect
    )
    period_start = GovukDateField(label="Period starts", required=False)
    period_end = GovukDateField(label="Period ends", required=False)
    governance_group = forms.CharField(
        label="Governance group",
        max_length=300,
        required=False,
        help_text="The board that oversees it, for example Violence Reduction Executive Board",
    )
    lead_officer = forms.ChoiceField(label="Lead officer", required=False)
    lead_organisation = forms.ChoiceField(label="Lead organisation", required=False)
    objectives = forms.MultipleChoiceField(
        label="Links to partner plans", required=False, widget=forms.CheckboxSelectMultiple
    )
    rationale = forms.CharField(label="Why it is a priority", widget=forms.Textarea, required=False)

    def __init__(
        self, *args: Any, people: list[User], objectives: list[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people_by_id = {u.pk: u for u in people}
        self.objectives_by_id = {o.pk: o for o in objectives}
        self.fields["lead_officer"].choices = person_choices(people)
        self.fields["lead_organisation"].choices = org_choices()
        self.fields["objectives"].choices = [
            (str(o.pk), f"{o.plan.title}: {o.title}") for o in objectives
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        s, e = data.get("period_start"), data.get("period_end")
        if s and e and e <= s:
            self.add_error("period_end", "The period must end after it starts")
        return data

    def to_fields(self) -> dict[str, Any]:
        d = {k: v for k, v in self.cleaned_data.items() if k != "objectives"}
        d["lead_officer"] = self._person("lead_officer")
        d["lead_organisation"] = self._org("lead_organisation")
        return d

    def chosen_objectives(self) -> list[Any]:
        return [self.objectives_by_id[int(i)] for i in self.cleaned_data.get("objectives", [])]


class LocalityForm(GovukForm):
    name = forms.CharField(
        label="Locality", max_length=200, error_messages={"required": "Enter the locality's name"}
    )
    area_codes = forms.CharField(
        label="Warehouse areas",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Ward, LSOA or locality codes, separated by commas, for example E05011185, E05011186",
    )
    priority_type = forms.CharField(
        label="Priority type",
        max_length=100,
        required=False,
        help_text="For example, High – force-wide",
    )
    priority = forms.ChoiceField(label="Linked priority", required=False)
    rationale = forms.CharField(
        label="Rationale for selection", widget=forms.Textarea, required=False
    )

    wards = forms.MultipleChoiceField(
        label="Wards in the partnership's area",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="From the warehouse. Tick the wards that make up the locality",
    )

    def __init__(
        self,
        *args: Any,
        priorities: list[Priority],
        wards: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if wards:
            self.fields["wards"].choices = [(code, f"{name} ({code})") for code, name in wards]
            self.order_fields(["name", "wards", "area_codes"])
            self.fields["area_codes"].label = "Other warehouse areas"
        else:
            del self.fields["wards"]
        self.priorities_by_id = {p.pk: p for p in priorities}
        self.fields["priority"].choices = [("", "None")] + [
            (str(p.pk), p.title) for p in priorities
        ]

    def clean_area_codes(self) -> list[str]:
        from saferplaces.web.plans.services import clean_area_codes

        codes = clean_area_codes(self.cleaned_data["area_codes"])
        bad = [
            c
            for c in codes
            if not (c.startswith("LOC:") or (len(c) == 9 and c[0] in "EW" and c[1:].isdigit()))
        ]
        if bad:
            raise forms.ValidationError(
                f"These are not area codes: {', '.join(bad[:5])}. Use 9-character ONS codes like E05011185"
            )
        return codes

    def to_fields(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        picked = d.pop("wards", None) or []
        d["area_codes"] = list(dict.fromkeys([*picked, *d.get("area_codes", [])]))
        d["priority"] = self.priorities_by_id.get(int(d["priority"])) if d.get("priority") else None
        return d


class ActionForm(PeopleMixin, GovukForm):
    priority = forms.ChoiceField(
        label="Priority", error_messages={"required": "Choose the priority this action delivers"}
    )
    title = forms.CharField(
        label="Action", max_length=300, error_messages={"required": "Enter what will be done"}
    )
    description = forms.CharField(label="More detail", widget=forms.Textarea, required=False)
    owner = forms.ChoiceField(
        label="Owner", required=False, help_text="The lead officer who will update it"
    )
    organisation = forms.ChoiceField(label="Organisation", required=False)
    due_date = GovukDateField(label="Due date", required=False, help_text="For example, 31 3 2026")
    status = forms.ChoiceField(label="Status", choices=Action.Status.choices)
    rag = forms.ChoiceField(label="RAG rating", choices=RAG_CHOICES, required=False)

    def __init__(
        self, *args: Any, people: list[User], priorities: list[Priority], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people_by_id = {u.pk: u for u in people}
        self.priorities_by_id = {p.pk: p for p in priorities}
        self.fields["priority"].choices = [("", "Choose a priority")] + [
            (str(p.pk), p.title) for p in priorities
        ]
        self.fields["owner"].choices = person_choices(people)
        self.fields["organisation"].choices = org_choices()

    def clean_priority(self) -> Priority:
        v = self.cleaned_data["priority"]
        try:
            return self.priorities_by_id[int(v)]
        except (KeyError, ValueError):
            raise forms.ValidationError("Choose the priority this action delivers") from None

    def to_fields(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["owner"] = self._person("owner")
        d["organisation"] = self._org("organisation")
        return d


class ActionUpdateForm(GovukForm):
    note = forms.CharField(
        label="What has happened since the last update?",
        widget=forms.Textarea,
        error_messages={"required": "Enter what has happened since the last update"},
    )
    status = forms.ChoiceField(
        label="Status",
        choices=Action.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a status"},
    )
    rag = forms.ChoiceField(
        label="RAG rating",
        choices=RAG_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        help_text="Red: will not be delivered without help. Amber: at risk. Green: on track.",
    )


class ReviewForm(GovukForm):
    quarter = forms.CharField(
        label="Quarter reviewed",
        max_length=40,
        help_text="For example, 2025-26 Q2 (July to September)",
        error_messages={"required": "Enter the quarter being reviewed"},
    )
    held_on = GovukDateField(
        label="Date of the review", error_messages={"required": "Enter the date of the review"}
    )
    summary = forms.CharField(label="Summary of the review", widget=forms.Textarea, required=False)


def default_quarter(d: dt.date) -> str:
    fy = d.year if d.month >= 4 else d.year - 1
    q = (d.month - 4) % 12 // 3 + 1
    return f"{fy}-{str(fy + 1)[2:]} Q{q}"


class AssessmentRunForm(GovukForm):
    area_code = forms.ChoiceField(label="Area")
    start = GovukDateField(
        label="From", error_messages={"required": "Enter the first day of the period"}
    )
    end = GovukDateField(
        label="To", error_messages={"required": "Enter the last day of the period"}
    )
    allow_gaps = forms.BooleanField(
        label="Run even if some months of police data are missing",
        required=False,
        help_text="The report says which months are missing",
    )

    def __init__(self, *args: Any, areas: list[PartnershipArea], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area_code"].choices = [(a.code, str(a)) for a in areas]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "The period must end after it starts")
        return data


class AssessmentUploadForm(GovukForm):
    file = forms.FileField(
        label="Assessment file (JSON)",
        error_messages={"required": "Choose the assessment's JSON file"},
    )

    def clean_file(self) -> Any:
        """Refuses a JSON file whose text the databases cannot store (NUL, lone surrogates,
        control characters), naming where; the view reads the file again from the start."""
        f = self.cleaned_data["file"]
        try:
            doc = json.loads(f.read().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise forms.ValidationError("The file is not valid JSON") from None
        finally:
            f.seek(0)
        integrations.check_assessment_json(doc, field="The file")
        return f


class AdoptForm(GovukForm):
    priorities = forms.MultipleChoiceField(
        label="Priorities to adopt", required=False, widget=forms.CheckboxSelectMultiple
    )
    localities = forms.MultipleChoiceField(
        label="Localities to adopt", required=False, widget=forms.CheckboxSelectMultiple
    )
    decided_on = GovukDateField(
        label="Date of the decision", error_messages={"required": "Enter the date of the decision"}
    )
    decision_maker = forms.CharField(
        label="Who decided",
        max_length=200,
        help_text="For example, Tamworth Community Safety Partnership board",
        error_messages={"required": "Enter who made the decision"},
    )
    minute = forms.CharField(
        label="Minute or reference", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(
        self, *args: Any, priorities: list[Any], localities: list[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priorities"].choices = [(str(r.index), r.name) for r in priorities]
        self.fields["localities"].choices = [(str(r.index), r.name) for r in localities]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("priorities") and not data.get("localities"):
            self.add_error("priorities", "Choose at least one priority or locality to adopt")
        return data


class ImportForm(GovukForm):
    kind = forms.ChoiceField(
        label="What are you importing?",
        choices=[("actions", "Actions for the work plan"), ("values", "Indicator values")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what you are importing"},
    )
    file = forms.FileField(label="CSV file", error_messages={"required": "Choose a CSV file"})

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".csv"):
            raise forms.ValidationError("The file must be a CSV")
        if f.size > 2 * 1024 * 1024:
            raise forms.ValidationError("The file must be smaller than 2MB")
        return f
