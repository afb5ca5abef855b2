"""Reads for the performance framework and the board dashboard."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from saferplaces.assessment import statements
from saferplaces.web import integrations
from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.meetings import selectors as meeting_selectors
from saferplaces.web.meetings.models import Meeting, Resolution
from saferplaces.web.partnerships.models import Partnership
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


# The emerging-issues test compares the latest 3 months with up to 12 before them.
EMERGING_MONTHS = 15


def emerging_scan(monthly: dict[int, dict[dt.date, float]]) -> Any:
    """One test over all the partnership's police-data count indicators at once
    (:func:`saferplaces.analysis.emerging.emerging_issues`: consecutive months only, with the
    share of chance flags controlled across them). ``monthly`` maps indicator id to counts by
    month. None when there is nothing to test."""
    if not monthly:
        return None
    from saferplaces.analysis.emerging import emerging_issues

    months = sorted({m for by_month in monthly.values() for m in by_month})
    return emerging_issues(monthly, months)


def plain_change(v: IndicatorView) -> str:
    """The change on the same month a year earlier in words, naming the month (STYLE.md):
    '12 more than January 2025 (36% more)'."""
    if v.change is None or v.latest is None:
        return ""
    p = v.latest.period
    return statements.difference_words(
        float(v.latest.value),
        float(v.latest.value) - float(v.change),
        f"{p:%B} {p.year - 1}",
        counted=v.indicator.measure == "count",
    )


def shown_value(ind: Indicator, value: float | None) -> float | None:
    """A value as open outputs (exports, the pack) may show it: a partner measure's small
    numbers are suppressed below its declared threshold
    (:func:`saferplaces.warehouse.measures.open_value`); None means suppressed."""
    if value is None or not ind.is_partner or not ind.suppress_below:
        return value
    from saferplaces.warehouse.measures import open_value

    return open_value(round(value), ind.suppress_below)


def _per_1000(x: float) -> str:
    return f"{x:,.2f}" if abs(x) >= 0.1 else f"{x:,.3f}"


def reference_lines(ind: Indicator, value: IndicatorValue | None) -> list[str]:
    """A figure's reference points in words: for a count, its rate per 1,000 residents; then
    each comparison (parent area, similar areas, England and Wales) with how this area stands
    against it, or the reason there is none."""
    if value is None:
        return []
    points = value.reference_points or []
    if not points and value.reference_value is not None:
        return [f"{value.reference_label}: {value.reference_value:,.4g}"]
    if not points:
        if ind.is_computed:
            return ["No reference point for this month"]
        if ind.baseline_value is not None:
            label = f" ({ind.baseline_label})" if ind.baseline_label else ""
            return [f"Baseline: {ind.baseline_value:,.4g}{label}"]
        return ["No reference point: entered by hand, with no baseline recorded"]
    own = value.rate if value.rate is not None else value.value
    lines = []
    if value.rate is not None:
        lines.append(f"{_per_1000(value.rate)} per 1,000 residents here")
    for point in points:
        ref = point.get("value")
        if ref is None:
            lines.append(point.get("reason") or f"{point.get('label')}: not available")
            continue
        words = statements.times(own / ref) if ref else ""
        compare = (
            "here about the same"
            if words == "about the same as"
            else (f"here {words} that" if words else "")
        )
        lines.append(
            f"{point['label']}: {_per_1000(ref)} per 1,000" + (f"; {compare}" if compare else "")
        )
    return lines


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
    references: list[str] = field(default_factory=list)
    monthly: dict[dt.date, float] = field(default_factory=dict)
    # When the latest value was entered or computed (the digest's "since the last meeting").
    entered_at: dt.datetime | None = None
    # moved_significantly's words, when worked out already (kept with the cached figures).
    moved: str | None = None
    # The key its table row is cached under ("" with the cache off): the figures' key and
    # whether it is flagged as emerging, all a row shows besides the indicator's own fields.
    row_key: str = ""


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
        warehouse_missing=ind.is_computed and not have_warehouse and not series,
        references=reference_lines(ind, latest),
    )
    if latest is not None and year_ago_value is not None:
        # Same month a year earlier: seasonal patterns make month-on-month change misleading.
        view.change = latest.value - year_ago_value[1]
        view.change_label = plain_change(view)
    return view


def _counts(ind: Indicator) -> bool:
    """An indicator the emerging-issues test covers: a count of police-recorded crime."""
    return ind.is_warehouse and ind.measure == Indicator.Measure.COUNT


class IndicatorViews(list):
    """The indicator views, and the emerging-issues result they were flagged with (None when
    there was nothing to test, or only some of the partnership's indicators were read)."""

    emerging_scan: Any = None
    # Each indicator's cache key (None when the cache is off), for results derived from all.
    cache_keys: dict[int, str] | None = None


def _cached_scan(monthly: dict[int, dict[dt.date, float]], key: str | None) -> Any:
    """:func:`emerging_scan`, kept under ``key`` (made from the indicators' own cache keys, so
    it changes whenever one of their values or settings does) when one is given."""
    if key is None:
        return emerging_scan(monthly)
    cache = _indicator_cache()
    hit = cache.get(key, _MISSING)
    if hit is not _MISSING:
        return hit
    scan = emerging_scan(monthly)
    cache.set(key, scan)
    return scan


_MISSING = object()


def _scan_key(views: IndicatorViews, keys: dict[int, str] | None, extra: str = "") -> str | None:
    if keys is None:
        return None
    parts = sorted(keys[v.indicator.pk] for v in views if _counts(v.indicator))
    raw = repr((parts, extra))
    return "scan:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def _flag_emerging(views: IndicatorViews, keys: dict[int, str] | None = None) -> None:
    views.cache_keys = keys
    scan = _cached_scan(
        {v.indicator.pk: v.monthly for v in views if _counts(v.indicator)},
        _scan_key(views, keys),
    )
    if scan is not None:
        flagged = {f.key for f in scan.flags}
        for v in views:
            v.emerging = v.indicator.pk in flagged
    views.emerging_scan = scan


def _year_ago(latest_period: dt.date) -> dt.date:
    return latest_period.replace(year=latest_period.year - 1)


def _stamp_key(ind: Indicator, months: int, have_warehouse: bool, stamp: tuple) -> str:
    """The cache key of an indicator's derived figures: its settings as read (any edit,
    archive or restore changes them) and its values' stamp (how many, the latest month and
    when the latest was written: every write path sets ``entered_at``), so a stale entry is
    never read, in any process, and nothing needs deleting."""
    fields = tuple(getattr(ind, f.attname) for f in Indicator._meta.concrete_fields)
    raw = repr((fields, months, have_warehouse, stamp))
    return "ind:" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def _cache_enabled() -> bool:
    return bool(getattr(settings, "SAFERPLACES_INDICATOR_CACHE", False))


CACHE_ALIAS = "derived"


def _indicator_cache():
    return caches[CACHE_ALIAS] if CACHE_ALIAS in settings.CACHES else caches["default"]


def indicator_views(
    partnership: Partnership,
    *,
    months: int = 13,
    queryset: QuerySet[Indicator] | None = None,
    owners: bool = True,
) -> list[IndicatorView]:
    """Each indicator with its latest value, RAG and the last ``months`` months (0: all).

    For all the partnership's indicators (no ``queryset``) the police-data counts are flagged
    by one emerging-issues test over all of them, kept as ``emerging_scan`` on the list.

    Three queries whatever the number of indicators: the indicators, each one's values stamp
    (one GROUP BY) and the value rows of the indicators whose derived figures are not cached
    under that stamp (none once cached; see :func:`_stamp_key`). ``owners=False`` leaves out
    the indicators' owners and priorities (the dashboard shows neither)."""
    if queryset is not None:
        qs = queryset
    else:
        qs = indicators(partnership) if owners else current_indicators(partnership)
    have_warehouse = integrations.warehouse_stamp() is not None
    if not months:
        return _full_history_views(qs, have_warehouse)
    values = (
        IndicatorValue.objects.filter(indicator__partnership=partnership)
        if queryset is None
        else IndicatorValue.objects.filter(indicator__in=qs.values("pk"))
    )
    inds = list(qs)
    # Only the window shown (and the month a year before its end), not years of history:
    # the dashboard of a partnership with 36 months x 40 indicators reads a third as much.
    # Each indicator's window ends at its own latest month: one value entered for a later
    # month must not push the others' figures out of the table.
    stamps = {
        pk: (latest_month, n, at)
        for pk, latest_month, n, at in values.order_by()
        .values("indicator_id")
        .annotate(m=Max("period"), n=Count("id"), at=Max("entered_at"))
        .values_list("indicator_id", "m", "n", "at")
    }
    use_cache = _cache_enabled()
    keys = {ind.pk: _stamp_key(ind, months, have_warehouse, stamps.get(ind.pk)) for ind in inds}
    cache = _indicator_cache()
    cached: dict[str, Any] = cache.get_many(list(keys.values())) if use_cache else {}
    missing = [ind.pk for ind in inds if keys[ind.pk] not in cached and ind.pk in stamps]
    windows: dict[int, tuple[dt.date, dt.date]] = {}
    for pk in missing:
        start = stamps[pk][0].replace(day=1)
        shown_from = start
        # The emerging-issues test needs a little more than the window shown.
        for i in range(max(months, EMERGING_MONTHS) - 1):
            start = (start - dt.timedelta(days=1)).replace(day=1)
            if i == months - 2:
                shown_from = start
        windows[pk] = (start, shown_from)
    # Plain rows, not model objects: a table of 40 indicators shows 520 months, but only each
    # indicator's latest month needs to be a value object (its reference point and label).
    rows: dict[int, list[tuple]] = {}
    # The rows of the indicators not cached (all of them with the cache off). The query runs
    # even when every indicator is cached (as `IN (0)`, which reads nothing), so a page's
    # query count does not depend on what its process happens to hold.
    window_values = values.filter(
        period__gte=min((w[0] for w in windows.values()), default=dt.date.min)
    )
    if len(windows) < len(stamps):
        window_values = window_values.filter(indicator_id__in=list(windows) or [0])
    for row in window_values.order_by("indicator_id", "period").values_list(
        *VALUE_FIELDS, "entered_at"
    ):
        if row[1] in windows and row[2] >= windows[row[1]][0]:
            rows.setdefault(row[1], []).append(row)
    db = values.db
    out = IndicatorViews()
    n = len(VALUE_FIELDS)
    fresh: dict[str, Any] = {}
    for ind in inds:
        key = keys[ind.pk]
        if key in cached:
            out.append(_from_cached(ind, cached[key], db))
            continue
        ind_rows = rows.get(ind.pk, [])
        shown_from = windows[ind.pk][1] if ind.pk in windows else None
        window = [r for r in ind_rows if shown_from is None or r[2] >= shown_from][-months:]
        latest = IndicatorValue.from_db(db, VALUE_FIELDS, window[-1][:n]) if window else None
        prev = None
        if latest is not None:
            year_ago = _year_ago(latest.period)
            prev = next(((r[2], r[3]) for r in ind_rows if r[2] == year_ago), None)
        view = _view(ind, latest, [r[3] for r in window], prev, have_warehouse, [])
        view.entered_at = window[-1][n] if window else None
        if _counts(ind):
            view.monthly = {r[2]: r[3] for r in ind_rows[-EMERGING_MONTHS:]}
        out.append(view)
        if use_cache:
            view.moved = moved_significantly(view)
            fresh[key] = _to_cached(view, window[-1][:n] if window else None)
    if fresh:
        cache.set_many(fresh)
    # Only when every indicator of the partnership is here: the test is over all of them.
    if queryset is None:
        _flag_emerging(out, keys if use_cache else None)
    if use_cache:
        for v in out:
            v.row_key = f"{keys[v.indicator.pk]}:{int(v.emerging)}"
    return out


def _to_cached(view: IndicatorView, latest_row: tuple | None) -> tuple:
    """What is kept of a view: plain values (the indicator itself is read fresh each time)."""
    return (
        latest_row,
        view.rag,
        view.series,
        view.warehouse_missing,
        view.change,
        view.change_label,
        view.references,
        view.monthly,
        view.entered_at,
        view.moved,
    )


def _from_cached(ind: Indicator, data: tuple, db: str) -> IndicatorView:
    latest_row, rag, series, missing, change, label, refs, monthly, entered_at, moved = data
    latest = IndicatorValue.from_db(db, VALUE_FIELDS, latest_row) if latest_row else None
    return IndicatorView(
        indicator=ind,
        values=[],
        latest=latest,
        rag=rag,
        series=series,
        warehouse_missing=missing,
        change=change,
        change_label=label,
        references=refs,
        monthly=monthly,
        entered_at=entered_at,
        moved=moved,
    )


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
    view = views[0]
    if _counts(view.indicator):
        # Flagged by the same test as the dashboard: over all the partnership's counts.
        scan = emerging_for(partnership)
        view.emerging = scan is not None and view.indicator.pk in {f.key for f in scan.flags}
    return view


def emerging_for(partnership: Partnership) -> Any:
    """The emerging-issues test over the partnership's police-data counts (one query)."""
    monthly: dict[int, dict[dt.date, float]] = {}
    rows = (
        IndicatorValue.objects.filter(
            indicator__in=current_indicators(partnership).filter(
                source=Indicator.Source.WAREHOUSE, measure=Indicator.Measure.COUNT
            )
        )
        .order_by("indicator_id", "period")
        .values_list("indicator_id", "period", "value")
    )
    for pk, period, value in rows:
        monthly.setdefault(pk, {})[period] = value
    return emerging_scan({k: dict(list(v.items())[-EMERGING_MONTHS:]) for k, v in monthly.items()})


def last_sync() -> WarehouseSync | None:
    # The last one that computed figures: a sync refused by a load's lock computed nothing.
    return WarehouseSync.objects.exclude(stamp="").first()


# "Since the last meeting" ------------------------------------------------------------------------

# With no meeting recorded yet, the digest covers this many days before today.
NO_MEETING_DAYS = 91
RAG_ORDER = {"green": 0, "amber": 1, "red": 2}
RAG_NAMES = {"red": "red", "amber": "amber", "green": "green", "": "not rated"}


@dataclass
class DigestLine:
    """One thing that happened, in words. ``kind`` and ``pk`` let a page link to the record."""

    kind: str
    pk: int
    title: str
    text: str


@dataclass
class Digest:
    """What changed since the last meeting, for people: what the dashboard and the pack show
    instead of the raw audit log (which the audit page keeps)."""

    meeting: Meeting | None
    since: dt.datetime
    completed: list[DigestLine] = field(default_factory=list)
    slipped: list[DigestLine] = field(default_factory=list)
    rag_changes: list[DigestLine] = field(default_factory=list)
    indicators: list[DigestLine] = field(default_factory=list)
    emerging: list[DigestLine] = field(default_factory=list)
    resolutions: list[Any] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.completed
            or self.slipped
            or self.rag_changes
            or self.indicators
            or self.emerging
            or self.resolutions
        )

    @property
    def period_words(self) -> str:
        if self.meeting is None:
            return f"No meeting recorded yet, so this covers the last three months (since {self.since:%-d %B %Y})."
        return f"Since {self.meeting.title} on {self.meeting.held_on:%-d %B %Y}."


def _rag_words(before: str, after: str) -> str:
    return f"{RAG_NAMES.get(before, before)} to {RAG_NAMES.get(after, after)}".capitalize()


def _worse(before: str, after: str) -> bool:
    # Losing a rating is not "worse": nothing was reported.
    return bool(before and after) and RAG_ORDER[after] > RAG_ORDER[before]


def moved_significantly(v: IndicatorView) -> str:
    """The change on a year earlier in words when it is more than chance, else "".

    Counts only: the same Poisson test as the assessment (``saferplaces.analysis.change.e_test``,
    one month against the same month a year earlier) worded by
    :func:`saferplaces.assessment.statements.significance_words`. Rates and scores have no
    test of this kind, so they never count as having moved significantly."""
    if v.moved is not None:
        return v.moved
    if v.change is None or v.latest is None or v.indicator.measure != Indicator.Measure.COUNT:
        return ""
    from saferplaces.analysis.change import e_test

    now = float(v.latest.value)
    before = now - float(v.change)
    if now < 0 or before < 0 or not now.is_integer() or not before.is_integer():
        return ""
    p = e_test(now, before).p_value
    if p >= statements.SIGNIFICANCE_LEVEL:
        return ""
    direction = "up" if now > before else "down"
    return f"{plain_change(v)}: {statements.significance_words(p, direction, now, before)}"


def since_last_meeting(
    partnership: Partnership,
    *,
    meeting: Meeting | bool | None = False,
    views: IndicatorViews | None = None,
    overdue: list[Action] | None = None,
    current: tuple[set[int], set[int]] | None = None,
) -> Digest:
    """What has happened since the partnership's last meeting: actions completed or slipped
    (fallen overdue since, or their RAG worsened), RAG changes of priorities and actions,
    indicators whose latest month moved more than chance on a year earlier, emerging issues
    not flagged on the data the meeting had, and the resolutions recorded at that meeting.

    The dashboard passes what it has already read (``meeting``, ``views``, ``overdue``) so
    nothing is read twice; called alone it reads them. ``current`` is the ids of the current
    (not archived) priorities and actions: archived ones are left out, as from every current
    view."""
    if meeting is False:
        meeting = meeting_selectors.last_meeting(partnership)
    since = (
        meeting.starts_at
        if meeting is not None
        else timezone.now() - dt.timedelta(days=NO_MEETING_DAYS)
    )
    digest = Digest(meeting=meeting, since=since)
    since_day = timezone.localtime(since).date()

    # RAG and status changes, from the audit log's before and after: one read, and every way
    # a RAG is set (progress updates, edits, the quarterly review) is covered.
    first_before: dict[tuple[str, str], dict] = {}
    last_after: dict[tuple[str, str], dict] = {}
    labels: dict[tuple[str, str], str] = {}
    for object_type, object_id, label, before, after in (
        AuditEvent.objects.filter(
            partnership=partnership,
            at__gt=since,
            verb="update",
            object_type__in=["action", "priority"],
        )
        .order_by("at", "id")
        .values_list("object_type", "object_id", "object_label", "before", "after")
    ):
        key = (object_type, object_id)
        first_before.setdefault(key, before or {})
        last_after[key] = after or {}
        labels[key] = label
    if current is None:
        current = (
            set(plan_selectors.current_priorities(partnership).values_list("pk", flat=True)),
            set(plan_selectors.current_actions(partnership).values_list("pk", flat=True)),
        )
    slipped: dict[int, DigestLine] = {}
    for key, after in last_after.items():
        kind, pk = key[0], int(key[1])
        if pk not in current[0 if kind == "priority" else 1]:
            continue
        before = first_before[key]
        if kind == "action" and after.get("status") == Action.Status.COMPLETE != before.get(
            "status"
        ):
            digest.completed.append(DigestLine(kind, pk, labels[key], "Completed"))
        old, new = before.get("rag", ""), after.get("rag", "")
        if "rag" in after and old != new:
            words = _rag_words(old, new)
            if kind == "action" and _worse(old, new):
                # Listed once, with the actions that slipped.
                slipped[pk] = DigestLine(kind, pk, labels[key], f"RAG worsened: {words.lower()}")
            else:
                digest.rag_changes.append(DigestLine(kind, pk, labels[key], words))
    if overdue is None:
        overdue = list(
            plan_selectors.current_actions(partnership)
            .filter(plan_selectors.overdue_q(plan_selectors.today()), due_date__gte=since_day)
        )
    for a in overdue:
        if a.due_date is not None and a.due_date >= since_day:
            text = f"Due {a.due_date:%-d %B %Y} and not done"
            if a.pk in slipped:
                text += f"; {slipped[a.pk].text[0].lower()}{slipped[a.pk].text[1:]}"
            slipped[a.pk] = DigestLine("action", a.pk, a.title, text)
    digest.slipped = sorted(slipped.values(), key=lambda x: x.title)
    digest.completed.sort(key=lambda x: x.title)
    digest.rag_changes.sort(key=lambda x: (x.kind != "priority", x.title))

    if views is None:
        views = indicator_views(partnership)
    for v in views:
        if v.latest is None or v.entered_at is None or v.entered_at <= since:
            continue
        words = moved_significantly(v)
        if words:
            digest.indicators.append(
                DigestLine(
                    "indicator", v.indicator.pk, v.indicator.name, words[0].upper() + words[1:]
                )
            )
    scan = getattr(views, "emerging_scan", None)
    if scan is not None and scan.flags:
        # Flagged now but not on the months the meeting could have seen.
        cutoff = since_day.replace(day=1)
        then = _cached_scan(
            {
                v.indicator.pk: {m: x for m, x in v.monthly.items() if m < cutoff}
                for v in views
                if _counts(v.indicator)
            },
            _scan_key(views, getattr(views, "cache_keys", None), f"before {cutoff}"),
        )
        flagged_then = {f.key for f in then.flags} if then is not None else set()
        by_pk = {v.indicator.pk: v for v in views}
        for f in scan.flags:
            if f.key not in flagged_then and f.key in by_pk:
                v = by_pk[f.key]
                digest.emerging.append(
                    DigestLine(
                        "indicator",
                        f.key,
                        v.indicator.name,
                        "Higher than usual in the latest three months",
                    )
                )
    if meeting is not None:
        # Exempt business stays out: the dashboard and the pack are for every member.
        digest.resolutions = list(
            Resolution.objects.filter(item__meeting=meeting, item__exempt=False)
            .select_related("item")
            .order_by("item__number", "letter")
        )
    return digest


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
    since: Digest
    warehouse_loaded: bool
    districts: list[Partnership]
    emerging_statement: str = ""
    partnership: Partnership | None = None

    def _events(self) -> QuerySet[AuditEvent]:
        events = AuditEvent.objects.filter(partnership=self.partnership)
        if self.last_meeting is not None:
            events = events.filter(at__date__gt=self.last_meeting.held_on)
        return events

    @cached_property
    def changes(self) -> list[AuditEvent]:
        """The latest 15 audit events since the last meeting, for the API's count and the
        audit page; the dashboard and the pack show the digest (``since``) instead, so these
        are read only when asked for."""
        return list(
            self._events()
            .select_related("actor", "actor__organisation")
            .defer("before", "after")[:15]
        )

    @cached_property
    def change_counts(self) -> list[tuple[str, int]]:
        # Counted over the latest 200 changes as plain rows.
        return Counter(
            f"{verb} {object_type}"
            for verb, object_type in self._events().values_list("verb", "object_type")[:200]
        ).most_common(8)


def dashboard(partnership: Partnership, *, owners: bool = True) -> Dashboard:
    """The board dashboard. ``owners=False`` leaves out the indicators' owners, which the page
    does not show (the API does)."""
    # Counting needs no objects: the actions are read as plain rows, and only the overdue ones,
    # which are listed, as actions with their priority and owner. The priorities' counts come
    # from the same rows (rather than a GROUP BY), and the county agreement's objectives, which
    # are not shown here, are not read.
    prios = list(plan_selectors.priority_leads(partnership))
    t, cutoff = plan_selectors.today(), plan_selectors.stale_cutoff()
    totals: Counter = Counter()
    rag_counts: dict[int, Counter] = {}
    overdue_count, stale_count = 0, 0
    evidence: dict[int, list[tuple[str, bool]]] = {}
    action_ids: set[int] = set()
    for (
        pk,
        priority_id,
        status,
        rag,
        due_date,
        last_update_at,
        created_at,
    ) in plan_selectors.current_actions(partnership).values_list(
        "pk", "priority_id", "status", "rag", "due_date", "last_update_at", "created_at"
    ):
        action_ids.add(pk)
        totals[priority_id] += 1
        if status in Action.CLOSED:
            continue
        rag_counts.setdefault(priority_id, Counter())[rag or "none"] += 1
        late = plan_selectors.is_overdue(True, due_date, t)
        overdue_count += late
        evidence.setdefault(priority_id, []).append((rag, late))
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
                .filter(plan_selectors.overdue_q(t))
                .order_by("due_date", "id")
            )
            if a.overdue
        ]
        if overdue_count
        else []
    )
    views = indicator_views(partnership, owners=owners)
    scan = getattr(views, "emerging_scan", None)
    by_priority: dict[int, list[tuple[str, str]]] = {}
    for v in views:
        if v.indicator.priority_id:
            by_priority.setdefault(v.indicator.priority_id, []).append((v.indicator.name, v.rag))
    for p in prios:
        # Until a review rates the priority, the evidence suggests a rating (never saved).
        p.suggested = (
            None
            if p.rag
            else plan_selectors.suggest_rag(
                actions=evidence.get(p.pk, []), indicators=by_priority.get(p.pk, [])
            )
        )
    meeting = meeting_selectors.last_meeting(partnership)
    digest = since_last_meeting(
        partnership,
        meeting=meeting,
        views=views,
        overdue=overdue,
        current=({p.pk for p in prios}, action_ids),
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
        since=digest,
        warehouse_loaded=integrations.warehouse_stamp() is not None,
        districts=list(partnership.districts.all()) if partnership.is_county else [],
        emerging_statement=scan.statement if scan is not None else "",
        partnership=partnership,
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
        "references": view.references,
    }
