"""Reads for the performance framework and the board dashboard."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, Prefetch, QuerySet

from saferplaces.web import integrations
from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.partnerships.models import Meeting, Partnership
from saferplaces.web.performance.models import Indicator, IndicatorValue, WarehouseSync
from saferplaces.web.plans import selectors as plan_selectors
from saferplaces.web.plans.models import Action, Priority


def rag_for(ind: Indicator, value: float | None) -> str:
    """Green on or better than the green threshold (or target), red beyond the red one."""
    if value is None:
        return ""
    green = ind.green_at if ind.green_at is not None else ind.target_value
    red = ind.red_at
    if green is None:
        return ""
    if ind.direction == Indicator.Direction.DOWN:
        if value <= green:
            return "green"
        return "red" if red is not None and value > red else "amber"
    if value >= green:
        return "green"
    return "red" if red is not None and value < red else "amber"


def poisson_upper(mu: float, p: float = 0.995) -> float:
    """Upper control limit for a Poisson count with mean mu (exact, via scipy if present)."""
    try:
        from scipy.stats import poisson

        return float(poisson.ppf(p, mu))
    except ImportError:  # normal approximation
        return mu + 2.576 * math.sqrt(mu)


def emerging_signal(values: list[float], measure: str) -> bool:
    """Latest month above the Poisson upper limit of the trailing 12-month mean (counts only)."""
    if measure != Indicator.Measure.COUNT or len(values) < 7:
        return False
    history, latest = values[-13:-1], values[-1]
    mu = sum(history) / len(history)
    return mu > 0 and latest > poisson_upper(mu)


@dataclass
class IndicatorView:
    indicator: Indicator
    values: list[IndicatorValue]
    latest: IndicatorValue | None
    rag: str
    series: list[float] = field(default_factory=list)
    emerging: bool = False
    warehouse_missing: bool = False
    change: float | None = None
    change_label: str = ""


def indicators(partnership: Partnership) -> QuerySet[Indicator]:
    return Indicator.objects.filter(partnership=partnership).select_related(
        "priority", "owner", "owner__organisation"
    )


def indicator_views(
    partnership: Partnership, *, months: int = 13, queryset: QuerySet[Indicator] | None = None
) -> list[IndicatorView]:
    values = IndicatorValue.objects.order_by("period").only(
        "id",
        "indicator_id",
        "period",
        "value",
        "reference_value",
        "reference_label",
        "source",
        "note",
    )
    if months:
        # Only the window shown (and the month a year before its end), not years of history:
        # the dashboard of a partnership with 36 months x 40 indicators reads a third as much.
        latest = IndicatorValue.objects.filter(indicator__partnership=partnership).aggregate(
            m=Max("period")
        )["m"]
        if latest is not None:
            start = latest.replace(day=1)
            for _ in range(months - 1):
                start = (start - dt.timedelta(days=1)).replace(day=1)
            values = values.filter(period__gte=start)
    qs = (queryset if queryset is not None else indicators(partnership)).prefetch_related(
        Prefetch("values", queryset=values, to_attr="all_values")
    )
    have_warehouse = integrations.warehouse_stamp() is not None
    out = []
    for ind in qs:
        vals: list[IndicatorValue] = ind.all_values[-months:] if months else ind.all_values
        latest = vals[-1] if vals else None
        series = [v.value for v in vals]
        view = IndicatorView(
            indicator=ind,
            values=vals,
            latest=latest,
            rag=rag_for(ind, latest.value if latest else None),
            series=series,
            emerging=emerging_signal(series, ind.measure if ind.is_warehouse else ""),
            warehouse_missing=ind.is_warehouse and not have_warehouse and not vals,
        )
        if latest is not None:
            # Same month a year earlier: seasonal patterns make month-on-month change misleading.
            year_ago = latest.period.replace(year=latest.period.year - 1)
            prev = next((v for v in ind.all_values if v.period == year_ago), None)
            if prev is not None:
                view.change = latest.value - prev.value
                view.change_label = (
                    f"{'+' if view.change > 0 else ''}{view.change:,.4g} on {prev.period:%b %Y}"
                )
        out.append(view)
    return out


def indicator_detail(partnership: Partnership, pk: int) -> IndicatorView:
    qs = indicators(partnership).filter(pk=pk)
    views = indicator_views(partnership, months=0, queryset=qs)
    if not views:
        raise Indicator.DoesNotExist
    return views[0]


def last_sync() -> WarehouseSync | None:
    return WarehouseSync.objects.first()


@dataclass
class Dashboard:
    priorities: list[Priority]
    county_priorities: list[Priority]
    indicators: list[IndicatorView]
    emerging: list[IndicatorView]
    overdue: list[Action]
    stale_count: int
    action_rag: dict[int, Counter]
    last_meeting: Meeting | None
    changes: list[AuditEvent]
    change_counts: list[tuple[str, int]]
    warehouse_loaded: bool
    districts: list[Partnership]


def dashboard(partnership: Partnership) -> Dashboard:
    prios = list(plan_selectors.priorities(partnership))
    acts = plan_selectors.flag_actions(
        plan_selectors.actions(partnership)
        .exclude(status__in=Action.CLOSED)
        .order_by("due_date", "id")
    )
    rag_counts: dict[int, Counter] = {}
    for a in acts:
        rag_counts.setdefault(a.priority_id, Counter())[a.rag or "none"] += 1
    for p in prios:
        c = rag_counts.get(p.pk, Counter())
        p.rag_counts = {
            "red": c["red"],
            "amber": c["amber"],
            "green": c["green"],
            "none": c["none"],
        }
    views = indicator_views(partnership)
    meeting = Meeting.objects.filter(partnership=partnership).order_by("-held_on").first()
    events = AuditEvent.objects.filter(partnership=partnership).select_related(
        "actor", "actor__organisation"
    )
    if meeting is not None:
        events = events.filter(at__date__gt=meeting.held_on)
    # The before/after snapshots are not shown here; skipping them keeps the page light.
    recent = list(events.defer("before", "after")[:200])
    counts = Counter(f"{e.verb} {e.object_type}" for e in recent)
    return Dashboard(
        priorities=prios,
        county_priorities=list(plan_selectors.county_priorities(partnership)),
        indicators=[v for v in views if v.indicator.priority_id],
        emerging=[v for v in views if not v.indicator.priority_id],
        overdue=[a for a in acts if a.overdue],
        stale_count=sum(1 for a in acts if a.stale),
        action_rag=rag_counts,
        last_meeting=meeting,
        changes=recent[:15],
        change_counts=counts.most_common(8),
        warehouse_loaded=integrations.warehouse_stamp() is not None,
        districts=list(partnership.districts.all()) if partnership.is_county else [],
    )


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    out, d = [], start.replace(day=1)
    while d <= end:
        out.append(d)
        d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def as_dict(view: IndicatorView) -> dict[str, Any]:
    ind = view.indicator
    return {
        "id": ind.pk,
        "name": ind.name,
        "rag": view.rag,
        "latest": view.latest.value if view.latest else None,
        "target": ind.target_value,
        "reference": view.latest.reference_value if view.latest else None,
    }
