"""Recommended priorities: a MoRiLE-style matrix scoring each theme 1–5 on stated cuts.

Each factor's figure is in the model (``ThemeScore.value``) beside its score, so documents
never parse the basis text. A factor that does not apply (ASB has no harm weight) is shown as
such and the total is the weighted mean over the factors that apply, stated in ``total_note``.
The factor once called "vulnerability" measures how over-represented a theme is in the
area's most deprived neighbourhoods, and is named so (``deprived_concentration``).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from saferplaces.analysis import composite, concentration
from saferplaces.analysis.harm import NO_WEIGHT_REASONS
from saferplaces.assessment import model as m
from saferplaces.assessment import statements as st
from saferplaces.assessment.comparison import rnd
from saferplaces.assessment.parameters import (
    CRIME_SHARE_CUTS,
    DEPRIVED_CONCENTRATION_CUTS,
    GINI_CUTS,
    HARM_SHARE_CUTS,
    MIN_FACTOR_RECORDS,
    PEER_RATIO_CUTS,
    PRIORITIES_RECOMMENDED,
    UNSCORED_VOLUME,
)
from saferplaces.assessment.periods import months_label
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import Scope
from saferplaces.assessment.sections.categories import coverage_text
from saferplaces.assessment.themes import (
    DEPRIVED_CONCENTRATION_KEY,
    DEPRIVED_CONCENTRATION_NAME,
    THEMES,
    activity_caveat,
    coverage_for,
)

#: The matrix's criterion (``saferplaces.analysis.composite.CRITERIA``) for this factor.
_MATRIX_KEY = "vulnerability"
#: Factor keys in the model, in matrix order.
FACTORS = tuple(DEPRIVED_CONCENTRATION_KEY if c == _MATRIX_KEY else c for c in composite.CRITERIA)
FACTOR_NAMES = {
    "harm": "Harm", "volume": "Volume", "trend": "Trend",
    DEPRIVED_CONCENTRATION_KEY: DEPRIVED_CONCENTRATION_NAME.capitalize(),
    "concentration": "Concentration", "public_concern": "Public concern",
    "partnership_capacity": "Partnership capacity",
}  # fmt: skip
#: Themes data.police.uk cannot evidence (or only mixed with much else), listed in "What this
#: data cannot show" with the partner data that would.
CANNOT_SHOW = ("domestic_abuse", "hate_crime_cohesion", "vawg", "vulnerable_persons", "fraud",
               "modern_slavery", "exploitation", "serious_violence")  # fmt: skip


INPUTS = ("public_concern", "partnership_capacity")


def _model_key(criterion: str) -> str:
    return DEPRIVED_CONCENTRATION_KEY if criterion == _MATRIX_KEY else criterion


def _cuts(cuts) -> str:
    return ", ".join(f"{c:g}" for c in cuts)


def weights(scope: Scope) -> dict[str, float]:
    """The factor weights under their model names."""
    return {_model_key(k): v for k, v in scope.inputs.weights.items()}


def build(scope: Scope, data: Warehouse, *, categories: list[m.Category]) -> m.RecommendedPriorities:
    total_harm = sum(c.harm or 0 for c in categories)
    crime_total = sum(c.count for c in categories if not c.is_asb)
    deprived = deprived_concentration_ratios(scope, data)
    conc = category_gini(scope, data)
    has_peers = any(c.peer_rate_median for c in categories)
    against = months_label(list(scope.comparison.baseline_months))
    themes: dict[str, dict[str, float | None]] = {}
    found: dict[str, dict[str, tuple[str, float | None, str, bool, bool]]] = {}
    for c in categories:
        s: dict[str, float | None] = {}
        # factor → (basis, value, words, carries evidence, applies)
        f: dict[str, tuple[str, float | None, str, bool, bool]] = {}
        if c.harm_weight is None and c.category in NO_WEIGHT_REASONS:
            s["harm"] = None
            f["harm"] = (f"no weight: {NO_WEIGHT_REASONS[c.category]}", None,
                         "no harm weight", False, False)  # fmt: skip
        elif c.harm is not None and total_harm > 0:
            share = c.harm / total_harm * 100
            s["harm"] = composite.score_by_thresholds(share, list(HARM_SHARE_CUTS))
            f["harm"] = (f"{share:.1f}% of harm (cuts {_cuts(HARM_SHARE_CUTS)}%)", rnd(share, 3),
                         st.harm_share_words(share), True, True)  # fmt: skip
        else:
            s["harm"] = None
            f["harm"] = ("no harm recorded", None, "no harm recorded", False, True)
        if c.peer_rate_median and c.rate_per_1000 is not None:
            ratio = c.rate_per_1000 / c.peer_rate_median
            s["volume"] = composite.score_by_thresholds(ratio, list(PEER_RATIO_CUTS))
            f["volume"] = (f"rate {ratio:.2f}× the median of similar areas with police data "
                           f"(cuts {_cuts(PEER_RATIO_CUTS)})", rnd(ratio, 4),
                           st.peer_ratio_words(ratio), True, True)  # fmt: skip
        elif not c.is_asb and crime_total:
            share = c.count / crime_total * 100
            s["volume"] = composite.score_by_thresholds(share, list(CRIME_SHARE_CUTS))
            why = "no similar area has police data for the period" if not has_peers else "no peer rate"
            # A share of the area's own crime says nothing about whether it is high: no evidence.
            f["volume"] = (f"{share:.1f}% of crime ({why}; cuts {_cuts(CRIME_SHARE_CUTS)}%)",
                           rnd(share, 3), f"{st.pct(share)} of all crime here ({why})", False, True)  # fmt: skip
        else:
            s["volume"] = UNSCORED_VOLUME
            f["volume"] = ("no similar area to compare with; scored mid-scale", None,
                           "no similar areas to compare with", False, True)  # fmt: skip
        if c.p_value is not None:
            # The like-for-like change: its sign on the months compared (from zero: the counts).
            sign = c.percent_change if c.percent_change is not None else c.compared_count - c.baseline_count
            s["trend"] = composite.score_trend(c.p_value, sign)
            test = "E-test" if c.basis == "matched-months" else "seasonally adjusted test"
            words = st.change_brief(c.direction, c.percent_change, c.p_value, against,
                                    c.compared_count, c.baseline_count)  # fmt: skip
            # Only a rise that is more than chance is evidence, whatever the score.
            f["trend"] = (f"{test} p = {c.p_value:.3f}, {c.direction}, {c.compared}", c.p_value,
                          words, bool(c.significant and c.direction == "up"), True)  # fmt: skip
        else:
            s["trend"] = None
            f["trend"] = ("no baseline" if c.basis == "none" else "no test possible", None,
                          "no baseline to compare with", False, True)  # fmt: skip
        v = deprived.get(c.category)
        if v is not None:
            s[_MATRIX_KEY] = composite.score_by_thresholds(v, list(DEPRIVED_CONCENTRATION_CUTS))
            f[DEPRIVED_CONCENTRATION_KEY] = (
                f"{v:.2f}× over-represented in the 20% most deprived LSOAs "
                f"(cuts {_cuts(DEPRIVED_CONCENTRATION_CUTS)})", rnd(v, 4), st.deprivation_words(v), True, True)  # fmt: skip
        else:
            s[_MATRIX_KEY] = None
            f[DEPRIVED_CONCENTRATION_KEY] = ("too few records, or no residents in the 20% most "
                                             "deprived LSOAs", None, "not scored", False, True)  # fmt: skip
        g = conc.get(c.category)
        if g is not None:
            s["concentration"] = composite.score_by_thresholds(g, list(GINI_CUTS))
            f["concentration"] = (f"generalised Gini over LSOAs {g:.2f} (cuts {_cuts(GINI_CUTS)})",
                                  rnd(g, 4), "", True, True)  # fmt: skip
        else:
            s["concentration"] = None
            f["concentration"] = ("too few records", None, "", False, True)
        local = scope.inputs.themes.get(c.category, {})
        for key in ("public_concern", "partnership_capacity"):
            s[key] = local.get(key)
            given = key in local
            f[key] = (f"from {scope.inputs.source}" if given else "not given (optional input)",
                      local.get(key), f"scored {local[key]:g} of 5 by the partnership" if given
                      else "not yet scored by the partnership", True, True)  # fmt: skip
        themes[c.category] = s
        found[c.category] = f
    w = weights(scope)
    if not themes:
        return m.RecommendedPriorities(method="MoRiLE-style matrix", scale="1–5", weights=w,
                                       inputs_file=scope.inputs.source, priorities=[])  # fmt: skip
    rows = composite.priority_matrix(themes, scope.inputs.weights)
    out = []
    for row in rows:
        parts, factors = [], []
        for crit in composite.CRITERIA:
            key = _model_key(crit)
            basis, value, words, evidence, applies = found[row.theme][key]
            score = themes[row.theme].get(crit)
            if key == "concentration":
                words = st.concentration_words(score)
            parts.append(m.ThemeScore(factor=key, name=FACTOR_NAMES[key], score=score,
                                      weight=w.get(key, 1.0), basis=basis, value=value,
                                      applies=applies))  # fmt: skip
            factors.append(st.Factor(FACTOR_NAMES[key], score, words, evidence))
        cov = coverage_for(row.theme)
        caveats = [x for x in (activity_caveat(row.theme),) if x]
        out.append(
            m.RecommendedPriority(
                theme=row.theme, categories=[row.theme], total=rnd(row.total, 4), rank=row.rank,
                recommended=row.rank <= PRIORITIES_RECOMMENDED, scores=parts,
                rationale=st.priority_rationale(row.theme, row.total, row.rank, factors),
                total_note=_total_note(parts), evidence=_evidence(cov),
                coverage=coverage_text(row.theme), caveats=caveats,
            )
        )  # fmt: skip
    return m.RecommendedPriorities(
        method=("MoRiLE-style matrix: each theme scored 1–5 per factor on the stated cuts; "
                "total = weighted mean over the factors that apply and are scored"),
        scale="1 (low) to 5 (high)", weights=w, inputs_file=scope.inputs.source, priorities=out,
    )  # fmt: skip


def _total_note(parts: list[m.ThemeScore]) -> str | None:
    """Which factors the total leaves out and why; None when every factor is scored."""
    left = [p for p in parts if p.score is None or p.weight == 0]
    if not left:
        return None
    said = [f"{p.name.lower()} does not apply ({p.basis.removeprefix('no weight: ')})"
            for p in left if not p.applies]  # fmt: skip
    said += [f"{p.name.lower()} is not scored ({p.basis})" for p in left
             if p.applies and p.factor not in INPUTS and p.weight]  # fmt: skip
    inputs = [p.name.lower() for p in left if p.factor in INPUTS and p.applies and p.weight]
    if inputs:
        said.append(" and ".join(inputs) + (" are" if len(inputs) > 1 else " is")
                    + " not given (optional partnership inputs)")  # fmt: skip
    said += [f"{p.name.lower()} has weight 0" for p in left if not p.weight]
    used = len(parts) - len(left)
    return (f"The total is the weighted average of the {used} of {len(parts)} factors scored: "
            + "; ".join(said) + ".")  # fmt: skip


def _evidence(cov) -> str:
    # A police.uk category always evidences itself; the theme's coverage says how fully.
    return "direct" if cov.key == "unmatched" else cov.evidence


def cannot_show() -> list[m.UnevidencedTheme]:
    """The themes data.police.uk cannot evidence, with the partner data that would."""
    by_key = {t.key: t for t in THEMES}
    return [
        m.UnevidencedTheme(key=k, theme=by_key[k].title, holds=by_key[k].holds,
                           cannot_show=by_key[k].cannot_show, partner_data=list(by_key[k].partner_data),
                           statement=by_key[k].statement)
        for k in CANNOT_SHOW
    ]  # fmt: skip


def deprived_concentration_ratios(scope: Scope, data: Warehouse) -> dict[str, float]:
    """Per category: share of records in the 20% most deprived LSOAs ÷ their share of residents."""
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
