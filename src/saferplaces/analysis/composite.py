"""Composite scores for choosing where and what to prioritise.

(a) :func:`vulnerable_localities_index` — a Vulnerable Localities Index (VLI) style composite
    after the UCL Jill Dando Institute (Chainey 2008): every indicator becomes an index
    relative to the mean over the areas (100 = average), the indices are combined by their
    mean, and areas above a threshold (or the top N) are flagged.
(b) :func:`priority_matrix` — a MoRiLE-style matrix: each theme (burglary, domestic abuse,
    ASB, …) is scored on stated 1–5 scales for harm, volume, trend, vulnerability,
    concentration, public concern and partnership capacity; weights are editable; the
    result is a ranking that shows every score behind it.

Nothing here is a black box: every component is returned so the board can see why an area or
theme is where it is.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = [
    "CRITERIA",
    "CriterionScore",
    "PriorityRow",
    "VLIResult",
    "priority_matrix",
    "score_by_rank",
    "score_by_thresholds",
    "score_trend",
    "vulnerable_localities_index",
]

# --------------------------------------------------------------------------------------------
# (a) Vulnerable Localities Index style composite
# --------------------------------------------------------------------------------------------

#: Threshold in the JDI briefing: "any area with a VLI value over 200 can be considered a
#: priority neighbourhood" (Tompson, JDiBrief "Vulnerable Localities Index", UCL JDI).
VLI_PRIORITY_THRESHOLD = 200.0


@dataclass(frozen=True)
class VLIResult:
    """Result of :func:`vulnerable_localities_index`.

    ``indices`` (areas × indicators) are the per-indicator indices (100 = mean of the areas
    or the given reference), ``domain_scores`` (areas × domains) the domain means when
    domains were given (else equal to ``indices``), ``composite`` the final score, ``rank``
    1 = most vulnerable (ties share the best rank), ``flagged`` the priority areas.
    """

    indices: NDArray[np.float64]
    indicator_names: tuple[str, ...]
    reference: NDArray[np.float64]
    domain_scores: NDArray[np.float64]
    domain_names: tuple[str, ...]
    composite: NDArray[np.float64]
    rank: NDArray[np.int64]
    flagged: NDArray[np.bool_]
    rule: str


def vulnerable_localities_index(
    indicators: ArrayLike,
    indicator_names: Sequence[str] | None = None,
    domains: Mapping[str, Sequence[str]] | None = None,
    reference: ArrayLike | None = None,
    threshold: float | None = VLI_PRIORITY_THRESHOLD,
    top_n: int | None = None,
) -> VLIResult:
    r"""VLI-style composite of area indicators.

    ``indicators`` is areas × indicators, already as rates or proportions (burglary per
    1,000 households, share income-deprived, share aged 15–24, …) oriented so that higher
    means more vulnerable. For indicator ``j``

    .. math:: I_{ij} = 100 \times x_{ij} / \bar x_j

    where :math:`\bar x_j` is the unweighted mean over the areas given, or ``reference[j]``
    (e.g. the national rate) if supplied. Without ``domains`` the composite is the mean of
    the indicator indices. With ``domains`` (name → indicator names, every indicator in
    exactly one domain) each domain score is the mean of its indicator indices and the
    composite is the mean of the domain scores, so a domain with two indicators does not
    count twice.

    Areas are flagged when ``composite >= threshold`` (default 200, the JDI guidance) or,
    if ``top_n`` is given, when they are among the ``top_n`` highest composites (ties at the
    cut-off are all kept). An indicator whose mean/reference is 0 has no index and raises.

    References
    ----------
    Chainey, S. (2008). Identifying priority neighbourhoods using the Vulnerable Localities
    Index. *Policing* 2(2), 196–209.
    Tompson, L. JDiBrief: Vulnerable Localities Index. UCL Jill Dando Institute.
    """
    x = np.asarray(indicators, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError("indicators must be areas × indicators")
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ValueError("indicators must be finite and non-negative")
    n_ind = x.shape[1]
    names = (
        tuple(f"indicator_{j + 1}" for j in range(n_ind))
        if indicator_names is None
        else tuple(indicator_names)
    )
    if len(names) != n_ind or len(set(names)) != n_ind:
        raise ValueError("indicator_names must be unique, one per column")
    ref = x.mean(axis=0) if reference is None else np.asarray(reference, dtype=float).ravel()
    if ref.size != n_ind:
        raise ValueError("reference needs one value per indicator")
    if np.any(ref <= 0):
        bad = [names[j] for j in np.flatnonzero(ref <= 0)]
        raise ValueError(f"indicator mean/reference is 0 for {bad}: no index can be formed")
    idx = 100.0 * x / ref

    if domains is None:
        dom_scores = idx
        dom_names = names
    else:
        listed = [name for members in domains.values() for name in members]
        if sorted(listed) != sorted(names):
            raise ValueError("every indicator must belong to exactly one domain")
        col = {name: j for j, name in enumerate(names)}
        dom_names = tuple(domains.keys())
        dom_scores = np.column_stack(
            [idx[:, [col[m] for m in domains[d]]].mean(axis=1) for d in dom_names]
        )
    composite = dom_scores.mean(axis=1)
    rank = stats.rankdata(-composite, method="min").astype(np.int64)
    if top_n is not None:
        if top_n < 1:
            raise ValueError("top_n must be at least 1")
        flagged = rank <= top_n
        rule = f"top {top_n} areas by composite"
    elif threshold is not None:
        flagged = composite >= threshold
        rule = f"composite >= {threshold:g}"
    else:
        raise ValueError("give a threshold or top_n")
    return VLIResult(
        indices=idx,
        indicator_names=names,
        reference=ref,
        domain_scores=dom_scores,
        domain_names=dom_names,
        composite=composite,
        rank=rank,
        flagged=flagged,
        rule=rule,
    )


# --------------------------------------------------------------------------------------------
# (b) MoRiLE-style priority matrix
# --------------------------------------------------------------------------------------------

#: The criteria, each scored 1 (lowest priority) to 5 (highest priority). All are oriented so
#: that a higher score means *more* reason to prioritise; for partnership capacity that means
#: 5 = least existing capacity / biggest gap (MoRiLE's "organisational position").
CRITERIA: tuple[str, ...] = (
    "harm",
    "volume",
    "trend",
    "vulnerability",
    "concentration",
    "public_concern",
    "partnership_capacity",
)
SCORE_MIN = 1
SCORE_MAX = 5


def score_by_thresholds(value: float, cuts: Sequence[float]) -> int:
    """Score 1–5 from four ascending cut-points: ``value < cuts[0]`` → 1, …, ``≥ cuts[3]`` → 5.

    The cut-points are the stated scale (e.g. harm per 1,000 residents: 1, 5, 10, 20).
    """
    c = [float(v) for v in cuts]
    if len(c) != SCORE_MAX - SCORE_MIN or any(b <= a for a, b in itertools.pairwise(c)):
        raise ValueError("need four strictly ascending cut-points")
    if not math.isfinite(value):
        raise ValueError("value must be finite")
    return SCORE_MIN + int(np.searchsorted(c, value, side="right"))


def score_by_rank(values: Mapping[str, float]) -> dict[str, int]:
    """Score themes 1–5 by quintile of their rank among the themes given.

    Score = ``ceil(5 · r / n)`` with ``r`` the average rank (1 = smallest) and ``n`` the number
    of themes, so the top fifth score 5. Relative, so only use it to compare themes scored
    together.
    """
    if not values:
        return {}
    keys = list(values)
    v = np.array([float(values[k]) for k in keys])
    if not np.all(np.isfinite(v)):
        raise ValueError("values must be finite")
    r = stats.rankdata(v, method="average")
    n = len(keys)
    return {
        k: max(SCORE_MIN, min(SCORE_MAX, math.ceil(SCORE_MAX * ri / n - 1e-9)))
        for k, ri in zip(keys, r, strict=True)
    }


def score_trend(p_value: float, direction: float) -> int:
    """Score a change on the stated scale: significant rise 5 (p < 0.01) or 4 (p < 0.05);
    no significant change 3; significant fall 2 (p < 0.05) or 1 (p < 0.01).

    ``direction`` is any number whose sign is the direction of change (e.g. the E-test
    statistic or a trend slope); ``p_value`` its two-sided p-value.
    """
    if not 0 <= p_value <= 1:
        raise ValueError("p_value must be in [0, 1]")
    if p_value >= 0.05 or direction == 0:
        return 3
    strong = p_value < 0.01
    if direction > 0:
        return 5 if strong else 4
    return 1 if strong else 2


@dataclass(frozen=True)
class CriterionScore:
    """One cell of the matrix: the score given, its weight and ``score × weight``."""

    criterion: str
    score: float
    weight: float
    contribution: float


@dataclass(frozen=True)
class PriorityRow:
    """One theme's line in the ranked matrix.

    ``total`` is the weighted mean score on the 1–5 scale over the criteria that were scored
    (so themes with a missing criterion stay comparable); ``weighted_sum`` is
    ``Σ weight × score`` over the same criteria. ``rank`` 1 = highest priority, ties share a
    rank. ``missing`` names criteria not scored for this theme.
    """

    theme: str
    rank: int
    total: float
    weighted_sum: float
    breakdown: tuple[CriterionScore, ...]
    missing: tuple[str, ...]


def priority_matrix(
    themes: Mapping[str, Mapping[str, float | None]],
    weights: Mapping[str, float] | None = None,
) -> list[PriorityRow]:
    r"""Rank themes by a weighted MoRiLE-style score.

    ``themes`` maps theme → {criterion: score or None}; scores are on the 1–5 scale (use
    :func:`score_by_thresholds`, :func:`score_by_rank`, :func:`score_trend` to get there, or
    enter a panel's judgement). Criteria are those in :data:`CRITERIA`; a criterion left
    out or None is *not scored* (e.g. public concern before a survey is available) and is
    listed in ``missing``. ``weights`` (criterion → weight ≥ 0) default to 1 each.

    .. math:: \text{total}_t = \frac{\sum_{c \in S_t} w_c s_{tc}}{\sum_{c \in S_t} w_c}

    where :math:`S_t` is the set of criteria scored for theme :math:`t`. Rows come back
    highest total first; ties are listed by theme name and share a rank. A theme with no
    scored criterion (or only zero-weighted ones) raises, since it cannot be placed.

    References
    ----------
    MoRiLE (Management of Risk in Law Enforcement), National Police Chiefs' Council /
    College of Policing: scoring of threat/harm, risk (volume, trend), vulnerability and
    organisational position. This is a transparent simplification, not the licensed tool.
    """
    w = {c: 1.0 for c in CRITERIA}
    if weights is not None:
        unknown = set(weights) - set(CRITERIA)
        if unknown:
            raise ValueError(f"unknown criteria in weights: {sorted(unknown)}")
        for c, v in weights.items():
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"weight for {c} must be finite and >= 0")
            w[c] = float(v)
    rows: list[tuple[str, float, float, tuple[CriterionScore, ...], tuple[str, ...]]] = []
    for theme, scores in themes.items():
        unknown = set(scores) - set(CRITERIA)
        if unknown:
            raise ValueError(f"{theme}: unknown criteria {sorted(unknown)}")
        parts: list[CriterionScore] = []
        missing: list[str] = []
        for c in CRITERIA:
            s = scores.get(c)
            if s is None:
                missing.append(c)
                continue
            s = float(s)
            if not SCORE_MIN <= s <= SCORE_MAX:
                raise ValueError(f"{theme}: {c} score {s} is outside {SCORE_MIN}–{SCORE_MAX}")
            parts.append(CriterionScore(c, s, w[c], s * w[c]))
        wsum = sum(p.weight for p in parts)
        if wsum <= 0:
            raise ValueError(f"{theme}: no weighted criterion was scored")
        total_w = sum(p.contribution for p in parts)
        rows.append((theme, total_w / wsum, total_w, tuple(parts), tuple(missing)))
    # Rounded so that totals equal up to float noise sort by name, as the ranks say.
    rows.sort(key=lambda r: (-round(r[1], 9), r[0]))
    out: list[PriorityRow] = []
    prev_total: float | None = None
    prev_rank = 0
    for i, (theme, total, wsum_, parts, missing) in enumerate(rows, start=1):
        tie = prev_total is not None and round(total, 9) == round(prev_total, 9)
        rank = prev_rank if tie else i
        out.append(PriorityRow(theme, rank, total, wsum_, parts, missing))
        prev_total, prev_rank = total, rank
    return out
