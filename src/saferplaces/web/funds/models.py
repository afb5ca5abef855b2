"""Grant money: funding streams, formula allocations, spend plans, money in and out, decisions,
quarterly returns and the evaluation that releases a held-back payment.

Every amount is a whole number of pence (``*_pence``, BigIntegerField); years are financial years
(April to March) named by the year they start. Records are archived, never deleted.
"""

# ruff: noqa: RUF012 - Django's Meta options are class-level lists by design.

from __future__ import annotations

from django.conf import settings
from django.db import models

from saferplaces.web.core.models import Archivable
from saferplaces.web.funds.money import pounds, year_label
from saferplaces.web.partnerships.models import Partnership


class Vat(models.TextChoices):
    INCLUSIVE = "inclusive", "Including VAT"
    EXCLUSIVE = "exclusive", "Excluding VAT"
    NOT_APPLICABLE = "not_applicable", "VAT does not apply"


def _user_fk() -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )


class FundingStream(Archivable):
    """Money a grantor gives the partnership (or a county shares among its districts)."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="funding_streams"
    )
    name = models.CharField(max_length=200)
    grantor = models.CharField(max_length=200)
    purpose = models.TextField(blank=True)
    conditions = models.TextField(blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    vat = models.CharField(max_length=16, choices=Vat.choices, default=Vat.NOT_APPLICABLE)
    return_due_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days after a quarter ends that the grantor wants its return"
    )
    tolerance_percent = models.PositiveSmallIntegerField(
        default=10, help_text="Spend this far from plan is flagged before the return is due"
    )
    created_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name", "id"]

    def __str__(self) -> str:
        return self.name


class StreamAmount(models.Model):
    """An amount the grantor committed for one financial year (several may share a year: a
    one-off sum beside the annual one)."""

    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="amounts")
    year = models.PositiveSmallIntegerField()
    amount_pence = models.BigIntegerField()
    label = models.CharField(max_length=200, blank=True)
    vat = models.CharField(max_length=16, choices=Vat.choices, default=Vat.NOT_APPLICABLE)

    class Meta:
        ordering = ["year", "id"]

    def __str__(self) -> str:
        return f"{year_label(self.year)}: {pounds(self.amount_pence)} {self.label}".strip()


class PaymentStage(models.Model):
    """One instalment of the payment schedule, e.g. 80% up front and 20% on evaluation."""

    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="stages")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(max_length=100)
    share_percent = models.PositiveSmallIntegerField()
    on_evaluation = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.label} ({self.share_percent}%)"


class Allocation(Archivable):
    """A stream's year split across partnerships by formula. The inputs (each recipient's
    measures, the period they cover and where they came from) are stored with the result, so the
    calculation can be shown line by line and run again to the same pence."""

    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="allocations")
    year = models.PositiveSmallIntegerField()
    total_pence = models.BigIntegerField()
    weights = models.JSONField(default=dict)
    base_pence = models.BigIntegerField(default=0)
    floor_pence = models.BigIntegerField(default=0)
    phasing = models.JSONField(default=list)
    period_from = models.DateField()
    period_to = models.DateField()
    inputs = models.JSONField(default=list)
    sources = models.JSONField(default=dict)
    result = models.JSONField(default=list)
    created_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.stream.name} {year_label(self.year)} allocation"


class SpendPlan(models.Model):
    """What the partnership plans to spend a stream's year on, approved by a board resolution."""

    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="plans")
    year = models.PositiveSmallIntegerField()
    approved_resolution = models.ForeignKey(
        "meetings.Resolution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_on = models.DateField(null=True, blank=True)
    approved_by = _user_fk()

    class Meta:
        ordering = ["year", "id"]
        constraints = [
            models.UniqueConstraint(fields=["stream", "year"], name="funds_plan_stream_year")
        ]

    def __str__(self) -> str:
        return f"{self.stream.name}: spend plan {year_label(self.year)}"


class SpendLine(Archivable):
    plan = models.ForeignKey(SpendPlan, on_delete=models.PROTECT, related_name="lines")
    project = models.CharField(max_length=200)
    provider = models.CharField(max_length=200, blank=True)
    priority = models.ForeignKey(
        "plans.Priority", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actions = models.ManyToManyField("plans.Action", blank=True, related_name="+")
    q1_pence = models.BigIntegerField(default=0)
    q2_pence = models.BigIntegerField(default=0)
    q3_pence = models.BigIntegerField(default=0)
    q4_pence = models.BigIntegerField(default=0)
    vat = models.CharField(max_length=16, choices=Vat.choices, default=Vat.NOT_APPLICABLE)
    outputs = models.TextField(blank=True, help_text="What will be delivered")
    outcomes = models.TextField(blank=True, help_text="What difference it should make")
    created_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.project

    @property
    def quarters_pence(self) -> list[int]:
        return [self.q1_pence, self.q2_pence, self.q3_pence, self.q4_pence]

    @property
    def total_pence(self) -> int:
        return sum(self.quarters_pence)


class Entry(Archivable):
    """Money in (received from the grantor) or out (committed, claimed or invoiced, spent)."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "Received from the grantor"
        COMMITTED = "committed", "Committed (order or agreement)"
        CLAIMED = "claimed", "Claim or invoice received"
        SPENT = "spent", "Spent (paid)"

    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="entries")
    line = models.ForeignKey(
        SpendLine, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    occurred_on = models.DateField()
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    amount_pence = models.BigIntegerField()
    vat = models.CharField(max_length=16, choices=Vat.choices, default=Vat.NOT_APPLICABLE)
    reference = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_on", "id"]
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()} {pounds(self.amount_pence)} on {self.occurred_on:%d %B %Y}"
        )


class Decision(models.Model):
    """Carrying an unspent amount into the next year, or money the grantor claws back."""

    class Kind(models.TextChoices):
        CARRY_FORWARD = "carry_forward", "Carry forward to the next year"
        CLAWBACK = "clawback", "Clawback by the grantor"

    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="decisions")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount_pence = models.BigIntegerField()
    decided_on = models.DateField()
    resolution = models.ForeignKey(
        "meetings.Resolution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    created_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year", "decided_on", "id"]

    def __str__(self) -> str:
        return (
            f"{self.get_kind_display()}: {pounds(self.amount_pence)} from {year_label(self.year)}"
        )


class GrantReturn(models.Model):
    """The quarterly return to the grantor. Its figures are stored when it is made, so the
    documents do not change afterwards."""

    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="returns")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    narrative = models.TextField()
    outputs = models.TextField(blank=True)
    outcomes = models.TextField(blank=True)
    figures = models.JSONField(default=dict)
    created_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-quarter", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["stream", "year", "quarter"], name="funds_return_stream_quarter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stream.name}: return for Q{self.quarter} {year_label(self.year)}"


class Evaluation(models.Model):
    """The grantor's evaluation; a favourable one releases the payment held back for it."""

    class Outcome(models.TextChoices):
        MET = "met", "Conditions met"
        PARTLY = "partly", "Partly met"
        NOT_MET = "not_met", "Not met"

    stream = models.ForeignKey(FundingStream, on_delete=models.PROTECT, related_name="evaluations")
    year = models.PositiveSmallIntegerField()
    stage = models.ForeignKey(
        PaymentStage, null=True, blank=True, on_delete=models.PROTECT, related_name="evaluations"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    summary = models.TextField()
    judged_on = models.DateField()
    released_pence = models.BigIntegerField(default=0)
    created_by = _user_fk()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year", "judged_on", "id"]

    def __str__(self) -> str:
        return f"Evaluation {year_label(self.year)}: {self.get_outcome_display()}"
