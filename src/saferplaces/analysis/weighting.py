"""Survey weighting: raking to population margins, and weighted proportions with intervals.

Method
------
**Raking** (iterative proportional fitting; Deming and Stephan, 1940, "On a least squares
adjustment of a sampled frequency table when the expected marginal totals are known", *Annals
of Mathematical Statistics* 11(4), 427-444). Each respondent starts with weight 1. For each
margin in turn (age band, sex, area), every respondent's weight is multiplied by
``population share of their category / weighted sample share of their category``. The cycle is
repeated until no category's weighted share differs from its population share by more than
``tolerance`` (or ``max_iterations`` is reached, which is reported, never hidden). The weights
are then scaled to sum to the number of respondents, so a weighted count reads like a count.
Optional trimming (``cap``) limits any weight to ``cap`` times the mean and rakes again, the
usual guard against a few respondents carrying the result (Battaglia et al., 2009, "Practical
considerations in raking survey data", *Survey Practice* 2(5)).

**Design effect from weighting** (Kish, 1965, *Survey Sampling*, section 11.7; Kish 1992,
"Weighting for unequal P_i", *Journal of Official Statistics* 8(2)):
``deff = n * sum(w^2) / (sum w)^2`` and the effective sample size ``n_eff = n / deff =
(sum w)^2 / sum(w^2)``.

**Interval for a weighted proportion**: the Wilson score interval computed with the effective
sample size in place of n (the "Kish-adjusted Wilson" interval; Korn and Graubard, 1998,
"Confidence intervals for proportions with small expected number of positive counts estimated
from survey data", *Survey Methodology* 24(2), 193-201, compare it with alternatives). It stays
inside 0-1 and behaves for small groups, where the normal ("Wald") interval does not.

A maintained library was considered (samplics, weightipy, ipfn). The method is short and pinned
to a hand-computed case in ``tests/analysis/test_weighting.py``, so no dependency was added.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from scipy import stats


class WeightingError(ValueError):
    """A margin cannot be used (a category with respondents but no population, or none at all)."""


@dataclass
class RakeResult:
    weights: list[float]
    iterations: int
    converged: bool
    max_error: float  # largest |weighted share - population share| over every category
    deff: float
    n_eff: float
    margins_used: list[str] = field(default_factory=list)


def _shares(targets: Mapping[str, float]) -> dict[str, float]:
    total = float(sum(targets.values()))
    if total <= 0:
        raise WeightingError("A margin's population adds up to nothing")
    return {k: float(v) / total for k, v in targets.items()}


def kish(weights: Sequence[float]) -> tuple[float, float]:
    """(design effect, effective sample size) of a set of weights (Kish 1965)."""
    n = len(weights)
    s1 = float(sum(weights))
    s2 = float(sum(w * w for w in weights))
    if n == 0 or s2 == 0:
        return 1.0, 0.0
    n_eff = s1 * s1 / s2
    return n / n_eff, n_eff


def rake(
    respondents: Sequence[Mapping[str, str]],
    margins: Mapping[str, Mapping[str, float]],
    *,
    tolerance: float = 1e-6,
    max_iterations: int = 100,
    cap: float | None = None,
) -> RakeResult:
    """Weights for ``respondents`` (each a mapping of margin name -> category) so that the
    weighted shares match each margin's population shares (``margins``: name -> {category:
    population}). A respondent whose category in a margin is missing or "" keeps its weight for
    that margin (it is neither adjusted nor counted in it). Raises WeightingError when a
    category has respondents but no population."""
    n = len(respondents)
    if n == 0:
        raise WeightingError("There are no responses to weight")
    shares = {name: _shares(t) for name, t in margins.items()}
    for name, sh in shares.items():
        seen = {r.get(name) or "" for r in respondents} - {""}
        unknown = sorted(c for c in seen if sh.get(c, 0) <= 0)
        if unknown:
            raise WeightingError(
                f"{name}: {', '.join(unknown)} has responses but no population to weight to"
            )
    w = [1.0] * n
    iterations, err = 0, math.inf
    for iterations in range(1, max_iterations + 1):  # noqa: B007 - reported below
        for name, sh in shares.items():
            tot: dict[str, float] = {}
            for wi, r in zip(w, respondents, strict=True):
                c = r.get(name) or ""
                if c:
                    tot[c] = tot.get(c, 0.0) + wi
            known = sum(tot.values())
            # Population shares re-based to the categories present in the sample: a category
            # with no respondents cannot be weighted up from nothing.
            present = sum(sh[c] for c in tot)
            factor = {c: (sh[c] / present) * known / t for c, t in tot.items() if t > 0}
            w = [
                wi * factor.get(r.get(name) or "", 1.0)
                for wi, r in zip(w, respondents, strict=True)
            ]
            if cap is not None:
                mean = sum(w) / n
                w = [min(wi, cap * mean) for wi in w]
        err = _max_error(w, respondents, shares)
        if err <= tolerance:
            break
    scale = n / sum(w)
    w = [wi * scale for wi in w]
    deff, n_eff = kish(w)
    return RakeResult(
        weights=w,
        iterations=iterations,
        converged=err <= tolerance,
        max_error=err,
        deff=deff,
        n_eff=n_eff,
        margins_used=list(margins),
    )


def _max_error(
    w: Sequence[float],
    respondents: Sequence[Mapping[str, str]],
    shares: Mapping[str, Mapping[str, float]],
) -> float:
    err = 0.0
    for name, sh in shares.items():
        tot: dict[str, float] = {}
        for wi, r in zip(w, respondents, strict=True):
            c = r.get(name) or ""
            if c:
                tot[c] = tot.get(c, 0.0) + wi
        known = sum(tot.values())
        present = sum(sh[c] for c in tot)
        for c, t in tot.items():
            err = max(err, abs(t / known - sh[c] / present))
    return err


@dataclass
class Proportion:
    share: float  # weighted proportion, 0-1
    low: float
    high: float
    n: int  # respondents who answered (unweighted)
    n_eff: float  # Kish effective sample size of those respondents
    weighted_count: float


def wilson(p: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for proportion ``p`` on (effective) sample size ``n``."""
    if n <= 0:
        return 0.0, 1.0
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def weighted_proportion(
    answers: Sequence[bool], weights: Sequence[float], confidence: float = 0.95
) -> Proportion:
    """Weighted share of True among ``answers`` (one per respondent who answered), with the
    Kish-adjusted Wilson interval."""
    tw = float(sum(weights))
    yes = float(sum(w for a, w in zip(answers, weights, strict=True) if a))
    p = yes / tw if tw else 0.0
    _, n_eff = kish(weights)
    low, high = wilson(p, n_eff, confidence)
    return Proportion(p, low, high, len(answers), n_eff, yes)


def distribution(
    answers: Sequence[str], weights: Sequence[float], confidence: float = 0.95
) -> dict[str, Proportion]:
    """Each option's weighted share among those who answered (blank answers left out)."""
    pairs = [(a, w) for a, w in zip(answers, weights, strict=True) if a]
    if not pairs:
        return {}
    ws = [w for _, w in pairs]
    return {
        opt: weighted_proportion([a == opt for a, _ in pairs], ws, confidence)
        for opt in dict.fromkeys(a for a, _ in pairs)
    }
