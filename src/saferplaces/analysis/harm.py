"""Crime harm: weight counts by how serious each category is.

The weights table (category → weight) comes from elsewhere — ONS Crime Severity Score
weights (sentencing-based days of custody per offence) for the main view, the Cambridge Crime
Harm Index as a sensitivity view. Anti-social behaviour is not a crime and has no weight:
give it ``None`` and it is excluded from the harm total and listed with the reason in
:data:`NO_WEIGHT_REASONS`, never silently counted as 0. Any other category without a weight —
missing from the table, or ``None`` without a stated reason — is an error naming it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "NO_WEIGHT_REASONS",
    "CategoryHarm",
    "HarmExclusion",
    "HarmResult",
    "MissingHarmWeight",
    "apply_harm_weights",
    "harm_matrix",
]

ASB = "Anti-social behaviour"

#: Categories that may have no weight, and why (shown wherever the harm total is).
NO_WEIGHT_REASONS: dict[str, str] = {ASB: "the Crime Severity Score has no weight for ASB"}


class MissingHarmWeight(KeyError):
    """A category would count as zero harm because it has no weight."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class CategoryHarm:
    """One category's line: ``harm = count × weight``."""

    category: str
    count: float
    weight: float
    harm: float


@dataclass(frozen=True)
class HarmExclusion:
    """A category left out of the harm total, with its count and the reason in words."""

    category: str
    count: float
    reason: str

    @property
    def statement(self) -> str:
        return f"{self.category} ({self.count:,.0f}) is not in the harm total: {self.reason}."


@dataclass(frozen=True)
class HarmResult:
    """Harm total with every weight used, so the report can show its working.

    ``excluded`` maps categories whose weight is ``None`` (e.g. ASB) to their counts; they are
    not in ``total``. ``exclusions`` gives the same with the reason for each, to be shown
    beside the total. ``by_category`` keeps the input order.
    """

    total: float
    by_category: tuple[CategoryHarm, ...]
    excluded: dict[str, float]
    weighted_count: float
    exclusions: tuple[HarmExclusion, ...] = ()


def _check_weights(weights: Mapping[str, float | None]) -> None:
    for cat, w in weights.items():
        if w is not None and not (math.isfinite(w) and w >= 0):
            raise ValueError(f"weight for {cat!r} must be a finite number >= 0 or None")


def _check_categories(
    categories: Iterable[str], weights: Mapping[str, float | None], reasons: Mapping[str, str]
) -> None:
    cats = list(categories)
    unknown = [c for c in cats if c not in weights]
    if unknown:
        raise MissingHarmWeight(
            f"no harm weight given for categories: {unknown}; add them to the weights table "
            "(a category without a weight would count as no harm)"
        )
    unexplained = [c for c in cats if weights[c] is None and c not in reasons]
    if unexplained:
        raise MissingHarmWeight(
            f"harm weight left empty for categories: {unexplained}; give a weight (only "
            f"{', '.join(sorted(reasons)) or 'none'} may have none, for a stated reason)"
        )


def apply_harm_weights(
    counts: Mapping[str, float],
    weights: Mapping[str, float | None],
    *,
    reasons: Mapping[str, str] = NO_WEIGHT_REASONS,
) -> HarmResult:
    r"""Harm total :math:`H = \sum_c n_c w_c` over categories with a weight.

    Every category in ``counts`` must appear in ``weights`` (a category with no entry is an
    error, because guessing 0 would hide harm). A weight of ``None`` means "no weight" and is
    allowed only for a category in ``reasons`` (ASB by default); the category is then reported
    in ``excluded`` and, with its reason, in ``exclusions``. Anything else raises
    :class:`MissingHarmWeight` naming the categories.
    """
    _check_weights(weights)
    _check_categories(counts, weights, reasons)
    lines: list[CategoryHarm] = []
    excluded: dict[str, float] = {}
    for cat, n in counts.items():
        n = float(n)
        if not (math.isfinite(n) and n >= 0):
            raise ValueError(f"count for {cat!r} must be finite and >= 0")
        w = weights[cat]
        if w is None:
            excluded[cat] = n
            continue
        lines.append(CategoryHarm(cat, n, float(w), n * float(w)))
    return HarmResult(
        total=float(sum(line.harm for line in lines)),
        by_category=tuple(lines),
        excluded=excluded,
        weighted_count=float(sum(line.count for line in lines)),
        exclusions=tuple(HarmExclusion(c, n, reasons[c]) for c, n in excluded.items()),
    )


def harm_matrix(
    counts: ArrayLike,
    categories: Sequence[str],
    weights: Mapping[str, float | None],
    *,
    reasons: Mapping[str, str] = NO_WEIGHT_REASONS,
) -> tuple[NDArray[np.float64], tuple[str, ...]]:
    """Harm totals for many areas at once.

    ``counts`` is areas × categories (columns in the order of ``categories``). Returns the
    harm total per area and the categories excluded for having no weight (each must have a
    reason in ``reasons``, as in :func:`apply_harm_weights`).
    """
    _check_weights(weights)
    x = np.asarray(counts, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(categories):
        raise ValueError("counts must be areas × categories")
    _check_categories(categories, weights, reasons)
    w = np.array([0.0 if weights[c] is None else float(weights[c]) for c in categories])
    excluded = tuple(c for c in categories if weights[c] is None)
    return x @ w, excluded
