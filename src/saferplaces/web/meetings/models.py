"""Boards and committees, their meetings, agendas, papers, minutes and resolutions.

A resolution that asks for something becomes a work-plan action (plans.Action, through its
service), so it is updated, RAG-rated, reported and closed like every other action; the
meeting of the same body that follows shows it as a matter arising until it is closed.
"""

# ruff: noqa: RUF012 - Django's Meta options (ordering, constraints) are class-level lists by design.

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from saferplaces.web.partnerships.models import Partnership


class Body(models.Model):
    """A group that meets: the strategy group, the partnership board, a task group, the
    council's scrutiny committee, Cabinet."""

    class Kind(models.TextChoices):
        BOARD = "board", "Partnership board"
        STRATEGY = "strategy", "Strategy group"
        TASK_GROUP = "task_group", "Task group"
        SCRUTINY = "scrutiny", "Scrutiny committee"
        CABINET = "cabinet", "Cabinet"

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="bodies")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.BOARD)
    quorum = models.PositiveSmallIntegerField(
        default=0, help_text="Members who must be present for decisions (0: no quorum)"
    )
    terms_of_reference = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "name"], name="meetings_body_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class BodyMember(models.Model):
    """A seat on a body: someone in the workspace, or a role title for someone outside it
    (role titles only: no names of people who are not users)."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="body_seats",
    )
    role_title = models.CharField(max_length=200, blank=True)
    is_chair = models.BooleanField(default=False)
    # Members who leave keep their seat's history (attendance at past meetings).
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-is_chair", "role_title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(role_title=""),
                name="meetings_member_user_or_role",
            )
        ]

    def __str__(self) -> str:
        if self.user_id and not self.role_title:
            return self.user.display_name
        return self.role_title


class Meeting(models.Model):
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    # Kept beside the body so that a partnership's meetings are read without a join.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="body_meetings"
    )
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    place = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    agenda_published_at = models.DateTimeField(null=True, blank=True)
    agenda_pack_path = models.CharField(max_length=300, blank=True)
    agenda_pack_sha256 = models.CharField(max_length=64, blank=True)
    # The partnerships.Meeting row this was copied from (migration 0002), for history.
    legacy_meeting_id = models.BigIntegerField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["partnership", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%d %B %Y})"

    @property
    def held_on(self) -> dt.date:
        # The date the dashboard and the pack read, as the old partnerships.Meeting had it.
        return timezone.localtime(self.starts_at).date()


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        APOLOGIES = "apologies", "Apologies"
        ABSENT = "absent", "Absent"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey(BodyMember, on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField(max_length=10, choices=Status.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="meetings_attendance_once")
        ]


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    presenter = models.CharField(max_length=200, blank=True)
    # Exempt under Schedule 12A (Local Government Act 1972): hidden with its papers from
    # people without the right to see exempt business.
    exempt = models.BooleanField(default=False)
    is_performance = models.BooleanField(default=False)
    minutes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number", "id"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Paper(models.Model):
    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded"
        PACK = "pack", "Board performance pack"
        ASSESSMENT = "assessment", "Strategic assessment"

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="papers")
    title = models.CharField(max_length=300)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.UPLOAD)
    assessment = models.ForeignKey(
        "plans.AssessmentRun", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Relative to the workspace media folder; empty until a generated paper is stored (the pack
    # is stored when the agenda is published, so the paper does not change afterwards).
    path = models.CharField(max_length=300, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"


class Resolution(models.Model):
    class Kind(models.TextChoices):
        NOTED = "noted", "Noted"
        APPROVED = "approved", "Approved"
        ACTION = "action", "Action"
        WORK_PROGRAMME = "work_programme", "Work programme"
        INFORMATION = "information", "Information to be sent"

    # These ask for something, so they need an owner and a due date and become actions.
    ASKS = (Kind.ACTION, Kind.WORK_PROGRAMME, Kind.INFORMATION)

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="resolutions")
    letter = models.CharField(max_length=3)
    text = models.TextField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    action = models.OneToOneField(
        "plans.Action",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolution",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item__number", "letter", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "letter"], name="meetings_resolution_letter")
        ]

    def __str__(self) -> str:
        return f"{self.letter}) {self.text}"


# Scrutiny ---------------------------------------------------------------------------------------
# The council's crime and disorder committee reviews the partnership at least once a year
# (Police and Justice Act 2006, s19). Its work programme and its recommendations, with the
# partnership's responses, are what its annual report is assembled from.


class WorkProgrammeItem(models.Model):
    """Something a body (usually the scrutiny committee) asked to consider, and the meeting it is
    planned for. Whether it was held follows from that meeting's date: no second status to keep
    in step."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="work_programme")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=300)
    notes = models.TextField(blank=True)
    planned_meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="work_items"
    )
    # The "work programme" resolution that asked for it (one item per resolution).
    resolution = models.OneToOneField(
        Resolution,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_item",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def status(self) -> str:
        if self.planned_meeting_id is None:
            return "Requested"
        if self.planned_meeting.starts_at <= timezone.now():
            return "Held"
        return "Planned"


class Recommendation(models.Model):
    """A scrutiny committee's recommendation to the partnership, and the partnership's response."""

    class Response(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        PARTLY = "partly", "Partly accepted"
        NOT_ACCEPTED = "not_accepted", "Not accepted"

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="recommendations")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="recommendations"
    )
    text = models.TextField()
    made_on = models.DateField()
    response_due = models.DateField(null=True, blank=True)
    response = models.CharField(max_length=12, choices=Response.choices, blank=True)
    reasons = models.TextField(blank=True)
    responded_on = models.DateField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    implemented_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["made_on", "id"]

    def __str__(self) -> str:
        return self.text[:300]

    @property
    def is_open(self) -> bool:
        """Still a matter for the committee: no response yet, or accepted (wholly or partly)
        and not yet carried out."""
        if not self.response:
            return True
        return self.response != self.Response.NOT_ACCEPTED and self.implemented_on is None

    @property
    def status(self) -> str:
        if not self.response:
            if self.response_due and self.response_due < timezone.localdate():
                return "Response overdue"
            return "Awaiting response"
        if self.response == self.Response.NOT_ACCEPTED:
            return "Not accepted"
        if self.implemented_on:
            return "Implemented"
        return f"{self.get_response_display()}: in progress"
