"""The partnership plan (priorities, localities), the work plan (actions) and its reviews."""

# ruff: noqa: RUF012 - Django's Meta options (ordering, constraints) are class-level lists by design.

from __future__ import annotations

from django.conf import settings
from django.db import models

from saferplaces.web.accounts.models import Organisation
from saferplaces.web.core.models import Archivable
from saferplaces.web.partnerships.models import PartnerObjective, Partnership

# Every link from a record with history (updates, review entries, values, decisions) to the
# record it belongs to is PROTECT: deleting a parent can never take history with it. Records
# are archived instead (see `Archivable`); PROTECT makes a future code path that deletes fail
# loudly rather than cascade.


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Priority(Archivable):
    class Scope(models.TextChoices):
        COUNTY_WIDE = "county", "County-wide"
        LOCAL = "local", "Local"

    class Source(models.TextChoices):
        MANUAL = "manual", "Entered by the partnership"
        ASSESSMENT = "assessment", "Adopted from a strategic assessment"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="priorities"
    )
    title = models.CharField(max_length=200)
    definition = models.TextField(blank=True)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.LOCAL)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    governance_group = models.CharField(max_length=300, blank=True)
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_priorities",
    )
    lead_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    partner_objectives = models.ManyToManyField(
        PartnerObjective, blank=True, related_name="priorities", through="PriorityObjective"
    )
    rag = models.CharField(max_length=10, choices=Rag.choices, blank=True)
    rag_set_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.MANUAL)
    score = models.FloatField(null=True, blank=True)
    rationale = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    # The plan period it belongs to (empty: recorded before periods were, or not yet assigned)
    # and the priority of the previous period it was carried forward from.
    plan_period = models.ForeignKey(
        "PlanPeriod", null=True, blank=True, on_delete=models.PROTECT, related_name="priorities"
    )
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="carried_to"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "title"]
        verbose_name_plural = "priorities"

    def __str__(self) -> str:
        return self.title


class PriorityObjective(models.Model):
    """A priority's recorded link to a partner plan's objective.

    An explicit model (on the table Django auto-created before) so both keys can be PROTECT:
    the auto-created table's keys cascaded, and deleting an objective silently removed links.
    """

    # The auto-created table's key was a plain integer, not the project's BigAutoField.
    id = models.AutoField(primary_key=True)
    priority = models.ForeignKey(Priority, on_delete=models.PROTECT, related_name="+")
    objective = models.ForeignKey(
        PartnerObjective,
        on_delete=models.PROTECT,
        related_name="+",
        db_column="partnerobjective_id",
    )

    class Meta:
        # The auto-created table, its columns and its unique index as they were: no data moves.
        # unique_together (not a named constraint) because that is what the index was created
        # from, so its generated name still matches.
        db_table = "plans_priority_partner_objectives"
        unique_together = [("priority", "objective")]

    def __str__(self) -> str:
        return f"{self.priority} - {self.objective}"


class PriorityLocality(Archivable):
    class Source(models.TextChoices):
        MANUAL = "manual", "Entered by the partnership"
        ASSESSMENT = "assessment", "Adopted from a strategic assessment"
        WAREHOUSE = "warehouse", "Drawn from warehouse areas"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="localities"
    )
    priority = models.ForeignKey(
        Priority, null=True, blank=True, on_delete=models.PROTECT, related_name="localities"
    )
    name = models.CharField(max_length=200)
    # Warehouse area codes (wards, LSOAs, 'LOC:' localities) that make up the locality.
    area_codes = models.JSONField(default=list, blank=True)
    priority_type = models.CharField(max_length=100, blank=True)
    rationale = models.TextField(blank=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.MANUAL)
    score = models.FloatField(null=True, blank=True)
    plan_period = models.ForeignKey(
        "PlanPeriod", null=True, blank=True, on_delete=models.PROTECT, related_name="localities"
    )
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="carried_to"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "priority localities"

    def __str__(self) -> str:
        return self.name


class Action(Archivable):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        ON_HOLD = "on_hold", "On hold"
        COMPLETE = "complete", "Complete"
        CANCELLED = "cancelled", "Cancelled"

    CLOSED = (Status.COMPLETE, Status.CANCELLED)

    priority = models.ForeignKey(Priority, on_delete=models.PROTECT, related_name="actions")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    rag = models.CharField(max_length=10, choices=Rag.choices, blank=True)
    last_update_at = models.DateTimeField(null=True, blank=True)
    # The open action of the previous plan period this one carries forward.
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="carried_to"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["priority", "status"]),
            models.Index(fields=["due_date"]),
            # A partnership's current actions: priority IN (its current ones), not archived.
            models.Index(fields=["priority", "archived_at"], name="plans_action_current"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED


class ActionUpdate(models.Model):
    """A dated progress note. Kept as history: updates are never edited."""

    action = models.ForeignKey(Action, on_delete=models.PROTECT, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    note = models.TextField()
    status = models.CharField(max_length=12, choices=Action.Status.choices)
    rag = models.CharField(max_length=10, choices=Rag.choices, blank=True)
    review = models.ForeignKey(
        "Review", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} — {self.created_at:%d %b %Y}"


class Review(models.Model):
    """A quarterly review of the work plan, walked priority by priority."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="reviews")
    quarter = models.CharField(max_length=40)
    held_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.quarter} review"


class ReviewEntry(models.Model):
    """What the review concluded about one priority (action empty) or one action."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="entries")
    priority = models.ForeignKey(Priority, on_delete=models.PROTECT, related_name="review_entries")
    action = models.ForeignKey(
        Action, null=True, blank=True, on_delete=models.PROTECT, related_name="review_entries"
    )
    status = models.CharField(max_length=12, choices=Action.Status.choices, blank=True)
    rag = models.CharField(max_length=10, choices=Rag.choices, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class AssessmentRun(models.Model):
    """A strategic assessment run (or imported) for the partnership's area."""

    class Status(models.TextChoices):
        COMPLETE = "complete", "Complete"
        FAILED = "failed", "Failed"
        IMPORTED = "imported", "Imported from a file"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="assessments"
    )
    area_code = models.CharField(max_length=40)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    result = models.JSONField(default=dict, blank=True)
    report_html = models.TextField(blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Assessment of {self.area_code} ({self.created_at:%d %b %Y})"


class Decision(models.Model):
    """The one recorded decision adopting an assessment's priorities and localities."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="decisions")
    assessment = models.ForeignKey(
        AssessmentRun, null=True, on_delete=models.PROTECT, related_name="decisions"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_on = models.DateField()
    decision_maker = models.CharField(max_length=200, blank=True)
    minute = models.TextField(blank=True)
    adopted = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-id"]


class PlanPeriod(models.Model):
    """The period a partnership plan covers (e.g. April 2023 to March 2026).

    Periods form a chain: a new one starts from the last (its priorities, localities and open
    actions are copied forward and the old ones archived with it), so the old period stays
    readable as it was, never deleted or overwritten. The current period is the one with no
    successor.
    """

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="plan_periods"
    )
    title = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField()
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="plans_period_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_on:%B %Y} to {self.ends_on:%B %Y})"


class PlanVersion(models.Model):
    """One version of the plan in a period, and where it has got to: drafted, consulted on,
    endorsed (by which body, on which date, with the minuted resolution when there is one) and
    sent to the Police and Crime Commissioner."""

    period = models.ForeignKey(PlanPeriod, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    drafted_on = models.DateField()
    consulted_on = models.DateField(null=True, blank=True)
    endorsed_on = models.DateField(null=True, blank=True)
    endorsed_by = models.ForeignKey(
        "meetings.Body", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    endorsing_resolution = models.ForeignKey(
        "meetings.Resolution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_to_pcc_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period", "number"]
        constraints = [
            models.UniqueConstraint(fields=["period", "number"], name="plans_version_number")
        ]

    def __str__(self) -> str:
        return f"Version {self.number}: {self.title}"

    @property
    def stage(self) -> str:
        if self.sent_to_pcc_on:
            return "Sent to the Police and Crime Commissioner"
        if self.endorsed_on:
            return "Endorsed"
        if self.consulted_on:
            return "Consulted on"
        return "Draft"
