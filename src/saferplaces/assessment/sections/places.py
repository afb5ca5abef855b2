"""Places: wards and LSOAs with rates, smoothed rates, funnel flags and concentration."""

from __future__ import annotations

import numpy as np

from saferplaces.analysis import change as chg
from saferplaces.analysis import concentration, rates
from saferplaces.assessment import model as m
from saferplaces.assessment.comparison import rnd
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import Scope


def build(scope: Scope, data: Warehouse) -> m.Places:
    blocks: dict[str, list[m.Place]] = {}
    limits: dict[str, list[m.FunnelPoint]] = {}
    target_all = 0.0
    scale = 12.0 / scope.cov_now.n
    c = scope.comparison
    for unit in ("ward", "lsoa"):
        rows = data.place_rows(unit, scope.cov_now.present, list(c.months), list(c.baseline_months))
        counts = np.array([r.now for r in rows], float)
        pops = np.array([r.population or 0 for r in rows], float)
        eb = rates.empirical_bayes_rates(counts, np.maximum(pops, 1)) if len(rows) > 1 else None
        target = counts.sum() / pops.sum() if pops.sum() else 0.0
        target_all = target
        f95 = rates.funnel_flags(counts, pops, target, level=0.95) if len(rows) else []
        f998 = rates.funnel_flags(counts, pops, target, level=0.998) if len(rows) else []
        deciles = (decile_of_score(data, [r.imd_score for r in rows]) if unit == "ward"
                   else [r.imd_decile for r in rows])  # fmt: skip
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
            now_c = r.compared
            # Like for like: the compared months against their baseline months, equal exposures.
            test = chg.e_test(now_c, r.before, c.n, c.n) if c.basis == "matched-months" and c.n else None
            places.append(
                m.Place(
                    code=r.code, name=r.name or r.code, population=int(r.population or 0),
                    count=r.now, compared_count=now_c, baseline_count=r.before, asb_count=r.asb,
                    rate_per_1000=rnd(r.now / r.population * 1000 * scale, 3) if r.population else None,
                    smoothed_rate_per_1000=(
                        rnd(float(eb.smoothed[i]) * 1000 * scale, 3) if eb is not None else None
                    ),
                    imd_decile=deciles[i], funnel=flag,
                    p_value=rnd(test.p_value, 8) if test else None,
                    ward_code=r.ward_code if unit == "lsoa" else None,
                )
            )  # fmt: skip
        places.sort(key=lambda p: (-(p.smoothed_rate_per_1000 or 0), p.code))
        blocks[unit] = places
        limits[unit] = _funnel_curve(pops, target, scale)
    return m.Places(
        target_rate_per_1000=rnd(target_all * 1000 * scale, 3),
        ward_funnel_limits=limits["ward"], lsoa_funnel_limits=limits["lsoa"],
        wards=blocks["ward"], lsoas=blocks["lsoa"],
        concentration=[
            _concentration("LSOA", np.array([p.count for p in blocks["lsoa"]], float)),
            # Every published map point seen in the area in any loaded month is a place, so
            # points with no crime this period count as places with zero.
            _concentration("map point", np.array(data.map_point_counts(scope.cov_now.present), float)),
        ],
        ward_note=("Wards are 2024 wards (best-fit of LSOA 2021 to ward, ONS lookup); "
                   "ward counts are sums of their LSOAs."),
    )  # fmt: skip


def decile_of_score(data: Warehouse, scores: list[float | None]) -> list[int | None]:
    """IoD2025 decile a population-weighted score would have among England's LSOAs."""
    cuts = data.imd_decile_cuts()
    if not cuts:
        return [None] * len(scores)
    # Higher score = more deprived; decile 1 = the most deprived tenth.
    return [None if s is None else 10 - int(np.searchsorted(cuts, s, side="right")) for s in scores]


def _funnel_curve(pops: np.ndarray, target: float, scale: float) -> list[m.FunnelPoint]:
    """The funnel's limit curves at 40 populations spanning the places, for charts."""
    positive = pops[pops > 0]
    if len(positive) < 2 or target <= 0:
        return []
    grid = np.geomspace(positive.min(), positive.max(), 40)
    lim = rates.funnel_limits(grid, target, per=1000.0)
    return [
        m.FunnelPoint(
            population=rnd(float(n), 1), lower_95=rnd(float(a) * scale, 3),
            upper_95=rnd(float(b) * scale, 3), lower_998=rnd(float(c) * scale, 3),
            upper_998=rnd(float(d) * scale, 3),
        )
        for n, a, b, c, d in zip(grid, lim.lower95, lim.upper95, lim.lower998, lim.upper998,
                                 strict=True)
    ]  # fmt: skip


def _concentration(unit: str, counts: np.ndarray) -> m.Concentration:
    lc = concentration.lorenz_curve(counts) if counts.sum() > 0 else None
    half = concentration.places_holding_share(counts, 0.5) if counts.sum() > 0 else None
    lorenz = []
    if lc is not None:
        xs, ys = np.asarray(lc.share_of_places), np.asarray(lc.share_of_events)
        step = max(1, len(xs) // 100)  # about 100 points are plenty for a chart
        keep = sorted(set(range(0, len(xs), step)) | {len(xs) - 1})
        lorenz = [m.LorenzPoint(places_share=rnd(xs[i], 5), crime_share=rnd(ys[i], 5)) for i in keep]
    return m.Concentration(
        unit=unit, places=len(counts), events=int(counts.sum()),
        gini=rnd(concentration.gini(counts), 6) if counts.sum() > 0 else None,
        generalised_gini=rnd(concentration.generalized_gini(counts), 6) if counts.sum() > 0 else None,
        share_of_places_for_half=rnd(half.share_of_places, 6) if half else None,
        places_for_half=int(half.n_places) if half else None,
        lorenz=lorenz,
    )  # fmt: skip
