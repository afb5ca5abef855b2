"""Records shared by several parts of the workspace."""

# ruff: noqa: RUF012 - Django's Meta options (ordering, constraints) are class-level lists by design.

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from saferplaces.web.partnerships.models import Partnership


class Archivable(models.Model):
    """A record that is archived rather than deleted, because other records' history points at it.

    Archived records drop out of the current views (dashboard, plan, work plan, performance,
    lists, exports, the pack) and stay in the history (past reviews, audit, the Archived page),
    and can be restored.
    """

    archived_at = models.DateTimeField(null=True, blank=True, db_index=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def mark_archived(self, actor: object | None) -> None:
        self.archived_at = timezone.now()
        self.archived_by = actor if getattr(actor, "is_authenticated", False) else None

    def mark_restored(self) -> None:
        self.archived_at, self.archived_by = None, None


class ImportBatch(models.Model):
    """An uploaded CSV, checked and held until someone confirms it. Nothing is saved before."""

    class Kind(models.TextChoices):
        ACTIONS = "actions", "Actions"
        VALUES = "values", "Indicator values"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        APPLIED = "applied", "Saved"
        DISCARDED = "discarded", "Discarded"

    # PROTECT: an import is a record of what entered the workspace, kept with the partnership.
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="imports")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file_name = models.CharField(max_length=255)
    rows = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
