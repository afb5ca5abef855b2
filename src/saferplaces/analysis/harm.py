"""Crime harm: weight counts by how serious each category is.

The weights table (category → weight) comes from elsewhere — ONS Crime Severity Score
weights (sentencing-based days of custody per offence) for the main view, the Cambridge Crime
Harm Index as a sensitivity view. Anti-social behaviour is not a crime and has no weight:
give it ``None`` and it is excluded from the harm total and listed as such, never silently
counted as 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["CategoryHarm", "HarmResult", "apply_harm_weights", "harm_matrix"]


@dataclass(frozen=True)
class CategoryHarm:
    """One category's line: ``harm = count × weight``."""

    category: str
    count: float
    weight: float
    harm: float


@dataclass(frozen=True)
class HarmResult:
    """Harm total with every weight used, so the report can show its working.

    ``excluded`` maps categories whose weight is ``None`` (e.g. ASB) to their counts; they are
    not in ``total``. ``by_category`` keeps the input order.
    """

    total: float
    by_category: tuple[CategoryHarm, ...]
    excluded: dict[str, float]
    weighted_count: float


def _check_weights(weights: Mapping[str, float | None]) -> None:
    for cat, w in weights.items():
        if w is not None and not (math.isfinite(w) and w >= 0):
            raise ValueError(f"weight for {cat!r} must be a finite number >= 0 or None")


def apply_harm_weights(
    counts: Mapping[str, float], weights: Mapping[str, float | None]
) -> HarmResult:
    r"""Harm total :math:`H = \sum_c n_c w_c` over categories with a weight.

    Every category in ``counts`` must appear in ``weights`` (a category with no entry is an
    error, because guessing 0 would hide harm); a weight of ``None`` means "no weight" and
    the category is reported in ``excluded``.
    """
    _check_weights(weights)
    unknown = [c for c in counts if c not in weights]
    if unknown:
        raise KeyError(f"no harm weight given for categories: {unknown}")
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
    )


def harm_matrix(
    counts: ArrayLike, categories: Sequence[str], weights: Mapping[str, float | None]
) -> tuple[NDArray[np.float64], tuple[str, ...]]:
    """Harm totals for many areas at once.

    ``counts`` is areas × categories (columns in the order of ``categories``). Returns the
    harm total per area and the categories excluded for having no weight.
    """
    _check_weights(weights)
    x = np.asarray(counts, dtype=float)
    if x.ndim != 2 or x.shape[1] != len(categories):
        raise ValueError("counts must be areas × categories")
    unknown = [c for c in categories if c not in weights]
    if unknown:
        raise KeyError(f"no harm weight given for categories: {unknown}")
    w = np.array([0.0 if weights[c] is None else float(weights[c]) for c in categories])
    excluded = tuple(c for c in categories if weights[c] is None)
    return x @ w, excluded
