"""Tests for saferplaces.analysis.rates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from esda.smoothing import Empirical_Bayes
from hypothesis import given, settings
from hypothesis import strategies as st

from saferplaces.analysis.rates import (
    empirical_bayes_rates,
    funnel_flags,
    funnel_limits,
    poisson_interval,
    rate_per_1000,
)

# ---------------------------------------------------------------------------------------------
# Exact Poisson interval
# ---------------------------------------------------------------------------------------------


def test_garwood_interval_published_values():
    # R survival::cipoisson documentation: cipoisson(4) -> lower 1.089865, upper 10.24153.
    lo, hi = poisson_interval([4])
    assert lo[0] == pytest.approx(1.089865, abs=5e-7)
    # The documented upper 10.24153 is 6e-5 short of the exact limit: at 10.24153,
    # P(X <= 4) = 0.0250010, not 0.025. Garwood's limits are defined by the two tail
    # equations, checked here with an independent pmf summation:
    assert hi[0] == pytest.approx(10.24153, abs=1e-4)
    assert _poisson_cdf(4, hi[0]) == pytest.approx(0.025, abs=1e-12)
    assert 1 - _poisson_cdf(3, lo[0]) == pytest.approx(0.025, abs=1e-12)
    # epitools::pois.exact documentation: for x = 0 the upper limit is 3.689 ...
    lo0, hi0 = poisson_interval([0])
    assert lo0[0] == 0.0
    assert round(hi0[0], 3) == 3.689
    # ... which is exactly -ln(0.025), since P(X = 0 | mu) = exp(-mu) = 0.025.
    assert hi0[0] == pytest.approx(-math.log(0.025), abs=1e-12)
    # k = 1: lower limit solves P(X >= 1) = 1 - exp(-mu) = 0.025.
    lo1, _ = poisson_interval([1])
    assert lo1[0] == pytest.approx(-math.log(0.975), abs=1e-12)


def test_rate_per_1000_scales_the_count_interval():
    r = rate_per_1000([15, 0, 3], [3000, 1200, 0])
    lo, hi = poisson_interval([15, 0, 3])
    assert r.rate[0] == pytest.approx(5.0)
    assert r.lower[0] == pytest.approx(lo[0] / 3)
    assert r.upper[1] == pytest.approx(hi[1] / 1.2)
    assert math.isnan(r.rate[2]) and math.isnan(r.upper[2])  # no population, no rate


# ---------------------------------------------------------------------------------------------
# Empirical Bayes (Marshall 1991)
# ---------------------------------------------------------------------------------------------


def test_empirical_bayes_hand_derived():
    # counts O = (2, 10, 30), population n = (1000, 2000, 3000)
    # m   = 42 / 6000 = 0.007;  raw r = (0.002, 0.005, 0.010)
    # s^2 = [1000*0.005^2 + 2000*0.002^2 + 3000*0.003^2] / 6000
    #     = (0.025 + 0.008 + 0.027) / 6000 = 1e-5
    # nbar = 2000, m / nbar = 3.5e-6  ->  A = 1e-5 - 3.5e-6 = 6.5e-6
    # m / n_i = (7e-6, 3.5e-6, 7e-6/3)
    # C_i = A / (A + m/n_i) = (6.5/13.5, 6.5/10, 6.5/(6.5 + 7/3)) = (13/27, 0.65, 39/53)
    # EB_i = m + C_i (r_i - m) = (0.007 - 0.005*13/27, 0.007 - 0.002*0.65, 0.007 + 0.003*39/53)
    res = empirical_bayes_rates([2, 10, 30], [1000, 2000, 3000])
    assert res.global_rate == pytest.approx(0.007, abs=1e-15)
    assert res.between_variance == pytest.approx(6.5e-6, abs=1e-15)
    assert res.shrinkage == pytest.approx([13 / 27, 0.65, 39 / 53], abs=1e-12)
    expected = [0.007 - 0.005 * 13 / 27, 0.007 - 0.002 * 0.65, 0.007 + 0.003 * 39 / 53]
    assert res.smoothed == pytest.approx(expected, abs=1e-15)


def test_empirical_bayes_clamps_negative_between_variance():
    # O = (4, 6), n = (1000, 1000): m = 0.005, r = (0.004, 0.006)
    # s^2 = (1000*1e-6 + 1000*1e-6) / 2000 = 1e-6;  m / nbar = 5e-6
    # A_raw = 1e-6 - 5e-6 = -4e-6 < 0  ->  A = 0, every area shrinks to m = 0.005.
    res = empirical_bayes_rates([4, 6], [1000, 1000])
    assert res.between_variance_raw == pytest.approx(-4e-6, abs=1e-15)
    assert res.between_variance == 0.0
    assert res.smoothed == pytest.approx([0.005, 0.005], abs=1e-15)
    assert np.all(res.shrinkage == 0)
    # PySAL esda does not clamp: weight = -4e-6 / (-4e-6 + 5e-6) = -4, so area 1 is pushed
    # *away* from m to -4*0.004 + 5*0.005 = 0.009. That is the reference bug we avoid.
    esda_r = Empirical_Bayes(np.array([4, 6]), np.array([1000, 1000])).r.ravel()
    assert esda_r[0] == pytest.approx(0.009, abs=1e-12)


def test_empirical_bayes_matches_esda_when_variance_positive():
    rng = np.random.default_rng(7)
    pop = rng.integers(800, 3000, size=200).astype(float)
    true_rate = rng.gamma(shape=4.0, scale=0.01 / 4.0, size=200)
    counts = rng.poisson(true_rate * pop)
    res = empirical_bayes_rates(counts, pop)
    assert res.between_variance_raw > 0
    ref = Empirical_Bayes(counts, pop).r.ravel()
    assert res.smoothed == pytest.approx(ref, rel=1e-12)


def test_empirical_bayes_zero_population_area():
    res = empirical_bayes_rates([2, 10, 0, 30], [1000, 2000, 0, 3000])
    assert math.isnan(res.smoothed[2])
    assert res.smoothed[[0, 1, 3]] == pytest.approx(
        empirical_bayes_rates([2, 10, 30], [1000, 2000, 3000]).smoothed
    )
    with pytest.raises(ValueError):
        empirical_bayes_rates([1, 2], [0, 100])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 200), st.integers(50, 5000)), min_size=2, max_size=40))
def test_empirical_bayes_lies_between_raw_and_global(rows):
    counts = [c for c, _ in rows]
    pops = [p for _, p in rows]
    res = empirical_bayes_rates(counts, pops)
    m = res.global_rate
    lo = np.minimum(res.raw, m) - 1e-15
    hi = np.maximum(res.raw, m) + 1e-15
    assert np.all((res.smoothed >= lo) & (res.smoothed <= hi))
    assert np.all((res.shrinkage >= 0) & (res.shrinkage <= 1))


# ---------------------------------------------------------------------------------------------
# Funnel plot (Spiegelhalter 2005)
# ---------------------------------------------------------------------------------------------


def _poisson_cdf(y: int, mu: float) -> float:
    """P(X <= y) by direct summation of the pmf (independent of scipy)."""
    if y < 0:
        return 0.0
    term = math.exp(-mu)
    total = term
    for i in range(1, y + 1):
        term *= mu / i
        total += term
    return total


def _spiegelhalter_limit(expected: float, p: float) -> float:
    y = 0
    while _poisson_cdf(y, expected) < p:
        y += 1
    f_y, f_below = _poisson_cdf(y, expected), _poisson_cdf(y - 1, expected)
    alpha = (f_y - p) / (f_y - f_below)
    return y - alpha


def test_funnel_limits_hand_derived():
    # Target 10 per 1,000, population 1,000: expected count E = 10. The 97.5% quantile of
    # Poisson(10) is 17 (F(16) = 0.97296, F(17) = 0.98572), so the limit is
    # 17 - (F(17) - 0.975) / (F(17) - F(16)) counts, / 1,000 people, x 1,000.
    f16, f17 = _poisson_cdf(16, 10.0), _poisson_cdf(17, 10.0)
    upper95 = 17 - (f17 - 0.975) / (f17 - f16)
    lim = funnel_limits([1000.0], target_rate=0.01)
    assert lim.upper95[0] == pytest.approx(upper95, abs=1e-9)
    for attr, p in [("lower95", 0.025), ("lower998", 0.001), ("upper998", 0.999)]:
        assert getattr(lim, attr)[0] == pytest.approx(_spiegelhalter_limit(10.0, p), abs=1e-9)


def test_funnel_limits_narrow_with_population():
    pops = np.array([200, 500, 1000, 2000, 5000, 20000, 100000], dtype=float)
    lim = funnel_limits(pops, target_rate=0.02)
    target = 20.0  # per 1,000
    assert np.all(lim.lower998 <= lim.lower95) and np.all(lim.lower95 <= target)
    assert np.all(lim.upper998 >= lim.upper95) and np.all(lim.upper95 >= target)
    width = lim.upper998 - lim.lower998
    assert np.all(np.diff(width) < 0)


def test_funnel_flags():
    pops = [1000, 1000, 1000, 50000, 0]
    counts = [40, 10, 0, 1000, 0]  # target is set explicitly to 20 per 1,000
    flags = funnel_flags(counts, pops, target_rate=0.02, level=0.998)
    # 40 vs expected 20: P(X >= 40 | 20) ~ 9e-5 -> above; 10 vs 20 is within 99.8%;
    # 0 vs 20 -> below; 1,000 vs 1,000 -> within; no population -> flagged as such.
    assert list(flags) == ["above", "within", "below", "within", "no population"]
    # At 95%, 10 against an expected 20 is below: P(X <= 10 | 20) = 0.0108 < 0.025, and the
    # interpolated lower limit (about 11.2) is above 10.
    assert _poisson_cdf(10, 20.0) < 0.025
    assert _spiegelhalter_limit(20.0, 0.025) > 10
    assert funnel_flags([10], [1000], target_rate=0.02, level=0.95)[0] == "below"


def test_funnel_flags_default_target_is_overall_rate():
    counts = [12, 8, 10, 30]
    pops = [1000, 1000, 1000, 1000]
    assert list(funnel_flags(counts, pops)) == list(
        funnel_flags(counts, pops, target_rate=60 / 4000)
    )
