"""Recommended priorities: a MoRiLE-style matrix scoring each community safety theme 1–5.

Themes are the unit (issue 10). A theme's evidence is its police.uk categories
(:mod:`saferplaces.assessment.themes`), the partner measures declared to evidence it (a measure
definition's ``themes``, else :func:`~saferplaces.assessment.themes.measure_themes`) and the
partnership's public concern score. Each factor is computed from that evidence and names it
(``ThemeScore.sources``): harm and volume summed over the theme's categories, the trend from the
like-for-like change of their combined count (:func:`~saferplaces.assessment.comparison.change_block`,
averaged with each partner measure's trend score), the two concentration factors over the
theme's records. A theme nothing loaded evidences (domestic abuse, say) is listed in
``without_evidence`` with the data that would evidence it: it is never scored low or ranked
below evidenced themes. Each category keeps its own scores, as evidence rows under its themes.

Each factor's figure is in the model (``ThemeScore.value``) beside its score, so documents
never parse the basis text. A factor that does not apply (ASB has no harm weight) is shown as
such and the total is the weighted mean over the factors that apply, stated in ``total_note``.
The factor once called "vulnerability" measures how over-represented a theme is in the
area's most deprived neighbourhoods, and is named so (``deprived_concentration``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from saferplaces.analysis import composite, concentration
from saferplaces.analysis.harm import NO_WEIGHT_REASONS
from saferplaces.assessment import model as m
from saferplaces.assessment import statements as st
from saferplaces.assessment.comparison import change_block, measure, reference_for, rnd
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
from saferplaces.assessment.sections import partner_data
from saferplaces.assessment.sections.categories import coverage_text
from saferplaces.assessment.sections.localities import short_title
from saferplaces.assessment.sections.overview import area_months
from saferplaces.assessment.themes import (
    DEPRIVED_CONCENTRATION_KEY,
    DEPRIVED_CONCENTRATION_NAME,
    NOT_EVIDENCED_BY_CATEGORIES,
    THEMES,
    ThemeCoverage,
    activity_caveat,
    measure_themes,
    theme_key,
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
#: How a theme without evidence is described, wherever it is listed.
NO_EVIDENCE = "no evidence in the loaded data"
_UNSET = object()


def _model_key(criterion: str) -> str:
    return DEPRIVED_CONCENTRATION_KEY if criterion == _MATRIX_KEY else criterion


def _cuts(cuts) -> str:
    return ", ".join(f"{c:g}" for c in cuts)


def weights(scope: Scope) -> dict[str, float]:
    """The factor weights under their model names."""
    return {_model_key(k): v for k, v in scope.inputs.weights.items()}


@dataclass
class _Evidence:
    """What one row of the matrix is scored from: a theme's categories and partner measures,
    or (for the per-category rows kept under each theme) one category."""

    name: str
    cats: list[m.Category]
    change: m.Change | m.Category | None  # the like-for-like change of the police records
    measures: list[m.PartnerMeasure] = field(default_factory=list)
    deprived: float | None = None
    gini: float | None = None
    inputs: dict[str, float] = field(default_factory=dict)


@dataclass
class _Context:
    total_harm: float
    crime_total: int
    has_peers: bool
    against: str
    inputs_source: str | None


# factor → (score, basis, value, words, carries evidence, applies, sources)
_Found = tuple[float | None, str, float | None, str, bool, bool, list[str]]


def _police(cats: list[m.Category]) -> list[str]:
    return [f"police.uk: {c.category}" for c in cats]


def _partner(ms: list[m.PartnerMeasure]) -> list[str]:
    return [f"partner measure: {short_title(x.title)}" for x in ms]


def _factors(e: _Evidence, ctx: _Context) -> dict[str, _Found]:
    """Each factor of one matrix row from its evidence, saying which evidence it came from."""
    f: dict[str, _Found] = {}
    cats, ms, one = e.cats, e.measures, len(e.cats) == 1
    src, psrc = _police(cats), _partner(ms)
    # Harm: summed over the categories; a category without a Crime Severity weight (ASB) adds none.
    if cats and all(c.harm_weight is None and c.category in NO_WEIGHT_REASONS for c in cats):
        why = "; ".join(dict.fromkeys(NO_WEIGHT_REASONS[c.category] for c in cats))
        f["harm"] = (None, f"no weight: {why}", None, "no harm weight", False, False, src)
    elif cats and ctx.total_harm > 0 and any(c.harm is not None for c in cats):
        share = sum(c.harm or 0 for c in cats) / ctx.total_harm * 100
        f["harm"] = (composite.score_by_thresholds(share, list(HARM_SHARE_CUTS)),
                     f"{share:.1f}% of harm (cuts {_cuts(HARM_SHARE_CUTS)}%)", rnd(share, 3),
                     st.harm_share_words(share), True, True, src)  # fmt: skip
    elif cats:
        f["harm"] = (None, "no harm recorded", None, "no harm recorded", False, True, src)
    else:
        f["harm"] = (None, "partner measures carry no harm weight", None, "no harm weight for "
                     "partner data", False, True, psrc)  # fmt: skip
    # Volume: the police records against similar areas; a partner count has no comparison area,
    # so it is stated beside the score (or scored mid-scale when it is the only evidence).
    extra = "".join(f"; {short_title(x.title)}: {x.change.count:,} {x.unit} in the period "
                    "(no similar area to compare with)" for x in ms)  # fmt: skip
    crime = [c for c in cats if not c.is_asb]
    if cats and all(c.peer_rate_median and c.rate_per_1000 is not None for c in cats):
        ratio = sum(c.rate_per_1000 or 0 for c in cats) / sum(c.peer_rate_median or 0 for c in cats)
        ref = "the median of similar areas" if one else "the sum of similar areas' median rates for its categories"
        f["volume"] = (composite.score_by_thresholds(ratio, list(PEER_RATIO_CUTS)),
                       f"rate {ratio:.2f}× {ref} with police data (cuts {_cuts(PEER_RATIO_CUTS)})" + extra,
                       rnd(ratio, 4), st.peer_ratio_words(ratio), True, True, src + psrc)  # fmt: skip
    elif crime and ctx.crime_total:
        share = sum(c.count for c in crime) / ctx.crime_total * 100
        why = "no similar area has police data for the period" if not ctx.has_peers else "no peer rate"
        # A share of the area's own crime says nothing about whether it is high: no evidence.
        f["volume"] = (composite.score_by_thresholds(share, list(CRIME_SHARE_CUTS)),
                       f"{share:.1f}% of crime ({why}; cuts {_cuts(CRIME_SHARE_CUTS)}%)" + extra,
                       rnd(share, 3), f"{st.pct(share)} of all crime here ({why})", False, True,
                       src + psrc)  # fmt: skip
    else:
        f["volume"] = (UNSCORED_VOLUME, "no similar area to compare with; scored mid-scale" + extra,
                       None, "no similar areas to compare with", False, True, src + psrc)  # fmt: skip
    # Trend: the like-for-like change of the police records combined and of each partner
    # measure; the score is the mean of their trend scores.
    scores, bases, words, cited, tsrc, pvals = [], [], [], False, [], []
    c = e.change
    if c is not None and c.p_value is not None:
        # The change's sign on the months compared (from zero: the counts).
        sign = c.percent_change if c.percent_change is not None else c.compared_count - c.baseline_count
        scores.append(composite.score_trend(c.p_value, sign))
        pvals.append(c.p_value)
        test = "E-test" if c.basis == "matched-months" else "seasonally adjusted test"
        bases.append(f"{test} p = {c.p_value:.3f}, {c.direction}, {c.compared}"
                     + ("" if one or not cats else " (police.uk records combined)"))  # fmt: skip
        words.append(st.change_brief(c.direction, c.percent_change, c.p_value, ctx.against,
                                     c.compared_count, c.baseline_count))  # fmt: skip
        # Only a rise that is more than chance is evidence, whatever the score.
        cited |= bool(c.significant and c.direction == "up")
        tsrc += src
    for x in ms:
        b = x.change
        if b.p_value is None:
            continue
        sign = b.percent_change if b.percent_change is not None else b.compared_count - b.baseline_count
        scores.append(composite.score_trend(b.p_value, sign))
        pvals.append(b.p_value)
        bases.append(f"{short_title(x.title)}: E-test p = {b.p_value:.3f}, {b.direction}, {b.compared}")
        words.append(f"{short_title(x.title)}: " + st.change_brief(b.direction, b.percent_change, b.p_value,
                                                                   "", b.compared_count, b.baseline_count))  # fmt: skip
        cited |= bool(b.significant and b.direction == "up")
        tsrc += _partner([x])
    if scores:
        mean = sum(scores) / len(scores)
        basis = "; ".join(bases) + ("" if len(scores) == 1 else f"; score the mean of {len(scores)} trend scores")
        # The value is the police records' p-value (a partner measure's when it is the only one).
        f["trend"] = (rnd(mean, 4), basis, pvals[0], "; ".join(words), cited, True, tsrc)
    else:
        none = c is None or getattr(c, "basis", "none") == "none"
        f["trend"] = (None, "no baseline" if none else "no test possible", None,
                      "no baseline to compare with", False, True, src + psrc)  # fmt: skip
    # The two concentration factors: over the theme's police records, placed in LSOAs.
    if e.deprived is not None:
        v = e.deprived
        f[DEPRIVED_CONCENTRATION_KEY] = (
            composite.score_by_thresholds(v, list(DEPRIVED_CONCENTRATION_CUTS)),
            f"{v:.2f}× over-represented in the 20% most deprived LSOAs "
            f"(cuts {_cuts(DEPRIVED_CONCENTRATION_CUTS)})", rnd(v, 4), st.deprivation_words(v), True,
            True, src)  # fmt: skip
    else:
        why = ("too few records, or no residents in the 20% most deprived LSOAs" if cats
               else "partner measures are not placed within the area here")  # fmt: skip
        f[DEPRIVED_CONCENTRATION_KEY] = (None, why, None, "not scored", False, True, src)
    if e.gini is not None:
        g = e.gini
        f["concentration"] = (composite.score_by_thresholds(g, list(GINI_CUTS)),
                              f"generalised Gini over LSOAs {g:.2f} (cuts {_cuts(GINI_CUTS)})",
                              rnd(g, 4), "", True, True, src)  # fmt: skip
    else:
        f["concentration"] = (None, "too few records" if cats else "partner measures are not placed "
                              "within the area here", None, "", False, True, src)  # fmt: skip
    for key in INPUTS:
        given = key in e.inputs
        f[key] = (e.inputs.get(key), f"from {ctx.inputs_source}" if given else "not given (optional input)",
                  e.inputs.get(key), f"scored {e.inputs[key]:g} of 5 by the partnership" if given
                  else "not yet scored by the partnership", True, True,
                  [f"priority inputs: {ctx.inputs_source}"] if given else [])  # fmt: skip
    return f


def _matrix(rows: dict[str, _Evidence], ctx: _Context, scope: Scope) -> tuple[list, dict, dict]:
    """The weighted matrix over ``rows``: the ranked rows and each row's scores and findings."""
    found = {name: _factors(e, ctx) for name, e in rows.items()}
    scored = {name: {_MATRIX_KEY if k == DEPRIVED_CONCENTRATION_KEY else k: v[0] for k, v in f.items()}
              for name, f in found.items()}  # fmt: skip
    return (composite.priority_matrix(scored, scope.inputs.weights) if scored else []), scored, found


def _scores(name: str, scored: dict, found: dict, w: dict[str, float]) -> tuple[list[m.ThemeScore], list]:
    parts, factors = [], []
    for crit in composite.CRITERIA:
        key = _model_key(crit)
        score, basis, value, words, evidence, applies, sources = found[name][key]
        if key == "concentration":
            words = st.concentration_words(score)
        if not applies:
            words = "does not apply: " + basis.removeprefix("no weight: ")
        parts.append(m.ThemeScore(factor=key, name=FACTOR_NAMES[key], score=score, weight=w.get(key, 1.0),
                                  basis=basis, value=value, applies=applies, sources=sources,
                                  words=words, cited=bool(evidence and applies)))  # fmt: skip
        factors.append(st.Factor(FACTOR_NAMES[key], score, words, evidence and applies))
    return parts, factors


def _inputs_by_theme(scope: Scope, categories: list[m.Category]) -> dict[str, dict[str, float]]:
    """Priority inputs keyed by theme key (a category no theme covers: by its name). An input
    named exactly as a theme (its title or key) wins over one read from a category's name."""
    names = {c.category for c in categories}
    out: dict[str, dict[str, float]] = {}
    exact: set[str] = set()
    for name, given in scope.inputs.themes.items():
        key = theme_key(name)
        if key is None and name in names:
            key = name
        if key is None or (key in exact and key in out):
            continue
        if name in _TITLES or name == key:
            exact.add(key)
            out[key] = dict(given)
        else:
            out.setdefault(key, dict(given))
    return out


_TITLES = {t.title for t in THEMES}


def build(
    scope: Scope, data: Warehouse, *, categories: list[m.Category],
    partner: m.PartnerData | object | None = _UNSET,
) -> m.RecommendedPriorities:  # fmt: skip
    """The matrix over community safety themes, each scored from the evidence loaded for it.

    ``partner``: the assessment's partner-data section (read here when not given). Themes
    nothing loaded evidences are listed in ``without_evidence`` and never ranked.
    """
    if partner is _UNSET:
        before = len(scope.caveats)
        partner = partner_data.build(scope, data)
        del scope.caveats[before:]  # the partner-data section states them once
    measures_list = list(partner.measures) if isinstance(partner, m.PartnerData) else []
    ctx = _Context(total_harm=sum(c.harm or 0 for c in categories),
                   crime_total=sum(c.count for c in categories if not c.is_asb),
                   has_peers=any(c.peer_rate_median for c in categories),
                   against=months_label(list(scope.comparison.baseline_months)),
                   inputs_source=scope.inputs.source)  # fmt: skip
    w = weights(scope)
    method = ("MoRiLE-style matrix over community safety themes: each theme scored 1–5 per factor "
              "on the stated cuts from the evidence loaded for it (its police.uk categories and the "
              "partner measures declared to evidence it); total = weighted mean over the factors "
              "that apply and are scored; only evidenced themes are ranked")  # fmt: skip
    if not categories and not measures_list:
        return m.RecommendedPriorities(method=method, scale="1 (low) to 5 (high)", weights=w,
                                       inputs_file=scope.inputs.source, priorities=[],
                                       without_evidence=_without(scope, set(), {}),
                                       ranking_note=_ranking_note(0, []))  # fmt: skip
    by_cat = {c.category: c for c in categories}
    deprived_rows = {r.category: r for r in data.deprived_share_by_category(scope.cov_now.present)}
    pop_share = data.deprived_population_share()
    lsoa = _lsoa_counts(scope, data)
    n_lsoa = data.lsoa_count()

    def deprived_of(cats: list[str]) -> float | None:
        rows = [deprived_rows[c] for c in cats if c in deprived_rows]
        tot = sum(r.total for r in rows)
        if not pop_share or tot < MIN_FACTOR_RECORDS:
            return None
        return (sum(r.deprived for r in rows) / tot) / pop_share

    def gini_of(cats: list[str]) -> float | None:
        per: dict[str, int] = defaultdict(int)
        for c in cats:
            for code, n in lsoa.get(c, {}).items():
                per[code] += n
        values = list(per.values())
        full = np.array(values + [0] * max(n_lsoa - len(values), 0), float)
        if full.sum() < MIN_FACTOR_RECORDS:
            return None
        g = concentration.generalized_gini(full)
        return float(g) if g is not None else None

    # The per-category matrix, as each category was scored before themes: kept as evidence rows.
    cat_rows = {c.category: _Evidence(c.category, [c], c, deprived=deprived_of([c.category]),
                                      gini=gini_of([c.category]),
                                      inputs=scope.inputs.themes.get(c.category, {}))
                for c in categories}  # fmt: skip
    cat_ranked, cat_scored, cat_found = _matrix(cat_rows, ctx, scope)
    cat_total = {r.theme: r.total for r in cat_ranked}

    # The themes: each with the categories and partner measures that evidence it.
    inputs = _inputs_by_theme(scope, categories)
    from saferplaces.warehouse import measures as wm

    declared = {x.measure_id: wm.get_definition(data.con, x.measure_id).themes for x in measures_list}
    m_themes = {x.measure_id: set(measure_themes(x.measure_id, x.title, declared[x.measure_id]))
                for x in measures_list}  # fmt: skip
    monthly = data.area_monthly(area_months(scope))
    ref = reference_for(data, scope.comparison)

    def combined(title: str, cats: list[m.Category]) -> m.Change | None:
        """The like-for-like change of the categories' records added month by month."""
        if not cats:
            return None
        series = _sum_series([monthly.get(c.category, {}) for c in cats])
        return change_block(title, series, scope.comparison, scope.cov_now.present, scope.population,
                            reference=_sum_series([measure(ref, c.category) for c in cats]))  # fmt: skip

    rows: dict[str, _Evidence] = {}
    meta: dict[str, tuple[str, ThemeCoverage | None]] = {}
    covered: set[str] = set()
    evidenced: set[str] = set()
    for t in THEMES:
        names = [] if t.key in NOT_EVIDENCED_BY_CATEGORIES else list(t.police_uk_categories)
        covered |= set(names)
        cats = [by_cat[n] for n in names if n in by_cat]
        ms = [x for x in measures_list if t.key in m_themes[x.measure_id]]
        if not cats and not ms:
            continue
        evidenced.add(t.key)
        rows[t.title] = _Evidence(t.title, cats, combined(t.title, cats), ms, deprived_of([c.category for c in cats]),
                                  gini_of([c.category for c in cats]), inputs.get(t.key, {}))  # fmt: skip
        meta[t.title] = (t.key, t)
    # A category no theme covers ('Other crime') is its own theme, as before themes.
    for c in categories:
        if c.category not in covered:
            rows[c.category] = _Evidence(c.category, [c], combined(c.category, [c]), [],
                                         cat_rows[c.category].deprived,
                                         cat_rows[c.category].gini, inputs.get(c.category, {}))  # fmt: skip
            meta[c.category] = (c.slug, None)
    ranked, scored, found = _matrix(rows, ctx, scope)
    out = []
    for row in ranked:
        e = rows[row.theme]
        key, cov = meta[row.theme]
        parts, factors = _scores(row.theme, scored, found, w)
        evidence_rows = [
            m.ThemeEvidence(kind="police category", name=c.category, count=c.count,
                            total=rnd(cat_total.get(c.category), 4),
                            scores=_scores(c.category, cat_scored, cat_found, w)[0])
            for c in e.cats
        ] + [m.ThemeEvidence(kind="partner measure", name=short_title(x.title), measure_id=x.measure_id,
                             count=x.change.count, change=x.change) for x in e.measures]  # fmt: skip
        caveats = list(dict.fromkeys(x for c in e.cats if (x := activity_caveat(c.category))))
        out.append(m.RecommendedPriority(
            theme=row.theme, key=key, categories=[c.category for c in e.cats],
            partner_measures=[x.measure_id for x in e.measures], total=rnd(row.total, 4),
            rank=row.rank, recommended=row.rank <= PRIORITIES_RECOMMENDED, scores=parts,
            rationale=st.priority_rationale(row.theme, row.total, row.rank, factors),
            total_note=_total_note(parts), evidence=_evidence(cov) if cov else "direct",
            coverage=cov.statement if cov else coverage_text(row.theme), caveats=caveats,
            evidence_rows=evidence_rows, change=e.change if isinstance(e.change, m.Change) else None,
        ))  # fmt: skip
    without = _without(scope, evidenced, inputs)
    return m.RecommendedPriorities(
        method=method, scale="1 (low) to 5 (high)", weights=w, inputs_file=scope.inputs.source,
        priorities=out, without_evidence=without, ranking_note=_ranking_note(len(out), without),
    )  # fmt: skip


def _sum_series(series: list) -> dict:
    out: dict = defaultdict(int)
    for s in series:
        for d, n in s.items():
            out[d] += n
    return dict(out)


def _without(scope: Scope, evidenced: set[str], inputs: dict[str, dict[str, float]]) -> list[m.ThemeWithoutEvidence]:
    """The themes nothing loaded evidences, with what would: never scored, never ranked."""
    out = []
    for t in THEMES:
        if t.key in evidenced:
            continue
        out.append(m.ThemeWithoutEvidence(
            key=t.key, theme=t.title, status=NO_EVIDENCE,
            statement=(f"{t.title}: {NO_EVIDENCE}, so it is not scored or ranked; a missing score "
                       f"is not a low one. {t.statement}"),
            partner_data=list(t.partner_data), public_concern=inputs.get(t.key, {}).get("public_concern"),
        ))  # fmt: skip
    return out


def _ranking_note(ranked: int, without: list[m.ThemeWithoutEvidence]) -> str:
    head = (f"The {ranked} themes with evidence in the loaded data (police records or partner "
            "measures) are ranked among themselves only.")  # fmt: skip
    if not without:
        return head
    names = ", ".join(t.theme.lower() if i else t.theme for i, t in enumerate(without))
    return (f"{head} {len(without)} themes have no evidence in the loaded data ({names}); they are "
            "not scored or ranked, and are not less important for that: the partner data that "
            "would evidence each is listed.")  # fmt: skip


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


def _lsoa_counts(scope: Scope, data: Warehouse) -> dict[str, dict[str, int]]:
    """Per category: records per LSOA in the period (LSOAs without any are left out)."""
    per: dict[str, dict[str, int]] = defaultdict(dict)
    for r in data.category_lsoa_counts(scope.cov_now.present):
        if r.category is not None:
            per[r.category][r.lsoa] = r.n
    return per
