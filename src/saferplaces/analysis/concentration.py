"""How concentrated is crime? Lorenz curves, Gini coefficients, "x% of places hold y%".

Crime and place convention (Bernasco & Steenbeek 2017; lorenzgini): places are sorted from
most to least crime, so the Lorenz curve runs *above* the diagonal.

The ordinary Gini assumes a perfectly even spread is possible. With fewer crimes than places
(street segments, 250 m cells, most LSOAs for a single crime type in a month) it is not — 5
crimes cannot be spread over 10 places — and the ordinary Gini overstates concentration. The
generalised Gini measures against the most even spread that the data allow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "LorenzCurve",
    "PlacesShare",
    "generalized_gini",
    "gini",
    "lorenz_curve",
    "places_holding_share",
]


def _counts(counts: ArrayLike) -> NDArray[np.float64]:
    x = np.asarray(counts, dtype=float).ravel()
    if x.size == 0:
        raise ValueError("need at least one place")
    if not np.all(np.isfinite(x)) or np.any(x < 0):
        raise ValueError("counts must be finite and non-negative")
    return x


@dataclass(frozen=True)
class LorenzCurve:
    """Points of the Lorenz curve, starting at (0, 0) and ending at (1, 1).

    ``share_of_places[i]`` is the share of places in the top ``i`` (most crime first) and
    ``share_of_events[i]`` the share of all events they hold. ``max_equality_x`` is where the
    line of maximal equality reaches 1: ``min(1, events / places)`` (Bernasco & Steenbeek's
    ``c/n``).
    """

    share_of_places: NDArray[np.float64]
    share_of_events: NDArray[np.float64]
    max_equality_x: float


def lorenz_curve(counts: ArrayLike) -> LorenzCurve:
    """Lorenz curve of event counts over places, places sorted by descending count.

    The curve is non-decreasing and concave. With no events at all there is no curve, so
    a ``ValueError`` is raised.
    """
    x = _counts(counts)
    total = x.sum()
    if total <= 0:
        raise ValueError("no events: the Lorenz curve is undefined")
    desc = np.sort(x)[::-1]
    cum = np.concatenate(([0.0], np.cumsum(desc))) / total
    cum[-1] = 1.0  # guard rounding in the last cumulative sum
    places = np.arange(x.size + 1, dtype=float) / x.size
    return LorenzCurve(
        share_of_places=places,
        share_of_events=cum,
        max_equality_x=min(1.0, float(total) / x.size),
    )


def gini(counts: ArrayLike, unbiased: bool = False) -> float | None:
    r"""Ordinary Gini coefficient of event counts over places.

    .. math:: G = \frac{1}{n}\left(\frac{2\sum_{i=1}^n i\,x_{(i)}}{\sum x} - (n+1)\right)

    with :math:`x_{(1)} \le \dots \le x_{(n)}` (the DescTools ``Gini`` form used by
    lorenzgini). ``unbiased=True`` multiplies by :math:`n/(n-1)` (Deltas 2003). Returns
    ``None`` when there are no events.
    """
    x = _counts(counts)
    n = x.size
    total = x.sum()
    if total <= 0:
        return None
    asc = np.sort(x)
    g = (2.0 * float(np.sum(np.arange(1, n + 1) * asc)) / total - (n + 1)) / n
    if unbiased:
        if n < 2:
            raise ValueError("the unbiased Gini needs at least two places")
        g *= n / (n - 1)
    return float(g)


def generalized_gini(counts: ArrayLike, unbiased: bool = False) -> float | None:
    r"""Generalised Gini for sparse data (Bernasco & Steenbeek 2017).

    With ``c`` events over ``n`` places the most even spread possible puts one event in each
    of ``c`` places, so the line of maximal equality runs from (0, 0) to ``(c/n, 1)`` instead
    of the diagonal. Measuring the Lorenz curve against that line gives

    .. math:: G' = \max\!\left(1, \frac{n}{c}\right)(G - 1) + 1

    which equals the ordinary Gini :math:`G` when :math:`c \ge n`. It is meant for whole event
    counts; for weighted values (harm scores) use :func:`gini`. ``unbiased=True`` applies
    lorenzgini's small-sample factor :math:`\min(n,c)/(\min(n,c)-1)` (the package default;
    the paper itself reports the biased form, which is our default). Returns ``None`` when
    there are no events.

    References
    ----------
    Bernasco, W. & Steenbeek, W. (2017). More places than crimes: implications for evaluating
    the law of crime concentration at place. *J Quant Criminol* 33(3), 451–467.
    Steenbeek, W. & Bernasco, W. (2018). lorenzgini R package, ``gini()``.
    """
    x = _counts(counts)
    g = gini(x, unbiased=False)
    if g is None:
        return None
    n, c = x.size, float(x.sum())
    g_gen = max(1.0, n / c) * (g - 1.0) + 1.0
    if unbiased:
        m = min(float(n), c)
        if m <= 1:
            raise ValueError("the unbiased generalised Gini needs at least two events and places")
        g_gen *= m / (m - 1.0)
    return float(g_gen)


@dataclass(frozen=True)
class PlacesShare:
    """Answer of :func:`places_holding_share`.

    ``n_places`` of ``n_total`` places (the busiest ones) hold ``share_of_events`` (at least
    the share asked for); ``share_of_places = n_places / n_total``.
    """

    share_asked: float
    n_places: int
    n_total: int
    share_of_places: float
    share_of_events: float


def places_holding_share(counts: ArrayLike, share: float = 0.5) -> PlacesShare | None:
    """Smallest share of places that together hold at least ``share`` of all events.

    Places are taken busiest first, so this is the x-value where the Lorenz curve first
    reaches ``share``. ``share=0.5`` gives the usual "x% of places hold 50% of crime".
    Returns ``None`` when there are no events.
    """
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    x = _counts(counts)
    total = x.sum()
    if total <= 0:
        return None
    cum = np.cumsum(np.sort(x)[::-1])
    # A small relative tolerance so that e.g. exactly half is counted as reaching 50%.
    k = int(np.searchsorted(cum, share * total * (1.0 - 1e-12), side="left")) + 1
    k = min(k, x.size)
    return PlacesShare(
        share_asked=share,
        n_places=k,
        n_total=x.size,
        share_of_places=k / x.size,
        share_of_events=float(cum[k - 1] / total),
    )
