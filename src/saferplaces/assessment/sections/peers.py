"""Peers: the most similar areas in the country, compared on only where police data allows.

The peers are the ``k`` nearest over *every* area of the level in England (England and Wales
for a Welsh area), from the reference tables, whatever police data happens to be loaded
(:func:`saferplaces.analysis.peers.national_peers`). Which of them have police data for the
period decides only which are compared on, and the statement says so; a peer is never swapped
for a loaded area further down the list, so the comparison does not depend on what is loaded.
"""

from __future__ import annotations

import numpy as np

from saferplaces.analysis import peers
from saferplaces.assessment import model as m
from saferplaces.assessment.comparison import rnd
from saferplaces.assessment.peer_features import LEVELS
from saferplaces.assessment.periods import months_label
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import Scope
from saferplaces.warehouse import forces as force_list

MEASURES = ("crime rate per 1,000", "ASB rate per 1,000")


def _has_data(scope: Scope, peer: peers.Peer) -> bool:
    """Every force of the peer is loaded for every month of the period the area uses."""
    forces = [force_list.BY_PFA[p].slug for p in peer.pfas if p in force_list.BY_PFA]
    if not forces:
        return False
    months = scope.cov_now.present
    return all(d in scope.loaded.get(f, set()) for f in forces for d in months)


def build(scope: Scope, data: Warehouse) -> m.Peers | None:
    level, code = scope.level, scope.code
    if level not in LEVELS:
        scope.caveats.append(f"No peers for a {level}: peers are compared for wards, districts, "
                             "CSPs, counties and force areas.")  # fmt: skip
        return None
    table = data.peer_table(level)
    if code not in table.codes:
        return None
    pool = len(table.codes) if np.isnan(table.imd[table.index(code)]) else int(np.isfinite(table.imd).sum())
    k = min(scope.request.peers_k, pool - 1)
    if k < 1:
        return None
    found = peers.national_peers(table, code, k=k)
    period = months_label(scope.cov_now.present)
    split = peers.peers_with_data(found, lambda p: _has_data(scope, p), period)
    with_data = {p.code for p in split.compare_on}
    # Nothing to rank against without a peer with data: no scan of the records at all.
    rates_by = _rates_for(scope, data, level, [code, *sorted(with_data)]) if with_data else {}
    pops = dict(zip(table.codes, table.population, strict=True))
    areas = [
        m.Peer(
            area=m.AreaRef(level=level, code=p.code, name=p.name), distance=rnd(p.distance, 4),
            population=int(pops[p.code]),
            crime_rate_per_1000=rates_by[p.code][0] if p.code in with_data else None,
            asb_rate_per_1000=rates_by[p.code][1] if p.code in with_data else None,
            months_present=scope.cov_now.n if p.code in with_data else 0,
            has_data=p.code in with_data,
        )
        for p in found.peers
    ]  # fmt: skip
    ranks = [_rank(label, rates_by.get(code, (None, None))[j],
                   [rates_by[c][j] for c in sorted(with_data)])
             for j, label in enumerate(MEASURES)]  # fmt: skip
    if not with_data:
        scope.caveats.append(split.statement)
    return m.Peers(
        method=found.method, features=list(found.features), k=k, candidates=len(found.pool) - 1,
        areas=areas, ranks=ranks, pool=found.pool_description, compared=len(with_data),
        statement=split.statement,
    )  # fmt: skip


def _rank(label: str, mine: float | None, others: list[float | None]) -> m.PeerRank:
    """The area among the peers with data: rank 1 = highest; no rank without a peer."""
    vals = [v for v in others if v is not None]
    if mine is None or not vals:
        return m.PeerRank(measure=label, value=mine, rank=None, of=1 if mine is not None else 0,
                          peer_median=None,
                          text="not ranked: no similar area has police data for the period")  # fmt: skip
    return m.PeerRank(
        measure=label, value=mine, rank=1 + sum(v > mine for v in vals), of=len(vals) + 1,
        peer_median=rnd(float(np.median(vals)), 3), text=peers.rank_text(mine, vals),
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
    """The median rate per 1,000 a year per category over the peers *with police data* for the
    period (empty when none has: volume is then scored on the share of crime, and says so)."""
    if peer_block is None:
        return {}
    compared = [p for p in peer_block.areas if p.has_data]
    if not compared:
        return {}
    codes = [p.area.code for p in compared]
    level = compared[0].area.level
    pops = {p.area.code: p.population for p in compared}
    per: dict[str, dict[str, float]] = {}
    scale = 12.0 / scope.cov_now.n
    for r in data.categories_by_area(level, codes, scope.cov_now.present):
        per.setdefault(r.category, {})[r.code] = r.n / pops[r.code] * 1000 * scale
    return {cat: rnd(float(np.median([v.get(c, 0.0) for c in codes])), 3) for cat, v in per.items()}
