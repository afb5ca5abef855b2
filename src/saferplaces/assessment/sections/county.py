"""County assessments: the districts side by side, and their localities and priorities rolled up.

Runs only when the assessed area is a county (two-tier areas: Staffordshire's eight districts
agree the county's Community Safety Agreement). The county's records are already in
``a_street``; the districts are counted from it in one query (:meth:`Warehouse.district_monthly`),
and each district's priority localities and priorities are the same sections a district
assessment runs, on the county's extract narrowed to the district
(:meth:`Warehouse.narrow_area`), so no district re-reads the national records.

The district priorities here are scored without similar areas (the volume factor uses each
theme's share of the district's crime), so all districts are scored on the same footing.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from saferplaces.assessment import model as m
from saferplaces.assessment.comparison import change_block, harm_series, measure
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import Scope
from saferplaces.assessment.sections import categories, localities, priorities
from saferplaces.assessment.statements import times


def build(
    scope: Scope, data: Warehouse, *, localities_part: m.PriorityLocalities
) -> m.County | None:
    if scope.level != "county":
        return None
    c = scope.comparison
    months = sorted(set(scope.cov_now.present) | set(c.months) | set(c.baseline_months))
    monthly: dict[str, dict[str, dict]] = defaultdict(lambda: defaultdict(dict))
    for r in data.district_monthly("lad", months):
        monthly[r.code][r.category][r.month] = r.n
    county_loc = {x.area.code: x for x in localities_part.localities}
    me = m.AreaRef(level="county", code=scope.code, name=scope.name)
    districts: list[m.CountyDistrict] = []
    rolled: list[m.CountyLocality] = []
    themes: dict[str, list[str]] = defaultdict(list)
    try:
        for d in data.county_districts(scope.code):
            row = data.area_row("lad", d.code)
            ds = dataclasses.replace(
                scope, request=dataclasses.replace(scope.request, area=d.code), level="lad",
                code=d.code, name=d.name, population=int(row.population or 0),
                area_km2=float(row.area_km2 or 0.0), lsoa_count=int(row.lsoa_count or 0),
                parents=[me, *[p for p in scope.parents if p.level == "pfa"]], caveats=[],
            )  # fmt: skip
            data.narrow_area("lad", d.code)
            loc = localities.build(ds, data)
            pri = priorities.build(ds, data, categories=categories.build(ds, data, peers=None))
            mon = monthly.get(d.code, {})
            crime = change_block("Crime", measure(mon, "crime"), c, scope.cov_now.present, ds.population,
                                 harm=harm_series(mon, scope.harm))  # fmt: skip
            asb = change_block("Anti-social behaviour", measure(mon, "asb"), c, scope.cov_now.present,
                               ds.population)  # fmt: skip
            top = [p.theme for p in pri.priorities if p.recommended]
            for t in top:
                themes[t].append(d.name)
            sel = [x for x in loc.localities if x.selected]
            for x in sel:
                cx = county_loc.get(x.area.code)
                rolled.append(m.CountyLocality(
                    area=x.area, district=d.name, district_composite=x.composite,
                    county_composite=cx.composite if cx else None,
                    county_selected=bool(cx and cx.selected)))  # fmt: skip
            districts.append(m.CountyDistrict(
                area=m.AreaRef(level="lad", code=d.code, name=d.name), population=ds.population,
                crime=crime, asb=asb, top_priorities=top, priority_localities=[x.area for x in sel],
                near_line_localities=[x.area for x in loc.localities if x.near_line],
            ))  # fmt: skip
    finally:
        data.restore_area()
    ranked = sorted(themes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return m.County(
        districts=districts, localities=rolled,
        priorities=[m.CountyTheme(theme=t, districts=ds_) for t, ds_ in ranked],
        statement=_statement(scope, districts, ranked, rolled),
    )  # fmt: skip


def _statement(scope: Scope, districts: list[m.CountyDistrict], ranked: list, rolled: list) -> str:
    rated = [d for d in districts if d.crime.rate_per_1000 is not None]
    parts = [f"{scope.name} has {len(districts)} districts."]
    if rated:
        hi = max(rated, key=lambda d: d.crime.rate_per_1000)
        lo = min(rated, key=lambda d: d.crime.rate_per_1000)
        ratio = hi.crime.rate_per_1000 / lo.crime.rate_per_1000 if lo.crime.rate_per_1000 else None
        parts.append(f"The crime rate is highest in {hi.area.name} ({hi.crime.rate_per_1000:.0f} per "
                     f"1,000 residents a year) and lowest in {lo.area.name} "
                     f"({lo.crime.rate_per_1000:.0f})" + (f", {times(ratio)} apart." if ratio else "."))  # fmt: skip
    if ranked:
        common = [f"{t} ({len(ds)} of {len(districts)})" for t, ds in ranked[:3]]
        parts.append("Themes recommended in most districts: " + ", ".join(common) + ".")
    parts.append(f"{len(rolled)} localities are priorities within their own district"
                 + (f", {sum(x.county_selected for x in rolled)} of them also against the county's rate."
                    if rolled else "."))  # fmt: skip
    return " ".join(parts)
