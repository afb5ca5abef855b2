"""Tests for saferplaces.analysis.timeseries."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats

from saferplaces.analysis.timeseries import linear_trend, poisson_trend, seasonal_indices


def test_linear_trend_hand_computed():
    y = np.array([12, 15, 13, 18, 17, 21, 20, 24], dtype=float)
    t = np.arange(8.0)
    res = linear_trend(y)
    # Least squares by hand: slope = Sxy / Sxx, t-test on n - 2 df.
    sxx = np.sum((t - t.mean()) ** 2)
    slope = np.sum((t - t.mean()) * (y - y.mean())) / sxx
    resid = y - (y.mean() + slope * (t - t.mean()))
    se = math.sqrt(np.sum(resid**2) / 6 / sxx)
    p = 2 * stats.t.sf(abs(slope / se), df=6)
    assert res.slope_per_month == pytest.approx(slope, rel=1e-12)
    assert res.p_value == pytest.approx(p, rel=1e-9)
    assert res.n_months == 8


def test_trend_insufficient_data_returns_none():
    assert linear_trend([3, 4, 5]) is None
    assert poisson_trend([3, 4, 5, 6, 7]) is None  # 5 < 6 months
    assert poisson_trend([0] * 12) is None  # nothing happened
    assert poisson_trend([0] * 11 + [5]) is None  # no finite maximum-likelihood slope
    assert linear_trend([np.nan] * 10 + [1, 2]) is None  # only two months with data


def _poisson_mle(y: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, float]:
    """Independent fit: minimise the Poisson negative log-likelihood with BFGS, and the
    standard error of the slope from a finite-difference Hessian."""

    def nll(b):
        eta = b[0] + b[1] * t
        return float(np.sum(np.exp(eta) - y * eta))

    fit = optimize.minimize(nll, x0=[math.log(y.mean()), 0.0], method="BFGS", tol=1e-12)
    eps = 1e-4
    hess = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            e_i, e_j = np.eye(2)[i] * eps, np.eye(2)[j] * eps
            hess[i, j] = (
                nll(fit.x + e_i + e_j) - nll(fit.x + e_i - e_j)
                - nll(fit.x - e_i + e_j) + nll(fit.x - e_i - e_j)
            ) / (4 * eps * eps)  # fmt: skip
    return fit.x, math.sqrt(np.linalg.inv(hess)[1, 1])


def test_poisson_trend_matches_independent_mle():
    y = np.array([20, 22, 19, 25, 27, 24, 30, 29, 33, 31, 36, 35], dtype=float)
    t = np.arange(12.0)
    res = poisson_trend(y)
    beta, se = _poisson_mle(y, t)
    assert res.log_slope == pytest.approx(beta[1], abs=1e-6)
    assert res.rate_ratio_per_month == pytest.approx(math.exp(beta[1]), abs=1e-6)
    # This series is under-dispersed (phi < 1), so the plain Wald test applies.
    assert res.dispersion < 1
    assert res.se_log_slope == pytest.approx(se, rel=1e-4)
    assert res.p_value == pytest.approx(2 * stats.norm.sf(abs(beta[1] / se)), rel=1e-3)
    # Slope in counts per month at the series midpoint: b * mu(t = 5.5).
    mid = math.exp(beta[0] + beta[1] * 5.5)
    assert res.slope_per_month == pytest.approx(beta[1] * mid, rel=1e-5)


def test_poisson_trend_quasi_adjusts_overdispersion():
    y = np.array([5, 40, 8, 35, 10, 50, 12, 45, 15, 60, 14, 55], dtype=float)
    res = poisson_trend(y)
    t = np.arange(12.0)
    beta, se = _poisson_mle(y, t)
    fitted = np.exp(beta[0] + beta[1] * t)
    phi = float(np.sum((y - fitted) ** 2 / fitted) / 10)
    assert res.dispersion == pytest.approx(phi, rel=1e-5)
    assert res.dispersion > 1
    assert res.se_log_slope == pytest.approx(se * math.sqrt(phi), rel=1e-4)
    assert res.p_value > res.p_value_poisson
    assert res.p_value == pytest.approx(
        2 * stats.t.sf(abs(beta[1]) / (se * math.sqrt(phi)), df=10), rel=1e-3
    )


def test_poisson_trend_ignores_missing_months():
    y = [20, 22, np.nan, np.nan, np.nan, 25, 27, 24, 30, 29]
    res = poisson_trend(y)
    t = np.array([0, 1, 5, 6, 7, 8, 9], dtype=float)
    beta, _ = _poisson_mle(np.array([20, 22, 25, 27, 24, 30, 29], dtype=float), t)
    assert res.log_slope == pytest.approx(beta[1], abs=1e-6)
    assert res.n_months == 7


SEASON = np.array([0.8, 0.85, 0.95, 1.0, 1.1, 1.2, 1.25, 1.15, 1.0, 0.95, 0.9, 0.85])


def test_seasonal_indices_recover_a_known_pattern():
    # Constant level x seasonal pattern: the 2x12 moving average is exactly the level, so
    # every ratio is the season factor and the indices are 100 x SEASON / mean(SEASON).
    y = 120 * np.tile(SEASON, 3)
    res = seasonal_indices(y, first_month=1)
    expected = 100 * SEASON / SEASON.mean()
    assert [res.indices[m] for m in range(1, 13)] == pytest.approx(expected, abs=1e-9)
    assert sum(res.indices.values()) == pytest.approx(1200, abs=1e-9)
    assert set(res.n_ratios.values()) == {2}  # 36 months: 24 moving averages, 2 per month


def test_seasonal_indices_align_to_calendar_month():
    # The same series starting in April: index for calendar month m is SEASON[m-1] again.
    shifted = 120 * np.tile(np.roll(SEASON, -3), 3)  # first value is April's factor
    res = seasonal_indices(shifted, first_month=4)
    expected = 100 * SEASON / SEASON.mean()
    assert [res.indices[m] for m in range(1, 13)] == pytest.approx(expected, abs=1e-9)


def test_seasonal_indices_hand_derived_two_years():
    # 24 months: the MA exists for months 7..18 (1-based), one ratio per calendar month.
    # Year 1 is 10 a month and year 2 is 20, so e.g. July of year 1 has
    # MA = (10/2 + 10*11 + 20/2) / 12 = 125/12 and ratio 10 / (125/12) = 0.96.
    y = np.array([10.0] * 12 + [20.0] * 12)
    res = seasonal_indices(y, first_month=1)
    w = np.array([0.5] + [1.0] * 11 + [0.5]) / 12
    ratios = {}
    for t in range(6, 18):
        ma = float(np.dot(w, y[t - 6 : t + 7]))
        ratios[t % 12 + 1] = y[t] / ma
    assert ratios[7] == pytest.approx(0.96, abs=1e-12)
    scale = 12 / sum(ratios.values())
    for m in range(1, 13):
        assert res.indices[m] == pytest.approx(100 * ratios[m] * scale, abs=1e-9)


def test_seasonality_needs_24_months_and_handles_gaps():
    assert seasonal_indices(np.ones(23), first_month=1) is None
    y = 120 * np.tile(SEASON, 3)
    # One missing month (July of year 3) removes the 13 moving averages whose window holds
    # it; those left (months 7..24) still give every calendar month a ratio.
    y[30] = np.nan
    res = seasonal_indices(y, first_month=1)
    assert res is not None and res.n_months == 35
    assert res.n_ratios[1] == 1 and res.n_ratios[7] == 2
    expected = 100 * SEASON / SEASON.mean()
    assert [res.indices[m] for m in range(1, 13)] == pytest.approx(expected, abs=1e-9)
    # A missing June in both year 1 and year 2 leaves July-December with no ratio at all:
    # insufficient data, not a guess.
    y2 = 120 * np.tile(SEASON, 3)
    y2[[5, 17]] = np.nan
    assert seasonal_indices(y2, first_month=1) is None
    with pytest.raises(ValueError):
        seasonal_indices(y, first_month=13)
