"""Headline figures for several areas side by side (``saferplaces compare``)."""

from __future__ import annotations

import duckdb

from saferplaces.assessment.comparison import (
    change_block,
    harm_series,
    measure,
    reference_for,
)
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import AssessmentError, Request, build_scope
from saferplaces.assessment.sections.overview import area_months


def compare_areas(
    con: duckdb.DuckDBPyConnection,
    areas: list[str],
    start: str,
    end: str,
    baseline: str = "previous-year",
    allow_gaps: bool = False,
) -> list[dict]:
    """One row per area: counts, like-for-like change with E-test p-value, rates, harm."""
    if len(areas) < 2:
        raise AssessmentError("Give at least two areas to compare.")
    rows = []
    data = Warehouse(con)
    for text in areas:
        scope = build_scope(data, Request(area=text, start=start, end=end, baseline=baseline,
                                          allow_gaps=allow_gaps))  # fmt: skip
        monthly = data.area_monthly(area_months(scope))
        ref = reference_for(data, scope.comparison)
        pop, now = scope.population, scope.cov_now.present
        crime = change_block("Crime", measure(monthly, "crime"), scope.comparison, now, pop,
                             reference=measure(ref, "crime"))  # fmt: skip
        asb = change_block("ASB", measure(monthly, "asb"), scope.comparison, now, pop,
                           reference=measure(ref, "asb"))  # fmt: skip
        harm = sum(harm_series(monthly, scope.harm).get(d, 0.0) for d in now)
        rows.append(
            {
                "level": scope.level, "code": scope.code, "name": scope.name, "population": pop,
                "months_present": scope.cov_now.n, "baseline_months_present": scope.cov_base.n,
                "months_compared": scope.comparison.n, "compared": scope.comparison.label,
                "crime": crime.count, "crime_compared": crime.compared_count,
                "crime_baseline": crime.baseline_count,
                "crime_change_percent": crime.percent_change, "crime_p_value": crime.p_value,
                "crime_rate_per_1000": crime.rate_per_1000,
                "asb": asb.count, "asb_compared": asb.compared_count,
                "asb_baseline": asb.baseline_count,
                "asb_change_percent": asb.percent_change, "asb_p_value": asb.p_value,
                "asb_rate_per_1000": asb.rate_per_1000,
                "harm_per_1000": round(harm / pop * 1000 * 12 / scope.cov_now.n, 2) if pop else None,
                "caveats": scope.caveats,
            }
        )  # fmt: skip
    return rows
