"""The people-facing record of a background job (the queue itself is django-q2's)."""
# ruff: noqa: RUF012 - Django's Meta options (ordering, constraints) are class-level lists by design.

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Worker(models.Model):
    """One running worker (a `saferplaces worker` or `serve`'s cluster): it writes
    ``last_seen_at`` every ``SAFERPLACES_JOBS_HEARTBEAT`` seconds. Operational, not a record:
    rows not seen for a week are removed by the sweeper."""

    host = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    processes = models.PositiveIntegerField(default=1)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=50)
    partnership = models.ForeignKey(
        "partnerships.Partnership", null=True, blank=True, on_delete=models.PROTECT,
        related_name="jobs",
    )  # fmt: skip
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="jobs",
    )  # fmt: skip
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # Two running jobs never share a lock name (the kind's `one_at_a_time`).
    lock_name = models.CharField(max_length=100, blank=True, null=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_message = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=3)
    # What a handler saved part-way (e.g. the record it created), so a retry does not repeat it.
    checkpoint = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)
    # The worker whose process runs (or last ran) the job; its own heartbeat is heartbeat_at.
    worker = models.ForeignKey(
        Worker, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["partnership", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["lock_name"],
                condition=Q(status="running"),
                name="jobs_one_running_per_lock",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label} #{self.pk}"

    @property
    def label(self) -> str:
        from saferplaces.web.jobs.registry import kinds

        k = kinds().get(self.kind)
        return k.label if k else self.kind

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))
