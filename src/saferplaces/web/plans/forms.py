"""The plans app's forms, on the GOV.UK base form: priorities, localities, the work plan's
actions and their updates, reviews, assessments (run, upload, adopt), plan periods and versions."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms

from saferplaces.web import integrations
from saferplaces.web.accounts.models import User
from saferplaces.web.core.forms import GovukDateField, GovukForm
from saferplaces.web.forms import PeopleMixin, org_choices, person_choices
from saferplaces.web.partnerships.models import PartnershipArea
from saferplaces.web.plans.models import Action, Priority, Rag

RAG_CHOICES = [("", "Not rated"), *Rag.choices]


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


class PeriodForm(GovukForm):
    title = forms.CharField(
        max_length=200,
        label="Name of the plan",
        help_text="For example, Community Safety Partnership Plan 2026 to 2029",
    )
    starts_on = GovukDateField(
        label="First day of the period", error_messages={"required": "Enter the first day"}
    )
    ends_on = GovukDateField(
        label="Last day of the period", error_messages={"required": "Enter the last day"}
    )


class VersionForm(GovukForm):
    title = forms.CharField(
        max_length=200, help_text="For example, Draft for consultation with partners"
    )
    drafted_on = GovukDateField(
        label="Date of the draft", error_messages={"required": "Enter the date of the draft"}
    )
    notes = forms.CharField(widget=forms.Textarea, required=False)


class VersionStagesForm(GovukForm):
    consulted_on = GovukDateField(label="Consultation closed on", required=False)
    endorsing_resolution = forms.ChoiceField(
        label="Minuted approval",
        required=False,
        choices=(),
        help_text="The resolution of type approved that endorsed the plan, if it was minuted",
    )
    endorsed_by = forms.ChoiceField(label="Endorsed by", required=False, choices=())
    endorsed_on = GovukDateField(
        label="Endorsed on",
        required=False,
        help_text="Leave empty to use the date of the meeting that approved it",
    )
    sent_to_pcc_on = GovukDateField(
        label="Sent to the Police and Crime Commissioner on", required=False
    )

    def __init__(self, *args: Any, bodies: list[Any], resolutions: list[Any], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.bodies = {str(b.pk): b for b in bodies}
        self.resolutions = {str(r.pk): r for r in resolutions}
        self.fields["endorsed_by"].choices = [("", "Choose a body")] + [
            (k, b.name) for k, b in self.bodies.items()
        ]
        self.fields["endorsing_resolution"].choices = [("", "None minuted")] + [
            (
                k,
                f"{r.item.meeting.body.name}, {r.item.meeting.held_on:%d %B %Y}, "
                f"item {r.item.number} {r.letter}): {r.text[:80]}",
            )
            for k, r in self.resolutions.items()
        ]

    def clean_endorsed_by(self) -> Any:
        v = self.cleaned_data.get("endorsed_by")
        return self.bodies.get(v) if v else None

    def clean_endorsing_resolution(self) -> Any:
        v = self.cleaned_data.get("endorsing_resolution")
        return self.resolutions.get(v) if v else None


class AdoptWithLeadsForm(AdoptForm):
    """Adopting an assessment, asking for a lead officer for each priority it would add (those
    already in the plan, by title or theme, keep their lead)."""

    def __init__(
        self,
        *args: Any,
        priorities: list[Any],
        localities: list[Any],
        people: list[Any],
        matches: dict[str, Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, priorities=priorities, localities=localities, **kwargs)
        self.people_by_id = {u.pk: u for u in people}
        self.new_priorities = {r.index: r.name for r in priorities if matches.get(r.name) is None}
        self.fields["priorities"].choices = [
            (
                str(r.index),
                r.name
                if matches.get(r.name) is None
                else f"{r.name} (already in the plan as {matches[r.name].title})",
            )
            for r in priorities
        ]
        # Placed before the date, in the order of the recommendations.
        order = ["priorities"]
        for index, name in self.new_priorities.items():
            field_name = f"lead_{index}"
            self.fields[field_name] = forms.ChoiceField(
                label=f"Lead officer for {name}",
                help_text="Needed if this priority is adopted: it is new to the plan",
                required=False,
                choices=person_choices(people),
            )
            order.append(field_name)
        self.order_fields(order)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for index in (int(i) for i in data.get("priorities") or []):
            name = self.new_priorities.get(index)
            if name is not None and not data.get(f"lead_{index}"):
                self.add_error(f"lead_{index}", f"Choose a lead officer for {name}")
        return data

    def leads(self) -> dict[int, Any]:
        out = {}
        for index in self.new_priorities:
            v = self.cleaned_data.get(f"lead_{index}")
            if v:
                out[index] = self.people_by_id.get(int(v))
        return out
