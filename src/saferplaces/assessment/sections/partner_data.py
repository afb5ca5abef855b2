"""Partner data: each partner measure loaded for the area and period, with its definition.

A measure (``saferplaces load measure``) is summed to the assessed area with
:func:`saferplaces.warehouse.measures.aggregate`. Its change is the same like-for-like test as
every police figure (:func:`saferplaces.assessment.comparison.change_block`): only periods
whose counterpart — the same quarter (or month) a year earlier, or the aligned one of the
previous period — is loaded are compared, quarter to quarter. A quarter is given as its three
months, with the quarter's count on its first month, so totals over matched quarters are
exact and both sides have the same exposure.
"""

from __future__ import annotations

from datetime import date

from saferplaces.assessment import model as m
from saferplaces.assessment.comparison import change_block
from saferplaces.assessment.parameters import MATCHED_MONTHS
from saferplaces.assessment.periods import add_months, month_range
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import Comparison, Scope
from saferplaces.assessment.sections.localities import PARTNER_RATE, short_title

NOTE = (
    "Partner data is shown as the partner defined and supplied it. Each partner's small-number "
    "rule is kept: a count from 1 up to its limit is shown as 'fewer than' the limit here and "
    "withheld from the open data."
)


def _label(start: date, period_type: str) -> str:
    if period_type == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return f"{start:%Y-%m}"


def _months(held: dict[date, date], starts: list[date]) -> tuple[date, ...]:
    """The calendar months of the periods starting at ``starts`` (a quarter is three)."""
    return tuple(d for s in starts for d in month_range(s, date(held[s].year, held[s].month, 1)))


def build(
    scope: Scope, data: Warehouse, localities: m.PriorityLocalities | None = None
) -> m.PartnerData | None:
    """Every measure with values for the area in the period; None when none is loaded."""
    from saferplaces.warehouse import measures

    ids = data.measure_ids()
    if not ids:
        return None
    in_loc = {d.key for d in localities.domains} if localities else set()
    in_loc |= {k.removesuffix(PARTNER_RATE) for k in in_loc}
    offset = ((scope.period.start.year - scope.base.start.year) * 12
              + scope.period.start.month - scope.base.start.month)  # fmt: skip
    out = []
    for mid in ids:
        defn = measures.get_definition(data.con, mid)
        held = {r.start: r.end for r in data.measure_periods(mid)}
        end = scope.period.months[-1]
        inside = sorted(s for s, e in held.items()
                        if s >= scope.period.start and date(e.year, e.month, 1) <= end)  # fmt: skip
        if not inside:
            continue
        try:
            rows = measures.aggregate(data.con, mid, scope.level, [scope.code])
        except measures.MeasureError as exc:
            scope.caveats.append(f"Partner data: {short_title(defn.title)} cannot be summed to "
                                 f"this area: {exc}")  # fmt: skip
            continue
        if not rows:
            continue
        series: dict[date, int] = {}
        for r in rows:
            series[r["period_start"]] = series.get(r["period_start"], 0) + int(r["value"] or 0)
        matched = [(s, add_months(s, -offset)) for s in inside if add_months(s, -offset) in held]
        comp = (Comparison(MATCHED_MONTHS, _months(held, [a for a, _ in matched]),
                           _months(held, [b for _, b in matched]), scope.base)
                if matched else Comparison("none", (), (), scope.base))  # fmt: skip
        block = change_block(short_title(defn.title), series, comp, list(_months(held, inside)),
                             scope.population)  # fmt: skip
        out.append(m.PartnerMeasure(
            measure_id=mid, title=defn.title, unit=defn.unit, source=defn.source, licence=defn.licence,
            definition=defn.definition, notes=defn.notes, suppress_below=int(defn.suppress_below),
            periods=[_label(s, defn.period_type) for s in inside], change=block,
            in_localities=mid in in_loc,
        ))  # fmt: skip
    if not out:
        return None
    return m.PartnerData(measures=out, note=NOTE)
