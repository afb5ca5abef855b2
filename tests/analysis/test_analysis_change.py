"""Tests for saferplaces.analysis.change against published ptools/scipy values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from saferplaces.analysis.change import (
    e_test,
    percent_change,
    sqrt_poisson_z,
    wdd,
    wdd_harm,
)

# ---------------------------------------------------------------------------------------------
# E-test
# ---------------------------------------------------------------------------------------------


def test_e_test_ptools_readme_example():
    # ptools README.md (apwheele/ptools): `e_test(6,2)` prints `[1] 0.1748748`; it is
    # "the second example from Krishnamoorthy article" (ptools R/e_test.R examples) and the
    # ptools test "Paper rep 2" expects round(., 4) == 0.1749.
    res = e_test(6, 2)
    assert abs(res.p_value - 0.1748748) < 5e-8
    # scipy.stats.poisson_means_test (the unpooled form; identical with equal exposures)
    assert res.p_value == pytest.approx(stats.poisson_means_test(6, 1, 2, 1).pvalue, abs=1e-9)


def test_e_test_paper_example_one():
    # ptools tests/testthat/test-etest.R "Paper rep 1": e_test(0,3) == 0.0884 (tol 5e-4),
    # Krishnamoorthy & Thomson (2004) example. scipy's docstring example
    # poisson_means_test(0, 100, 3, 100) prints p = 0.08837900929018157 (its grid drops
    # the lower 1e-10 tail, hence 1e-9 agreement rather than 1e-12).
    assert e_test(0, 3).p_value == pytest.approx(0.0884, abs=5e-4)
    assert e_test(0, 3, 100, 100, statistic="unpooled").p_value == pytest.approx(
        0.08837900929018157, abs=1e-9
    )


def test_e_test_wheeler_blog_example():
    # Wheeler (2018) "Testing changes in short run crime patterns: the Poisson e-test":
    # 25 robberies this month vs 16 before gives an e-test p-value "rounded to 0.165".
    assert round(e_test(25, 16).p_value, 3) == 0.165


def test_e_test_arguments_reversed_equal():
    # ptools test "reverse arguments equal"
    assert e_test(6, 2).p_value == pytest.approx(e_test(2, 6).p_value, abs=1e-15)


def test_e_test_both_zero_and_equal_rates():
    # ptools returns -1 for (0, 0) ("not defined"); there is no evidence of change, so p = 1.
    assert e_test(0, 0).p_value == 1.0
    # Equal observed rates: T = 0, every outcome is at least as extreme.
    assert e_test(20, 10, 4, 2).p_value == 1.0
    assert e_test(20, 20).p_value == 1.0


@pytest.mark.parametrize("bad", [(-1, 3, 1, 1), (3, 2.5, 1, 1), (3, 3, 0, 1), (3, 3, 1, -2)])
def test_e_test_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        e_test(*bad)


CASES = [
    (7, 30, 1.5, 4.0),
    (50, 11, 12.0, 3.0),
    (0, 5, 3.0, 1.0),
    (12, 3, 6.0, 1.0),
    (3, 9, 2.0, 5.0),
    (100, 140, 12.0, 12.0),
    (1, 0, 1.0, 1.0),
]


@pytest.mark.parametrize(("k1", "k2", "n1", "n2"), CASES)
def test_e_test_unpooled_matches_scipy(k1, k2, n1, n2):
    # scipy.stats.poisson_means_test implements K&T (2004) eq. 3.3/3.5 with unequal exposures
    # on a truncated grid (lower tail cut at 1e-10), so agreement is to ~1e-9.
    ours = e_test(k1, k2, n1, n2, statistic="unpooled")
    ref = stats.poisson_means_test(k1, n1, k2, n2)
    assert ours.p_value == pytest.approx(ref.pvalue, abs=2e-9)
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-12)


def _unpooled_direct(k1: int, k2: int, n1: float, n2: float) -> float:
    """K&T (2004) eq. 3.5 with the eq. 3.3 pivot by brute force over a 0..199 grid, counting
    ties with a 1e-12 relative slack (the observed table must always be in the sum)."""
    lam = (k1 + k2) / (n1 + n2)
    t_obs = abs(k1 / n1 - k2 / n2) / math.sqrt(k1 / n1**2 + k2 / n2**2)
    x1, x2 = np.meshgrid(np.arange(200), np.arange(200), indexing="ij")
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.abs(x1 / n1 - x2 / n2) / np.sqrt(x1 / n1**2 + x2 / n2**2)
    keep = t >= t_obs * (1 - 1e-12)
    return float(np.sum(stats.poisson.pmf(x1, n1 * lam) * stats.poisson.pmf(x2, n2 * lam) * keep))


@pytest.mark.parametrize(
    ("k1", "k2", "n1", "n2", "scipy_p"),
    [
        (3, 0, 7.479734263891525, 5.946209859276531, 0.07534312986553864),
        (24, 36, 10.370109678503516, 10.277202748824473, 0.11212067820183566),
        (11, 27, 1.656317784749518, 5.975167845392179, 0.34295820004554584),
    ],
)
def test_e_test_unpooled_counts_ties_that_scipy_rounds_away(k1, k2, n1, n2, scipy_p):
    # Reference bug: scipy computes the observed pivot as k/n**2 but the grid pivot as
    # (x/n)/n, so with these exposures rounding drops the mirror table (0, 3) or even the
    # observed table (24, 36) / (11, 27) from its own sum. The brute-force sum with ties
    # counted agrees with ours; scipy is too small by exactly the dropped mass.
    ours = e_test(k1, k2, n1, n2, statistic="unpooled").p_value
    assert stats.poisson_means_test(k1, n1, k2, n2).pvalue == pytest.approx(scipy_p, abs=1e-9)
    assert ours == pytest.approx(_unpooled_direct(k1, k2, n1, n2), abs=1e-12)
    lam = (k1 + k2) / (n1 + n2)
    p_obs = stats.poisson.pmf(k1, n1 * lam) * stats.poisson.pmf(k2, n2 * lam)
    assert ours >= p_obs
    if (k1, k2) != (3, 0):
        assert ours - scipy_p == pytest.approx(p_obs, rel=1e-6)


def _ptools_e_test_direct(k1: int, k2: int, n1: float, n2: float) -> float:
    """Transcription of ptools R/e_test.R (d = 0): full 2-D grid up to where dpois < 1e-20.

    Ties are compared with a 1e-12 relative slack so that floating rounding in the
    two ways of computing the same pivot cannot decide membership.
    """
    lhat = (k1 + k2) / (n1 + n2)
    tk = abs(k1 / n1 - k2 / n2) / math.sqrt(lhat)
    d1, d2 = n2 * lhat, n1 * lhat
    r = max(d1, d2)
    end = math.trunc(r)
    while True:
        end += 1
        if stats.poisson.pmf(end, r) <= 1e-20:
            break
    x1, x2 = np.meshgrid(np.arange(end + 1), np.arange(end + 1), indexing="ij")
    p1 = stats.poisson.pmf(x1, d2)
    p2 = stats.poisson.pmf(x2, d1)
    rp = (x1 + x2) / (n1 + n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        tx = np.abs(x1 / n1 - x2 / n2) / np.sqrt(rp)
    keep = tx >= tk * (1 - 1e-12)  # NaN at (0, 0) compares False, as R's na.rm drops it
    return float(np.sum(p1 * p2 * keep))


@pytest.mark.parametrize(("k1", "k2", "n1", "n2"), CASES)
def test_e_test_pooled_matches_ptools_algorithm(k1, k2, n1, n2):
    # No published ptools values exist for unequal exposures, so the reference is an
    # independent direct double summation written from ptools' own R code.
    assert e_test(k1, k2, n1, n2).p_value == pytest.approx(
        _ptools_e_test_direct(k1, k2, n1, n2), abs=1e-12
    )


def test_e_test_large_counts_are_fast_and_near_normal():
    # For force-wide counts the E-test tends to the pooled score z-test.
    k1, k2, n1, n2 = 100_000, 101_000, 12.0, 12.0
    res = e_test(k1, k2, n1, n2)
    lam = (k1 + k2) / (n1 + n2)
    z = (k1 / n1 - k2 / n2) / math.sqrt(lam * (1 / n1 + 1 / n2))
    assert res.statistic == pytest.approx(z, rel=1e-12)
    assert res.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), rel=2e-2)


counts = st.integers(min_value=0, max_value=60)
exposures = st.floats(min_value=0.25, max_value=24, allow_nan=False, allow_infinity=False)


@settings(max_examples=150, deadline=None)
@example(1, 1, 0.25, 0.25000000000000006, "pooled")  # rates equal up to rounding
@given(counts, counts, exposures, exposures, st.sampled_from(["pooled", "unpooled"]))
def test_e_test_properties(k1, k2, n1, n2, statistic):
    res = e_test(k1, k2, n1, n2, statistic=statistic)
    assert 0.0 <= res.p_value <= 1.0
    if k1 + k2 > 0:
        # The observed table is always at least as extreme as itself.
        lam = (k1 + k2) / (n1 + n2)
        p_obs = stats.poisson.pmf(k1, n1 * lam) * stats.poisson.pmf(k2, n2 * lam)
        assert res.p_value >= p_obs * (1 - 1e-9)
    swapped = e_test(k2, k1, n2, n1, statistic=statistic)
    assert swapped.p_value == pytest.approx(res.p_value, abs=1e-12)
    assert swapped.statistic == pytest.approx(-res.statistic, abs=1e-12)
    # Rescaling both exposures (months -> years) does not change the test.
    rescaled = e_test(k1, k2, 12 * n1, 12 * n2, statistic=statistic)
    assert rescaled.p_value == pytest.approx(res.p_value, abs=1e-12)


# ---------------------------------------------------------------------------------------------
# Square-root Z and percent change
# ---------------------------------------------------------------------------------------------


def test_sqrt_poisson_z_wheeler_example():
    # Wheeler (2018): 2*(sqrt(25) - sqrt(16)) = 2.
    assert sqrt_poisson_z(25, 16) == 2.0


def test_sqrt_poisson_z_scales_baseline_to_current_exposure():
    # 120 crimes in 12 months before, 30 in 3 months now: exactly the expected 30 -> Z = 0.
    assert sqrt_poisson_z(30, 120, n_now=3, n_before=12) == 0.0
    # 40 now vs 120/12*3 = 30 expected: 2*(sqrt(40) - sqrt(30))
    assert sqrt_poisson_z(40, 120, 3, 12) == pytest.approx(2 * (math.sqrt(40) - math.sqrt(30)))


def test_percent_change_never_divides_by_zero():
    assert percent_change(0, 5) is None
    assert percent_change(0, 0) is None
    assert percent_change(16, 25) == pytest.approx(56.25)  # Wheeler's 0.5625
    assert percent_change(20, 10) == pytest.approx(-50.0)


# ---------------------------------------------------------------------------------------------
# WDD (values from ptools tests/testthat/test-wdd.R, CRAN version, and README.md)
# ---------------------------------------------------------------------------------------------


def test_wdd_readme_example():
    # ptools README.md: wdd(c(20,20),c(20,10)) prints
    # Est_Local -10, SE_Local 8.366600, Z -1.195229, LowCI -23.761833, HighCI 3.761833.
    r = wdd((20, 20), (20, 10))
    assert r.est_local == -10
    assert r.se_local == pytest.approx(8.366600, abs=1e-6)
    assert r.est_displace == 0 and r.se_displace == 0
    assert r.z == pytest.approx(-1.195229, abs=1e-6)
    assert r.low_ci == pytest.approx(-23.761833, abs=1e-6)
    assert r.high_ci == pytest.approx(3.761833, abs=1e-6)
    assert r.p_value == pytest.approx(2 * stats.norm.sf(1.195229), abs=1e-6)


def test_wdd_local_displacement_total():
    # ptools tests "Local -10", "Displacement -10", "Total -20".
    assert wdd((20, 20), (20, 10)).est_local == -10
    assert wdd((20, 20), (20, 20), (20, 20), (20, 10)).est_displace == -10
    assert wdd((20, 20), (20, 10), (20, 20), (20, 10)).est_total == -20


def test_wdd_paper_example():
    # ptools test "Est & Variance Paper" (Wheeler & Ratcliffe 2018 worked example):
    # total -118, SE sqrt(1568), Z -2.98 (2 dp), 95% CI -196 to -40 (rounded).
    r = wdd((308, 318), (207, 110), (150, 140), (178, 157), alpha=0.05)
    assert r.est_total == pytest.approx(-118, abs=1e-9)
    assert r.se_total == pytest.approx(math.sqrt(1568), abs=1e-9)
    assert round(r.z, 2) == -2.98
    assert round(r.low_ci) == -196 and round(r.high_ci) == -40


def test_wdd_time_weights():
    # ptools test "Time Weights" (andrewpwheeler.com 2021-01-09): -20 and sqrt(115).
    r = wdd((100, 50), (80, 20), time_weights=(2, 1), alpha=0.05)
    assert r.est_total == pytest.approx(-20, abs=1e-12)
    assert r.se_total == pytest.approx(math.sqrt(115), abs=1e-12)


def test_wdd_area_weights():
    # ptools test "Area Weights" (andrewpwheeler.com 2021-02-23).
    r = wdd(
        (308, 318), (207, 110), (150, 140), (178, 157),
        area_weights=(0.9, 1.2, 1.6, 1.5), alpha=0.05,
    )  # fmt: skip
    expected = [-99.69444444, 35.4280755, -2.813995483, -169.1321965, -30.25669241]
    got = [r.est_total, r.se_total, r.z, r.low_ci, r.high_ci]
    assert got == pytest.approx(expected, abs=1e-6)


def test_wdd_displacement_control_variance_is_additive():
    # The GitHub version of ptools wrote disp_control[2]*((1/w)^2 + disp_control[1]*...),
    # multiplying pre and post counts; the variance of Poisson counts simply adds.
    r = wdd((0, 0), (0, 0), (150, 140), (0, 0))
    assert r.se_displace == pytest.approx(math.sqrt(290))


def test_wdd_no_pre_period_matches_ptools_example():
    # ptools wdd example: wdd(c(0,20), c(0,10)); pnorm(Z)*2 ~ 0.068 (e_test(20,10) ~ 0.069).
    r = wdd((0, 20), (0, 10))
    assert round(r.p_value, 3) == 0.068
    assert round(e_test(20, 10).p_value, 3) == 0.069


def test_wdd_harm_blog_example():
    # ptools test "Cumulative Harm" (andrewpwheeler.com 2020-11-19), tolerance 1e-5 there.
    parts = [
        wdd((133, 91), (130, 74)),
        wdd((388, 305), (327, 202)),
        wdd((148, 97), (398, 190)),
        wdd((86, 64), (144, 92)),
        wdd((94, 67), (183, 96)),
    ]
    r = wdd_harm(
        [p.est_local for p in parts], [p.se_local for p in parts], [3, 2, 5, 7, 10], alpha=0.05
    )
    expected = [-1721.00000000, 304.10360077, -5.65925558, -2317.03210507, -1124.96789493]
    assert [r.estimate, r.se, r.z, r.low_ci, r.high_ci] == pytest.approx(expected, abs=1e-6)
    assert r.p_value == pytest.approx(2 * stats.norm.sf(5.65925558), rel=1e-6)


def test_wdd_rejects_bad_input():
    with pytest.raises(ValueError):
        wdd((1, 2, 3), (1, 2))
    with pytest.raises(ValueError):
        wdd((1, 2), (1, 2), time_weights=(0, 1))
    with pytest.raises(ValueError):
        wdd((1, -2), (1, 2))
