"""The performance framework: indicators and their values by month."""

# ruff: noqa: RUF012 - Django's Meta options (ordering, constraints) are class-level lists by design.

from __future__ import annotations

from django.conf import settings
from django.db import models

from saferplaces.web.core.models import Archivable
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.plans.models import Priority


class Indicator(Archivable):
    class Source(models.TextChoices):
        WAREHOUSE = "warehouse", "Police data warehouse (computed each month)"
        PARTNER = "partner", "Partner measure in the warehouse (computed each period)"
        MANUAL = "manual", "Entered by the owner"

    class PeriodType(models.TextChoices):
        MONTH = "month", "Monthly"
        QUARTER = "quarter", "Quarterly"

    class Measure(models.TextChoices):
        COUNT = "count", "Number of crimes or incidents"
        RATE = "rate", "Rate per 1,000 residents"
        HARM = "harm", "Harm (crime severity score)"

    class Direction(models.TextChoices):
        DOWN = "down", "Lower is better"
        UP = "up", "Higher is better"

    # PROTECT (here and on values): an indicator's values are history, and deleting its
    # partnership or priority must not take them or the link with it; archive instead.
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="indicators"
    )
    # Empty for indicators kept to spot emerging themes outside the priorities.
    priority = models.ForeignKey(
        Priority, null=True, blank=True, on_delete=models.PROTECT, related_name="indicators"
    )
    name = models.CharField(max_length=200)
    definition = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    measure = models.CharField(max_length=10, choices=Measure.choices, blank=True)
    # A partner measure's id in the warehouse (saferplaces.warehouse.measures); its source,
    # sharing basis, small-number rule and period type are copied from its definition at each
    # sync, so pages and exports state them without opening the warehouse.
    partner_measure = models.CharField(max_length=100, blank=True)
    measure_source = models.TextField(blank=True)
    measure_sharing = models.TextField(blank=True)
    suppress_below = models.PositiveIntegerField(null=True, blank=True)
    period_type = models.CharField(
        max_length=10, choices=PeriodType.choices, default=PeriodType.MONTH
    )
    # data.police.uk category; empty means all crime (excluding ASB).
    category = models.CharField(max_length=60, blank=True)
    # Warehouse area code; empty means the partnership's own area.
    area_code = models.CharField(max_length=40, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="indicators",
    )
    unit = models.CharField(max_length=60, blank=True)
    baseline_value = models.FloatField(null=True, blank=True)
    baseline_label = models.CharField(max_length=100, blank=True)
    target_value = models.FloatField(null=True, blank=True)
    direction = models.CharField(max_length=4, choices=Direction.choices, default=Direction.DOWN)
    # RAG thresholds in the indicator's own unit: on or better than green_at is green; worse than
    # red_at is red; between is amber.
    green_at = models.FloatField(null=True, blank=True)
    red_at = models.FloatField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_warehouse(self) -> bool:
        return self.source == self.Source.WAREHOUSE

    @property
    def is_partner(self) -> bool:
        return self.source == self.Source.PARTNER

    @property
    def is_computed(self) -> bool:
        """Computed from the warehouse (police data or a partner measure), never entered."""
        return self.source in (self.Source.WAREHOUSE, self.Source.PARTNER)


class IndicatorValue(models.Model):
    class Source(models.TextChoices):
        WAREHOUSE = "warehouse", "Warehouse"
        PARTNER = "partner", "Partner measure"
        MANUAL = "manual", "Entered"
        IMPORT = "import", "Imported"

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    period = models.DateField(help_text="First day of the month")
    value = models.FloatField()
    # The main reference point: the parent area's rate per 1,000 residents in the period.
    reference_value = models.FloatField(null=True, blank=True)
    reference_label = models.CharField(max_length=200, blank=True)
    # The area's own rate per 1,000 residents (for counts), and every reference point with its
    # value or the reason there is none (saferplaces.web.integrations.Series.points).
    rate = models.FloatField(null=True, blank=True)
    reference_points = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    note = models.TextField(blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["indicator", "period"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"], name="unique_value_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period:%Y-%m} = {self.value}"


class WarehouseSync(models.Model):
    """When warehouse-sourced values were last computed, and from which warehouse file state."""

    stamp = models.CharField(max_length=100)
    synced_at = models.DateTimeField(auto_now_add=True)
    indicators = models.PositiveIntegerField(default=0)
    values = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-synced_at", "-id"]
