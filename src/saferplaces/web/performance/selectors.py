"""Reads for the performance framework and the board dashboard."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, Prefetch, Q, QuerySet

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
    """One indicator as the tables show it.

    ``values`` is the indicator's whole history (full rows, oldest first), filled by
    :func:`indicator_detail`; the tables (:func:`indicator_views` with a window) show only
    ``series``, ``latest`` and the change on a year ago, and leave ``values`` empty rather than
    building a model object for every month of every indicator.
    """

    indicator: Indicator
    values: list[IndicatorValue]
    latest: IndicatorValue | None
    rag: str
    series: list[float] = field(default_factory=list)
    emerging: bool = False
    warehouse_missing: bool = False
    change: float | None = None
    change_label: str = ""


def current_indicators(
    partnership: Partnership, *, include_archived: bool = False
) -> QuerySet[Indicator]:
    """The partnership's indicators, plain. One is current if it and its priority (if any) are."""
    qs = Indicator.objects.filter(partnership=partnership)
    if include_archived:
        return qs
    return qs.filter(
        Q(priority__isnull=True) | Q(priority__archived_at__isnull=True), archived_at__isnull=True
    )


def indicators(partnership: Partnership, *, include_archived: bool = False) -> QuerySet[Indicator]:
    return current_indicators(partnership, include_archived=include_archived).select_related(
        "priority", "owner", "owner__organisation"
    )


# The columns a value is shown with (not who entered it, or when).
VALUE_FIELDS = tuple(
    f.attname
    for f in IndicatorValue._meta.concrete_fields
    if f.attname not in ("entered_by_id", "entered_at")
)


def _view(
    ind: Indicator,
    latest: IndicatorValue | None,
    series: list[float],
    year_ago_value: Any,
    have_warehouse: bool,
    values: list[IndicatorValue],
) -> IndicatorView:
    view = IndicatorView(
        indicator=ind,
        values=values,
        latest=latest,
        rag=rag_for(ind, latest.value if latest else None),
        series=series,
        emerging=emerging_signal(series, ind.measure if ind.is_warehouse else ""),
        warehouse_missing=ind.is_warehouse and not have_warehouse and not series,
    )
    if latest is not None and year_ago_value is not None:
        # Same month a year earlier: seasonal patterns make month-on-month change misleading.
        prev_period, prev_value = year_ago_value
        view.change = latest.value - prev_value
        view.change_label = (
            f"{'+' if view.change > 0 else ''}{view.change:,.4g} on {prev_period:%b %Y}"
        )
    return view


def _year_ago(latest_period: dt.date) -> dt.date:
    return latest_period.replace(year=latest_period.year - 1)


def indicator_views(
    partnership: Partnership, *, months: int = 13, queryset: QuerySet[Indicator] | None = None
) -> list[IndicatorView]:
    """Each indicator with its latest value, RAG and the last ``months`` months (0: all)."""
    qs = queryset if queryset is not None else indicators(partnership)
    have_warehouse = integrations.warehouse_stamp() is not None
    if not months:
        return _full_history_views(qs, have_warehouse)
    values = (
        IndicatorValue.objects.filter(indicator__partnership=partnership)
        if queryset is None
        else IndicatorValue.objects.filter(indicator__in=qs.values("pk"))
    )
    # Only the window shown (and the month a year before its end), not years of history:
    # the dashboard of a partnership with 36 months x 40 indicators reads a third as much.
    latest_month = IndicatorValue.objects.filter(indicator__partnership=partnership).aggregate(
        m=Max("period")
    )["m"]
    if latest_month is not None:
        start = latest_month.replace(day=1)
        for _ in range(months - 1):
            start = (start - dt.timedelta(days=1)).replace(day=1)
        values = values.filter(period__gte=start)
    # Plain rows, not model objects: a table of 40 indicators shows 520 months, but only each
    # indicator's latest month needs to be a value object (its reference point and label).
    rows: dict[int, list[tuple]] = {}
    for row in values.order_by("indicator_id", "period").values_list(*VALUE_FIELDS):
        rows.setdefault(row[1], []).append(row)
    db = values.db
    out = []
    for ind in qs:
        ind_rows = rows.get(ind.pk, [])
        window = ind_rows[-months:]
        latest = IndicatorValue.from_db(db, VALUE_FIELDS, window[-1]) if window else None
        prev = None
        if latest is not None:
            year_ago = _year_ago(latest.period)
            prev = next(((r[2], r[3]) for r in ind_rows if r[2] == year_ago), None)
        out.append(_view(ind, latest, [r[3] for r in window], prev, have_warehouse, []))
    return out


def _full_history_views(qs: QuerySet[Indicator], have_warehouse: bool) -> list[IndicatorView]:
    values = IndicatorValue.objects.order_by("period").only(*VALUE_FIELDS)
    out = []
    for ind in qs.prefetch_related(Prefetch("values", queryset=values, to_attr="all_values")):
        vals: list[IndicatorValue] = ind.all_values
        latest = vals[-1] if vals else None
        prev = None
        if latest is not None:
            year_ago = _year_ago(latest.period)
            prev = next(((v.period, v.value) for v in vals if v.period == year_ago), None)
        out.append(_view(ind, latest, [v.value for v in vals], prev, have_warehouse, vals))
    return out


def indicator_detail(
    partnership: Partnership, pk: int, *, include_archived: bool = False
) -> IndicatorView:
    qs = indicators(partnership, include_archived=include_archived).filter(pk=pk)
    views = indicator_views(partnership, months=0, queryset=qs)
    if not views:
        raise Indicator.DoesNotExist
    return views[0]


def last_sync() -> WarehouseSync | None:
    # The last one that computed figures: a sync refused by a load's lock computed nothing.
    return WarehouseSync.objects.exclude(stamp="").first()


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
    # Counting needs no objects: the actions are read as plain rows, and only the overdue ones,
    # which are listed, as actions with their priority and owner. The priorities' counts come
    # from the same rows (rather than a GROUP BY), and the county agreement's objectives, which
    # are not shown here, are not read.
    prios = list(plan_selectors.priority_leads(partnership))
    t, cutoff = plan_selectors.today(), plan_selectors.stale_cutoff()
    totals: Counter = Counter()
    rag_counts: dict[int, Counter] = {}
    overdue_count, stale_count = 0, 0
    for (
        priority_id,
        status,
        rag,
        due_date,
        last_update_at,
        created_at,
    ) in plan_selectors.current_actions(partnership).values_list(
        "priority_id", "status", "rag", "due_date", "last_update_at", "created_at"
    ):
        totals[priority_id] += 1
        if status in Action.CLOSED:
            continue
        rag_counts.setdefault(priority_id, Counter())[rag or "none"] += 1
        overdue_count += plan_selectors.is_overdue(True, due_date, t)
        stale_count += plan_selectors.is_stale(True, last_update_at, created_at, cutoff)
    for p in prios:
        c = rag_counts.get(p.pk, Counter())
        p.rag_counts = {
            "red": c["red"],
            "amber": c["amber"],
            "green": c["green"],
            "none": c["none"],
        }
        p.open_actions = c.total()
        p.total_actions = totals[p.pk]
    overdue = (
        [
            a
            for a in plan_selectors.flag_actions(
                plan_selectors.actions(partnership)
                .exclude(status__in=Action.CLOSED)
                .filter(due_date__lt=t)
                .order_by("due_date", "id")
            )
            if a.overdue
        ]
        if overdue_count
        else []
    )
    views = indicator_views(partnership)
    meeting = Meeting.objects.filter(partnership=partnership).order_by("-held_on").first()
    events = AuditEvent.objects.filter(partnership=partnership)
    if meeting is not None:
        events = events.filter(at__date__gt=meeting.held_on)
    # Counted over the latest 200 changes as plain rows; only the 15 listed are read in full
    # (without the before/after snapshots, which are not shown here).
    counts = Counter(
        f"{verb} {object_type}"
        for verb, object_type in events.values_list("verb", "object_type")[:200]
    )
    recent = (
        list(events.select_related("actor", "actor__organisation").defer("before", "after")[:15])
        if counts
        else []
    )
    return Dashboard(
        priorities=prios,
        # Only their titles are shown: not their objectives.
        county_priorities=list(
            plan_selectors.county_priorities(partnership).prefetch_related(None)
        ),
        indicators=[v for v in views if v.indicator.priority_id],
        emerging=[v for v in views if not v.indicator.priority_id],
        overdue=overdue,
        stale_count=stale_count,
        action_rag=rag_counts,
        last_meeting=meeting,
        changes=recent,
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
