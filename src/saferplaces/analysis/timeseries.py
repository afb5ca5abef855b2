"""Trend and seasonality of a monthly count series.

Series are oldest first, one value per calendar month; ``NaN`` marks a month with no data
(it is left out, never read as 0). Functions return ``None`` when the series is too short
or carries no information, so callers can print "insufficient data" rather than a number
that means nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = [
    "LinearTrend",
    "PoissonTrend",
    "SeasonalIndices",
    "linear_trend",
    "poisson_trend",
    "seasonal_indices",
]

MIN_TREND_MONTHS = 6
MIN_SEASONAL_MONTHS = 24


def _series(counts: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    y = np.asarray(counts, dtype=float).ravel()
    if np.any(np.isinf(y)):
        raise ValueError("counts must be finite (use NaN for a missing month)")
    t = np.arange(y.size, dtype=float)
    ok = ~np.isnan(y)
    if np.any(y[ok] < 0):
        raise ValueError("counts must be non-negative")
    return t[ok], y[ok]


@dataclass(frozen=True)
class LinearTrend:
    """Ordinary least-squares line through the monthly counts.

    ``slope_per_month`` is in counts per month; ``p_value`` the two-sided t-test of zero
    slope; ``intercept`` the fitted count in month 0 (the first month of the series).
    """

    slope_per_month: float
    intercept: float
    p_value: float
    n_months: int


def linear_trend(counts: ArrayLike, min_months: int = MIN_TREND_MONTHS) -> LinearTrend | None:
    """Least-squares linear trend; ``None`` with fewer than ``min_months`` months of data.

    Simple and easy to explain ("about 3 more crimes each month"), but it ignores that
    counts are Poisson — prefer :func:`poisson_trend` for small counts.
    """
    t, y = _series(counts)
    if y.size < max(3, min_months):
        return None
    if np.all(y == y[0]):
        return LinearTrend(
            slope_per_month=0.0, intercept=float(y[0]), p_value=1.0, n_months=int(y.size)
        )
    res = stats.linregress(t, y)
    return LinearTrend(
        slope_per_month=float(res.slope),
        intercept=float(res.intercept),
        p_value=float(res.pvalue),
        n_months=int(y.size),
    )


@dataclass(frozen=True)
class PoissonTrend:
    r"""Log-linear Poisson trend :math:`\log \mu_t = a + b\,t`.

    ``rate_ratio_per_month = exp(b)``; ``percent_per_month = 100·(exp(b) − 1)``;
    ``slope_per_month`` is the change in expected count per month at the middle of the series
    (:math:`b\,\hat\mu_{\bar t}`), comparable to :class:`LinearTrend`. ``dispersion`` is the
    Pearson :math:`\chi^2/(n-2)`; when it exceeds 1 the standard error is inflated by
    :math:`\sqrt{\phi}` and the p-value comes from a t distribution on ``n − 2`` df
    (quasi-Poisson, as R's ``glm(family = quasipoisson)``); otherwise the Wald z-test is used.
    ``p_value_poisson`` is the unadjusted Wald p-value.
    """

    log_slope: float
    se_log_slope: float
    rate_ratio_per_month: float
    percent_per_month: float
    slope_per_month: float
    p_value: float
    p_value_poisson: float
    dispersion: float
    n_months: int


def poisson_trend(counts: ArrayLike, min_months: int = MIN_TREND_MONTHS) -> PoissonTrend | None:
    """Maximum-likelihood Poisson trend by Newton–Raphson (IRLS).

    Returns ``None`` with fewer than ``min_months`` months of data, when every month is 0,
    or when no finite maximum exists (e.g. all events in the last month only).

    References
    ----------
    McCullagh, P. & Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed., ch. 6
    (log-linear models) and ch. 9 (quasi-likelihood).
    """
    t, y = _series(counts)
    n = y.size
    if n < max(3, min_months) or y.sum() <= 0:
        return None
    # Centring t makes the two parameters nearly orthogonal, so Newton converges fast.
    tc = t - t.mean()
    x = np.column_stack([np.ones(n), tc])
    beta = np.array([math.log(y.mean()), 0.0])
    converged = False
    for _ in range(100):
        eta = np.clip(x @ beta, -700.0, 700.0)
        mu = np.exp(eta)
        info = x.T @ (mu[:, None] * x)
        score = x.T @ (y - mu)
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            return None
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12 * (1.0 + np.max(np.abs(beta))):
            converged = True
            break
    if not converged or not np.all(np.isfinite(beta)) or abs(beta[1]) > 50:
        return None
    mu = np.exp(x @ beta)
    info = x.T @ (mu[:, None] * x)
    cov = np.linalg.inv(info)
    se = math.sqrt(cov[1, 1])
    b = float(beta[1])
    dispersion = float(np.sum((y - mu) ** 2 / mu) / (n - 2)) if n > 2 else float("nan")
    z = b / se
    p_pois = float(2.0 * stats.norm.sf(abs(z)))
    if dispersion > 1.0:
        se_q = se * math.sqrt(dispersion)
        p = float(2.0 * stats.t.sf(abs(b / se_q), df=n - 2))
    else:
        se_q = se
        p = p_pois
    return PoissonTrend(
        log_slope=b,
        se_log_slope=se_q,
        rate_ratio_per_month=math.exp(b),
        percent_per_month=100.0 * math.expm1(b),
        slope_per_month=b * math.exp(float(beta[0])),
        p_value=p,
        p_value_poisson=p_pois,
        dispersion=dispersion,
        n_months=n,
    )


@dataclass(frozen=True)
class SeasonalIndices:
    """Seasonal index of each calendar month (1 = January … 12 = December).

    ``indices[m]`` is 100 × the typical ratio of month ``m`` to the trend; the twelve indices
    average exactly 100, so 120 means "20% above an average month". ``n_ratios[m]`` is how
    many years contributed to month ``m``.
    """

    indices: dict[int, float]
    n_ratios: dict[int, int]
    n_months: int


def seasonal_indices(
    counts: ArrayLike, first_month: int, min_months: int = MIN_SEASONAL_MONTHS
) -> SeasonalIndices | None:
    r"""Seasonal indices by classical multiplicative decomposition (ratio to moving average).

    Method (as R's ``decompose(type = "multiplicative")``):

    1. Trend :math:`T_t` = centred 2×12 moving average,
       :math:`T_t = \tfrac{1}{24}x_{t-6} + \tfrac{1}{12}\sum_{j=-5}^{5}x_{t+j}
       + \tfrac{1}{24}x_{t+6}` (undefined for the first and last six months, and wherever the
       window holds a missing month).
    2. Ratio :math:`x_t / T_t` for every month with a trend value (and :math:`T_t > 0`).
    3. Raw index of calendar month ``m`` = mean of its ratios across years.
    4. Normalise so the twelve indices average 1, then × 100.

    ``first_month`` is the calendar month (1–12) of the first value. Returns ``None`` with
    fewer than ``min_months`` (default 24) months of data, or if any calendar month ends up
    with no ratio.

    References
    ----------
    Makridakis, S., Wheelwright, S. C. & Hyndman, R. J. (1998). *Forecasting: Methods and
    Applications*, 3rd ed., ch. 3 (classical decomposition).
    """
    if not 1 <= first_month <= 12:
        raise ValueError("first_month must be 1..12")
    y = np.asarray(counts, dtype=float).ravel()
    if np.any(np.isinf(y)) or np.any(y[~np.isnan(y)] < 0):
        raise ValueError("counts must be finite and non-negative (NaN for missing)")
    if int(np.sum(~np.isnan(y))) < min_months or y.size < 13:
        return None
    weights = np.array([0.5] + [1.0] * 11 + [0.5]) / 12.0
    # 'valid' convolution: trend[t] for t = 6 .. n-7; NaN in the window propagates.
    trend = np.full(y.size, np.nan)
    trend[6 : y.size - 6] = np.convolve(y, weights[::-1], mode="valid")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(trend > 0, y / trend, np.nan)
    cal = (np.arange(y.size) + first_month - 1) % 12 + 1
    raw: dict[int, float] = {}
    n_ratios: dict[int, int] = {}
    for m in range(1, 13):
        r = ratio[(cal == m) & ~np.isnan(ratio)]
        if r.size == 0:
            return None
        raw[m] = float(r.mean())
        n_ratios[m] = int(r.size)
    scale = 12.0 / sum(raw.values())
    return SeasonalIndices(
        indices={m: 100.0 * v * scale for m, v in raw.items()},
        n_ratios=n_ratios,
        n_months=int(np.sum(~np.isnan(y))),
    )
