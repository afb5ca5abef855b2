"""Headline figures for several areas side by side (``saferplaces compare``)."""

from __future__ import annotations

import duckdb

from saferplaces.assessment.engine import AssessmentError, Engine, Request
from saferplaces.assessment.periods import Window, baseline_window, parse_month


def compare_areas(
    con: duckdb.DuckDBPyConnection,
    areas: list[str],
    start: str,
    end: str,
    baseline: str = "previous-year",
    allow_gaps: bool = False,
) -> list[dict]:
    """One row per area: counts, change with E-test p-value, rates per 1,000 a year, harm."""
    if len(areas) < 2:
        raise AssessmentError("Give at least two areas to compare.")
    rows = []
    for text in areas:
        engine = Engine(con, Request(area=text, start=start, end=end, baseline=baseline,
                                     allow_gaps=allow_gaps))  # fmt: skip
        level, code, name = engine.resolve()
        period = Window(parse_month(start, "--from"), parse_month(end, "--to"))
        base = baseline_window(period, baseline)
        engine.area_lsoas(level, code, "a_lsoa")
        forces = engine.forces_for("a_lsoa")
        now_cov, base_cov = engine.coverage(forces, period), engine.coverage(forces, base)
        engine._check_gaps(name, forces, now_cov, base_cov)
        pop = con.execute(
            "SELECT population FROM areas WHERE level = ? AND code = ?", [level, code]
        ).fetchone()[0] or 0
        now, before = engine.counts("a_lsoa", now_cov.present), engine.counts("a_lsoa", base_cov.present)
        crime_now, asb_now = engine.split(now)
        crime_before, asb_before = engine.split(before)
        label = "the baseline"
        crime = engine.change("Crime", crime_now, crime_before, now_cov.n, base_cov.n, pop, label)
        asb = engine.change("ASB", asb_now, asb_before, now_cov.n, base_cov.n, pop, label)
        harm = engine.harm_total(now)
        rows.append(
            {
                "level": level, "code": code, "name": name, "population": int(pop),
                "months_present": now_cov.n, "baseline_months_present": base_cov.n,
                "crime": crime.count, "crime_baseline": crime.baseline_count,
                "crime_change_percent": crime.percent_change, "crime_p_value": crime.p_value,
                "crime_rate_per_1000": crime.rate_per_1000,
                "asb": asb.count, "asb_baseline": asb.baseline_count,
                "asb_change_percent": asb.percent_change, "asb_p_value": asb.p_value,
                "asb_rate_per_1000": asb.rate_per_1000,
                "harm_per_1000": round(harm / pop * 1000 * 12 / now_cov.n, 2) if pop else None,
                "caveats": engine.caveats,
            }
        )  # fmt: skip
    return rows
