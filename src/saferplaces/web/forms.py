"""The workspace's forms. All validation happens here or in the services, on the server."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms

from saferplaces.web import integrations
from saferplaces.web.accounts.models import Organisation, User
from saferplaces.web.core.forms import GovukDateField, GovukForm
from saferplaces.web.partnerships.models import (
    PartnerObjective,
    Partnership,
    PartnershipArea,
    Role,
)
from saferplaces.web.performance.models import Indicator
from saferplaces.web.plans.models import Action, Priority, Rag

RAG_CHOICES = [("", "Not rated"), *Rag.choices]


def _person_choices(people: list[User]) -> list[tuple[str, str]]:
    return [("", "Nobody yet")] + [(str(u.pk), u.display_name) for u in people]


def _org_choices() -> list[tuple[str, str]]:
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


class PartnershipForm(GovukForm):
    name = forms.CharField(
        max_length=200, error_messages={"required": "Enter the partnership's name"}
    )
    # No type or county here: a site administrator changes the type, and a district joins a
    # county agreement by asking it (partnerships/forms.py, CountyRequestForm).
    plan_title = forms.CharField(
        label="Plan title",
        max_length=200,
        required=False,
        help_text="For example, Community Safety Partnership Plan 2023 to 2026",
    )
    plan_start = GovukDateField(
        label="Plan starts", required=False, help_text="For example, 1 4 2023"
    )
    plan_end = GovukDateField(label="Plan ends", required=False, help_text="For example, 31 3 2026")
    lead_organisation = forms.ChoiceField(label="Lead organisation", required=False)
    board_name = forms.CharField(label="Board or strategy group", max_length=200, required=False)
    scrutiny_body = forms.CharField(label="Scrutiny committee", max_length=200, required=False)
    description = forms.CharField(
        label="About the partnership", widget=forms.Textarea, required=False
    )

    def __init__(self, *args: Any, partnership: Partnership | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_organisation"].choices = _org_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        s, e = data.get("plan_start"), data.get("plan_end")
        if s and e and e <= s:
            self.add_error("plan_end", "The plan must end after it starts")
        return data

    def to_fields(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["lead_organisation"] = (
            Organisation.objects.filter(pk=int(d["lead_organisation"])).first()
            if d.get("lead_organisation")
            else None
        )
        return d


class AreaForm(GovukForm):
    code = forms.CharField(
        label="Area code",
        max_length=40,
        help_text="A code from the warehouse, for example E22000271 (Tamworth community safety partnership) or E07000199 (Tamworth district)",
        error_messages={"required": "Enter the area code"},
    )
    level = forms.ChoiceField(label="Type of area", choices=PartnershipArea.Level.choices)
    name = forms.CharField(label="Area name", max_length=200, required=False)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if code.upper().startswith("LOC:"):
            return code
        code = code.upper()
        if not (len(code) == 9 and code[0] in "EW" and code[1:].isdigit()):
            raise forms.ValidationError(
                "Enter a 9-character ONS code, like E22000271, or a locality code starting LOC:"
            )
        return code


class PartnerOrgForm(GovukForm):
    organisation = forms.CharField(
        label="Organisation name",
        max_length=200,
        error_messages={"required": "Enter the organisation's name"},
    )
    kind = forms.ChoiceField(label="Type of organisation", choices=Organisation.Kind.choices)
    is_statutory = forms.BooleanField(
        label="Responsible authority under the Crime and Disorder Act 1998", required=False
    )


class MeetingForm(GovukForm):
    title = forms.CharField(
        max_length=200,
        error_messages={"required": "Enter the meeting's name"},
        help_text="For example, Partnership board",
    )
    held_on = GovukDateField(
        label="Date of the meeting", error_messages={"required": "Enter the date of the meeting"}
    )
    notes = forms.CharField(widget=forms.Textarea, required=False)


class PartnerPlanForm(GovukForm):
    title = forms.CharField(
        label="Plan title",
        max_length=200,
        help_text="For example, Police and Crime Plan for Staffordshire 2021 to 2024",
        error_messages={"required": "Enter the plan's title"},
    )
    owner = forms.CharField(label="Whose plan is it?", max_length=200, required=False)
    objectives = forms.CharField(
        label="Objectives",
        widget=forms.Textarea,
        help_text="One objective on each line",
        error_messages={"required": "Enter at least one objective"},
    )

    def clean_objectives(self) -> list[str]:
        lines = [line.strip(" -•\t") for line in self.cleaned_data["objectives"].splitlines()]
        lines = [line for line in lines if line]
        if not lines:
            raise forms.ValidationError("Enter at least one objective")
        cap = PartnerObjective._meta.get_field("title").max_length
        for i, line in enumerate(lines, 1):
            if len(line) > cap:  # each line is stored as one objective
                raise forms.ValidationError(
                    f"Objective {i} must be {cap:,} characters or fewer. Put each objective on its own line"
                )
        return lines


class MemberForm(GovukForm):
    email = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a role"},
    )
    job_title = forms.CharField(
        label="Role title",
        max_length=200,
        required=False,
        help_text="Only for someone new. For example, Community Safety Manager",
    )
    organisation = forms.ChoiceField(
        label="Organisation", required=False, help_text="Only for someone new"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = _org_choices()

    def clean(self) -> dict[str, Any]:
        # Someone with an account gets the role at once; anyone else is sent an invitation
        # and sets their own password (administrators never choose people's passwords).
        data = super().clean()
        email = (data.get("email") or "").strip().lower()
        self.existing = User.objects.filter(email=email).first() if email else None
        return data


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
        self.fields["lead_officer"].choices = _person_choices(people)
        self.fields["lead_organisation"].choices = _org_choices()
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
        self.fields["owner"].choices = _person_choices(people)
        self.fields["organisation"].choices = _org_choices()

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


class IndicatorForm(PeopleMixin, GovukForm):
    name = forms.CharField(
        label="Indicator", max_length=200, error_messages={"required": "Enter the indicator's name"}
    )
    definition = forms.CharField(
        widget=forms.Textarea,
        required=False,
        help_text="What is counted, and where the figure comes from",
    )
    priority = forms.ChoiceField(
        label="Priority",
        required=False,
        help_text="Leave as 'None' for indicators that watch for emerging themes beyond the priorities",
    )
    source = forms.ChoiceField(
        label="Where the figures come from",
        choices=Indicator.Source.choices,
        widget=forms.RadioSelect,
    )
    measure = forms.ChoiceField(
        label="Warehouse measure",
        choices=[("", "Not from the warehouse"), *Indicator.Measure.choices],
        required=False,
    )
    category = forms.ChoiceField(label="Crime category", required=False)
    area_code = forms.CharField(
        label="Area",
        max_length=40,
        required=False,
        help_text="Leave empty for the partnership's whole area, or enter a ward, district or locality code",
    )
    owner = forms.ChoiceField(
        label="Owner", required=False, help_text="The person who enters the figures"
    )
    unit = forms.CharField(
        max_length=60, required=False, help_text="For example, referrals or per 1,000 residents"
    )
    baseline_value = forms.FloatField(
        label="Baseline",
        required=False,
        error_messages={"invalid": "The baseline must be a number"},
    )
    baseline_label = forms.CharField(
        label="Baseline period",
        max_length=100,
        required=False,
        help_text="For example, 2022-23 monthly average",
    )
    target_value = forms.FloatField(
        label="Target", required=False, error_messages={"invalid": "The target must be a number"}
    )
    direction = forms.ChoiceField(
        label="Which way is better?", choices=Indicator.Direction.choices, widget=forms.RadioSelect
    )
    green_at = forms.FloatField(
        label="Green when at or better than",
        required=False,
        error_messages={"invalid": "The green threshold must be a number"},
    )
    red_at = forms.FloatField(
        label="Red when worse than",
        required=False,
        error_messages={"invalid": "The red threshold must be a number"},
    )

    def __init__(
        self,
        *args: Any,
        people: list[User],
        priorities: list[Priority],
        categories: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people_by_id = {u.pk: u for u in people}
        self.priorities_by_id = {p.pk: p for p in priorities}
        self.fields["priority"].choices = [("", "None (emerging themes)")] + [
            (str(p.pk), p.title) for p in priorities
        ]
        self.fields["owner"].choices = _person_choices(people)
        self.fields["category"].choices = [("", "All crime (not anti-social behaviour)")] + [
            (c, c) for c in categories
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("source") == Indicator.Source.WAREHOUSE and not data.get("measure"):
            self.add_error("measure", "Choose what to measure from the warehouse")
        if data.get("source") == Indicator.Source.MANUAL:
            data["measure"], data["category"] = "", ""
        return data

    def to_fields(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["priority"] = self.priorities_by_id.get(int(d["priority"])) if d.get("priority") else None
        d["owner"] = self._person("owner")
        d["area_code"] = (d.get("area_code") or "").strip().upper()
        return d


class ValueForm(GovukForm):
    period = forms.CharField(
        label="Month",
        max_length=7,
        help_text="Year and month, for example 2025-09",
        error_messages={"required": "Enter the month, for example 2025-09"},
    )
    value = forms.FloatField(
        label="Value",
        error_messages={
            "required": "Enter the value",
            "invalid": "The value must be a number, like 42 or 3.5",
        },
    )
    note = forms.CharField(
        label="Note (optional)", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean_period(self) -> dt.date:
        raw = self.cleaned_data["period"].strip()
        try:
            y, m = raw.split("-")
            return dt.date(int(y), int(m), 1)
        except ValueError:
            raise forms.ValidationError(
                "Enter the month as year and month, for example 2025-09"
            ) from None


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
