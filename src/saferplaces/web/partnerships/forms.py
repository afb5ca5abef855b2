"""The partnership app's forms: its details, areas, member organisations, partner plans, people,
tenancy links and type. Shared choice helpers are in web/forms.py."""

from __future__ import annotations

from typing import Any

from django import forms

from saferplaces.web.accounts.models import Organisation, User
from saferplaces.web.core.forms import GovukDateField, GovukForm
from saferplaces.web.forms import org_choices
from saferplaces.web.partnerships.models import PartnerObjective, Partnership, PartnershipArea, Role


class CountyRequestForm(GovukForm):
    county = forms.ChoiceField(
        label="Which county community safety agreement?",
        widget=forms.RadioSelect,
        help_text="Its administrator will accept or decline the request. Until then, the "
        "county-wide priorities do not appear in your plan",
        error_messages={"required": "Choose the county community safety agreement"},
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counties = {
            str(c.pk): c
            for c in Partnership.objects.filter(kind=Partnership.Kind.COUNTY)
            .exclude(pk__in=[partnership.pk, partnership.county_id or 0])
            .order_by("name")
        }
        self.fields["county"].choices = [(k, c.name) for k, c in self.counties.items()]

    def chosen(self) -> Partnership:
        return self.counties[self.cleaned_data["county"]]


class CountyDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Do you accept this district into the county agreement?",
        choices=[("accept", "Yes, accept"), ("decline", "No, decline")],
        widget=forms.RadioSelect,
        help_text="If you accept, the county-wide priorities appear in the district's plan, "
        "dashboard and board pack. The county does not see the district's records",
        error_messages={"required": "Choose whether to accept or decline the request"},
    )


class KindForm(GovukForm):
    kind = forms.ChoiceField(
        label="Type of partnership",
        choices=Partnership.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the type of partnership"},
    )


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
        self.fields["lead_organisation"].choices = org_choices()

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
        self.fields["organisation"].choices = org_choices()

    def clean(self) -> dict[str, Any]:
        # Someone with an account gets the role at once; anyone else is sent an invitation
        # and sets their own password (administrators never choose people's passwords).
        data = super().clean()
        email = (data.get("email") or "").strip().lower()
        self.existing = User.objects.filter(email=email).first() if email else None
        return data
