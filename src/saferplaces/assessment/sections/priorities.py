"""Recommended priorities: a MoRiLE-style matrix scoring each theme 1–5 on stated cuts."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from saferplaces.analysis import composite, concentration
from saferplaces.assessment import model as m
from saferplaces.assessment.comparison import rnd
from saferplaces.assessment.parameters import (
    CRIME_SHARE_CUTS,
    GINI_CUTS,
    HARM_SHARE_CUTS,
    MIN_FACTOR_RECORDS,
    PEER_RATIO_CUTS,
    PRIORITIES_RECOMMENDED,
    UNSCORED_VOLUME,
    VULNERABILITY_CUTS,
)
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import Scope


def _cuts(cuts) -> str:
    return ", ".join(f"{c:g}" for c in cuts)


def build(scope: Scope, data: Warehouse, *, categories: list[m.Category]) -> m.RecommendedPriorities:
    total_harm = sum(c.harm or 0 for c in categories)
    crime_total = sum(c.count for c in categories if not c.is_asb)
    vuln = vulnerability_ratios(scope, data)
    conc = category_gini(scope, data)
    themes: dict[str, dict[str, float | None]] = {}
    basis: dict[str, dict[str, str]] = {}
    for c in categories:
        s: dict[str, float | None] = {}
        b: dict[str, str] = {}
        if c.harm is not None and total_harm > 0:
            share = c.harm / total_harm * 100
            s["harm"] = composite.score_by_thresholds(share, list(HARM_SHARE_CUTS))
            b["harm"] = f"{share:.1f}% of harm (cuts {_cuts(HARM_SHARE_CUTS)}%)"
        else:
            s["harm"] = None
            b["harm"] = "no harm weight (ASB)" if c.is_asb else "no harm"
        if c.peer_rate_median and c.rate_per_1000 is not None:
            ratio = c.rate_per_1000 / c.peer_rate_median
            s["volume"] = composite.score_by_thresholds(ratio, list(PEER_RATIO_CUTS))
            b["volume"] = f"rate {ratio:.2f}× the peer median (cuts {_cuts(PEER_RATIO_CUTS)})"
        elif not c.is_asb and crime_total:
            share = c.count / crime_total * 100
            s["volume"] = composite.score_by_thresholds(share, list(CRIME_SHARE_CUTS))
            b["volume"] = f"{share:.1f}% of crime (no peers; cuts {_cuts(CRIME_SHARE_CUTS)}%)"
        else:
            s["volume"] = UNSCORED_VOLUME
            b["volume"] = "no peer reference; scored mid-scale"
        if c.p_value is not None:
            # The like-for-like change: its sign on the months compared (from zero: the counts).
            sign = c.percent_change if c.percent_change is not None else c.compared_count - c.baseline_count
            s["trend"] = composite.score_trend(c.p_value, sign)
            test = "E-test" if c.basis == "matched-months" else "seasonally adjusted test"
            b["trend"] = f"{test} p = {c.p_value:.3f}, {c.direction}, {c.compared}"
        else:
            s["trend"] = None
            b["trend"] = "no baseline" if c.basis == "none" else "no test possible"
        v = vuln.get(c.category)
        if v is not None:
            s["vulnerability"] = composite.score_by_thresholds(v, list(VULNERABILITY_CUTS))
            b["vulnerability"] = (f"{v:.2f}× over-represented in the 20% most deprived LSOAs "
                                  f"(cuts {_cuts(VULNERABILITY_CUTS)})")  # fmt: skip
        else:
            s["vulnerability"] = None
            b["vulnerability"] = "no residents in the 20% most deprived LSOAs"
        g = conc.get(c.category)
        if g is not None:
            s["concentration"] = composite.score_by_thresholds(g, list(GINI_CUTS))
            b["concentration"] = f"generalised Gini over LSOAs {g:.2f} (cuts {_cuts(GINI_CUTS)})"
        else:
            s["concentration"] = None
            b["concentration"] = "too few records"
        local = scope.inputs.themes.get(c.category, {})
        for key in ("public_concern", "partnership_capacity"):
            s[key] = local.get(key)
            b[key] = f"from {scope.inputs.source}" if key in local else "not given (optional input)"
        themes[c.category] = s
        basis[c.category] = b
    if not themes:
        return m.RecommendedPriorities(method="MoRiLE-style matrix", scale="1–5", weights=scope.inputs.weights,
                                       inputs_file=scope.inputs.source, priorities=[])  # fmt: skip
    rows = composite.priority_matrix(themes, scope.inputs.weights)
    out = []
    for row in rows:
        parts = [
            m.ThemeScore(factor=f, score=themes[row.theme].get(f), weight=scope.inputs.weights.get(f, 1.0),
                         basis=basis[row.theme][f])
            for f in composite.CRITERIA
        ]  # fmt: skip
        top = sorted((p for p in parts if p.score is not None), key=lambda p: (-p.score * p.weight, p.factor))[:3]
        out.append(
            m.RecommendedPriority(
                theme=row.theme, categories=[row.theme], total=rnd(row.total, 4), rank=row.rank,
                recommended=row.rank <= PRIORITIES_RECOMMENDED,
                scores=parts,
                rationale=(f"{row.theme} scores {row.total:.2f} of 5 (rank {row.rank}). Strongest "
                           "factors: " + "; ".join(f"{p.factor.replace('_', ' ')} {p.score:g} ({p.basis})"
                                                   for p in top) + "."),
            )
        )  # fmt: skip
    return m.RecommendedPriorities(
        method=("MoRiLE-style matrix: each theme scored 1–5 per factor on the stated cuts; "
                "total = weighted mean over the factors scored"),
        scale="1 (low) to 5 (high)", weights=dict(scope.inputs.weights),
        inputs_file=scope.inputs.source, priorities=out,
    )  # fmt: skip


def vulnerability_ratios(scope: Scope, data: Warehouse) -> dict[str, float]:
    rows = data.deprived_share_by_category(scope.cov_now.present)
    pop_share = data.deprived_population_share()
    if not pop_share:
        return {}
    return {r.category: (r.deprived / r.total) / pop_share for r in rows if r.total >= MIN_FACTOR_RECORDS}


def category_gini(scope: Scope, data: Warehouse) -> dict[str, float]:
    n_lsoa = data.lsoa_count()
    per: dict[str, list[int]] = defaultdict(list)
    for r in data.category_lsoa_counts(scope.cov_now.present):
        if r.category is not None:
            per[r.category].append(r.n)
    out = {}
    for c, values in per.items():
        full = np.array(values + [0] * (n_lsoa - len(values)), float)
        if full.sum() >= MIN_FACTOR_RECORDS:
            g = concentration.generalized_gini(full)
            if g is not None:
                out[c] = float(g)
    return out
