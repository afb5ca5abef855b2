"""Forms for statutory review cases. Personal data is kept to a short description: the hints
ask for roles and circumstances, not names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from saferplaces.web.accounts.models import Organisation, User
from saferplaces.web.core.forms import GovukDateField, GovukForm
from saferplaces.web.plans.models import Priority
from saferplaces.web.reviews.models import Case, CaseMember, Theme

NO_NAMES = "Do not write names or addresses: the case team knows who is concerned."


def _today_field(label: str, **kw: Any) -> GovukDateField:
    return GovukDateField(label=label, initial=timezone.localdate, **kw)


class AsbOpenForm(GovukForm):
    received_on = _today_field("Date the application was received")
    applicant_type = forms.ChoiceField(
        label="Who applied", choices=Case.Applicant.choices, widget=forms.RadioSelect
    )
    consent_recorded = forms.BooleanField(
        label="The victim consented to a third party applying", required=False
    )
    summary = forms.CharField(
        label="Short description of the behaviour",
        widget=forms.Textarea,
        required=False,
        help_text=NO_NAMES,
        max_length=2000,
    )


class DardrOpenForm(GovukForm):
    received_on = _today_field(
        "Date the death came to the chair's attention",
        help_text="Usually the date of the police notification",
    )
    summary = forms.CharField(
        label="Short description",
        widget=forms.Textarea,
        required=False,
        help_text=NO_NAMES,
        max_length=2000,
    )


class DateForm(GovukForm):
    on = _today_field("Date")


class ReviewForm(DateForm):
    outcome = forms.CharField(
        label="Outcome of the review, for the applicant",
        widget=forms.Textarea,
        max_length=4000,
        help_text=NO_NAMES,
    )


class OutcomeForm(DateForm):
    appeal_body = forms.CharField(
        label="Who hears an appeal",
        max_length=200,
        initial="The Police and Crime Commissioner's office",
    )


class DecideReviewForm(DateForm):
    hold = forms.TypedChoiceField(
        label="Will the partnership hold a review?",
        choices=[("yes", "Yes, commission a review"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    home_office_informed_on = _today_field("Date the Home Office was told of the decision")
    independent_chair = forms.CharField(
        label="Independent chair (role, not name)",
        max_length=200,
        required=False,
        help_text="For example, independent chair from the county's approved list",
    )


class PublishForm(DateForm):
    commissioner_copy_on = GovukDateField(
        label="Date a copy went to the Domestic Abuse Commissioner",
        required=False,
        help_text="Where the law requires it",
    )


class ExtensionForm(GovukForm):
    new_due = GovukDateField(label="New date for the overview report")
    reason = forms.CharField(label="Reason for the extension", max_length=500)


class ComplaintForm(GovukForm):
    behaviour_on = GovukDateField(label="Date of the behaviour")
    complained_on = GovukDateField(label="Date of the complaint")
    made_to = forms.CharField(
        label="Made to",
        max_length=200,
        help_text="For example, the council, the police or a housing provider",
    )
    hate = forms.BooleanField(label="Reported as a hate incident", required=False)
    note = forms.CharField(label="Note", required=False, max_length=1000, help_text=NO_NAMES)


class RecommendationForm(GovukForm):
    text = forms.CharField(label="Recommendation", max_length=500)
    theme = forms.ChoiceField(label="Theme", choices=Theme.choices)
    agency = forms.ModelChoiceField(
        label="Agency that must act", queryset=Organisation.objects.order_by("name")
    )
    lead = forms.ModelChoiceField(
        label="Lead officer", queryset=User.objects.none(), required=False
    )
    due_date = GovukDateField(label="Due date", required=False)

    def __init__(self, *args: Any, people: list[User], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["lead"].queryset = User.objects.filter(pk__in=[u.pk for u in people])
        self.fields["lead"].label_from_instance = lambda u: u.display_name


class ToActionForm(GovukForm):
    priority = forms.ModelChoiceField(
        label="Priority in the work plan", queryset=Priority.objects.none()
    )

    def __init__(self, *args: Any, priorities: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["priority"].queryset = priorities


class MemberForm(GovukForm):
    user = forms.ModelChoiceField(label="Person", queryset=User.objects.none())
    role = forms.ChoiceField(
        label="Role in the case team",
        choices=CaseMember.Role.choices,
        initial=CaseMember.Role.MEMBER,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, people: list[User], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["user"].queryset = User.objects.filter(pk__in=[u.pk for u in people])
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.display_name}, {u.job_title}" if u.job_title else u.display_name
        )


class SettingsForm(GovukForm):
    asb_threshold = forms.IntegerField(
        label="Qualifying complaints in six months that meet the threshold",
        min_value=1,
        max_value=3,
        help_text="The law sets 3 as the highest",
    )
    hate_threshold = forms.IntegerField(
        label="Qualifying hate incidents that meet the threshold",
        min_value=0,
        max_value=3,
        help_text="0 if there is no lower local threshold for hate incidents",
    )
    acknowledge_days = forms.IntegerField(
        label="Acknowledge within (working days)", min_value=1, max_value=60
    )
    decision_days = forms.IntegerField(
        label="Decide the threshold within (working days)", min_value=1, max_value=60
    )
    review_days = forms.IntegerField(
        label="Hold the review within (working days)", min_value=1, max_value=120
    )
    due_soon_days = forms.IntegerField(
        label="Show as due soon (working days before)", min_value=1, max_value=20
    )
