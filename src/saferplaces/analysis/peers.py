""" "Most similar" areas by nearest neighbours on standardised features.

Official Community Safety Partnership family groups are not published, so peers are found
the way the Home Office/CIPFA "most similar" groups are built: put each feature (population,
density, deprivation, rurality, …) on a common scale, then take the nearest areas in that
space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["PeerResult", "most_similar", "standardise"]


def standardise(features: ArrayLike, weights: ArrayLike | None = None) -> NDArray[np.float64]:
    r"""Column z-scores across the candidate set, times the square root of each weight.

    :math:`z_{ij} = \sqrt{w_j}\,(x_{ij} - \bar x_j)/s_j` with :math:`s_j` the population SD
    (``ddof=0``) over the rows given. Scaling by :math:`\sqrt{w_j}` makes the Euclidean
    distance on ``z`` equal :math:`\sqrt{\sum_j w_j (\Delta z_j)^2}`. A column with no spread
    carries no information and becomes all zeros.
    """
    x = np.asarray(features, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError("features must be 2-D (areas × features)")
    if not np.all(np.isfinite(x)):
        raise ValueError("features must be finite (impute or drop missing values first)")
    sd = x.std(axis=0)
    z = np.zeros_like(x)
    spread = sd > 0
    z[:, spread] = (x[:, spread] - x[:, spread].mean(axis=0)) / sd[spread]
    if weights is not None:
        w = np.asarray(weights, dtype=float).ravel()
        if w.size != x.shape[1]:
            raise ValueError("one weight per feature column is needed")
        if np.any(w < 0) or not np.all(np.isfinite(w)):
            raise ValueError("weights must be finite and non-negative")
        z = z * np.sqrt(w)
    return z


@dataclass(frozen=True)
class PeerResult:
    """Nearest peers of every area: ``indices[i]`` (row numbers, nearest first) and their
    ``distances[i]`` in standardised units, each shaped ``(n_areas, k)``."""

    indices: NDArray[np.int64]
    distances: NDArray[np.float64]


def most_similar(
    features: ArrayLike,
    k: int = 5,
    weights: ArrayLike | None = None,
    targets: ArrayLike | None = None,
) -> PeerResult:
    """``k`` most similar areas for each target area, excluding the area itself.

    Features are standardised with :func:`standardise` over *all* rows (the candidate set),
    then ranked by Euclidean distance. Ties are broken by row order, so results are
    deterministic. ``targets`` (row numbers) limits the rows returned; by default every area.
    """
    z = standardise(features, weights)
    n = z.shape[0]
    if not 1 <= k <= n - 1:
        raise ValueError(f"k must be between 1 and {n - 1}")
    rows = np.arange(n) if targets is None else np.asarray(targets, dtype=np.int64).ravel()
    if rows.size and (rows.min() < 0 or rows.max() >= n):
        raise ValueError("targets out of range")
    indices = np.empty((rows.size, k), dtype=np.int64)
    distances = np.empty((rows.size, k))
    # Blocks of rows keep memory at block × n × features even for all 33,000 LSOAs.
    block = 256
    for start in range(0, rows.size, block):
        r = rows[start : start + block]
        diff = z[r, None, :] - z[None, :, :]
        d = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
        d[np.arange(r.size), r] = np.inf  # never your own peer
        order = np.argsort(d, axis=1, kind="stable")[:, :k]
        indices[start : start + r.size] = order
        distances[start : start + r.size] = np.take_along_axis(d, order, axis=1)
    return PeerResult(indices=indices, distances=distances)
