"""Peers: the most similar areas at the same level with data for the same months."""

from __future__ import annotations

import math

import numpy as np

from saferplaces.analysis import peers
from saferplaces.assessment import model as m
from saferplaces.assessment.comparison import rnd
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import Scope
from saferplaces.warehouse import forces as force_list


def build(scope: Scope, data: Warehouse) -> m.Peers | None:
    level, code = scope.level, scope.code
    if level not in ("csp", "lad", "pfa", "ward"):
        scope.caveats.append(f"No peers for a {level}: peers are compared for wards, districts, "
                             "CSPs and force areas.")  # fmt: skip
        return None
    feats = data.peer_features(level)
    codes = [f.code for f in feats]
    if code not in codes:
        return None
    me = codes.index(code)
    use_imd = feats[me].imd is not None
    names = ["log population", "log density (people per km²)", "rural share of residents"]
    if use_imd:
        names.insert(2, "IoD2025 mean score (population-weighted)")
    # Candidates: the area itself and areas whose every force has the same months loaded.
    cand = []
    for i, f in enumerate(feats):
        forces = [force_list.BY_PFA[p].slug for p in f.pfas if p in force_list.BY_PFA]
        cn, cb = scope.coverage(forces, scope.period), scope.coverage(forces, scope.base)
        complete = cn.present == scope.cov_now.present and cb.present == scope.cov_base.present
        if (i == me or complete) and (not use_imd or f.imd is not None) and f.pop:
            cand.append(i)
    if len(cand) < 2:
        scope.caveats.append(f"No peers: no other {level} has data for the same months.")
        return None
    x = np.array(
        [[math.log(feats[i].pop), math.log(max(feats[i].density or 1e-9, 1e-9)),
          *([feats[i].imd] if use_imd else []), feats[i].rural_share or 0.0] for i in cand],
        dtype=float,
    )  # fmt: skip
    k = min(scope.request.peers_k, len(cand) - 1)
    res = peers.most_similar(x, k=k, targets=[cand.index(me)])
    peer_idx = [cand[j] for j in res.indices[0]]
    dists = res.distances[0]
    chosen = [codes[i] for i in peer_idx]
    rates_by = _rates_for(scope, data, level, [code, *chosen])
    areas = [
        m.Peer(
            area=m.AreaRef(level=level, code=codes[i], name=feats[i].name),
            distance=rnd(d, 4), population=int(feats[i].pop),
            crime_rate_per_1000=rates_by[codes[i]][0], asb_rate_per_1000=rates_by[codes[i]][1],
            months_present=scope.cov_now.n,
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
                of=len(values), peer_median=rnd(float(np.median(others)), 3) if others else None,
            )
        )  # fmt: skip
    return m.Peers(
        method=("Nearest neighbours (Euclidean distance on z-scores standardised over the "
                f"{len(cand)} {level}s with data for the same months)"),
        features=names, k=k, candidates=len(cand) - 1, areas=areas, ranks=ranks,
    )  # fmt: skip


def _rates_for(scope: Scope, data: Warehouse, level: str,
               codes: list[str]) -> dict[str, tuple[float | None, float | None]]:  # fmt: skip
    counts = {r.code: (r.crime, r.asb) for r in data.crime_asb_by_area(level, codes, scope.cov_now.present)}
    pops = data.populations(level, codes)
    scale = 12.0 / scope.cov_now.n
    out = {}
    for c in codes:
        crime, asb = counts.get(c, (0, 0))
        pop = pops.get(c) or 0
        out[c] = (
            rnd(crime / pop * 1000 * scale, 3) if pop else None,
            rnd(asb / pop * 1000 * scale, 3) if pop else None,
        )
    return out


def category_medians(scope: Scope, data: Warehouse, peer_block: m.Peers | None) -> dict[str, float]:
    """The peers' median rate per 1,000 a year, per category."""
    if peer_block is None:
        return {}
    codes = [p.area.code for p in peer_block.areas]
    level = peer_block.areas[0].area.level if peer_block.areas else scope.level
    pops = {p.area.code: p.population for p in peer_block.areas}
    per: dict[str, dict[str, float]] = {}
    scale = 12.0 / scope.cov_now.n
    for r in data.categories_by_area(level, codes, scope.cov_now.present):
        per.setdefault(r.category, {})[r.code] = r.n / pops[r.code] * 1000 * scale
    return {cat: rnd(float(np.median([v.get(c, 0.0) for c in codes])), 3) for cat, v in per.items()}
