"""Open data: the published figures as CSV and XLSX, with small numbers suppressed.

The rule (also written into every output's read-me):

1. **Primary suppression.** A count of 1 to 4 is suppressed when it is of a *sensitive
   category* (``SENSITIVE_CATEGORIES``: violence and sexual offences, which include sexual
   offences and domestic abuse) at any geography, or of *any* category for a *small area* (a
   ward, an LSOA, or an assessment area that is itself a ward, LSOA or locality). Zero is
   shown: it discloses nothing about a person.
2. **Derived figures go with their count.** Rates, shares, changes, p-values, harm totals and
   scores computed from a suppressed count would give it back, so they are suppressed too.
3. **Secondary suppression.** Published figures add up: categories to the crime total, wards
   and LSOAs to the area total, LSOAs to their ward, months and outcomes to their category.
   Wherever one of those sums would have a single unknown, a further cell (the smallest
   non-zero one) is suppressed. Then every suppressed cell is attacked with linear programming
   over all the sums, as a user could (each unknown at least 1, since zeros are never
   suppressed): if any could be pinned to one value, another cell is suppressed, until none
   can.

Grid-cell counts and Gi* scores are not published at all: cells are small, and the Gi* z-scores
of neighbouring cells would let the counts be solved for. Hotspot cells are published as
locations and classes only. Suppressed values are shown as ``[c]`` and figures that do not
exist as ``[x]`` (the Government Statistical Service convention).

This is the one place the renderer does arithmetic on figures — deciding what to withhold, a
publishing rule — and it publishes nothing it computes.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from saferplaces import atomic
from saferplaces.assessment import model as m
from saferplaces.assessment.sections.localities import short_title
from saferplaces.reports import fmt

SUPPRESSED = "[c]"
NOT_AVAILABLE = "[x]"
SENSITIVE_CATEGORIES = frozenset({"Violence and sexual offences"})
SMALL_AREA_LEVELS = frozenset({"ward", "lsoa", "locality"})
LOW, HIGH = 1, 4
ASB = "Anti-social behaviour"

CellId = tuple[str, str, str]  # (table, row key, column)


@dataclass
class Equation:
    """``sum(parts) == total``: a relation a reader can use to recover a hidden cell."""

    parts: list[CellId]
    total: CellId

    @property
    def members(self) -> list[CellId]:
        return [*self.parts, self.total]


@dataclass
class OpenTable:
    name: str
    title: str
    description: str
    columns: list[str]
    keys: list[str] = field(default_factory=list)  # row keys, parallel to rows
    rows: list[dict[str, object]] = field(default_factory=list)

    def add(self, key: str, row: dict[str, object]) -> None:
        self.keys.append(key)
        self.rows.append(row)


@dataclass
class OpenData:
    tables: list[OpenTable]
    suppressed: set[CellId]
    primary: set[CellId]
    equations: list[Equation]
    values: dict[CellId, int]
    readme: str

    def table(self, name: str) -> OpenTable:
        return next(t for t in self.tables if t.name == name)

    def published(self, cell: CellId) -> object:
        t = self.table(cell[0])
        return t.rows[t.keys.index(cell[1])][cell[2]]


# --- suppression -------------------------------------------------------------------------------


class Suppressor:
    """Primary and secondary suppression over a set of count cells and the sums between them."""

    def __init__(self) -> None:
        self.values: dict[CellId, int] = {}
        self.protect: set[CellId] = set()
        self.equations: list[Equation] = []
        self.derived: dict[CellId, list[CellId]] = defaultdict(list)
        self.limits: dict[CellId, int] = {}  # a partner's own rule: suppress 1 to limit

    def count(self, cell: CellId, value: int, protected: bool,
              derived: Iterable[CellId] = (), suppress_below: int | None = None) -> None:  # fmt: skip
        """``suppress_below``: a partner measure's declared rule (counts from 1 to one less are
        suppressed) instead of the police rule's 1 to 4."""
        self.values[cell] = int(value)
        if protected:
            self.protect.add(cell)
        if suppress_below is not None:
            self.limits[cell] = int(suppress_below) - 1
        self.derived[cell].extend(derived)

    def relation(self, parts: list[CellId], total: CellId) -> None:
        """Record ``sum(parts) == total`` if it holds exactly (a reader can only exploit a
        relation that is true)."""
        parts = [p for p in parts if p in self.values]
        if total not in self.values or not parts:
            return
        if sum(self.values[p] for p in parts) == self.values[total]:
            self.equations.append(Equation(parts, total))

    def primary(self) -> set[CellId]:
        return {c for c in self.protect if LOW <= self.values[c] <= self.limits.get(c, HIGH)}

    def _add_secondary(self, hidden: set[CellId], eq: Equation) -> bool:
        candidates = [c for c in eq.members if c not in hidden and self.values[c] > 0]
        if not candidates:
            return False
        # The smallest non-zero cell loses least information; parts before the total, so a
        # published total survives where it can.
        pick = min(candidates, key=lambda c: (c == eq.total, self.values[c], c))
        hidden.add(pick)
        return True

    def run(self, max_rounds: int = 50) -> tuple[set[CellId], set[CellId]]:
        primary = self.primary()
        hidden = set(primary)
        for _ in range(max_rounds):
            changed = True
            while changed:
                changed = False
                for eq in self.equations:
                    if sum(c in hidden for c in eq.members) == 1:
                        changed |= self._add_secondary(hidden, eq)
            exposed = recoverable(self.values, hidden, self.equations)
            if not exposed:
                break
            for cell in sorted(exposed):
                for eq in self.equations:
                    if cell in eq.members and self._add_secondary(hidden, eq):
                        break
        return primary, hidden


def _components(
    hidden: set[CellId], equations: list[Equation]
) -> list[tuple[list[CellId], list[Equation]]]:
    """Independent groups of hidden cells (linked through shared relations)."""
    parent: dict[CellId, CellId] = {c: c for c in hidden}

    def find(c: CellId) -> CellId:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    used = []
    for eq in equations:
        h = [c for c in eq.members if c in hidden]
        if not h:
            continue
        used.append(eq)
        for c in h[1:]:
            parent[find(c)] = find(h[0])
    groups: dict[CellId, list[CellId]] = defaultdict(list)
    for c in hidden:
        groups[find(c)].append(c)
    out = []
    for cells in groups.values():
        s = set(cells)
        out.append((sorted(cells), [eq for eq in used if any(c in s for c in eq.members)]))
    return out


def intervals(values: dict[CellId, int], hidden: set[CellId], equations: list[Equation],
              lower: float = 1.0) -> dict[CellId, tuple[float, float]]:  # fmt: skip
    """What a reader can deduce: the feasible range of each hidden cell, from every published
    relation, with each hidden cell at least ``lower`` (zeros are never suppressed)."""
    from scipy.optimize import linprog

    out: dict[CellId, tuple[float, float]] = {}
    for cells, eqs in _components(hidden, equations):
        idx = {c: i for i, c in enumerate(cells)}
        if not eqs:
            for c in cells:
                out[c] = (lower, float("inf"))
            continue
        a = np.zeros((len(eqs), len(cells)))
        b = np.zeros(len(eqs))
        for k, eq in enumerate(eqs):
            rhs = 0.0
            for c in eq.parts:
                if c in idx:
                    a[k, idx[c]] += 1
                else:
                    rhs -= values[c]
            if eq.total in idx:
                a[k, idx[eq.total]] -= 1
            else:
                rhs += values[eq.total]
            b[k] = rhs
        bounds = [(lower, None)] * len(cells)
        for c, i in idx.items():
            cost = np.zeros(len(cells))
            cost[i] = 1
            lo = linprog(cost, A_eq=a, b_eq=b, bounds=bounds, method="highs")
            hi = linprog(-cost, A_eq=a, b_eq=b, bounds=bounds, method="highs")
            lo_v = lo.fun if lo.status == 0 else lower
            hi_v = -hi.fun if hi.status == 0 else float("inf")
            out[c] = (float(lo_v), float(hi_v))
    return out


def recoverable(values: dict[CellId, int], hidden: set[CellId],
                equations: list[Equation]) -> set[CellId]:  # fmt: skip
    """Hidden cells whose value the published relations pin down exactly."""
    return {c for c, (lo, hi) in intervals(values, hidden, equations).items() if hi - lo < 0.5}


# --- the published tables ------------------------------------------------------------------------


def _v(x: object) -> object:
    return NOT_AVAILABLE if x is None else x


def build(a: m.Assessment, lsoa_ward: dict[str, str] | None = None) -> OpenData:
    """The open data tables for an assessment, suppressed. ``lsoa_ward`` (LSOA → ward code)
    lets the LSOA-within-ward sums be protected; without it they are still protected against
    the area total."""
    sup = Suppressor()
    area_small = a.area.level in SMALL_AREA_LEVELS
    tables: list[OpenTable] = []

    # Overview: the area and its reference areas.
    ov = OpenTable("overview", "Crime and ASB: the area and reference areas",
                   "Counts in the period and the baseline, the change and its significance, and "
                   "rates per 1,000 residents a year with 95% intervals.",
                   ["area_code", "area_name", "area_level", "measure", "count", "baseline_count",
                    "change", "percent_change", "p_value", "significant", "rate_per_1000",
                    "rate_ci_low", "rate_ci_high", "baseline_rate_per_1000", "harm",
                    "baseline_harm"])  # fmt: skip
    entries = [(a.area, a.overview.crime, a.overview.asb, area_small)] + [
        (c.area, c.crime, c.asb, c.area.level in SMALL_AREA_LEVELS) for c in a.overview.comparators
    ]
    for ref, crime, asb, small in entries:
        for measure, block in (("crime", crime), ("asb", asb)):
            if block is None:
                continue
            key = f"{ref.code}:{measure}"
            ov.add(key, {
                "area_code": ref.code, "area_name": ref.name, "area_level": ref.level,
                "measure": measure, "count": block.count, "baseline_count": block.baseline_count,
                "change": block.change, "percent_change": _v(block.percent_change),
                "p_value": _v(block.p_value), "significant": block.significant,
                "rate_per_1000": _v(block.rate_per_1000), "rate_ci_low": _v(block.rate_ci_low),
                "rate_ci_high": _v(block.rate_ci_high),
                "baseline_rate_per_1000": _v(block.baseline_rate_per_1000),
                "harm": _v(block.harm), "baseline_harm": _v(block.baseline_harm),
            })  # fmt: skip
            sup.count(("overview", key, "count"), block.count, small, [
                ("overview", key, c) for c in ("change", "percent_change", "p_value", "significant",
                                               "rate_per_1000", "rate_ci_low", "rate_ci_high", "harm")])  # fmt: skip
            sup.count(("overview", key, "baseline_count"), block.baseline_count, small, [
                ("overview", key, c) for c in ("change", "percent_change", "p_value", "significant",
                                               "baseline_rate_per_1000", "baseline_harm")])  # fmt: skip
    tables.append(ov)
    me = a.area.code

    # Categories.
    cat = OpenTable("categories", "Crime and ASB by category",
                    "One row per category: counts, change against the baseline with the Poisson "
                    "E-test p-value, rate per 1,000 residents a year, the median rate of similar "
                    "areas, share of all crime (or of ASB) and harm.",
                    ["category", "is_asb", "count", "baseline_count", "change", "percent_change",
                     "p_value", "significant", "direction", "rate_per_1000", "peer_rate_median",
                     "share", "harm_weight", "harm"])  # fmt: skip
    for c in a.categories:
        cat.add(c.category, {
            "category": c.category, "is_asb": c.is_asb, "count": c.count,
            "baseline_count": c.baseline_count, "change": c.change,
            "percent_change": _v(c.percent_change), "p_value": _v(c.p_value),
            "significant": c.significant, "direction": c.direction,
            "rate_per_1000": _v(c.rate_per_1000), "peer_rate_median": _v(c.peer_rate_median),
            "share": c.share, "harm_weight": _v(c.harm_weight), "harm": _v(c.harm),
        })  # fmt: skip
        sensitive = c.category in SENSITIVE_CATEGORIES or area_small
        derived_now = [("categories", c.category, x) for x in
                       ("change", "percent_change", "p_value", "significant", "direction",
                        "rate_per_1000", "share", "harm")]  # fmt: skip
        derived_base = [("categories", c.category, x) for x in
                        ("change", "percent_change", "p_value", "significant", "direction")]  # fmt: skip
        sup.count(("categories", c.category, "count"), c.count, sensitive, derived_now)
        sup.count(("categories", c.category, "baseline_count"), c.baseline_count, sensitive,
                  derived_base)  # fmt: skip
    tables.append(cat)
    for col in ("count", "baseline_count"):
        crimes = [("categories", c.category, col) for c in a.categories if not c.is_asb]
        sup.relation(crimes, ("overview", f"{me}:crime", col))
        asb = [("categories", c.category, col) for c in a.categories if c.is_asb]
        sup.relation(asb, ("overview", f"{me}:asb", col))

    # Monthly series.
    mon = OpenTable("monthly", "Monthly counts by category",
                    "Records per category per month of the period.",
                    ["category", "month", "count"])  # fmt: skip
    for c in a.categories:
        cells = []
        for x in c.monthly:
            key = f"{c.category}:{x.month}"
            mon.add(key, {"category": c.category, "month": x.month, "count": x.count})
            cell = ("monthly", key, "count")
            sup.count(cell, x.count, c.category in SENSITIVE_CATEGORIES or area_small)
            cells.append(cell)
        sup.relation(cells, ("categories", c.category, "count"))
    tables.append(mon)

    # Outcomes.
    out = OpenTable("outcomes", "Latest outcome recorded, by category",
                    "Crimes of the period by the latest outcome data.police.uk records.",
                    ["category", "outcome", "count", "share"])  # fmt: skip
    for c in a.categories:
        cells = []
        for o in c.outcomes or []:
            key = f"{c.category}:{o.outcome}"
            out.add(key, {"category": c.category, "outcome": o.outcome, "count": o.count,
                          "share": o.share})  # fmt: skip
            cell = ("outcomes", key, "count")
            sup.count(cell, o.count, c.category in SENSITIVE_CATEGORIES or area_small,
                      [("outcomes", key, "share")])  # fmt: skip
            cells.append(cell)
        if cells:
            sup.relation(cells, ("categories", c.category, "count"))
    tables.append(out)

    # Places.
    place_cols = [
        "code",
        "name",
        "population",
        "count",
        "baseline_count",
        "asb_count",
        "rate_per_1000",
        "smoothed_rate_per_1000",
        "imd_decile",
        "funnel",
        "p_value",
    ]
    for unit, places, title in (("wards", a.places.wards, "Wards"),
                                ("lsoas", a.places.lsoas, "LSOAs (Census 2021)")):  # fmt: skip
        t = OpenTable(unit, title, "Crime (excluding ASB) in the period and the baseline, ASB, "
                      "rates per 1,000 residents a year (raw and empirical-Bayes smoothed), "
                      "IoD2025 decile and the funnel-plot flag.",
                      place_cols + (["ward_code"] if unit == "lsoas" else []))  # fmt: skip
        for p in places:
            row = {"code": p.code, "name": p.name, "population": p.population, "count": p.count,
                   "baseline_count": p.baseline_count, "asb_count": p.asb_count,
                   "rate_per_1000": _v(p.rate_per_1000),
                   "smoothed_rate_per_1000": _v(p.smoothed_rate_per_1000),
                   "imd_decile": _v(p.imd_decile), "funnel": p.funnel, "p_value": _v(p.p_value)}  # fmt: skip
            if unit == "lsoas":
                row["ward_code"] = (lsoa_ward or {}).get(p.code, NOT_AVAILABLE)
            t.add(p.code, row)
            sup.count(
                (unit, p.code, "count"),
                p.count,
                True,
                [(unit, p.code, c) for c in ("rate_per_1000", "smoothed_rate_per_1000", "p_value")],
            )
            sup.count((unit, p.code, "baseline_count"), p.baseline_count, True,
                      [(unit, p.code, "p_value")])  # fmt: skip
            sup.count((unit, p.code, "asb_count"), p.asb_count, True)
        tables.append(t)
        for col, total in (("count", "crime"), ("baseline_count", "crime"), ("asb_count", "asb")):
            total_col = "count" if col != "baseline_count" else "baseline_count"
            sup.relation(
                [(unit, p.code, col) for p in places], ("overview", f"{me}:{total}", total_col)
            )
    if lsoa_ward:
        members: dict[str, list[str]] = defaultdict(list)
        for p in a.places.lsoas:
            if p.code in lsoa_ward:
                members[lsoa_ward[p.code]].append(p.code)
        for ward, codes in members.items():
            for col in ("count", "baseline_count", "asb_count"):
                sup.relation([("lsoas", c, col) for c in codes], ("wards", ward, col))

    # Emerging issues: every flagged series, its recent months' count against the months before.
    em = OpenTable("emerging_issues", "Emerging issues",
                   (a.emerging.method + " " + a.emerging.statement) if a.emerging else
                   "Category-area series flagged as rising.",
                   ["category", "area_code", "area_name", "area_level", "months", "count",
                    "expected", "baseline_mean", "ratio", "p_value", "q_value"])  # fmt: skip
    for i, x in enumerate(a.emerging_issues):
        key = f"{i}"
        em.add(key, {"category": x.category, "area_code": x.area.code, "area_name": x.area.name,
                     "area_level": x.area.level, "months": " ".join(x.months), "count": x.count,
                     "expected": x.expected, "baseline_mean": x.baseline_mean, "ratio": _v(x.ratio),
                     "p_value": x.p_value, "q_value": x.q_value})  # fmt: skip
        small = x.area.level in SMALL_AREA_LEVELS or x.category in SENSITIVE_CATEGORIES
        sup.count(("emerging_issues", key, "count"), x.count, small,
                  [("emerging_issues", key, c) for c in ("ratio", "p_value", "q_value")])  # fmt: skip
    tables.append(em)

    # Priority localities: indices only (raw component values are multi-year place counts).
    pl = a.priority_localities
    comp_names = [c.name for c in pl.localities[0].components] if pl.localities else []
    loc = OpenTable("priority_localities", "Priority localities",
                    f"{pl.method}. Threshold: {pl.threshold_rule}. Component indices: 100 = the "
                    "area average.",
                    ["rank", "code", "name", "level", "composite", "selected"]
                    + [f"index: {n}" for n in comp_names])  # fmt: skip
    # A partner indicator's index gives its small count back (index × area rate × residents):
    # withheld where the place's count is under the partner's rule.
    rules = {short_title(p.title): p.suppress_below for p in (a.partner_data.measures if a.partner_data else [])}
    for x in pl.localities:
        row: dict[str, object] = {"rank": x.rank, "code": x.area.code, "name": x.area.name,
                                  "level": x.area.level, "composite": x.composite,
                                  "selected": x.selected}  # fmt: skip
        for n in comp_names:
            comp = next((c for c in x.components if c.name == n), None)
            limit = rules.get(comp.domain) if comp else None
            small = limit is not None and comp.value is not None and 0 < comp.value < limit
            row[f"index: {n}"] = SUPPRESSED if small else _v(comp.index if comp else None)
        loc.add(x.area.code, row)
    tables.append(loc)

    # Partner measures: counts under the partner's declared small-number rule.
    if a.partner_data:
        pm = OpenTable("partner_measures", "Partner data",
                       "Each partner measure for the area and period, as the partner defined it: "
                       "count, rate per 1,000 residents a year and the change on matched periods. "
                       "Counts from 1 up to the partner's limit are suppressed.",
                       ["measure_id", "title", "source", "sharing_basis", "suppress_below", "periods",
                        "count", "rate_per_1000", "compared_count", "baseline_count", "change",
                        "percent_change", "p_value", "compared"])  # fmt: skip
        for x in a.partner_data.measures:
            c = x.change
            pm.add(x.measure_id, {
                "measure_id": x.measure_id, "title": x.title, "source": x.source,
                "sharing_basis": x.licence, "suppress_below": x.suppress_below,
                "periods": ", ".join(x.periods), "count": c.count, "rate_per_1000": _v(c.rate_per_1000),
                "compared_count": c.compared_count, "baseline_count": c.baseline_count,
                "change": _v(c.change), "percent_change": _v(c.percent_change), "p_value": _v(c.p_value),
                "compared": _v(c.compared),
            })  # fmt: skip
            derived = [("partner_measures", x.measure_id, k) for k in ("change", "percent_change", "p_value")]
            sup.count(("partner_measures", x.measure_id, "count"), c.count, True,
                      [("partner_measures", x.measure_id, "rate_per_1000")], x.suppress_below)  # fmt: skip
            for k in ("compared_count", "baseline_count"):
                sup.count(("partner_measures", x.measure_id, k), getattr(c, k), True, derived,
                          x.suppress_below)  # fmt: skip
        tables.append(pm)

    # Recommended priorities.
    factors = [sc.factor for sc in a.recommended_priorities.priorities[0].scores] \
        if a.recommended_priorities.priorities else []  # fmt: skip
    rp = OpenTable("recommended_priorities", "Recommended priorities",
                   f"{a.recommended_priorities.method}. Scale {a.recommended_priorities.scale}.",
                   ["rank", "theme", "total", "recommended"] + [f"score: {f}" for f in factors])  # fmt: skip
    for p in a.recommended_priorities.priorities:
        row = {"rank": p.rank, "theme": p.theme, "total": p.total, "recommended": p.recommended}
        for f in factors:
            row[f"score: {f}"] = _v(next((s.score for s in p.scores if s.factor == f), None))
        rp.add(p.theme, row)
    tables.append(rp)

    # Hotspots: locations and classes only.
    hs = a.hotspots
    hot = OpenTable("hotspot_cells", "Hotspot grid cells",
                    f"Cells of the {fmt.count(hs.cell_size_m)} m grid (British National Grid, "
                    "cell centres) that are significant hot or cold spots or have a space-time "
                    "class. Counts and Gi* scores are not published (see the read-me).",
                    ["easting", "northing", "cell_size_m", "gi_star", "space_time_class"])  # fmt: skip
    for c in hs.cells:
        sig = c.in_area and c.q_value < hs.fdr_alpha and c.gi_z != 0
        if not c.in_area or (not sig and c.space_time_class in ("no pattern", "outside area")):
            continue
        hot.add(f"{c.easting}:{c.northing}", {
            "easting": c.easting, "northing": c.northing, "cell_size_m": hs.cell_size_m,
            "gi_star": ("hotspot" if c.gi_z > 0 else "coldspot") if sig else "not significant",
            "space_time_class": c.space_time_class,
        })  # fmt: skip
    tables.append(hot)

    # Similar areas.
    if a.peers:
        pe = OpenTable("peers", "Similar areas", a.peers.method,
                       ["code", "name", "level", "population", "distance", "has_police_data",
                        "crime_rate_per_1000", "asb_rate_per_1000"])  # fmt: skip
        for p in a.peers.areas:
            pe.add(p.area.code, {"code": p.area.code, "name": p.area.name, "level": p.area.level,
                                 "population": p.population, "distance": p.distance,
                                 "has_police_data": p.has_data,
                                 "crime_rate_per_1000": _v(p.crime_rate_per_1000),
                                 "asb_rate_per_1000": _v(p.asb_rate_per_1000)})  # fmt: skip
        tables.append(pe)

    primary, hidden = sup.run()
    for cell in hidden:
        _blank(tables, cell)
        for d in sup.derived.get(cell, []):
            _blank(tables, d)
    return OpenData(tables=tables, suppressed=hidden, primary=primary, equations=sup.equations,
                    values=sup.values, readme=readme(a, tables, len(primary), len(hidden)))  # fmt: skip


def _blank(tables: list[OpenTable], cell: CellId) -> None:
    t = next(x for x in tables if x.name == cell[0])
    t.rows[t.keys.index(cell[1])][cell[2]] = SUPPRESSED


def readme(a: m.Assessment, tables: list[OpenTable], n_primary: int, n_hidden: int) -> str:
    lab = fmt.period(a.period.start, a.period.end)
    lines = [
        f"# {a.area.name} strategic assessment: open data",
        "",
        f"Area: {a.area.name} ({a.area.code}). Period: {lab}. Baseline: "
        f"{fmt.period(a.baseline.start, a.baseline.end)}. Produced {fmt.timestamp(a.generated_at)} "
        f"with Safer Places {a.provenance.software_version} from the assessment file "
        f"(schema version {a.schema_version}).",
        "",
        "## Licence",
        "",
        a.provenance.licence,
        "",
        "## Small numbers",
        "",
        "Counts of 1 to 4 are suppressed for violence and sexual offences at any geography and "
        "for every category in small areas (wards, LSOAs, and assessments of a ward, LSOA or "
        "locality). Figures computed from a suppressed count (rates, shares, changes, p-values, "
        "harm, scores) are suppressed with it. Where the published figures add up (categories to "
        "the crime total, wards and LSOAs to the area total, LSOAs to their ward, months and "
        "outcomes to their category), further cells are suppressed so that no suppressed value "
        "can be worked out by subtraction or by combining the sums; this was checked by linear "
        "programming. Zero is shown as 0. Grid-cell counts and Gi* scores are not published.",
        "",
        f"In these files: {n_primary} counts suppressed by the rule, {n_hidden - n_primary} more "
        "to protect them.",
        "",
        "Symbols: `[c]` suppressed (confidential); `[x]` not available.",
        "",
        "## Files",
        "",
    ]
    for t in tables:
        lines.append(f"* `{t.name}.csv`: {t.title}. {t.description} Columns: "
                     + ", ".join(f"`{c}`" for c in t.columns) + ".")  # fmt: skip
    lines += ["", "Encoding: UTF-8 (with a byte-order mark, so Excel shows the characters "
              "correctly). One header row; one row per record.", ""]  # fmt: skip
    return "\n".join(lines)


# --- writers -----------------------------------------------------------------------------------------


def _cell(v: object) -> object:
    if isinstance(v, bool):
        return "yes" if v else "no"
    return v


def csv_text(t: OpenTable) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(t.columns)
    for row in t.rows:
        w.writerow([_cell(row.get(c, NOT_AVAILABLE)) for c in t.columns])
    return "\ufeff" + buf.getvalue()


def write_csv(data: OpenData, folder: Path) -> Path:
    """One CSV per table plus README.md, swapped in as a whole folder."""
    with atomic.directory(folder) as tmp:
        for t in data.tables:
            (tmp / f"{t.name}.csv").write_text(csv_text(t), encoding="utf-8", newline="")
        (tmp / "README.md").write_text(data.readme, encoding="utf-8")
    return folder


def write_xlsx(data: OpenData, path: Path, title: str) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.table import Table as XTable
    from openpyxl.worksheet.table import TableStyleInfo

    wb = Workbook()
    cover = wb.active
    cover.title = "Cover"
    cover["A1"] = title
    cover["A1"].font = Font(bold=True, size=14)
    row = 3
    for line in data.readme.splitlines():
        if line.startswith("# "):
            continue
        text = line.lstrip("#* ").replace("`", "")
        cover.cell(row=row, column=1, value=text or None)
        if line.startswith("## "):
            cover.cell(row=row, column=1).font = Font(bold=True, size=12)
        cover.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    cover.column_dimensions["A"].width = 120
    cover.cell(row=row + 1, column=1, value="Contents").font = Font(bold=True, size=12)
    r = row + 2
    for t in data.tables:
        cover.cell(row=r, column=1, value=f"{t.name[:31]}: {t.title}")
        r += 1
    for t in data.tables:
        ws = wb.create_sheet(t.name[:31])
        ws["A1"] = t.title
        ws["A1"].font = Font(bold=True, size=12)
        ws["A2"] = t.description + " [c] = suppressed; [x] = not available."
        ws.append([])
        ws.append(t.columns)
        for rw in t.rows:
            ws.append([_cell(rw.get(c, NOT_AVAILABLE)) for c in t.columns])
        for cell in ws[4]:
            cell.font = Font(bold=True)
        last = 4 + len(t.rows)
        if t.rows:
            from openpyxl.utils import get_column_letter

            ref = f"A4:{get_column_letter(len(t.columns))}{last}"
            xt = XTable(displayName=f"t_{t.name}"[:250], ref=ref)
            xt.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
            ws.add_table(xt)
        ws.freeze_panes = "A5"
        for i, c in enumerate(t.columns, start=1):
            from openpyxl.utils import get_column_letter

            ws.column_dimensions[get_column_letter(i)].width = max(10, min(45, len(c) + 4))
    return atomic.write_with(path, lambda tmp: wb.save(str(tmp)))
