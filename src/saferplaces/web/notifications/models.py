"""In-app notifications, each person's choice of how often to be e-mailed, and digests sent."""

# ruff: noqa: RUF012 - Django's Meta options (ordering, constraints) are class-level lists by design.

from __future__ import annotations

from django.conf import settings
from django.db import models

from saferplaces.web.partnerships.models import Partnership


class Kind(models.TextChoices):
    """What a notification is about; each person chooses how often to be e-mailed per kind."""

    ACTION_UPDATE_DUE = "action_update_due", "Action updates due"
    QUARTERLY_REVIEW = "quarterly_review", "Quarterly reviews opening"
    DEADLINE = "deadline", "Statutory and calendar deadlines"
    PAPERS_PUBLISHED = "papers_published", "Meeting papers published"
    DATA_REFRESHED = "data_refreshed", "New police data and emerging issues"
    JOB_FINISHED = "job_finished", "Background work finished"


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", "Straight away, one e-mail each"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest (Mondays)"
    OFF = "off", "No e-mails (still listed under Notifications)"


# Without a saved choice: deadlines and papers straight away, routine reminders gathered daily.
DEFAULT_FREQUENCY: dict[str, str] = {
    Kind.ACTION_UPDATE_DUE: Frequency.DAILY,
    Kind.QUARTERLY_REVIEW: Frequency.DAILY,
    Kind.DEADLINE: Frequency.DAILY,
    Kind.PAPERS_PUBLISHED: Frequency.IMMEDIATELY,
    Kind.DATA_REFRESHED: Frequency.DAILY,
    Kind.JOB_FINISHED: Frequency.OFF,
}


class Notification(models.Model):
    """One thing one person should know about. Kept (marked read), never deleted."""

    class Email(models.TextChoices):
        PENDING = "pending", "Waiting to be e-mailed"
        SENT = "sent", "E-mailed"
        NOT_SENT = "not_sent", "Not e-mailed (turned off)"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    due = models.DateField(null=True, blank=True)
    # The same key never notifies the same person twice (e.g. "action-update:41:2026-12-01").
    key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField(max_length=10, choices=Email.choices, default=Email.PENDING)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=~models.Q(key=""),
                name="notification_key_once_per_user",
            )
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(fields=["email", "user"], name="notification_email_queue"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Preference(models.Model):
    """How often one person is e-mailed about one kind of notification."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    frequency = models.CharField(max_length=12, choices=Frequency.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]


class Digest(models.Model):
    """One digest e-mail: at most one per person, frequency and period (a day or an ISO week)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    period = models.CharField(max_length=10)  # "2026-12-05" or "2026-W49"
    sent_at = models.DateTimeField()
    items = models.PositiveIntegerField()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "frequency", "period"], name="notification_digest_once_per_period"
            )
        ]
