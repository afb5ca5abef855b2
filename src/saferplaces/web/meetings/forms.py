"""Forms for bodies and meetings, on the GOV.UK base form (which normalises and checks text)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone

from saferplaces.web.core.forms import GovukDateField, GovukForm
from saferplaces.web.meetings.models import Attendance, Body, Recommendation, Resolution

TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


def _people_choices(people: list[Any]) -> list[tuple[str, str]]:
    return [("", "Choose someone")] + [(str(u.pk), u.display_name) for u in people]


def _time(value: str, label: str) -> dt.time:
    m = TIME.match(value.strip())
    if not m:
        raise forms.ValidationError(f"{label} must be a time like 18:30")
    return dt.time(int(m.group(1)), int(m.group(2)))


class BodyForm(GovukForm):
    name = forms.CharField(
        max_length=200, help_text="For example, Tamworth Community Safety Partnership board"
    )
    kind = forms.ChoiceField(label="Type of body", choices=Body.Kind.choices)
    quorum = forms.IntegerField(
        min_value=0,
        max_value=200,
        initial=0,
        help_text="How many members must be present for the meeting to make decisions (0: none)",
        error_messages={"invalid": "Quorum must be a whole number, like 4"},
    )
    terms_of_reference = forms.CharField(widget=forms.Textarea, required=False)


class MemberForm(GovukForm):
    user = forms.ChoiceField(
        label="Someone with a role in the workspace", required=False, choices=()
    )
    role_title = forms.CharField(
        max_length=200,
        required=False,
        label="Or their role title",
        help_text="Role titles only, for example Chief Inspector, Staffordshire Police",
    )
    is_chair = forms.BooleanField(label="Chair of the body", required=False)

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(u.pk): u for u in people}
        self.fields["user"].choices = _people_choices(people)

    def clean_user(self) -> Any:
        v = self.cleaned_data.get("user")
        return self.people.get(v) if v else None


class MeetingForm(GovukForm):
    date = GovukDateField(
        label="Date of the meeting", error_messages={"required": "Enter the date of the meeting"}
    )
    start_time = forms.CharField(
        max_length=5, label="Start time", help_text="For example, 18:30", initial="10:00"
    )
    place = forms.CharField(max_length=300, required=False)
    title = forms.CharField(
        max_length=200, required=False, help_text="Leave empty to use the body's name"
    )
    notes = forms.CharField(widget=forms.Textarea, required=False)

    def clean_start_time(self) -> dt.time:
        return _time(self.cleaned_data["start_time"], "Start time")

    def to_service(self) -> dict[str, Any]:
        d = self.cleaned_data
        starts = timezone.make_aware(dt.datetime.combine(d["date"], d["start_time"]))
        return {"starts_at": starts, "place": d["place"], "title": d["title"], "notes": d["notes"]}


class AttendanceForm(GovukForm):
    def __init__(self, *args: Any, seats: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seats = seats
        for row in seats:
            self.fields[f"seat_{row.member.pk}"] = forms.ChoiceField(
                label=str(row.member),
                choices=Attendance.Status.choices,
                widget=forms.RadioSelect,
                initial=row.status or None,
                required=False,
            )

    def statuses(self) -> dict[int, str]:
        return {int(k.removeprefix("seat_")): v for k, v in self.cleaned_data.items() if v}


class ItemForm(GovukForm):
    title = forms.CharField(max_length=300)
    presenter = forms.CharField(
        max_length=200, required=False, help_text="Role title, for example Community Safety Manager"
    )
    exempt = forms.BooleanField(
        label="Exempt item (not for publication)",
        required=False,
        help_text="Only managers, administrators and board members see it and its papers",
    )


class PaperForm(GovukForm):
    title = forms.CharField(max_length=300)
    file = forms.FileField(label="The paper", help_text="A PDF or Word (.docx) file up to 5 MB")


class AssessmentPaperForm(GovukForm):
    assessment = forms.ChoiceField(label="Strategic assessment", choices=())

    def __init__(self, *args: Any, runs: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.runs = {str(r.pk): r for r in runs}
        self.fields["assessment"].choices = [("", "Choose an assessment")] + [
            (str(r.pk), f"{timezone.localtime(r.created_at):%d %B %Y} ({r.area_code})")
            for r in runs
        ]

    def clean_assessment(self) -> Any:
        return self.runs[self.cleaned_data["assessment"]]


class MinutesForm(GovukForm):
    minutes = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False)


class ResolutionForm(GovukForm):
    text = forms.CharField(
        widget=forms.Textarea,
        label="Resolved: that",
        help_text="As the minutes will read, for example: an item be included on the work programme",
    )
    kind = forms.ChoiceField(
        label="What it does", choices=Resolution.Kind.choices, widget=forms.RadioSelect
    )
    owner = forms.ChoiceField(
        label="Who will do it",
        required=False,
        choices=(),
        help_text="For an action, a work programme item or information to be sent",
    )
    due_date = GovukDateField(label="Due date", required=False)

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(u.pk): u for u in people}
        self.fields["owner"].choices = _people_choices(people)

    def clean_owner(self) -> Any:
        v = self.cleaned_data.get("owner")
        return self.people.get(v) if v else None


class ConfirmForm(GovukForm):
    """No fields: a POST that confirms (publishing an agenda)."""


# Scrutiny ---------------------------------------------------------------------------------------


def _meeting_choices(meetings: list[Any], empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [
        (str(m.pk), f"{timezone.localtime(m.starts_at):%d %B %Y}: {m.title}") for m in meetings
    ]


class _MeetingChoiceForm(GovukForm):
    """A form with a choice of the body's meetings (`meeting_field`), cleaned to the meeting."""

    meeting_field = "planned_meeting"
    empty_choice = "Not planned yet"

    def __init__(self, *args: Any, meetings: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meetings = {str(m.pk): m for m in meetings}
        self.fields[self.meeting_field].choices = _meeting_choices(meetings, self.empty_choice)

    def _meeting(self) -> Any:
        v = self.cleaned_data.get(self.meeting_field)
        return self.meetings.get(v) if v else None


class WorkItemForm(_MeetingChoiceForm):
    title = forms.CharField(
        max_length=300,
        label="What the committee will consider",
        help_text="For example, progress with the domestic abuse contract",
    )
    planned_meeting = forms.ChoiceField(label="Meeting it is planned for", required=False)
    notes = forms.CharField(widget=forms.Textarea, required=False)

    def clean_planned_meeting(self) -> Any:
        return self._meeting()


class WorkItemPlanForm(_MeetingChoiceForm):
    planned_meeting = forms.ChoiceField(label="Meeting it is planned for", required=False)

    def clean_planned_meeting(self) -> Any:
        return self._meeting()


class RecommendationForm(_MeetingChoiceForm):
    meeting_field = "meeting"
    empty_choice = "Not made at a recorded meeting"

    text = forms.CharField(widget=forms.Textarea, label="The committee's recommendation")
    made_on = GovukDateField(
        label="Date it was made", error_messages={"required": "Enter the date it was made"}
    )
    meeting = forms.ChoiceField(label="Meeting", required=False)
    response_due = GovukDateField(
        label="Response due by",
        required=False,
        help_text="Leave empty for 28 days after it was made",
    )

    def clean_meeting(self) -> Any:
        return self._meeting()


class ResponseForm(GovukForm):
    response = forms.ChoiceField(
        label="The partnership's response",
        choices=Recommendation.Response.choices,
        widget=forms.RadioSelect,
    )
    reasons = forms.CharField(
        widget=forms.Textarea,
        required=False,
        help_text="Needed when it is partly accepted or not accepted",
    )
    responded_on = GovukDateField(
        label="Date of the response", error_messages={"required": "Enter the date of the response"}
    )


class ImplementedForm(GovukForm):
    implemented_on = GovukDateField(
        label="Date it was carried out", error_messages={"required": "Enter the date"}
    )
