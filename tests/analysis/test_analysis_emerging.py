"""Tests for saferplaces.analysis.emerging (hand-derived; no published values exist)."""

from __future__ import annotations

import csv
import gzip
import math
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saferplaces.analysis.emerging import (
    cusum_reference_value,
    emerging_issues,
    excess_p_values,
    latest_consecutive_run,
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


# --- emerging issues across many series, false discovery rate controlled -----------------------


def _months(start: date, n: int) -> list[date]:
    out = [start]
    while len(out) < n:
        d = out[-1]
        out.append(date(d.year + d.month // 12, d.month % 12 + 1, 1))
    return out


def test_latest_consecutive_run_never_joins_a_gap():
    months = _months(date(2024, 1, 1), 4) + _months(date(2025, 1, 1), 12)
    assert latest_consecutive_run(months) == _months(date(2025, 1, 1), 12)
    assert latest_consecutive_run([date(2025, 3, 1)]) == [date(2025, 3, 1)]
    assert latest_consecutive_run([]) == []


def test_excess_p_value_hand_computed():
    # 10 in 3 recent months against 15 in 9 baseline months: N = 25, share 3/12 = 0.25.
    expected = sum(math.comb(25, x) * 0.25**x * 0.75 ** (25 - x) for x in range(10, 26))
    p = excess_p_values([10, 0, 4], [15, 0, 0], 3, 9)
    assert p[0] == pytest.approx(expected, rel=1e-12)
    assert p[1] == 1.0  # no records at all: no evidence
    assert p[2] == pytest.approx(0.25**4, rel=1e-12)  # all 4 records in the recent months


def test_too_short_history_says_what_is_needed():
    months = _months(date(2024, 1, 1), 4) + _months(date(2025, 1, 1), 6)
    scan = emerging_issues({"a": dict.fromkeys(months, 5)}, months)
    assert scan.flags == () and scan.tested == 0
    assert scan.reason == (
        "Emerging issues need at least 9 consecutive months of data (6 to set the expected "
        "level and 3 to test); the data has 6 (January–June 2025); the months before are not "
        "consecutive (April 2024 is followed by January 2025)."
    )
    assert scan.statement == scan.reason
    assert emerging_issues({}, []).reason.endswith("the data has none.")


def test_flags_ranked_with_evidence_and_never_capped():
    months = _months(date(2025, 1, 1), 12)
    series = {f"rising {i:02d}": {d: (8 if d < date(2025, 10, 1) else 30) for d in months}
              for i in range(40)}  # fmt: skip
    series["steady"] = dict.fromkeys(months, 8)
    series["small rise"] = {d: (8 if d < date(2025, 10, 1) else 14) for d in months}
    scan = emerging_issues(series, months)
    assert scan.recent_months == tuple(months[-3:]) and scan.baseline_months == tuple(months[:9])
    assert len(scan.flags) == 41 and scan.tested == 42
    shown, total = scan.shown(25)
    assert len(shown) == 25 and total == 41
    top = scan.flags[0]
    assert top.observed == 90 and top.expected == 24.0 and top.ratio == 3.75
    assert top.recent == (30, 30, 30) and top.baseline_mean == 8.0
    assert scan.flags[-1].key == "small rise" and scan.flags[-1].q_value > top.q_value
    assert "steady" not in {f.key for f in scan.flags}
    assert scan.expected_false_alarms == pytest.approx(4.1)
    assert scan.statement.startswith(
        "41 of 42 series were higher in October–December 2025 than the 9 months before "
        "(January–September 2025) can explain by chance. The list is set so that no more than "
        "10% of what it shows is expected to be chance: about 4 of these 41."
    )


def _old_rule_flags(values: np.ndarray) -> tuple[bool, int]:
    """The engine's rule before: 99% limit or CUSUM h = 4 in any of the last 3 months.

    Returns (counted, flags): counted when some month had an expected level of at least 1,
    flags the number of the last 3 months flagged."""
    limits = poisson_control_limits(values, window=12, alpha=0.01)
    counted, flagged = False, 0
    for i in range(values.size - 3, values.size):
        e = limits.baseline[i]
        if not np.isfinite(e) or e < 1:
            continue
        counted = True
        cus = poisson_cusum(values[: i + 1], mu0=e, mu1=e * 1.5, h=4.0)
        flagged += bool(limits.signal[i] or cus.signal[-1])
    return counted, flagged


def _means(rng: np.random.Generator, n: int = 105) -> np.ndarray:
    # Ward-by-category monthly means are mostly small with a long tail (area totals).
    return np.clip(rng.lognormal(math.log(3.0), 1.2, n), 0.3, 200.0)


def test_old_rule_raises_false_alarms_on_unchanged_series():
    rng = np.random.default_rng(20251205)
    rates = []
    for _ in range(60):
        mu = _means(rng)
        data = rng.poisson(mu[:, None], (mu.size, 15)).astype(float)
        res = [_old_rule_flags(row) for row in data]
        counted = sum(c for c, _ in res)
        rates.append(sum(f > 0 for _, f in res) / counted)
    # Measured: about 9% of unchanged series flagged (105 series: about 9 false alarms a run).
    assert 0.06 <= float(np.mean(rates)) <= 0.13


@pytest.mark.parametrize("n_months", [15, 12])  # 12- and 9-month baselines (Tamworth: 9)
def test_false_alarm_rate_holds_on_unchanged_series(n_months):
    rng = np.random.default_rng(9)
    months = _months(date(2024, 10, 1), n_months)
    reps, any_flag, flags = 400, 0, 0
    for _ in range(reps):
        mu = _means(rng)
        data = rng.poisson(mu[:, None], (mu.size, len(months)))
        series = {i: dict(zip(months, row.tolist(), strict=True)) for i, row in enumerate(data)}
        scan = emerging_issues(series, months, fdr=0.1)
        any_flag += bool(scan.flags)
        flags += len(scan.flags)
    # With nothing changed every flag is false, so the FDR is the chance of any flag: <= 10%.
    # Measured over 2,000 runs: 7.2% (12-month baseline), 6.0% (9 months); 0.06–0.08 false
    # flags a run, against about 9 a run for the old rule on the same kind of series.
    assert any_flag / reps <= 0.10
    assert flags / reps <= 0.15


def test_a_real_rise_is_found_among_unchanged_series():
    rng = np.random.default_rng(11)
    months = _months(date(2025, 1, 1), 12)
    found = 0
    for _ in range(100):
        mu = _means(rng, 104)
        data = rng.poisson(mu[:, None], (104, 12))
        series = {i: dict(zip(months, row.tolist(), strict=True)) for i, row in enumerate(data)}
        rise = np.concatenate([rng.poisson(10, 9), rng.poisson(25, 3)])
        series["rise"] = dict(zip(months, rise.tolist(), strict=True))
        found += "rise" in {f.key for f in emerging_issues(series, months).flags}
    assert found >= 90


@pytest.fixture(scope="module")
def tamworth_series(shared_data) -> tuple[dict, list[date]]:
    """(ward or Tamworth, category) -> month -> count, from the raw Staffordshire files."""
    data = Path(__file__).resolve().parents[2] / "src" / "saferplaces" / "data"
    wards = {r["lsoa21_code"]: r["ward_code"]
             for r in pq.read_table(data / "lsoa21.parquet").to_pylist()
             if r["csp_code"] == "E22000271"}  # fmt: skip
    series: dict = defaultdict(lambda: defaultdict(int))
    months = []
    for f in sorted((shared_data / "police_uk" / "staffordshire").glob("*-street.csv.gz")):
        d = date(int(f.name[:4]), int(f.name[5:7]), 1)
        months.append(d)
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                ward = wards.get(row["LSOA code"])
                if ward:
                    series[(ward, row["Crime type"])][d] += 1
                    series[("E22000271", row["Crime type"])][d] += 1
    return series, months


def test_tamworth_old_rule_reproduces_nine_flags(tamworth_series):
    series, months = tamworth_series
    assert len(months) == 16  # Jan–Apr 2024 and Jan–Dec 2025, joined as if consecutive
    res = [_old_rule_flags(np.array([s.get(d, 0) for d in months], float)) for s in series.values()]
    assert sum(c for c, _ in res) == 105
    assert sum(f for _, f in res) == 9 and sum(f > 0 for _, f in res) == 7  # 9 flags, 7 series


def test_tamworth_new_detector(tamworth_series):
    series, months = tamworth_series
    scan = emerging_issues(series, months)
    # Only 2025 is consecutive: October–December tested against January–September.
    assert scan.recent_months == tuple(_months(date(2025, 10, 1), 3))
    assert scan.baseline_months == tuple(_months(date(2025, 1, 1), 9))
    assert len(series) == 147 and scan.tested == 141 and scan.not_testable == 6
    assert scan.flags == ()
    assert scan.statement == (
        "None of 141 series was higher in October–December 2025 than the 9 months before "
        "(January–September 2025) can explain by chance."
    )
