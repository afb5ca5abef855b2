"""One record per scheduled refresh of the police data and partner files (kept, never deleted)."""

# ruff: noqa: RUF012 - Django's Meta options are class-level lists by design.

from __future__ import annotations

from django.db import models


class RefreshRun(models.Model):
    """A refresh: what it found, loaded, recomputed, flagged and told people, step by step.

    A run that stopped part-way (its process killed, or a failure) is resumed by the next one:
    the steps in ``steps`` are not done again."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "New data loaded"
        NOTHING_NEW = "nothing_new", "Nothing new"
        FAILED = "failed", "Failed"

    started = models.DateTimeField()
    finished = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=1)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.RUNNING)
    months_found = models.JSONField(default=list, blank=True)
    months_loaded = models.JSONField(default=list, blank=True)
    # [{"file", "loaded", "measure_id", "periods", "error"}] for each partner file dropped.
    measure_files = models.JSONField(default=list, blank=True)
    measures_loaded = models.PositiveIntegerField(default=0)
    indicators_updated = models.PositiveIntegerField(default=0)
    emerging_flagged = models.PositiveIntegerField(default=0)
    people_notified = models.PositiveIntegerField(default=0)
    # step name → when it finished; ``state`` carries what later steps need after a resume.
    steps = models.JSONField(default=dict, blank=True)
    state = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started", "-pk"]

    def __str__(self) -> str:
        return f"Refresh {self.started:%Y-%m-%d %H:%M} ({self.get_outcome_display()})"

    @property
    def measures_failed(self) -> list[dict]:
        return [f for f in self.measure_files if not f.get("loaded")]
