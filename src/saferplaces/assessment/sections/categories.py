"""Categories: each crime type and ASB against the baseline, with trend, season and outcomes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import numpy as np

from saferplaces.analysis import timeseries as ts
from saferplaces.analysis.emerging import latest_consecutive_run
from saferplaces.analysis.harm import apply_harm_weights
from saferplaces.assessment import model as m
from saferplaces.assessment.comparison import change_block, measure, reference_for, rnd, total
from saferplaces.assessment.parameters import TREND_MIN_MONTHS
from saferplaces.assessment.periods import fmt
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import Scope
from saferplaces.assessment.sections import peers as peers_section
from saferplaces.assessment.sections.overview import area_months
from saferplaces.assessment.themes import activity_caveat, coverage_for


def build(scope: Scope, data: Warehouse, *, peers: m.Peers | None) -> list[m.Category]:
    months = scope.cov_now.present
    monthly = data.area_monthly(area_months(scope))
    ref = reference_for(data, scope.comparison)
    # Trends and seasons need consecutive months: a gap ends the run (the same rule as the
    # emerging-issues screen).
    hist = latest_consecutive_run(scope.history)
    crime_total = total(measure(monthly, "crime"), months)
    asb_total = total(measure(monthly, "asb"), months)
    outcomes = outcome_profile(scope, data)
    peer_medians = peers_section.category_medians(scope, data, peers)
    compared = set(months) | set(scope.comparison.months) | set(scope.comparison.baseline_months)
    # Harm through the one rule: a category without a weight is refused, ASB excluded by name.
    harm = apply_harm_weights({r.category: total(monthly.get(r.category, {}), months)
                               for r in scope.categories}, scope.harm.weights)  # fmt: skip
    harm_of = {line.category: line.harm for line in harm.by_category}
    out = []
    for row in scope.categories:
        category, is_asb = row.category, bool(row.is_asb)
        series = monthly.get(category, {})
        if not any(series.get(d, 0) for d in compared):
            continue
        block = change_block(category, series, scope.comparison, months, scope.population,
                             reference=measure(ref, category))  # fmt: skip
        weight = scope.harm.weight(category)
        trend, season = _trend_and_season(series, hist)
        n = block.count
        out.append(
            m.Category(
                category=category, slug=row.slug, is_asb=is_asb,
                **block.model_dump(include={
                    "count", "compared_count", "baseline_count", "baseline_estimate", "change",
                    "percent_change", "percent_ci_low", "percent_ci_high", "p_value", "sqrt_z",
                    "significant", "direction", "basis", "compared", "rate_per_1000",
                    "rate_ci_low", "rate_ci_high", "statement"}),
                share=rnd(n / (asb_total if is_asb else crime_total) if (asb_total if is_asb else crime_total) else 0.0, 6),
                harm_weight=weight, harm=rnd(harm_of[category], 2) if category in harm_of else None,
                monthly=[m.Month(month=fmt(d), count=series.get(d, 0)) for d in months],
                baseline_monthly=[m.Month(month=fmt(d), count=series.get(d, 0))
                                  for d in scope.cov_base.present],
                trend=trend, seasonality=season, outcomes=outcomes.get(category),
                peer_rate_median=peer_medians.get(category),
                coverage=coverage_text(category), caveats=[c for c in (activity_caveat(category),) if c],
            )
        )  # fmt: skip
    out.sort(key=lambda c: (c.is_asb, -c.count, c.category))
    return out


def _trend_and_season(series: dict[date, int], hist: list[date]) -> tuple:
    if len(hist) < TREND_MIN_MONTHS:
        return None, None
    trend = season = None
    values = np.array([series.get(d, 0) for d in hist], float)
    pt = ts.poisson_trend(values)
    if pt is not None:
        trend = m.Trend(
            slope_per_month=rnd(pt.slope_per_month, 4),
            percent_per_year=rnd((pt.rate_ratio_per_month**12 - 1) * 100, 2),
            p_value=rnd(pt.p_value, 8),
            method=f"Log-linear Poisson (quasi-Poisson) trend over {len(hist)} months",
        )
    si = ts.seasonal_indices(values, first_month=hist[0].month)
    if si is not None:
        idx = {f"{k:02d}": rnd(v, 2) for k, v in sorted(si.indices.items())}
        season = m.Seasonality(
            indices=idx,
            peak_month=max(idx, key=lambda k: (idx[k], k)),
            trough_month=min(idx, key=lambda k: (idx[k], k)),
            method="Classical multiplicative decomposition (ratio to 2×12 moving average)",
        )
    return trend, season


def outcome_profile(scope: Scope, data: Warehouse) -> dict[str, list[m.OutcomeShare]]:
    rows = data.outcomes(scope.cov_now.present)
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        totals[r.category] += r.n
    out: dict[str, list[m.OutcomeShare]] = defaultdict(list)
    for r in rows:
        out[r.category].append(m.OutcomeShare(outcome=r.outcome, count=r.n, share=rnd(r.n / totals[r.category], 6)))
    return out


def coverage_text(category: str) -> str:
    """What data.police.uk holds for a category and what it cannot show, in plain English."""
    cov = coverage_for(category)
    if cov.key == "unmatched":
        return (f"data.police.uk publishes '{category}' as one category; it mixes many offences "
                "that cannot be told apart.")  # fmt: skip
    return cov.statement
