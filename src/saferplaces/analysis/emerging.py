"""Emerging issues in a monthly count series: Poisson control limits and a Poisson CUSUM.

Both answer "is this month (or this run of months) higher than the recent past can explain
by chance?". The control limit looks at one month at a time against a trailing baseline;
the CUSUM accumulates small excesses and catches a sustained rise sooner.

Series are oldest first, one value per month. ``NaN`` marks a month with no data (for
example the City of London gap of July–September 2023): it is skipped, never treated as 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = [
    "ControlLimitResult",
    "CusumResult",
    "cusum_reference_value",
    "poisson_control_limits",
    "poisson_cusum",
]


def _series(counts: ArrayLike) -> NDArray[np.float64]:
    x = np.asarray(counts, dtype=float).ravel()
    if np.any(x[~np.isnan(x)] < 0):
        raise ValueError("counts must be non-negative")
    if np.any(np.isinf(x)):
        raise ValueError("counts must be finite (use NaN for a missing month)")
    return x


@dataclass(frozen=True)
class ControlLimitResult:
    """Per-month result of :func:`poisson_control_limits` (arrays as long as the series).

    ``baseline`` is the trailing mean (NaN until ``window`` earlier months with data exist),
    ``upper`` the exact Poisson upper control limit (a count), ``p_value`` the one-sided
    ``P(X ≥ observed | baseline)``, ``signal`` whether the month is above the limit.
    ``signal_months`` lists the indices of signalling months.
    """

    baseline: NDArray[np.float64]
    upper: NDArray[np.float64]
    p_value: NDArray[np.float64]
    signal: NDArray[np.bool_]
    window: int
    alpha: float

    @property
    def signal_months(self) -> list[int]:
        return [int(i) for i in np.flatnonzero(self.signal)]


def poisson_control_limits(
    counts: ArrayLike, window: int = 12, alpha: float = 0.01
) -> ControlLimitResult:
    r"""Exact Poisson upper control limit on a trailing mean.

    For month :math:`t`, the baseline :math:`\mu_t` is the mean of the previous ``window``
    months that have data (months with NaN are skipped, so the window reaches further
    back). The upper control limit is the exact Poisson quantile

    .. math:: U_t = \min\{u : P(X \le u \mid \mu_t) \ge 1 - \alpha\}

    and month :math:`t` signals when :math:`x_t > U_t`, which is the same as the one-sided
    p-value :math:`P(X \ge x_t \mid \mu_t) \le \alpha`. Default ``alpha = 0.01`` (one month
    in a hundred signals by chance per series); with many series, lower it.

    The baseline is treated as known, so the limit is a screen, not a test — confirm with
    :func:`saferplaces.analysis.change.e_test`. Seasonal series will signal in their peak
    months; compare like months or deseasonalise first.

    References
    ----------
    Montgomery, D. C. (2009). *Introduction to Statistical Quality Control*, 6th ed., ch. 7
    (control charts for counts of nonconformities), here with exact Poisson limits rather
    than 3-sigma limits.
    """
    x = _series(counts)
    if window < 1:
        raise ValueError("window must be at least 1")
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    n = x.size
    baseline = np.full(n, np.nan)
    have = np.flatnonzero(~np.isnan(x))
    # Position of each month among months-with-data lets the window skip gaps.
    csum = np.concatenate(([0.0], np.cumsum(x[have])))
    for pos, t in enumerate(have):
        if pos >= window:
            baseline[t] = (csum[pos] - csum[pos - window]) / window
    upper = np.full(n, np.nan)
    p = np.full(n, np.nan)
    ok = ~np.isnan(baseline) & ~np.isnan(x)
    upper[ok] = stats.poisson.ppf(1.0 - alpha, baseline[ok])
    p[ok] = stats.poisson.sf(x[ok] - 1.0, baseline[ok])
    signal = np.zeros(n, dtype=bool)
    signal[ok] = x[ok] > upper[ok]
    return ControlLimitResult(
        baseline=baseline, upper=upper, p_value=p, signal=signal, window=window, alpha=alpha
    )


def cusum_reference_value(mu0: float, mu1: float) -> float:
    r"""Reference value of the Poisson CUSUM (Lucas 1985).

    .. math:: k = \frac{\mu_1 - \mu_0}{\ln \mu_1 - \ln \mu_0}

    the value that makes the CUSUM the sequential likelihood-ratio test of an in-control mean
    ``mu0`` against an out-of-control mean ``mu1 > mu0``.
    """
    if not (mu0 > 0 and mu1 > mu0):
        raise ValueError("need 0 < mu0 < mu1")
    return (mu1 - mu0) / (math.log(mu1) - math.log(mu0))


@dataclass(frozen=True)
class CusumResult:
    r"""Per-month result of :func:`poisson_cusum`.

    ``statistic`` is :math:`S_t` after month ``t`` (before any reset), ``signal`` whether
    :math:`S_t \ge h`. ``signal_months`` lists the indices of signalling months.
    """

    statistic: NDArray[np.float64]
    signal: NDArray[np.bool_]
    k: float
    h: float
    mu0: float
    mu1: float

    @property
    def signal_months(self) -> list[int]:
        return [int(i) for i in np.flatnonzero(self.signal)]


def poisson_cusum(
    counts: ArrayLike,
    mu0: float,
    mu1: float,
    h: float,
    head_start: float = 0.0,
    reset: bool = True,
) -> CusumResult:
    r"""Upper Poisson CUSUM (Lucas 1985).

    .. math:: S_0 = \text{head\_start}, \qquad S_t = \max(0,\; S_{t-1} + x_t - k)

    with ``k`` from :func:`cusum_reference_value`; month ``t`` signals when
    :math:`S_t \ge h` (the decision interval). With ``reset=True`` the sum restarts at
    ``head_start`` after a signal, so a continuing problem signals again; with ``reset=False``
    it keeps accumulating. Months with NaN are skipped (``S`` carries over, no signal).

    Choosing ``h``: Lucas (1985) tabulates ``(k, h)`` pairs by in-control average run length.
    For monthly crime counts ``mu0`` is typically the mean of a stable baseline year and
    ``mu1`` the smallest rise worth catching (for example ``mu0 + 2·√mu0``). ``h`` has no
    default here on purpose: it sets how often the chart cries wolf and must be stated.

    References
    ----------
    Lucas, J. M. (1985). Counted data CUSUM's. *Technometrics* 27(2), 129–144.
    """
    x = _series(counts)
    if not h > 0:
        raise ValueError("h must be positive")
    if head_start < 0 or head_start >= h:
        raise ValueError("head_start must be in [0, h)")
    k = cusum_reference_value(mu0, mu1)
    s = float(head_start)
    stat = np.full(x.size, np.nan)
    signal = np.zeros(x.size, dtype=bool)
    for t, v in enumerate(x):
        if np.isnan(v):
            continue
        s = max(0.0, s + float(v) - k)
        stat[t] = s
        if s >= h:
            signal[t] = True
            if reset:
                s = float(head_start)
    return CusumResult(statistic=stat, signal=signal, k=k, h=float(h), mu0=mu0, mu1=mu1)
