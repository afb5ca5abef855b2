"""Small-area rates: exact intervals, empirical-Bayes smoothing and funnel plots.

Raw LSOA rates must never be ranked: an LSOA of 1,500 people with 3 burglaries has a rate
that swings wildly from year to year. This module gives the three published remedies —
an exact interval for every rate, shrinkage towards the overall rate (Marshall 1991), and
funnel-plot control limits (Spiegelhalter 2005) so that only areas outside the funnel are
called out.

All functions are vectorised over areas (numpy arrays in, numpy arrays out).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = [
    "EmpiricalBayesResult",
    "FunnelLimits",
    "RateInterval",
    "empirical_bayes_rates",
    "funnel_flags",
    "funnel_limits",
    "poisson_interval",
    "rate_per_1000",
]


def _counts_and_pops(counts: ArrayLike, population: ArrayLike) -> tuple[NDArray, NDArray]:
    k = np.asarray(counts, dtype=float)
    n = np.asarray(population, dtype=float)
    k, n = np.broadcast_arrays(k, n)
    if np.any(k < 0) or not np.all(np.isfinite(k)):
        raise ValueError("counts must be finite and non-negative")
    if np.any(n < 0) or not np.all(np.isfinite(n)):
        raise ValueError("population must be finite and non-negative")
    return k, n


def poisson_interval(counts: ArrayLike, conf: float = 0.95) -> tuple[NDArray, NDArray]:
    r"""Exact (Garwood 1936) two-sided interval for a Poisson mean, in counts.

    .. math::

        L = \tfrac12\chi^2_{2k,\;\alpha/2}, \qquad U = \tfrac12\chi^2_{2k+2,\;1-\alpha/2}

    with ``L = 0`` when ``k = 0``. This is the interval behind R's ``poisson.test``.

    References
    ----------
    Garwood, F. (1936). Fiducial limits for the Poisson distribution. *Biometrika* 28, 437–442.
    """
    if not 0 < conf < 1:
        raise ValueError("conf must be in (0, 1)")
    k = np.asarray(counts, dtype=float)
    if np.any(k < 0):
        raise ValueError("counts must be non-negative")
    alpha = 1.0 - conf
    with np.errstate(invalid="ignore"):
        lower = np.where(k > 0, stats.chi2.ppf(alpha / 2.0, 2.0 * k) / 2.0, 0.0)
    upper = stats.chi2.ppf(1.0 - alpha / 2.0, 2.0 * k + 2.0) / 2.0
    return lower, upper


@dataclass(frozen=True)
class RateInterval:
    """Rate per ``per`` people with its exact interval (arrays, one value per area).

    Where the population is 0 the rate and limits are NaN: there is no rate to show.
    """

    rate: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    conf: float
    per: float


def rate_per_1000(
    counts: ArrayLike, population: ArrayLike, conf: float = 0.95, per: float = 1000.0
) -> RateInterval:
    """Crime rate per 1,000 residents with the exact Garwood interval (see :func:`poisson_interval`).

    The interval treats the population as fixed and the count as Poisson, the usual
    assumption for recorded crime rates.
    """
    k, n = _counts_and_pops(counts, population)
    lo, hi = poisson_interval(k, conf)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(n > 0, per / n, np.nan)
    return RateInterval(rate=k * scale, lower=lo * scale, upper=hi * scale, conf=conf, per=per)


@dataclass(frozen=True)
class EmpiricalBayesResult:
    """Result of :func:`empirical_bayes_rates` (rates are per person, not per 1,000).

    Attributes
    ----------
    smoothed : array
        The empirical-Bayes rate of each area.
    raw : array
        ``counts / population``.
    shrinkage : array
        Weight ``C_i`` on the area's own rate (0 = all the way to the overall rate).
    global_rate : float
        ``m = Σ counts / Σ population``.
    between_variance : float
        The method-of-moments between-area variance ``A`` after clamping at 0.
    between_variance_raw : float
        ``A`` before clamping (negative means the areas vary no more than chance).
    """

    smoothed: NDArray[np.float64]
    raw: NDArray[np.float64]
    shrinkage: NDArray[np.float64]
    global_rate: float
    between_variance: float
    between_variance_raw: float


def empirical_bayes_rates(counts: ArrayLike, population: ArrayLike) -> EmpiricalBayesResult:
    r"""Global empirical-Bayes shrinkage of area rates (Marshall 1991, method of moments).

    With counts :math:`O_i`, populations :math:`n_i`, raw rates :math:`r_i = O_i/n_i`, the
    overall rate :math:`m = \sum O_i / \sum n_i` and mean population :math:`\bar n`:

    .. math::

        s^2 = \frac{\sum n_i (r_i - m)^2}{\sum n_i}, \qquad
        A = \max\!\left(0,\; s^2 - \frac{m}{\bar n}\right), \qquad
        C_i = \frac{A}{A + m / n_i}, \qquad
        \hat\theta_i = m + C_i\,(r_i - m).

    When the observed spread is no bigger than Poisson noise, ``A`` would be negative; it is
    clamped at 0 so every area shrinks to ``m`` (the PySAL ``esda.smoothing.Empirical_Bayes``
    class does not clamp and then returns weights outside [0, 1]). Areas with zero
    population have no rate and get NaN; they are left out of ``m``, ``s²`` and ``n̄``.

    References
    ----------
    Marshall, R. J. (1991). Mapping disease and mortality rates using empirical Bayes
    estimators. *Applied Statistics* 40(2), 283–294.
    """
    k, n = _counts_and_pops(counts, population)
    k = np.atleast_1d(k)
    n = np.atleast_1d(n)
    ok = n > 0
    if not np.any(ok):
        raise ValueError("at least one area needs a positive population")
    if np.any(k[~ok] > 0):
        raise ValueError("an area with zero population cannot have events")
    ko, no = k[ok], n[ok]
    m = float(ko.sum() / no.sum())
    r = ko / no
    s2 = float(np.sum(no * (r - m) ** 2) / no.sum())
    a_raw = s2 - m / float(no.mean())
    a = max(0.0, a_raw)
    # A = 0 (or m = 0): no detectable between-area variation, so shrink fully.
    c = a / (a + m / no) if a > 0 else np.zeros_like(r)
    smoothed_ok = m + c * (r - m)

    raw = np.full(k.shape, np.nan)
    smoothed = np.full(k.shape, np.nan)
    shrink = np.full(k.shape, np.nan)
    raw[ok], smoothed[ok], shrink[ok] = r, smoothed_ok, c
    return EmpiricalBayesResult(
        smoothed=smoothed,
        raw=raw,
        shrinkage=shrink,
        global_rate=m,
        between_variance=a,
        between_variance_raw=a_raw,
    )


def _exact_poisson_limit(expected: NDArray, p: float) -> NDArray:
    """Spiegelhalter's interpolated ``p``-quantile of Poisson(expected), in counts."""
    y = stats.poisson.ppf(p, expected)
    f_y = stats.poisson.cdf(y, expected)
    f_below = stats.poisson.cdf(y - 1.0, expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(f_y > f_below, (f_y - p) / (f_y - f_below), 0.0)
    return np.maximum(y - frac, 0.0)


@dataclass(frozen=True)
class FunnelLimits:
    """Funnel-plot control limits for rates, per ``per`` people (arrays over ``population``).

    ``lower95``/``upper95`` are the 2.5% and 97.5% limits, ``lower998``/``upper998`` the 0.1%
    and 99.9% limits; ``target`` is the rate the funnel is centred on.
    """

    population: NDArray[np.float64]
    target: float
    lower95: NDArray[np.float64]
    upper95: NDArray[np.float64]
    lower998: NDArray[np.float64]
    upper998: NDArray[np.float64]
    per: float


def funnel_limits(population: ArrayLike, target_rate: float, per: float = 1000.0) -> FunnelLimits:
    r"""Exact Poisson funnel-plot limits for a rate (Spiegelhalter 2005, Appendix A).

    For an area with population :math:`n` the expected count under the target rate
    :math:`\theta` is :math:`E = \theta n`. For each tail probability ``p`` take
    :math:`y_p`, the ``p``-quantile of Poisson(E), and interpolate between the discrete
    steps:

    .. math::

        \alpha = \frac{F(y_p) - p}{F(y_p) - F(y_p - 1)}, \qquad
        \text{limit} = \frac{y_p - \alpha}{n}\times\text{per}

    so the limits are smooth in ``n``. 95% uses ``p = 0.025, 0.975``; 99.8% uses
    ``p = 0.001, 0.999``. ``target_rate`` is per person (e.g. ``Σ counts / Σ population``).

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance.
    *Statistics in Medicine* 24(8), 1185–1202.
    """
    n = np.asarray(population, dtype=float)
    if np.any(n < 0):
        raise ValueError("population must be non-negative")
    if not target_rate >= 0:
        raise ValueError("target_rate must be non-negative")
    expected = target_rate * n
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(n > 0, per / n, np.nan)
    lims = [_exact_poisson_limit(expected, p) * scale for p in (0.025, 0.975, 0.001, 0.999)]
    return FunnelLimits(
        population=n,
        target=float(target_rate),
        lower95=lims[0],
        upper95=lims[1],
        lower998=lims[2],
        upper998=lims[3],
        per=per,
    )


def funnel_flags(
    counts: ArrayLike,
    population: ArrayLike,
    target_rate: float | None = None,
    level: float = 0.998,
) -> NDArray[np.str_]:
    """Flag each area ``"above"``, ``"below"`` or ``"within"`` the funnel at ``level``.

    ``level`` is 0.95 or 0.998. The target defaults to the overall rate of the areas given.
    An area is "above" only when its rate is strictly greater than the upper limit (and
    "below" when strictly less than the lower limit). Areas with no population are
    ``"no population"``.
    """
    k, n = _counts_and_pops(counts, population)
    k, n = np.atleast_1d(k), np.atleast_1d(n)
    if level not in (0.95, 0.998):
        raise ValueError("level must be 0.95 or 0.998")
    if target_rate is None:
        if n.sum() <= 0:
            raise ValueError("total population is zero")
        target_rate = float(k.sum() / n.sum())
    lim = funnel_limits(n, target_rate, per=1.0)
    lo, hi = (lim.lower95, lim.upper95) if level == 0.95 else (lim.lower998, lim.upper998)
    out = np.full(k.shape, "within", dtype=object)
    ok = n > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(ok, k / np.where(ok, n, 1.0), np.nan)
    out[ok & (rate > hi)] = "above"
    out[ok & (rate < lo)] = "below"
    out[~ok] = "no population"
    return out.astype(str)
