"""Assembling a strategic assessment from the warehouse.

This module reads the warehouse (SQL) and calls the pure statistics in
``saferplaces.analysis``; it computes no statistic itself. The result is one
:class:`~saferplaces.assessment.model.Assessment`. Everything is ordered explicitly so the
same inputs give the same JSON byte for byte (apart from ``generated_at``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import shapely

from saferplaces import __version__
from saferplaces.analysis import change as chg
from saferplaces.analysis import composite, concentration, emerging, hotspots, peers, rates
from saferplaces.analysis import timeseries as ts
from saferplaces.assessment import model as m
from saferplaces.assessment.inputs import (
    HarmWeights,
    PriorityInputs,
    load_harm_weights,
    load_priority_inputs,
)
from saferplaces.assessment.periods import Window, baseline_window, fmt, month_range, parse_month
from saferplaces.assessment.statements import change_statement, ordinal, times
from saferplaces.warehouse import forces as force_list

ASB = "Anti-social behaviour"
SNAP_FLOOR_M = 150.0  # data.police.uk snaps to map points ~150 m apart in towns
CELL_DIVISOR = 150.0  # Chainey (2013): cell size ≈ shorter side of the area's extent / 150
FDR_ALPHA = 0.05
BANDWIDTH_CELLS = 5  # quartic kernel search radius, in cell widths
LOCALITY_THRESHOLD = 150.0
PEERS_K = 5
OGL = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right. Police data: data.police.uk."
)


# The columns of a street record the assessment reads; fewer columns, faster area extracts.
RECORD_COLUMNS = "category, month, lsoa21_code, easting, northing, lon, lat, outcome, force, lsoa_method"
# Counts for parent areas and England and Wales, shared by the areas assessed in one process.
_PARENT_COUNTS: dict[tuple, tuple[dict[str, int], dict[str, int]]] = {}


class AssessmentError(ValueError):
    """A problem with the request (area, period, data coverage); the message says what to do."""


@dataclass
class Request:
    area: str
    start: str
    end: str
    baseline: str = "previous-year"
    allow_gaps: bool = False
    cell_size_m: float | None = None
    harm_weights: Path | None = None
    priority_inputs: Path | None = None
    locality_threshold: float = LOCALITY_THRESHOLD
    peers_k: int = PEERS_K


@dataclass
class Coverage:
    """Months present for a set of forces within a window."""

    window: Window
    present: list[date]
    missing: dict[str, list[str]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.present)


def _r(x: float | None, nd: int = 6) -> float | None:
    """Round for stable JSON; NaN and inf become None."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return None
    return round(x, nd)


class Engine:
    def __init__(self, con: duckdb.DuckDBPyConnection, request: Request) -> None:
        self.con = con
        self.req = request
        self.harm: HarmWeights = load_harm_weights(request.harm_weights)
        self.inputs: PriorityInputs = load_priority_inputs(request.priority_inputs)
        self.categories = [
            (c, s, a)
            for c, s, a in con.execute(
                "SELECT category, slug, is_asb FROM ref_categories WHERE current ORDER BY category"
            ).fetchall()
        ]
        self.caveats: list[str] = []
        self.loaded = self._loaded_months()

    # --- coverage -------------------------------------------------------------------------

    def _loaded_months(self) -> dict[str, set[date]]:
        out: dict[str, set[date]] = defaultdict(set)
        for force, month in self.con.execute(
            "SELECT force, month FROM police_loads WHERE is_current AND kind = 'street'"
        ).fetchall():
            out[force].add(month)
        return out

    def coverage(self, forces: list[str], window: Window) -> Coverage:
        present, missing = [], defaultdict(list)
        for month in window.months:
            ok = True
            for f in forces:
                if month not in self.loaded.get(f, set()):
                    missing[f].append(fmt(month))
                    ok = False
            if ok:
                present.append(month)
        return Coverage(window, present, dict(missing))

    # --- area -----------------------------------------------------------------------------

    def resolve(self) -> tuple[str, str, str]:
        from saferplaces.warehouse.geography import resolve_area

        try:
            return resolve_area(self.con, self.req.area)
        except LookupError as exc:
            raise AssessmentError(str(exc)) from exc

    def area_lsoas(self, level: str, code: str, table: str) -> None:
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT DISTINCT lsoa21_code "
            "FROM area_lsoas WHERE level = ? AND code = ?",
            [level, code],
        )
        if table == "a_lsoa":
            # The area's own records, read once: every later query about the area scans this
            # small table instead of the national one.
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE a_street AS SELECT {RECORD_COLUMNS} "
                "FROM police_street WHERE lsoa21_code IN (SELECT lsoa21_code FROM a_lsoa)"
            )

    @staticmethod
    def _records(table: str) -> str:
        if table == "a_lsoa":
            return "a_street"
        return (f"(SELECT {RECORD_COLUMNS} FROM police_street "
                f"WHERE lsoa21_code IN (SELECT lsoa21_code FROM {table}))")  # fmt: skip

    def _state(self) -> tuple:
        """What the warehouse holds now: a cache key that changes with every load."""
        return (
            self.con.execute(
                "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
            ).fetchone()[0],
            self.con.execute(
                "SELECT coalesce(max(load_id), 0), count(*) FROM police_loads WHERE is_current"
            ).fetchone(),
        )

    def counts_pair(
        self, key: tuple, table: str | None, now: list[date], before: list[date]
    ) -> tuple[dict[str, int], dict[str, int]]:
        """Records per category now and in the baseline, in one pass over the records.

        ``table`` names the temp table of LSOAs (None: every LSOA in England and Wales).
        Parent areas and England and Wales are the same for every area assessed in a session,
        so their counts are kept for as long as the warehouse holds the same loads.
        """
        cache_key = (self._state(), key, tuple(now), tuple(before))
        if cache_key in _PARENT_COUNTS:
            return _PARENT_COUNTS[cache_key]
        where = (f"lsoa21_code IN (SELECT lsoa21_code FROM {table})" if table
                 else "lsoa21_code IS NOT NULL")  # fmt: skip
        rows = self.con.execute(
            f"""
            SELECT category,
                   count(*) FILTER (WHERE month IN (SELECT unnest(?::DATE[]))),
                   count(*) FILTER (WHERE month IN (SELECT unnest(?::DATE[])))
            FROM police_street WHERE {where} GROUP BY 1 ORDER BY 1
            """,
            [now, before],
        ).fetchall()
        result = ({c: a for c, a, _ in rows if a}, {c: b for c, _, b in rows if b})
        if table != "a_lsoa":
            if len(_PARENT_COUNTS) > 512:  # a long-running server must not grow without bound
                _PARENT_COUNTS.clear()
            _PARENT_COUNTS[cache_key] = result
        return result

    def forces_for(self, table: str) -> list[str]:
        pfas = [
            r[0]
            for r in self.con.execute(
                f"SELECT DISTINCT r.pfa_code FROM ref_lsoa21 r JOIN {table} USING (lsoa21_code) "
                "ORDER BY 1"
            ).fetchall()
        ]
        return [force_list.BY_PFA[p].slug for p in pfas if p in force_list.BY_PFA]

    # --- counting -------------------------------------------------------------------------

    def counts(self, table: str, months: list[date]) -> dict[str, int]:
        """Records per category in the area's LSOAs for the given months."""
        if not months:
            return {}
        rows = self.con.execute(
            f"""
            SELECT s.category, count(*) FROM {self._records(table)} s
            WHERE s.month IN (SELECT unnest(?::DATE[])) GROUP BY 1 ORDER BY 1
            """,
            [months],
        ).fetchall()
        return dict(rows)

    def split(self, counts: dict[str, int]) -> tuple[int, int]:
        asb = counts.get(ASB, 0)
        return sum(counts.values()) - asb, asb

    def harm_total(self, counts: dict[str, int]) -> float:
        return float(
            sum(n * (self.harm.weight(c) or 0.0) for c, n in counts.items() if c != ASB)
        )

    # --- the change block -----------------------------------------------------------------

    def change(
        self,
        what: str,
        now: int,
        before: int,
        n_now: int,
        n_before: int,
        population: int,
        baseline_label: str,
        harm: float | None = None,
        baseline_harm: float | None = None,
    ) -> m.Change:
        test = chg.e_test(now, before, max(n_now, 1), max(n_before, 1)) if n_now and n_before else None
        z = chg.sqrt_poisson_z(now, before, max(n_now, 1), max(n_before, 1))
        # Compare like with like: scale the baseline to the current period's length.
        before_scaled = before * n_now / n_before if n_before else before
        percent = chg.percent_change(before_scaled, now)
        p = test.p_value if test else None
        annual = 12.0 / n_now if n_now else None
        rate = ci_lo = ci_hi = base_rate = None
        if population > 0 and annual:
            ri = rates.rate_per_1000(now, population)
            rate, ci_lo, ci_hi = (float(ri.rate) * annual, float(ri.lower) * annual,
                                  float(ri.upper) * annual)  # fmt: skip
            if n_before:
                base_rate = before / population * 1000 * 12.0 / n_before
        direction = "no change" if now == before_scaled else ("up" if now > before_scaled else "down")
        return m.Change(
            count=now,
            baseline_count=before,
            change=now - before,
            percent_change=_r(percent, 2),
            p_value=_r(p, 8),
            sqrt_z=_r(z, 4),
            significant=bool(p is not None and p < 0.05),
            direction=direction,
            rate_per_1000=_r(rate, 3),
            rate_ci_low=_r(ci_lo, 3),
            rate_ci_high=_r(ci_hi, 3),
            baseline_rate_per_1000=_r(base_rate, 3),
            harm=_r(harm, 2),
            baseline_harm=_r(baseline_harm, 2),
            statement=change_statement(what, now, before, percent, p, baseline_label, n_now, n_before),
        )

    # --- the whole assessment -------------------------------------------------------------

    def run(self) -> m.Assessment:
        req = self.req
        level, code, name = self.resolve()
        period = Window(parse_month(req.start, "--from"), parse_month(req.end, "--to"))
        months = period.months  # validates order
        base = baseline_window(period, req.baseline)
        self.area_lsoas(level, code, "a_lsoa")
        area_row = self.con.execute(
            "SELECT population, area_km2, lsoa_count FROM areas WHERE level = ? AND code = ?",
            [level, code],
        ).fetchone()
        forces = self.forces_for("a_lsoa")
        if not forces:
            raise AssessmentError(f"{name} ({code}) lies in no police force area in the warehouse.")
        cov_now, cov_base = self.coverage(forces, period), self.coverage(forces, base)
        self._check_gaps(name, forces, cov_now, cov_base)
        self.cov_now, self.cov_base = cov_now, cov_base
        self.level, self.code, self.name = level, code, name
        self.population = int(area_row[0] or 0)
        self.base_label = (
            "the same months a year earlier" if req.baseline == "previous-year"
            else "the previous period of the same length"
        )  # fmt: skip

        now = self.counts("a_lsoa", cov_now.present)
        before = self.counts("a_lsoa", cov_base.present)
        self.now_counts, self.before_counts = now, before
        parents = self.parents(level, code)
        area = m.Area(
            level=level, code=code, name=name, population=self.population,
            area_km2=_r(area_row[1] or 0.0, 3), lsoa_count=int(area_row[2] or 0),
            forces=forces, parents=parents,
        )  # fmt: skip
        crime_now, asb_now = self.split(now)
        crime_before, asb_before = self.split(before)
        overview = m.Overview(
            crime=self.change(
                "Recorded crime (excluding ASB)", crime_now, crime_before, cov_now.n, cov_base.n,
                self.population, self.base_label, self.harm_total(now), self.harm_total(before),
            ),
            asb=self.change(
                "Anti-social behaviour", asb_now, asb_before, cov_now.n, cov_base.n,
                self.population, self.base_label,
            ),
            comparators=self.comparators(parents),
            monthly=self.overview_months(self.cov_now.present),
            baseline_monthly=self.overview_months(self.cov_base.present),
        )  # fmt: skip
        peer_block = self.peers(level, code)
        categories = self.category_blocks(now, before, peer_block)
        places = self.places(level)
        hotspot_block = self.hotspots()
        localities = self.priority_localities(level)
        issues = self.emerging()
        priorities = self.recommended(categories, peer_block)
        quality = self.data_quality(forces)
        return m.Assessment(
            generated_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            area=area,
            period=m.Period(
                start=fmt(period.start), end=fmt(period.end), months=len(months),
                months_present=cov_now.n,
                missing_months=sorted({x for v in cov_now.missing.values() for x in v}),
            ),
            baseline=m.Baseline(
                kind=req.baseline, start=fmt(base.start), end=fmt(base.end),
                months=len(base.months), months_present=cov_base.n,
                missing_months=sorted({x for v in cov_base.missing.values() for x in v}),
            ),
            overview=overview,
            categories=categories,
            peers=peer_block,
            places=places,
            hotspots=hotspot_block,
            priority_localities=localities,
            emerging_issues=issues,
            recommended_priorities=priorities,
            data_quality=quality,
            methods=self.methods(),
            provenance=self.provenance(forces),
        )  # fmt: skip

    def _check_gaps(self, name: str, forces: list[str], now: Coverage, base: Coverage) -> None:
        missing = defaultdict(list)
        for cov in (now, base):
            for f, ms in cov.missing.items():
                missing[f].extend(ms)
        if not now.present:
            raise AssessmentError(
                f"No police data for {name} in {now.window.label()}: load "
                + ", ".join(forces) + " street files for those months first."
            )
        if missing and not self.req.allow_gaps:
            listing = "; ".join(f"{f}: {', '.join(sorted(set(ms)))}" for f, ms in sorted(missing.items()))
            raise AssessmentError(
                f"Months are missing for the forces covering {name} ({listing}). Load them, or "
                "give --allow-gaps to compute rates on the months present (the caveat is "
                "recorded in the assessment)."
            )
        if missing:
            self.caveats.append(
                "Months missing from the warehouse were left out (--allow-gaps): "
                + "; ".join(f"{f}: {', '.join(sorted(set(ms)))}" for f, ms in sorted(missing.items()))
                + f". Rates and tests use the months present ({now.n} now, {base.n} in the "
                "baseline), with exposure weighting."
            )
        if not base.present:
            self.caveats.append(
                f"No baseline data ({base.window.label()}): changes and significance cannot be "
                "judged."
            )

    # --- parents and comparators ------------------------------------------------------------

    def parents(self, level: str, code: str) -> list[m.AreaRef]:
        row = self.con.execute(
            """
            SELECT CASE WHEN count(DISTINCT ward_code) = 1 THEN any_value(ward_code) END,
                   CASE WHEN count(DISTINCT lad_code) = 1 THEN any_value(lad_code) END,
                   CASE WHEN count(DISTINCT csp_code) = 1 THEN any_value(csp_code) END,
                   CASE WHEN count(DISTINCT pfa_code) = 1 THEN any_value(pfa_code) END
            FROM ref_lsoa21 JOIN a_lsoa USING (lsoa21_code)
            """
        ).fetchone()
        order = {"lsoa": 0, "ward": 1, "lad": 2, "csp": 3, "pfa": 4, "locality": 0}
        out = []
        for lvl, c in zip(("ward", "lad", "csp", "pfa"), row, strict=True):
            if c is None or c == code:
                continue
            if order[lvl] <= order.get(level, 0) and not (level == "csp" and lvl == "lad"):
                continue
            nm = self.con.execute(
                "SELECT name FROM areas WHERE level = ? AND code = ?", [lvl, c]
            ).fetchone()
            # A LAD that holds several CSPs is a real parent of a CSP; a LAD equal to it is not.
            if lvl == "lad" and level == "csp":
                same = self.con.execute(
                    "SELECT count(DISTINCT csp_code) FROM ref_lsoa21 WHERE lad_code = ?", [c]
                ).fetchone()[0]
                if same <= 1:
                    continue
            if nm:
                out.append(m.AreaRef(level=lvl, code=c, name=nm[0]))
        return out

    def comparators(self, parents: list[m.AreaRef]) -> list[m.Comparator]:
        out = []
        for p in parents:
            if p.level not in ("lad", "csp", "pfa"):
                continue
            self.area_lsoas(p.level, p.code, "p_lsoa")
            same = self.con.execute(
                "SELECT (SELECT count(*) FROM p_lsoa) = (SELECT count(*) FROM a_lsoa) AND NOT "
                "EXISTS (SELECT lsoa21_code FROM a_lsoa EXCEPT SELECT lsoa21_code FROM p_lsoa)"
            ).fetchone()[0]
            if same:
                continue  # the same residents under another name (City of London's force area)
            forces = self.forces_for("p_lsoa")
            cov_now = self.coverage(forces, self.cov_now.window)
            cov_base = self.coverage(forces, self.cov_base.window)
            pop = self.con.execute(
                "SELECT population FROM areas WHERE level = ? AND code = ?", [p.level, p.code]
            ).fetchone()[0]
            now, before = self.counts_pair((p.level, p.code), "p_lsoa", cov_now.present,
                                           cov_base.present)  # fmt: skip
            cn, an = self.split(now)
            cb, ab = self.split(before)
            out.append(
                m.Comparator(
                    area=p, population=int(pop or 0),
                    crime=self.change(f"Crime in {p.name}", cn, cb, cov_now.n, cov_base.n,
                                      int(pop or 0), self.base_label, self.harm_total(now),
                                      self.harm_total(before)),
                    asb=self.change(f"ASB in {p.name}", an, ab, cov_now.n, cov_base.n,
                                    int(pop or 0), self.base_label),
                    coverage_note=None if cov_now.n == self.cov_now.n else
                    f"{cov_now.n} months with data for every force of {p.name}",
                )
            )  # fmt: skip
        ew = self._england_and_wales()
        if ew is not None:
            out.append(ew)
        return out

    def _england_and_wales(self) -> m.Comparator | None:
        forces = [f.slug for f in force_list.FORCES if f.pfa_code]
        cov_now = self.coverage(forces, self.cov_now.window)
        cov_base = self.coverage(forces, self.cov_base.window)
        if cov_now.n < len(self.cov_now.window.months):
            lacking = sorted(cov_now.missing)
            self.caveats.append(
                "No England and Wales reference point: the warehouse lacks data for "
                f"{len(lacking)} of {len(forces)} forces in the period"
                + (f" ({', '.join(lacking[:6])}{' …' if len(lacking) > 6 else ''})" if lacking else "")
                + ". Load the national archive to add it."
            )
            return None
        now, before = self.counts_pair(("country", "K04000001"), None, cov_now.present,
                                       cov_base.present)  # fmt: skip
        pop = self.con.execute("SELECT sum(population) FROM ref_lsoa21").fetchone()[0]
        cn, an = self.split(now)
        cb, ab = self.split(before)
        ref = m.AreaRef(level="country", code="K04000001", name="England and Wales")
        return m.Comparator(
            area=ref, population=int(pop),
            crime=self.change("Crime in England and Wales", cn, cb, cov_now.n, cov_base.n,
                              int(pop), self.base_label, self.harm_total(now),
                              self.harm_total(before)),
            asb=self.change("ASB in England and Wales", an, ab, cov_now.n, cov_base.n, int(pop),
                            self.base_label),
        )  # fmt: skip

    # --- categories -------------------------------------------------------------------------

    def monthly(self, table: str, months: list[date]) -> dict[str, dict[date, int]]:
        out: dict[str, dict[date, int]] = defaultdict(dict)
        if not months:
            return out
        for c, month, n in self.con.execute(
            f"""
            SELECT s.category, s.month, count(*) FROM {self._records(table)} s
            WHERE s.month IN (SELECT unnest(?::DATE[])) GROUP BY 1, 2 ORDER BY 1, 2
            """,
            [months],
        ).fetchall():
            out[c][month] = n
        return out

    def overview_months(self, months: list[date]) -> list[m.OverviewMonth]:
        by = self.monthly("a_lsoa", months)
        return [
            m.OverviewMonth(
                month=fmt(d),
                crime=sum(v.get(d, 0) for c, v in by.items() if c != ASB),
                asb=by.get(ASB, {}).get(d, 0),
            )
            for d in months
        ]

    def history(self) -> list[date]:
        """Every month up to the period end with data for all the area's forces."""
        forces = self.area_forces
        if not forces:
            return []
        common = set.intersection(*(self.loaded.get(f, set()) for f in forces))
        return sorted(d for d in common if d <= self.cov_now.window.end)

    @property
    def area_forces(self) -> list[str]:
        return self.forces_for("a_lsoa")

    def category_blocks(
        self, now: dict[str, int], before: dict[str, int], peer_block: m.Peers | None
    ) -> list[m.Category]:
        months = self.cov_now.present
        series = self.monthly("a_lsoa", months)
        base_series = self.monthly("a_lsoa", self.cov_base.present)
        hist = self.history()
        hist_series = self.monthly("a_lsoa", hist)
        crime_total, asb_total = self.split(now)
        outcomes = self.outcome_profile()
        peer_medians = self.peer_category_medians(peer_block)
        out = []
        for category, slug, is_asb in self.categories:
            n, b = now.get(category, 0), before.get(category, 0)
            if n == 0 and b == 0:
                continue
            block = self.change(category, n, b, self.cov_now.n, self.cov_base.n, self.population,
                                self.base_label)  # fmt: skip
            weight = None if is_asb else self.harm.weight(category)
            trend = season = None
            consecutive = _consecutive_tail(hist)
            if len(consecutive) >= 24:
                values = np.array([hist_series[category].get(d, 0) for d in consecutive], float)
                pt = ts.poisson_trend(values)
                if pt is not None:
                    trend = m.Trend(
                        slope_per_month=_r(pt.slope_per_month, 4),
                        percent_per_year=_r((pt.rate_ratio_per_month**12 - 1) * 100, 2),
                        p_value=_r(pt.p_value, 8),
                        method=f"Log-linear Poisson (quasi-Poisson) trend over {len(consecutive)} months",
                    )
                si = ts.seasonal_indices(values, first_month=consecutive[0].month)
                if si is not None:
                    idx = {f"{k:02d}": _r(v, 2) for k, v in sorted(si.indices.items())}
                    season = m.Seasonality(
                        indices=idx,
                        peak_month=max(idx, key=lambda k: (idx[k], k)),
                        trough_month=min(idx, key=lambda k: (idx[k], k)),
                        method="Classical multiplicative decomposition (ratio to 2×12 moving average)",
                    )
            total = asb_total if is_asb else crime_total
            out.append(
                m.Category(
                    category=category, slug=slug, is_asb=bool(is_asb), count=n, baseline_count=b,
                    change=n - b, percent_change=block.percent_change, p_value=block.p_value,
                    sqrt_z=block.sqrt_z, significant=block.significant, direction=block.direction,
                    rate_per_1000=block.rate_per_1000, rate_ci_low=block.rate_ci_low,
                    rate_ci_high=block.rate_ci_high,
                    share=_r(n / total if total else 0.0, 6),
                    harm_weight=weight, harm=_r(n * weight, 2) if weight is not None else None,
                    monthly=[m.Month(month=fmt(d), count=series[category].get(d, 0)) for d in months],
                    baseline_monthly=[m.Month(month=fmt(d), count=base_series[category].get(d, 0))
                                      for d in self.cov_base.present],
                    trend=trend, seasonality=season, outcomes=outcomes.get(category),
                    peer_rate_median=peer_medians.get(category), statement=block.statement,
                )
            )  # fmt: skip
        out.sort(key=lambda c: (c.is_asb, -c.count, c.category))
        return out

    def outcome_profile(self) -> dict[str, list[m.OutcomeShare]]:
        rows = self.con.execute(
            """
            SELECT s.category, coalesce(s.outcome, 'No outcome recorded'), count(*)
            FROM a_street s
            WHERE s.month IN (SELECT unnest(?::DATE[])) AND s.category <> ?
            GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2
            """,
            [self.cov_now.present, ASB],
        ).fetchall()
        totals: dict[str, int] = defaultdict(int)
        for c, _, n in rows:
            totals[c] += n
        out: dict[str, list[m.OutcomeShare]] = defaultdict(list)
        for c, outcome, n in rows:
            out[c].append(m.OutcomeShare(outcome=outcome, count=n, share=_r(n / totals[c], 6)))
        return out

    # --- peers ------------------------------------------------------------------------------

    def peers(self, level: str, code: str) -> m.Peers | None:
        if level not in ("csp", "lad", "pfa", "ward"):
            self.caveats.append(f"No peers for a {level}: peers are compared for wards, districts, "
                                "CSPs and force areas.")  # fmt: skip
            return None
        feats = self.con.execute(
            f"""
            WITH imd AS (SELECT lsoa_code, imd_score FROM ref_deprivation WHERE edition = 2025)
            SELECT x.code, any_value(a.name), sum(r.population) AS pop,
                   sum(r.population) / nullif(sum(r.area_km2), 0) AS density,
                   sum(r.population * imd.imd_score) / nullif(sum(r.population)
                       FILTER (WHERE imd.imd_score IS NOT NULL), 0) AS imd,
                   sum(r.population) FILTER (WHERE NOT r.is_urban) / nullif(sum(r.population), 0)
                       AS rural_share,
                   list(DISTINCT r.pfa_code ORDER BY r.pfa_code) AS pfas
            FROM area_lsoas x JOIN ref_lsoa21 r USING (lsoa21_code)
            JOIN areas a ON a.level = x.level AND a.code = x.code
            LEFT JOIN imd ON imd.lsoa_code = r.lsoa21_code
            WHERE x.level = '{level}'
            GROUP BY x.code ORDER BY x.code
            """
        ).fetchall()
        codes = [f[0] for f in feats]
        if code not in codes:
            return None
        me = codes.index(code)
        use_imd = feats[me][4] is not None
        names = ["log population", "log density (people per km²)", "rural share of residents"]
        if use_imd:
            names.insert(2, "IoD2025 mean score (population-weighted)")
        # Candidates: the area itself and areas whose every force has the same months loaded.
        cand = []
        for i, f in enumerate(feats):
            forces = [force_list.BY_PFA[p].slug for p in f[6] if p in force_list.BY_PFA]
            cn, cb = self.coverage(forces, self.cov_now.window), self.coverage(forces, self.cov_base.window)
            complete = cn.present == self.cov_now.present and cb.present == self.cov_base.present
            if (i == me or complete) and (not use_imd or f[4] is not None) and f[2]:
                cand.append(i)
        if len(cand) < 2:
            self.caveats.append(f"No peers: no other {level} has data for the same months.")
            return None
        x = np.array(
            [[math.log(feats[i][2]), math.log(max(feats[i][3] or 1e-9, 1e-9)),
              *([feats[i][4]] if use_imd else []), feats[i][5] or 0.0] for i in cand],
            dtype=float,
        )  # fmt: skip
        k = min(self.req.peers_k, len(cand) - 1)
        res = peers.most_similar(x, k=k, targets=[cand.index(me)])
        peer_idx = [cand[j] for j in res.indices[0]]
        dists = res.distances[0]
        chosen = [codes[i] for i in peer_idx]
        rates_by = self._rates_for(level, [code, *chosen])
        self.peer_codes = chosen
        self.peer_level = level
        areas = [
            m.Peer(
                area=m.AreaRef(level=level, code=codes[i], name=feats[i][1]),
                distance=_r(d, 4), population=int(feats[i][2]),
                crime_rate_per_1000=rates_by[codes[i]][0], asb_rate_per_1000=rates_by[codes[i]][1],
                months_present=self.cov_now.n,
            )
            for i, d in zip(peer_idx, dists, strict=True)
        ]  # fmt: skip
        ranks = []
        for j, label in ((0, "crime rate per 1,000"), (1, "ASB rate per 1,000")):
            values = {c: rates_by[c][j] for c in [code, *chosen] if rates_by[c][j] is not None}
            mine = values.get(code)
            order = sorted(values.values(), reverse=True)
            others = [v for c, v in values.items() if c != code]
            ranks.append(
                m.PeerRank(
                    measure=label, value=mine,
                    rank=order.index(mine) + 1 if mine is not None else None,
                    of=len(values), peer_median=_r(float(np.median(others)), 3) if others else None,
                )
            )  # fmt: skip
        return m.Peers(
            method=("Nearest neighbours (Euclidean distance on z-scores standardised over the "
                    f"{len(cand)} {level}s with data for the same months)"),
            features=names, k=k, candidates=len(cand) - 1, areas=areas, ranks=ranks,
        )  # fmt: skip

    def _rates_for(self, level: str, codes: list[str]) -> dict[str, tuple[float | None, float | None]]:
        rows = self.con.execute(
            f"""
            SELECT x.code, count(*) FILTER (WHERE s.category <> ?),
                   count(*) FILTER (WHERE s.category = ?)
            FROM police_street s JOIN area_lsoas x USING (lsoa21_code)
            WHERE x.level = '{level}' AND x.code IN (SELECT unnest(?::VARCHAR[]))
              AND s.month IN (SELECT unnest(?::DATE[]))
            GROUP BY 1
            """,
            [ASB, ASB, codes, self.cov_now.present],
        ).fetchall()
        counts = {c: (a, b) for c, a, b in rows}
        pops = dict(
            self.con.execute(
                "SELECT code, population FROM areas WHERE level = ? AND code IN "
                "(SELECT unnest(?::VARCHAR[]))",
                [level, codes],
            ).fetchall()
        )
        scale = 12.0 / self.cov_now.n
        out = {}
        for c in codes:
            crime, asb = counts.get(c, (0, 0))
            pop = pops.get(c) or 0
            out[c] = (
                _r(crime / pop * 1000 * scale, 3) if pop else None,
                _r(asb / pop * 1000 * scale, 3) if pop else None,
            )
        return out

    def peer_category_medians(self, peer_block: m.Peers | None) -> dict[str, float]:
        if peer_block is None:
            return {}
        rows = self.con.execute(
            f"""
            SELECT x.code, s.category, count(*) FROM police_street s JOIN area_lsoas x USING (lsoa21_code)
            WHERE x.level = '{self.peer_level}' AND x.code IN (SELECT unnest(?::VARCHAR[]))
              AND s.month IN (SELECT unnest(?::DATE[]))
            GROUP BY 1, 2
            """,
            [self.peer_codes, self.cov_now.present],
        ).fetchall()
        pops = {p.area.code: p.population for p in peer_block.areas}
        per: dict[str, dict[str, float]] = defaultdict(dict)
        scale = 12.0 / self.cov_now.n
        for c, category, n in rows:
            per[category][c] = n / pops[c] * 1000 * scale
        return {
            cat: _r(float(np.median([v.get(c, 0.0) for c in self.peer_codes])), 3)
            for cat, v in per.items()
        }

    # --- places -----------------------------------------------------------------------------

    def _place_rows(self, unit: str) -> list[tuple]:
        key = "ward_code" if unit == "ward" else "lsoa21_code"
        name = "ward_name" if unit == "ward" else "lsoa21_name"
        return self.con.execute(
            f"""
            WITH c AS (
                SELECT s.lsoa21_code,
                       count(*) FILTER (WHERE s.category <> ? AND s.month IN (SELECT unnest(?::DATE[]))) AS now,
                       count(*) FILTER (WHERE s.category <> ? AND s.month IN (SELECT unnest(?::DATE[]))) AS before,
                       count(*) FILTER (WHERE s.category = ? AND s.month IN (SELECT unnest(?::DATE[]))) AS asb
                FROM a_street s GROUP BY 1
            ), imd AS (SELECT lsoa_code, imd_score, imd_decile FROM ref_deprivation WHERE edition = 2025)
            SELECT r.{key}, any_value(r.{name}), sum(r.population)::INTEGER,
                   coalesce(sum(c.now), 0)::INTEGER, coalesce(sum(c.before), 0)::INTEGER,
                   coalesce(sum(c.asb), 0)::INTEGER,
                   sum(r.population * imd.imd_score) / nullif(sum(r.population) FILTER (WHERE imd.imd_score IS NOT NULL), 0),
                   any_value(imd.imd_decile), any_value(r.ward_code)
            FROM ref_lsoa21 r JOIN a_lsoa USING (lsoa21_code)
            LEFT JOIN c USING (lsoa21_code)
            LEFT JOIN imd ON imd.lsoa_code = r.lsoa21_code
            WHERE r.{key} IS NOT NULL
            GROUP BY r.{key} ORDER BY r.{key}
            """,
            [ASB, self.cov_now.present, ASB, self.cov_base.present, ASB, self.cov_now.present],
        ).fetchall()

    def _decile_of_score(self, scores: list[float | None]) -> list[int | None]:
        """IoD2025 decile a population-weighted score would have among England's LSOAs."""
        cuts = self.con.execute(
            "SELECT quantile_cont(imd_score, [0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9]) "
            "FROM ref_deprivation WHERE edition = 2025"
        ).fetchone()[0]
        if not cuts:
            return [None] * len(scores)
        # Higher score = more deprived; decile 1 = the most deprived tenth.
        return [None if s is None else 10 - int(np.searchsorted(cuts, s, side="right"))
                for s in scores]  # fmt: skip

    def _funnel_curve(self, pops: np.ndarray, target: float, scale: float) -> list[m.FunnelPoint]:
        """The funnel's limit curves at 40 populations spanning the places, for charts."""
        positive = pops[pops > 0]
        if len(positive) < 2 or target <= 0:
            return []
        grid = np.geomspace(positive.min(), positive.max(), 40)
        lim = rates.funnel_limits(grid, target, per=1000.0)
        return [
            m.FunnelPoint(
                population=_r(float(n), 1), lower_95=_r(float(a) * scale, 3),
                upper_95=_r(float(b) * scale, 3), lower_998=_r(float(c) * scale, 3),
                upper_998=_r(float(d) * scale, 3),
            )
            for n, a, b, c, d in zip(grid, lim.lower95, lim.upper95, lim.lower998, lim.upper998,
                                     strict=True)
        ]  # fmt: skip

    def places(self, level: str) -> m.Places:
        blocks: dict[str, list[m.Place]] = {}
        limits: dict[str, list[m.FunnelPoint]] = {}
        target_all = 0.0
        for unit in ("ward", "lsoa"):
            rows = self._place_rows(unit)
            counts = np.array([r[3] for r in rows], float)
            pops = np.array([r[2] or 0 for r in rows], float)
            scale = 12.0 / self.cov_now.n
            eb = rates.empirical_bayes_rates(counts, np.maximum(pops, 1)) if len(rows) > 1 else None
            target = counts.sum() / pops.sum() if pops.sum() else 0.0
            target_all = target
            f95 = rates.funnel_flags(counts, pops, target, level=0.95) if len(rows) else []
            f998 = rates.funnel_flags(counts, pops, target, level=0.998) if len(rows) else []
            deciles = (
                self._decile_of_score([r[6] for r in rows]) if unit == "ward"
                else [r[7] for r in rows]
            )  # fmt: skip
            places = []
            for i, r in enumerate(rows):
                flag = "within"
                if f998[i] == "above":
                    flag = "above 99.8%"
                elif f95[i] == "above":
                    flag = "above 95%"
                elif f998[i] == "below":
                    flag = "below 99.8%"
                elif f95[i] == "below":
                    flag = "below 95%"
                test = (chg.e_test(r[3], r[4], self.cov_now.n, self.cov_base.n)
                        if self.cov_base.n else None)  # fmt: skip
                places.append(
                    m.Place(
                        code=r[0], name=r[1] or r[0], population=int(r[2] or 0), count=r[3],
                        baseline_count=r[4], asb_count=r[5],
                        rate_per_1000=_r(r[3] / r[2] * 1000 * scale, 3) if r[2] else None,
                        smoothed_rate_per_1000=(
                            _r(float(eb.smoothed[i]) * 1000 * scale, 3) if eb is not None else None
                        ),
                        imd_decile=deciles[i], funnel=flag,
                        p_value=_r(test.p_value, 8) if test else None,
                        ward_code=r[8] if unit == "lsoa" else None,
                    )
                )  # fmt: skip
            places.sort(key=lambda p: (-(p.smoothed_rate_per_1000 or 0), p.code))
            blocks[unit] = places
            limits[unit] = self._funnel_curve(pops, target, scale)
        return m.Places(
            target_rate_per_1000=_r(target_all * 1000 * scale, 3),
            ward_funnel_limits=limits["ward"], lsoa_funnel_limits=limits["lsoa"],
            wards=blocks["ward"], lsoas=blocks["lsoa"],
            concentration=[self._concentration_lsoa(blocks["lsoa"]), self._concentration_points()],
            ward_note=("Wards are 2024 wards (best-fit of LSOA 2021 to ward, ONS lookup); "
                       "ward counts are sums of their LSOAs."),
        )  # fmt: skip

    def _concentration(self, unit: str, counts: np.ndarray) -> m.Concentration:
        lc = concentration.lorenz_curve(counts) if counts.sum() > 0 else None
        half = concentration.places_holding_share(counts, 0.5) if counts.sum() > 0 else None
        lorenz = []
        if lc is not None:
            xs, ys = np.asarray(lc.share_of_places), np.asarray(lc.share_of_events)
            step = max(1, len(xs) // 100)  # about 100 points are plenty for a chart
            keep = sorted(set(range(0, len(xs), step)) | {len(xs) - 1})
            lorenz = [m.LorenzPoint(places_share=_r(xs[i], 5), crime_share=_r(ys[i], 5)) for i in keep]
        return m.Concentration(
            unit=unit, places=len(counts), events=int(counts.sum()),
            gini=_r(concentration.gini(counts), 6) if counts.sum() > 0 else None,
            generalised_gini=_r(concentration.generalized_gini(counts), 6) if counts.sum() > 0 else None,
            share_of_places_for_half=_r(half.share_of_places, 6) if half else None,
            places_for_half=int(half.n_places) if half else None,
            lorenz=lorenz,
        )  # fmt: skip

    def _concentration_lsoa(self, lsoas: list[m.Place]) -> m.Concentration:
        return self._concentration("LSOA", np.array([p.count for p in lsoas], float))

    def _concentration_points(self) -> m.Concentration:
        # The places are every published map point seen in the area in any loaded month, so
        # points with no crime this period count as places with zero.
        rows = self.con.execute(
            """
            SELECT count(*) FILTER (WHERE s.category <> ? AND s.month IN (SELECT unnest(?::DATE[])))
            FROM a_street s
            WHERE s.lon IS NOT NULL GROUP BY s.lon, s.lat ORDER BY s.lon, s.lat
            """,
            [ASB, self.cov_now.present],
        ).fetchall()
        return self._concentration("map point", np.array([r[0] for r in rows], float))

    # --- hotspots ---------------------------------------------------------------------------

    def area_geometry(self):
        wkb = [
            r[0]
            for r in self.con.execute(
                "SELECT b.geometry FROM ref_boundaries b JOIN a_lsoa ON b.code = a_lsoa.lsoa21_code "
                "WHERE b.level = 'lsoa' ORDER BY b.code"
            ).fetchall()
        ]
        if not wkb:
            return None
        return shapely.union_all(shapely.from_wkb(wkb))

    def hotspots(self) -> m.Hotspots:
        geom = self.area_geometry()
        pts = self.con.execute(
            """
            SELECT s.easting, s.northing, s.month FROM a_street s
            WHERE s.category <> ? AND s.month IN (SELECT unnest(?::DATE[]))
            """,
            [ASB, self.cov_now.present],
        ).fetchnumpy()
        e, n = np.asarray(pts["easting"], float), np.asarray(pts["northing"], float)
        located = np.isfinite(e) & np.isfinite(n)
        if geom is not None:
            x0, y0, x1, y1 = geom.bounds
        else:
            x0, y0, x1, y1 = e[located].min(), n[located].min(), e[located].max(), n[located].max()
        if self.req.cell_size_m:
            size = float(self.req.cell_size_m)
            if size < 50:
                raise AssessmentError("--cell-size must be at least 50 metres.")
            rule = "set by the user"
        else:
            raw = min(x1 - x0, y1 - y0) / CELL_DIVISOR
            size = max(SNAP_FLOOR_M, math.ceil(raw / 50.0) * 50.0)
            rule = (f"shorter side of the area's extent / {CELL_DIVISOR:.0f} (Chainey 2013), rounded "
                    f"up to 50 m, at least {SNAP_FLOOR_M:.0f} m because data.police.uk snaps "
                    "locations to map points")  # fmt: skip
        grid = hotspots.grid_for_points([x0, x1], [y0, y1], size)
        gx, gy = grid.centres()
        in_area = (
            shapely.contains_xy(geom, gx, gy) if geom is not None else np.ones(grid.shape, bool)
        )
        counts = hotspots.count_points(e[located], n[located], grid).counts
        gi = hotspots.gi_star(counts, mask=in_area)
        # The normal-reference rule gives kilometres for a whole district, smoothing away the
        # street-level pattern; a stated multiple of the cell keeps the surface local.
        density, bandwidth = (
            hotspots.quartic_kde(e[located], n[located], grid, bandwidth=BANDWIDTH_CELLS * size)
            if located.sum() >= 2 else (np.zeros(grid.shape), 0.0)
        )  # fmt: skip
        months = self.cov_now.present
        step = 3 if len(months) >= 6 else 1
        slices = [months[i : i + step] for i in range(0, len(months), step)]
        labels = [f"{fmt(s[0])} to {fmt(s[-1])}" if len(s) > 1 else fmt(s[0]) for s in slices]
        classes = np.full(grid.shape, "no pattern", dtype=object)
        if len(slices) >= 2:
            month_arr = np.asarray(pts["month"])[located]
            stack = np.stack([
                hotspots.count_points(
                    e[located][np.isin(month_arr, np.array(s, dtype=month_arr.dtype))],
                    n[located][np.isin(month_arr, np.array(s, dtype=month_arr.dtype))], grid,
                ).counts
                for s in slices
            ])  # fmt: skip
            classes = hotspots.classify_space_time(stack, recent_periods=1, alpha=FDR_ALPHA,
                                                   mask=in_area).category.astype(object)  # fmt: skip
        cells = []
        hot = cold = 0
        for r in range(grid.n_rows):
            for c in range(grid.n_cols):
                inside = bool(in_area[r, c])
                z = float(gi.z[r, c]) if inside and np.isfinite(gi.z[r, c]) else 0.0
                p = float(gi.p[r, c]) if inside and np.isfinite(gi.p[r, c]) else 1.0
                q = float(gi.q[r, c]) if inside and np.isfinite(gi.q[r, c]) else 1.0
                if inside and q < FDR_ALPHA:
                    hot += z > 0
                    cold += z < 0
                cells.append(
                    m.Cell(
                        easting=_r(gx[r, c], 1), northing=_r(gy[r, c], 1), count=int(counts[r, c]),
                        gi_z=_r(z, 6), p_value=_r(p, 8), q_value=_r(q, 8),
                        space_time_class=str(classes[r, c]) if inside else "outside area",
                        density=_r(float(density[r, c]), 4), in_area=inside,
                    )
                )  # fmt: skip
        return m.Hotspots(
            cell_size_m=size, cell_size_rule=rule, origin_easting=grid.x0, origin_northing=grid.y0,
            rows=grid.n_rows, cols=grid.n_cols, bandwidth_m=_r(bandwidth, 1), fdr_alpha=FDR_ALPHA,
            sub_periods=labels, events=int(located.sum()),
            events_without_location=int((~located).sum()), cells=cells,
            hot_cells=int(hot), cold_cells=int(cold),
            class_counts=dict(sorted(Counter(c.space_time_class for c in cells if c.in_area).items())),
        )  # fmt: skip

    # --- priority localities ----------------------------------------------------------------

    def priority_localities(self, level: str) -> m.PriorityLocalities:
        unit = "lsoa" if level in ("lsoa", "ward") else "ward"
        key = "lsoa21_code" if unit == "lsoa" else "ward_code"
        name_col = "lsoa21_name" if unit == "lsoa" else "ward_name"
        hist = self.history()
        end = self.cov_now.window.end
        years = []
        for y in range(3):
            lo = end.replace(year=end.year - y - 1)
            window = [d for d in hist if lo < d <= end.replace(year=end.year - y)]
            if window:
                years.append(window)
        all_months = sorted({d for w in years for d in w})
        weights = {c: (self.harm.weight(c) or 0.0) for c, _, _ in self.categories}
        rows = self.con.execute(
            f"""
            WITH imd AS (SELECT lsoa_code, imd_score FROM ref_deprivation WHERE edition = 2025),
            pop AS (
                SELECT r.{key} AS code, any_value(r.{name_col}) AS name, sum(r.population) AS pop,
                       sum(r.population * imd.imd_score) / nullif(sum(r.population)
                           FILTER (WHERE imd.imd_score IS NOT NULL), 0) AS imd
                FROM ref_lsoa21 r JOIN a_lsoa USING (lsoa21_code)
                LEFT JOIN imd ON imd.lsoa_code = r.lsoa21_code
                WHERE r.{key} IS NOT NULL GROUP BY 1
            )
            SELECT p.code, p.name, p.pop, p.imd, s.category, s.month, count(s.month)
            FROM pop p
            LEFT JOIN ref_lsoa21 r ON r.{key} = p.code
            LEFT JOIN a_street s ON s.lsoa21_code = r.lsoa21_code
                 AND s.month IN (SELECT unnest(?::DATE[]))
            GROUP BY ALL ORDER BY p.code
            """,
            [all_months],
        ).fetchall()
        info: dict[str, list] = {}
        crime = defaultdict(lambda: defaultdict(int))  # code -> year index -> count
        asb = defaultdict(int)
        harm = defaultdict(float)
        for code, name, pop, imd, category, month, n in rows:
            info.setdefault(code, [name, pop or 0, imd])
            if category is None:
                continue
            if category == ASB:
                asb[code] += n
                continue
            harm[code] += n * weights.get(category, 0.0)
            for yi, w in enumerate(years):
                if month in w:
                    crime[code][yi] += n
        codes = sorted(c for c in info if info[c][1] > 0)
        scale = 12.0 / max(len(all_months), 1)
        crime_rate = np.array([sum(crime[c].values()) / info[c][1] * 1000 * scale for c in codes])
        asb_rate = np.array([asb[c] / info[c][1] * 1000 * scale for c in codes])
        harm_rate = np.array([harm[c] / info[c][1] * 1000 * scale for c in codes])
        imd = np.array([info[c][2] if info[c][2] is not None else np.nan for c in codes], float)
        # Persistence: share of years a place was in the area's top quarter for crime rate.
        top = np.zeros(len(codes))
        for yi in range(len(years)):
            r = np.array([crime[c].get(yi, 0) / info[c][1] for c in codes])
            top += r >= np.quantile(r, 0.75) if len(r) else 0
        persistence = top / max(len(years), 1)
        columns = [("crime rate per 1,000 a year", crime_rate), ("ASB rate per 1,000 a year", asb_rate),
                   ("harm per 1,000 a year", harm_rate)]  # fmt: skip
        if np.isfinite(imd).all():
            columns.append(("IoD2025 score (population-weighted)", imd))
        else:
            self.caveats.append("Priority localities: deprivation left out (no IoD2025 score for "
                                "some places, e.g. in Wales).")  # fmt: skip
        columns.append(("persistence (share of years in the top quarter)", persistence))
        usable = [(nm, col) for nm, col in columns if col.mean() > 0]
        threshold = self.req.locality_threshold
        rule = (f"composite ≥ {threshold:g} (the area average is 100); the JDI's national guide is "
                "200, lowered because the reference here is the area itself")  # fmt: skip
        if len(codes) < 2 or not usable:
            return m.PriorityLocalities(method="Vulnerable Localities Index style composite",
                                        level=unit, years=[], threshold=threshold,
                                        threshold_rule=rule, localities=[])  # fmt: skip
        vli = composite.vulnerable_localities_index(
            np.column_stack([c for _, c in usable]), indicator_names=[n for n, _ in usable],
            threshold=threshold,
        )  # fmt: skip
        order = np.argsort(-vli.composite, kind="stable")
        out = []
        for rank_i, i in enumerate(order, start=1):
            comps = [
                m.LocalityComponent(name=nm, value=_r(float(col[i]), 4), index=_r(float(vli.indices[i, j]), 2))
                for j, (nm, col) in enumerate(usable)
            ]  # fmt: skip
            out.append(
                m.PriorityLocality(
                    area=m.AreaRef(level=unit, code=codes[i], name=info[codes[i]][0] or codes[i]),
                    composite=_r(float(vli.composite[i]), 2), rank=rank_i,
                    selected=bool(vli.flagged[i]), components=comps,
                    rationale=self._locality_rationale(codes[i], info[codes[i]][0], rank_i, len(codes),
                                                       vli.composite[i], comps, persistence[i],
                                                       len(years), unit),
                )
            )  # fmt: skip
        return m.PriorityLocalities(
            method=("Vulnerable Localities Index style composite (Chainey 2008): each indicator as "
                    "an index of the area average (100), combined by their mean"),
            level=unit, years=[f"{fmt(w[0])} to {fmt(w[-1])}" for w in years],
            threshold=threshold, threshold_rule=rule, localities=out,
        )  # fmt: skip

    def _locality_rationale(self, code, name, rank, of, score, comps, persist, n_years, unit) -> str:
        parts = [f"{name or code} ranks {ordinal(rank)} of {of} {unit}s on the composite ({score:.0f})."]
        by = {c.name: c for c in comps}
        for key, label in (("crime rate per 1,000 a year", "Crime rate"),
                           ("ASB rate per 1,000 a year", "ASB rate"),
                           ("harm per 1,000 a year", "Harm")):  # fmt: skip
            c = by.get(key)
            if c and c.index is not None:
                parts.append(f"{label} is {times(c.index / 100)} the {self.name} average.")
        dep = by.get("IoD2025 score (population-weighted)")
        if dep and dep.value is not None:
            decile = self._decile_of_score([dep.value])[0]
            if decile is not None and decile <= 3:
                parts.append(f"Its deprivation score ranks amongst the {decile * 10}% most deprived "
                             "nationally (IoD2025).")  # fmt: skip
        if n_years > 1:
            parts.append(f"In the area's top quarter for crime in {round(persist * n_years)} of "
                         f"{n_years} years.")  # fmt: skip
        return " ".join(parts)

    # --- emerging issues ---------------------------------------------------------------------

    def emerging(self) -> list[m.EmergingIssue]:
        hist = self.history()
        if len(hist) < 7:
            self.caveats.append("Emerging issues need at least 7 months of history; "
                                f"{len(hist)} are loaded.")  # fmt: skip
            return []
        latest = [d for d in hist if d in set(self.cov_now.present)][-3:]
        rows = self.con.execute(
            """
            SELECT r.ward_code, any_value(r.ward_name), s.category, s.month, count(*)
            FROM a_street s
            JOIN ref_lsoa21 r USING (lsoa21_code)
            WHERE s.month IN (SELECT unnest(?::DATE[])) AND r.ward_code IS NOT NULL
            GROUP BY r.ward_code, s.category, s.month
            """,
            [hist],
        ).fetchall()
        series: dict[tuple, dict[date, int]] = defaultdict(dict)
        names: dict[str, str] = {}
        for ward, wname, category, month, n in rows:
            series[(ward, category)][month] = n
            names[ward] = wname
            series[(self.code, category)][month] = series[(self.code, category)].get(month, 0) + n
        names[self.code] = self.name
        out = []
        for (area_code, category), by_month in sorted(series.items()):
            values = np.array([by_month.get(d, 0) for d in hist], float)
            limits = emerging.poisson_control_limits(values, window=12, alpha=0.01)
            for d in latest:
                i = hist.index(d)
                expected = limits.baseline[i]
                if not np.isfinite(expected) or expected < 1:
                    continue
                cus = emerging.poisson_cusum(values[: i + 1], mu0=expected, mu1=expected * 1.5, h=4.0)
                signal_cusum = bool(cus.signal[-1])
                exceeds = bool(limits.signal[i])
                if not (exceeds or signal_cusum):
                    continue
                score = (values[i] - expected) / math.sqrt(expected)
                level = "ward" if area_code != self.code else self.level
                out.append(
                    m.EmergingIssue(
                        category=category,
                        area=m.AreaRef(level=level, code=area_code, name=names[area_code] or area_code),
                        month=fmt(d), count=int(values[i]), expected=_r(expected, 3),
                        upper_limit=int(limits.upper[i]), cusum=_r(float(cus.statistic[-1]), 3),
                        cusum_signal=signal_cusum, exceeds_limit=exceeds, score=_r(score, 4),
                        statement=(f"{category} in {names[area_code] or area_code}: {int(values[i])} in "
                                   f"{d:%B %Y} against about {expected:.1f} a month before"
                                   + (" — above the 99% control limit" if exceeds else "")
                                   + (" and a CUSUM signal" if signal_cusum and exceeds else
                                      " — CUSUM signal" if signal_cusum else "") + "."),
                    )
                )  # fmt: skip
        out.sort(key=lambda x: (-x.score, x.month, x.category, x.area.code))
        return out[:25]

    # --- recommended priorities --------------------------------------------------------------

    def recommended(self, categories: list[m.Category], peer_block: m.Peers | None) -> m.RecommendedPriorities:
        total_harm = sum(c.harm or 0 for c in categories)
        crime_total = sum(c.count for c in categories if not c.is_asb)
        vuln = self._vulnerability_ratios()
        conc = self._category_gini()
        themes: dict[str, dict[str, float | None]] = {}
        basis: dict[str, dict[str, str]] = {}
        for c in categories:
            s: dict[str, float | None] = {}
            b: dict[str, str] = {}
            if c.harm is not None and total_harm > 0:
                share = c.harm / total_harm * 100
                s["harm"] = composite.score_by_thresholds(share, [2, 5, 10, 20])
                b["harm"] = f"{share:.1f}% of harm (cuts 2, 5, 10, 20%)"
            else:
                s["harm"] = None
                b["harm"] = "no harm weight (ASB)" if c.is_asb else "no harm"
            if c.peer_rate_median and c.rate_per_1000 is not None:
                ratio = c.rate_per_1000 / c.peer_rate_median
                s["volume"] = composite.score_by_thresholds(ratio, [0.8, 0.95, 1.05, 1.25])
                b["volume"] = f"rate {ratio:.2f}× the peer median (cuts 0.8, 0.95, 1.05, 1.25)"
            elif not c.is_asb and crime_total:
                share = c.count / crime_total * 100
                s["volume"] = composite.score_by_thresholds(share, [2, 5, 10, 20])
                b["volume"] = f"{share:.1f}% of crime (no peers; cuts 2, 5, 10, 20%)"
            else:
                s["volume"] = 3
                b["volume"] = "no peer reference; scored mid-scale"
            if c.p_value is not None:
                s["trend"] = composite.score_trend(c.p_value, c.count - c.baseline_count * (
                    self.cov_now.n / self.cov_base.n if self.cov_base.n else 1))
                b["trend"] = f"E-test p = {c.p_value:.3f}, {c.direction}"
            else:
                s["trend"] = None
                b["trend"] = "no baseline"
            v = vuln.get(c.category)
            if v is not None:
                s["vulnerability"] = composite.score_by_thresholds(v, [0.8, 1.0, 1.25, 1.5])
                b["vulnerability"] = (f"{v:.2f}× over-represented in the 20% most deprived LSOAs "
                                      "(cuts 0.8, 1, 1.25, 1.5)")  # fmt: skip
            else:
                s["vulnerability"] = None
                b["vulnerability"] = "no residents in the 20% most deprived LSOAs"
            g = conc.get(c.category)
            if g is not None:
                s["concentration"] = composite.score_by_thresholds(g, [0.3, 0.4, 0.5, 0.6])
                b["concentration"] = f"generalised Gini over LSOAs {g:.2f} (cuts 0.3, 0.4, 0.5, 0.6)"
            else:
                s["concentration"] = None
                b["concentration"] = "too few records"
            local = self.inputs.themes.get(c.category, {})
            for key in ("public_concern", "partnership_capacity"):
                s[key] = local.get(key)
                b[key] = f"from {self.inputs.source}" if key in local else "not given (optional input)"
            themes[c.category] = s
            basis[c.category] = b
        if not themes:
            return m.RecommendedPriorities(method="MoRiLE-style matrix", scale="1–5", weights=self.inputs.weights,
                                           inputs_file=self.inputs.source, priorities=[])  # fmt: skip
        rows = composite.priority_matrix(themes, self.inputs.weights)
        out = []
        for row in rows:
            parts = [
                m.ThemeScore(factor=f, score=themes[row.theme].get(f), weight=self.inputs.weights.get(f, 1.0),
                             basis=basis[row.theme][f])
                for f in composite.CRITERIA
            ]  # fmt: skip
            top = sorted((p for p in parts if p.score is not None), key=lambda p: (-p.score * p.weight, p.factor))[:3]
            out.append(
                m.RecommendedPriority(
                    theme=row.theme, categories=[row.theme], total=_r(row.total, 4), rank=row.rank,
                    recommended=row.rank <= 5,
                    scores=parts,
                    rationale=(f"{row.theme} scores {row.total:.2f} of 5 (rank {row.rank}). Strongest "
                               "factors: " + "; ".join(f"{p.factor.replace('_', ' ')} {p.score:g} ({p.basis})"
                                                       for p in top) + "."),
                )
            )  # fmt: skip
        return m.RecommendedPriorities(
            method=("MoRiLE-style matrix: each theme scored 1–5 per factor on the stated cuts; "
                    "total = weighted mean over the factors scored"),
            scale="1 (low) to 5 (high)", weights=dict(self.inputs.weights),
            inputs_file=self.inputs.source, priorities=out,
        )  # fmt: skip

    def _vulnerability_ratios(self) -> dict[str, float]:
        rows = self.con.execute(
            """
            WITH d AS (SELECT lsoa_code FROM ref_deprivation WHERE edition = 2025 AND imd_decile <= 2)
            SELECT s.category, count(*) FILTER (WHERE s.lsoa21_code IN (SELECT lsoa_code FROM d)),
                   count(*)
            FROM a_street s
            WHERE s.month IN (SELECT unnest(?::DATE[])) GROUP BY 1
            """,
            [self.cov_now.present],
        ).fetchall()
        pop_share = self.con.execute(
            """
            SELECT sum(r.population) FILTER (WHERE d.imd_decile <= 2) / sum(r.population)
            FROM ref_lsoa21 r JOIN a_lsoa USING (lsoa21_code)
            LEFT JOIN ref_deprivation d ON d.lsoa_code = r.lsoa21_code AND d.edition = 2025
            """
        ).fetchone()[0]
        if not pop_share:
            return {}
        return {c: (a / t) / pop_share for c, a, t in rows if t >= 10}

    def _category_gini(self) -> dict[str, float]:
        rows = self.con.execute(
            """
            SELECT s.category, a_lsoa.lsoa21_code, count(s.category)
            FROM a_lsoa LEFT JOIN a_street s ON s.lsoa21_code = a_lsoa.lsoa21_code
                 AND s.month IN (SELECT unnest(?::DATE[]))
            GROUP BY 1, 2
            """,
            [self.cov_now.present],
        ).fetchall()
        n_lsoa = self.con.execute("SELECT count(*) FROM a_lsoa").fetchone()[0]
        per: dict[str, list[int]] = defaultdict(list)
        for c, _, n in rows:
            if c is not None:
                per[c].append(n)
        out = {}
        for c, values in per.items():
            full = np.array(values + [0] * (n_lsoa - len(values)), float)
            if full.sum() >= 10:
                g = concentration.generalized_gini(full)
                if g is not None:
                    out[c] = float(g)
        return out

    # --- quality, methods, provenance --------------------------------------------------------

    def data_quality(self, forces: list[str]) -> m.DataQuality:
        months = self.cov_now.present + self.cov_base.present
        q = self.con.execute(
            """
            SELECT count(*), count(*) FILTER (WHERE s.force NOT IN (SELECT unnest(?::VARCHAR[]))),
                   count(*) FILTER (WHERE s.lsoa_method LIKE '%2011%')
            FROM a_street s
            WHERE s.month IN (SELECT unnest(?::DATE[]))
            """,
            [forces, months],
        ).fetchone()
        f = self.con.execute(
            """
            SELECT count(*) FILTER (WHERE lon IS NULL), count(*) FILTER (WHERE lsoa21_code IS NULL)
            FROM police_street WHERE force IN (SELECT unnest(?::VARCHAR[]))
              AND month IN (SELECT unnest(?::DATE[]))
            """,
            [forces, months],
        ).fetchone()
        rejected = self.con.execute(
            """
            SELECT coalesce(sum(rows_rejected), 0) FROM police_loads
            WHERE is_current AND kind = 'street' AND force IN (SELECT unnest(?::VARCHAR[]))
              AND month IN (SELECT unnest(?::DATE[]))
            """,
            [forces, months],
        ).fetchone()[0]
        methods = dict(
            self.con.execute(
                """
                SELECT s.lsoa_method, count(*) FROM a_street s
                WHERE s.month IN (SELECT unnest(?::DATE[])) GROUP BY 1 ORDER BY 1
                """,
                [months],
            ).fetchall()
        )
        missing: dict[str, list[str]] = defaultdict(list)
        for cov in (self.cov_now, self.cov_base):
            for force, ms in cov.missing.items():
                missing[force].extend(ms)
        caveats = [
            *self.caveats,
            "Locations are anonymised: data.police.uk moves each record to the nearest of about "
            "750,000 map points, so patterns finer than about 150 m are artefacts and 'repeat "
            "locations' may be several places.",
            f"{f[0]:,} records of the area's force(s) in these months have no location and "
            "cannot be placed in any area; they are not in the area's counts.",
            "data.police.uk revises outcomes and sometimes records after publication; figures "
            "are as loaded (see provenance for the files).",
            "Rates use Census 2021 usual residents; places with many visitors (town centres, "
            "the City of London) have high rates per resident.",
            "ASB counts are incidents recorded by the police, not all ASB reported to partners.",
        ]
        return m.DataQuality(
            missing_months={k: sorted(set(v)) for k, v in sorted(missing.items())},
            allow_gaps=self.req.allow_gaps, rejected_rows=int(rejected), records=int(q[0]),
            without_location=int(f[0]), without_lsoa=int(f[1]), cross_border=int(q[1]),
            harmonised_2011=int(q[2]), lsoa_methods={k: int(v) for k, v in methods.items()},
            caveats=caveats,
        )  # fmt: skip

    def methods(self) -> list[m.Method]:
        return [
            m.Method(name="Poisson E-test", used_for="Is a change more than chance?",
                     reference="Krishnamoorthy, K. & Thomson, J. (2004). A more powerful test for "
                               "comparing two Poisson means. J. Statistical Planning and Inference "
                               "119, 23–35. As ptools e_test (Wheeler).",
                     parameters={"sided": "two", "exposure": "months present in each period"}),
            m.Method(name="Square-root Poisson Z", used_for="Quick screen of change",
                     reference="Wheeler, A. P. (2016). Tables and graphs for monitoring temporal "
                               "crime trends. Policing 10(1).",
                     parameters={"formula": "2(√now − √before), exposure-scaled"}),
            m.Method(name="Exact Poisson (Garwood) intervals", used_for="Rates per 1,000",
                     reference="Garwood, F. (1936). Fiducial limits for the Poisson distribution. "
                               "Biometrika 28, 437–442.", parameters={"confidence": 0.95}),
            m.Method(name="Empirical Bayes rates", used_for="Ward and LSOA rates",
                     reference="Marshall, R. J. (1991). Mapping disease and mortality rates using "
                               "empirical Bayes estimators. Applied Statistics 40, 283–294.",
                     parameters={"between_area_variance": "method of moments, clamped at 0"}),
            m.Method(name="Funnel plot", used_for="Flagging places",
                     reference="Spiegelhalter, D. J. (2005). Funnel plots for comparing "
                               "institutional performance. Statistics in Medicine 24, 1185–1202.",
                     parameters={"limits": "exact Poisson 95% and 99.8%"}),
            m.Method(name="Generalised Gini and Lorenz curve", used_for="Concentration",
                     reference="Bernasco, W. & Steenbeek, W. (2017). More places than crimes. "
                               "J. Quantitative Criminology 33, 451–467."),
            m.Method(name="Getis–Ord Gi*", used_for="Hotspots on a regular grid",
                     reference="Ord, J. K. & Getis, A. (1995). Local spatial autocorrelation "
                               "statistics. Geographical Analysis 27, 286–306.",
                     parameters={"weights": "binary, cell and its 8 neighbours",
                                 "fdr": "Benjamini–Hochberg", "alpha": FDR_ALPHA}),
            m.Method(name="Benjamini–Hochberg false discovery rate", used_for="Many cells tested",
                     reference="Benjamini, Y. & Hochberg, Y. (1995). J. Royal Statistical Society "
                               "B 57, 289–300."),
            m.Method(name="Quartic kernel density", used_for="Density surface",
                     reference="Chainey, S. & Ratcliffe, J. (2005). GIS and Crime Mapping. Wiley.",
                     parameters={"bandwidth": f"{BANDWIDTH_CELLS} × cell size (search radius)"}),
            m.Method(name="Space-time hotspot classes", used_for="Persistent/emerging/former",
                     reference="Chainey, S. (2014), after sfhotspot (Ashby) without its known "
                               "off-by-one in the recent window.",
                     parameters={"recent_periods": 1, "persistent_share": 0.8, "min_share": 0.1}),
            m.Method(name="Cell size", used_for="Hotspot grid",
                     reference="Chainey, S. (2013). Examining the influence of cell size and "
                               "bandwidth size on kernel density estimation crime hotspot maps. "
                               "Geomatica 67(3).",
                     parameters={"divisor": CELL_DIVISOR, "floor_m": SNAP_FLOOR_M}),
            m.Method(name="Vulnerable Localities Index", used_for="Priority localities",
                     reference="Chainey, S. (2008). Identifying priority neighbourhoods using the "
                               "Vulnerable Localities Index. Policing 2(2), 196–209.",
                     parameters={"threshold": self.req.locality_threshold}),
            m.Method(name="Poisson control limits and CUSUM", used_for="Emerging issues",
                     reference="Lucas, J. M. (1985). Counted data CUSUMs. Technometrics 27, 129–144.",
                     parameters={"window_months": 12, "alpha": 0.01, "cusum_h": 4.0,
                                 "cusum_mu1": "1.5 × trailing mean"}),
            m.Method(name="Log-linear Poisson trend and seasonal indices", used_for="Categories "
                     "with 24+ consecutive months",
                     reference="McCullagh & Nelder (1989) Generalized Linear Models; classical "
                               "multiplicative decomposition."),
            m.Method(name="Most similar areas", used_for="Peers",
                     reference="Nearest neighbours on standardised population, density, "
                               "deprivation and rurality (after the Home Office most similar "
                               "groups method).", parameters={"k": self.req.peers_k}),
            m.Method(name="MoRiLE-style priority matrix", used_for="Recommended priorities",
                     reference="Management of Risk in Law Enforcement (NPCC); a transparent "
                               "simplification.",
                     parameters={k: v for k, v in sorted(self.inputs.weights.items())}),
            m.Method(name="Harm weighting", used_for="Harm totals",
                     reference="ONS Crime Severity Score approach (sentencing-based days of "
                               "custody); weights used: " + Path(self.harm.source).name
                               + " (see its status column)."),
        ]  # fmt: skip

    def provenance(self, forces: list[str]) -> m.Provenance:
        months = self.cov_now.present + self.cov_base.present
        loads = self.con.execute(
            """
            SELECT DISTINCT l.load_id, l.file_name, l.sha256, l.force, strftime(l.month, '%Y-%m'), l.kind
            FROM police_loads l
            WHERE l.is_current AND l.kind = 'street' AND l.month IN (SELECT unnest(?::DATE[]))
              AND l.force IN (SELECT DISTINCT s.force FROM a_street s
                              WHERE s.month IN (SELECT unnest(?::DATE[])))
            ORDER BY l.force, 5
            """,
            [months, months],
        ).fetchall()
        refs = self.con.execute(
            "SELECT dataset, title, licence, sha256, rows FROM ref_sources ORDER BY dataset"
        ).fetchall()
        return m.Provenance(
            software_version=__version__,
            warehouse="DuckDB warehouse (schema version "
            + str(self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
            + ")",
            loads=[m.LoadRef(load_id=r[0], file_name=Path(r[1].split("!")[-1]).name, sha256=r[2],
                             force=r[3], month=r[4], kind=r[5]) for r in loads],
            reference_data=[{"dataset": r[0], "title": r[1], "licence": r[2], "sha256": r[3],
                             "rows": r[4]} for r in refs],
            harm_weights=[{k: (float(v) if k == "weight" and v else (v or None))
                           for k, v in row.items() if k in ("category", "weight", "status", "source", "year")}
                          for row in self.harm.rows],
            licence=OGL,
        )  # fmt: skip


def _consecutive_tail(months: list[date]) -> list[date]:
    """The longest run of consecutive months ending at the last month given."""
    if not months:
        return []
    run = [months[-1]]
    for d in reversed(months[:-1]):
        expected = run[0].replace(day=1)
        prev = date(expected.year - (expected.month == 1), (expected.month - 2) % 12 + 1, 1)
        if d != prev:
            break
        run.insert(0, d)
    return run


def assess(
    area: str,
    start: str,
    end: str,
    baseline: str = "previous-year",
    *,
    workspace: str | Path | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    allow_gaps: bool = False,
    cell_size_m: float | None = None,
    harm_weights: str | Path | None = None,
    priority_inputs: str | Path | None = None,
    locality_threshold: float = LOCALITY_THRESHOLD,
    peers_k: int = PEERS_K,
) -> m.Assessment:
    """Produce the strategic assessment for ``area`` over ``start``–``end`` (YYYY-MM).

    ``area`` is a CSP, district, ward, force area or locality, by code or name. Raises
    :class:`AssessmentError` with a plain message for an unknown area, a bad period, or
    missing months (unless ``allow_gaps``).
    """
    from saferplaces.config import Workspace
    from saferplaces.warehouse.store import connect

    request = Request(
        area=area, start=start, end=end, baseline=baseline, allow_gaps=allow_gaps,
        cell_size_m=cell_size_m, harm_weights=Path(harm_weights) if harm_weights else None,
        priority_inputs=Path(priority_inputs) if priority_inputs else None,
        locality_threshold=locality_threshold, peers_k=peers_k,
    )  # fmt: skip
    own = con is None
    if own:
        con = connect(Workspace.resolve(workspace).warehouse_path, read_only=True)
    try:
        return Engine(con, request).run()
    finally:
        if own:
            con.close()


__all__ = ["AssessmentError", "Engine", "Request", "assess", "month_range"]
