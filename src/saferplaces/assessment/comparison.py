"""One measure now against its baseline, like for like: the change block of every section.

:func:`change_block` turns a measure's monthly counts into a :class:`~model.Change` on the
scope's :class:`~saferplaces.assessment.scope.Comparison`: the matched months by default, or
the whole period against a seasonally scaled partial baseline when asked. :func:`like_for_like`
is the same comparison for callers outside the assessment (the partnership workspace's
baselines and targets).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from saferplaces.analysis import change as chg
from saferplaces.analysis import rates
from saferplaces.analysis.harm import apply_harm_weights
from saferplaces.assessment import model as m
from saferplaces.assessment.parameters import (
    ASB,
    MATCHED_MONTHS,
    SEASONAL_CONFIDENCE,
    SIGNIFICANCE,
    WHOLE_PERIOD_SEASONAL,
)
from saferplaces.assessment.periods import fmt, months_label
from saferplaces.assessment.scope import Comparison
from saferplaces.assessment.statements import change_sentence

if TYPE_CHECKING:
    from saferplaces.assessment.inputs import HarmWeights
    from saferplaces.assessment.queries import Warehouse

Monthly = Mapping[str, Mapping[date, int]]  # category → month → records


def rnd(x: float | None, nd: int = 6) -> float | None:
    """Round for stable JSON; NaN and inf become None."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None
    return round(x, nd)


def measure(monthly: Monthly, which: str) -> dict[date, int]:
    """One measure's monthly series: 'crime' (all but ASB), 'asb', or a category."""
    out: dict[date, int] = {}
    for category, by_month in monthly.items():
        keep = (category != ASB if which == "crime" else category == ASB if which == "asb"
                else category == which)  # fmt: skip
        if keep:
            for d, n in by_month.items():
                out[d] = out.get(d, 0) + n
    return out


def total(series: Mapping[date, int], months: Iterable[date]) -> int:
    return int(sum(series.get(d, 0) for d in months))


def harm_series(monthly: Monthly, harm_weights: HarmWeights) -> dict[date, float]:
    """Harm-weighted crime per month through :func:`~saferplaces.analysis.harm.apply_harm_weights`:
    ASB is excluded for its stated reason and any other category without a weight is refused
    (never counted as no harm)."""
    months = sorted({d for by_month in monthly.values() for d in by_month})
    return {d: apply_harm_weights({c: by_month[d] for c, by_month in monthly.items() if d in by_month},
                                  harm_weights.weights).total
            for d in months}  # fmt: skip


def harm_exclusions(monthly: Monthly, months: Iterable[date], harm_weights: HarmWeights) -> list[m.HarmExclusion]:
    """The categories left out of the harm total over ``months``, with their counts and reasons."""
    ms = list(months)
    res = apply_harm_weights({c: total(by_month, ms) for c, by_month in sorted(monthly.items())},
                             harm_weights.weights)  # fmt: skip
    return [m.HarmExclusion(category=x.category, count=int(x.count), reason=x.reason,
                            statement=x.statement) for x in res.exclusions]  # fmt: skip


def reference_for(data: Warehouse, comparison: Comparison) -> Monthly:
    """The forces' records per category and month in the seasonal reference years (empty for
    the matched-months basis: nothing extra is read)."""
    if comparison.basis != WHOLE_PERIOD_SEASONAL:
        return {}
    return data.force_monthly(list(comparison.forces), list(comparison.reference_months))


def change_block(
    what: str,
    series: Mapping[date, int],
    comparison: Comparison,
    period_months: list[date],
    population: int,
    *,
    reference: Mapping[date, int] | None = None,
    harm: Mapping[date, float] | None = None,
) -> m.Change:
    """``series``: the measure's records per month (period and baseline months alike).

    ``period_months`` are the period's months present (the count and the rate use them all);
    ``reference`` the force's records per month for the seasonal basis; ``harm`` the
    harm-weighted total per month (crime only).
    """
    count = total(series, period_months)
    rate = ci_lo = ci_hi = base_rate = None
    annual = 12.0 / len(period_months) if period_months else None
    if population > 0 and annual:
        ri = rates.rate_per_1000(count, population)
        rate, ci_lo, ci_hi = float(ri.rate) * annual, float(ri.lower) * annual, float(ri.upper) * annual
    harm_now = sum(harm.get(d, 0.0) for d in period_months) if harm is not None else None
    base_harm = compared_harm = None
    common = dict(count=count, rate_per_1000=rnd(rate, 3), rate_ci_low=rnd(ci_lo, 3),
                  rate_ci_high=rnd(ci_hi, 3), harm=rnd(harm_now, 2))  # fmt: skip
    if comparison.basis == "none":
        return m.Change(
            **common, compared_count=count, baseline_count=0, change=None, percent_change=None,
            p_value=None, sqrt_z=None, significant=False, direction="no baseline", basis="none",
            compared=None, statement=change_sentence(what, count, None, "", period=months_label(period_months)),
        )  # fmt: skip
    before = total(series, comparison.baseline_months)
    if harm is not None:
        base_harm = sum(harm.get(d, 0.0) for d in comparison.baseline_months)
        compared_harm = sum(harm.get(d, 0.0) for d in comparison.months)
    n = comparison.n
    if population > 0 and comparison.baseline_months:
        base_rate = before / population * 1000 * 12.0 / len(comparison.baseline_months)
    estimate = p = z = lo = hi = None
    if comparison.basis == MATCHED_MONTHS:
        now = total(series, comparison.months)
        # Equal exposures: the same number of months on both sides, month for month.
        p = chg.e_test(now, before, n, n).p_value
        z = chg.sqrt_poisson_z(now, before, n, n)
        percent = chg.percent_change(before, now)
        change = now - before
        direction = "no change" if now == before else ("up" if now > before else "down")
        statement = change_sentence(what, now, before, months_label(list(comparison.baseline_months)),
                                    period=months_label(list(comparison.months)), p_value=p,
                                    direction=direction if direction != "no change" else "")  # fmt: skip
    else:
        now = count
        estimate, p, lo, hi, percent = _seasonal(now, before, series, comparison, reference or {})
        change = round(now - estimate) if estimate is not None else None
        if estimate is None or abs(now - estimate) < 1e-9:
            direction = "no change"
        else:
            direction = "up" if now > estimate else "down"
        statement = change_sentence(
            what, now, estimate if estimate is not None else before,
            f"{months_label(comparison.baseline_window.months)} (estimated from "
            f"{months_label(list(comparison.baseline_months))} and the seasonal pattern in "
            f"{comparison.reference_label})", period=months_label(list(comparison.months)),
            p_value=p, direction=direction if direction != "no change" else "",
        )  # fmt: skip
    return m.Change(
        **common, compared_count=now, baseline_count=before,
        baseline_estimate=rnd(estimate, 2), change=change, percent_change=rnd(percent, 2),
        percent_ci_low=rnd(lo, 2), percent_ci_high=rnd(hi, 2), p_value=rnd(p, 8), sqrt_z=rnd(z, 4),
        significant=bool(p is not None and p < SIGNIFICANCE), direction=direction,
        basis=comparison.basis, compared=comparison.label,
        baseline_rate_per_1000=rnd(base_rate, 3), baseline_harm=rnd(base_harm, 2),
        compared_harm=rnd(compared_harm, 2), statement=statement,
    )  # fmt: skip


def _seasonal(now: int, before: int, series: Mapping[date, int], comparison: Comparison,
              reference: Mapping[date, int]) -> tuple:  # fmt: skip
    """Estimate, p, percent interval and percent for the whole period against a partial baseline."""
    window_cal = {d.month for d in comparison.baseline_window.months}
    base_cal = {d.month for d in comparison.baseline_months}
    ref_total = [d for d in comparison.reference_months if d.month in window_cal]
    ref_share = [d for d in ref_total if d.month in base_cal]
    a, t = total(reference, ref_share), total(reference, ref_total)
    if t == 0 or a == 0:
        return None, None, None, None, None
    share = a / t
    estimate = before / share
    if now == 0 or before == 0:
        return estimate, None, None, None, chg.percent_change(estimate, now)
    # The area's own records inside the reference years (the force's records include them).
    ref_set, share_set = set(ref_total), set(ref_share)
    na = min(a, now, total(series, [d for d in comparison.months if d in share_set]))
    nt = min(t, now, total(series, [d for d in comparison.months if d in ref_set]))
    res = chg.seasonally_adjusted_change(now, before, a, t, now_in_share_count=na,
                                         now_in_share_total=nt, confidence=SEASONAL_CONFIDENCE)  # fmt: skip
    return (res.baseline_estimate, res.p_value, 100 * (res.ratio_low - 1), 100 * (res.ratio_high - 1),
            res.percent_change)  # fmt: skip


# --- for the workspace -------------------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """One measure on the matched months: records now and in the baseline, and per month."""

    now: int
    baseline: int
    months: int

    @property
    def baseline_per_month(self) -> float | None:
        return self.baseline / self.months if self.months else None

    @property
    def now_per_month(self) -> float | None:
        return self.now / self.months if self.months else None


@dataclass(frozen=True)
class LikeForLike:
    """Like-for-like figures for an area: only months present in both periods.

    ``months`` (YYYY-MM) are the period months compared and ``baseline_months`` their
    counterparts; ``label`` names them ('January–April 2025 against January–April 2024'), or
    is None when there is no baseline to compare with.
    """

    area_code: str
    area_name: str
    months: list[str]
    baseline_months: list[str]
    label: str | None
    crime: Baseline
    asb: Baseline
    categories: dict[str, Baseline] = field(default_factory=dict)


def like_for_like(
    area: str,
    start: str,
    end: str,
    baseline: str = "previous-year",
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    workspace: str | Path | None = None,
) -> LikeForLike:
    """Like-for-like baselines for targets: the area's counts on the matched months only.

    For the partnership workspace: a target or a baseline taken from this never divides a
    12-month count by a 4-month one. Raises :class:`AssessmentError` for an unknown area or a
    period with no data; missing months are allowed (they are simply not matched).
    """
    from saferplaces.assessment.queries import Warehouse
    from saferplaces.assessment.scope import Request, build_scope

    own = con is None
    if own:
        from saferplaces.config import Workspace
        from saferplaces.warehouse.store import connect

        con = connect(Workspace.resolve(workspace).warehouse_path, read_only=True)
    try:
        data = Warehouse(con)
        scope = build_scope(data, Request(area=area, start=start, end=end, baseline=baseline,
                                          allow_gaps=True))  # fmt: skip
        c = scope.comparison
        monthly = data.area_monthly(sorted(set(c.months) | set(c.baseline_months)))
    finally:
        if own:
            con.close()

    def block(series: Mapping[date, int]) -> Baseline:
        return Baseline(total(series, c.months), total(series, c.baseline_months), c.n)

    return LikeForLike(
        area_code=scope.code, area_name=scope.name, months=[fmt(d) for d in c.months],
        baseline_months=[fmt(d) for d in c.baseline_months], label=c.label,
        crime=block(measure(monthly, "crime")), asb=block(measure(monthly, "asb")),
        categories={cat: block(v) for cat, v in sorted(monthly.items())},
    )  # fmt: skip
