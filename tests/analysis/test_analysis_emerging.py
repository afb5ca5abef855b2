"""Tests for saferplaces.analysis.emerging (hand-derived; no published values exist)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saferplaces.analysis.emerging import (
    cusum_reference_value,
    poisson_control_limits,
    poisson_cusum,
)


def _poisson_cdf(y: int, mu: float) -> float:
    if y < 0:
        return 0.0
    term = total = math.exp(-mu)
    for i in range(1, y + 1):
        term *= mu / i
        total += term
    return total


def test_control_limit_hand_derived():
    # Twelve months of 10, then 25 and 17. Baseline for month 12 is 10.
    # Upper limit at alpha = 0.01: smallest u with P(X <= u | 10) >= 0.99 is 18
    # (F(17) = 0.98572, F(18) = 0.99281), so 25 signals and 17 (baseline still 10) does not.
    series = [10] * 12 + [25, 17]
    res = poisson_control_limits(series, window=12, alpha=0.01)
    assert _poisson_cdf(17, 10) < 0.99 <= _poisson_cdf(18, 10)
    assert np.all(np.isnan(res.baseline[:12]))
    assert res.baseline[12] == 10 and res.upper[12] == 18
    assert res.p_value[12] == pytest.approx(1 - _poisson_cdf(24, 10), rel=1e-9)
    # Month 13's window is months 1..12 (eleven 10s and the 25): mean 135/12 = 11.25.
    assert res.baseline[13] == pytest.approx(11.25)
    assert res.signal_months == [12]


def test_control_limits_skip_missing_months():
    # City of London style gap: NaN months are skipped, not read as zero.
    series = [10.0] * 6 + [np.nan] * 3 + [10.0] * 6 + [30.0]
    res = poisson_control_limits(series, window=12)
    assert np.isnan(res.baseline[6:9]).all() and not res.signal[6:9].any()
    assert res.baseline[15] == 10  # the 12 months with data before it, across the gap
    assert res.signal_months == [15]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 60), min_size=4, max_size=30),
    st.integers(1, 6),
    st.sampled_from([0.05, 0.01, 0.001]),
)
def test_control_limit_signal_iff_p_below_alpha(series, window, alpha):
    res = poisson_control_limits(series, window=window, alpha=alpha)
    ok = ~np.isnan(res.p_value)
    np.testing.assert_array_equal(res.signal[ok], res.p_value[ok] <= alpha + 1e-15)


def test_cusum_reference_value():
    # Lucas (1985): k = (mu1 - mu0) / (ln mu1 - ln mu0); for 4 -> 8 that is 4 / ln 2.
    assert cusum_reference_value(4, 8) == pytest.approx(4 / math.log(2), rel=1e-15)
    with pytest.raises(ValueError):
        cusum_reference_value(8, 4)


def test_cusum_hand_iterated():
    k = 4 / math.log(2)  # 5.770780...
    counts = [5, 9, 12, 4, 10]
    # S1 = max(0, 5 - k) = 0; S2 = 9 - k = 3.2292; S3 = S2 + 12 - k = 9.4584 >= 6: signal,
    # reset to 0; S4 = max(0, 4 - k) = 0; S5 = 10 - k = 4.2292.
    res = poisson_cusum(counts, mu0=4, mu1=8, h=6)
    expected = [0, 9 - k, 9 - k + 12 - k, 0, 10 - k]
    np.testing.assert_allclose(res.statistic, expected, rtol=1e-12, atol=1e-12)
    assert res.signal_months == [2]
    # Without a reset the sum keeps going: S4 = 9.4584 + 4 - k, S5 = S4 + 10 - k.
    nr = poisson_cusum(counts, mu0=4, mu1=8, h=6, reset=False)
    s3 = 9 - k + 12 - k
    np.testing.assert_allclose(nr.statistic[3:], [s3 + 4 - k, s3 + 4 - k + 10 - k], rtol=1e-12)
    assert nr.signal_months == [2, 3, 4]


def test_cusum_head_start_and_missing():
    k = cusum_reference_value(4, 8)
    res = poisson_cusum([7, np.nan, 7], mu0=4, mu1=8, h=10, head_start=5)
    assert res.statistic[0] == pytest.approx(5 + 7 - k)
    assert math.isnan(res.statistic[1]) and not res.signal[1]
    assert res.statistic[2] == pytest.approx(5 + 2 * (7 - k))
    with pytest.raises(ValueError):
        poisson_cusum([1, 2], mu0=4, mu1=8, h=5, head_start=5)


def test_cusum_stays_quiet_in_control_and_catches_a_shift():
    rng = np.random.default_rng(1)
    calm = rng.poisson(20, 36)
    shifted = np.concatenate([calm, rng.poisson(30, 6)])
    # k = 10 / ln(1.5) = 24.66; with h = 12 the in-control chart rarely signals.
    assert poisson_cusum(calm, mu0=20, mu1=30, h=12).signal_months == []
    assert any(m >= 36 for m in poisson_cusum(shifted, mu0=20, mu1=30, h=12).signal_months)
