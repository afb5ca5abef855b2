"""Has crime changed? Tests for two counts, and for a place-based intervention.

Partnerships compare "this period" with "last period" all the time, and a bare percentage is
the wrong tool (it explodes on small bases and says nothing about chance). The functions here
give the published alternatives:

* :func:`e_test` — the Poisson E-test for two counts over exposures of any length
  (Krishnamoorthy & Thomson 2004), matching the R package ptools ``e_test`` (Wheeler).
* :func:`sqrt_poisson_z` — the square-root Poisson Z, a quick screen (Wheeler 2018).
* :func:`wdd` / :func:`wdd_harm` — the Weighted Displacement Difference test
  (Wheeler & Ratcliffe 2018), matching ptools ``wdd`` / ``wdd_harm``.
* :func:`seasonally_adjusted_change` — a whole period against a partial baseline, scaled by
  a seasonal share estimated from complete years, with that estimate's error propagated.
* :func:`percent_change` — only for labelling, and never dividing by zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

__all__ = [
    "ETestResult",
    "SeasonalChangeResult",
    "WDDHarmResult",
    "WDDResult",
    "e_test",
    "percent_change",
    "seasonally_adjusted_change",
    "sqrt_poisson_z",
    "wdd",
    "wdd_harm",
]


@dataclass(frozen=True)
class ETestResult:
    """Result of :func:`e_test`.

    Attributes
    ----------
    statistic : float
        The observed pivot ``T(k1, k2)`` (signed: positive when rate 1 > rate 2).
    p_value : float
        Two-sided p-value of H0: ``k1/n1 == k2/n2``.
    rate1, rate2 : float
        The observed rates ``k1/n1`` and ``k2/n2``.
    """

    statistic: float
    p_value: float
    rate1: float
    rate2: float


def _as_count(k: float, name: str) -> int:
    if not math.isfinite(k) or k < 0 or k != math.floor(k):
        raise ValueError(f"{name} must be a non-negative whole number, got {k!r}")
    return int(k)


def _as_exposure(n: float, name: str) -> float:
    if not math.isfinite(n) or n <= 0:
        raise ValueError(f"{name} must be a positive number, got {n!r}")
    return float(n)


def e_test(
    k1: float,
    k2: float,
    n1: float = 1.0,
    n2: float = 1.0,
    *,
    statistic: Literal["pooled", "unpooled"] = "pooled",
) -> ETestResult:
    r"""Poisson E-test of two counts with exposures, two-sided.

    ``k1 ~ Poisson(n1·λ1)`` and ``k2 ~ Poisson(n2·λ2)``; H0: ``λ1 = λ2``. ``n1``/``n2`` are the
    exposures, e.g. months in each period (12 months before vs 3 months now), area, or
    population, so periods of different lengths compare as rates.

    Under H0 the common rate is estimated as :math:`\hat\lambda = (k_1+k_2)/(n_1+n_2)` and the
    p-value is the exact double sum (Krishnamoorthy & Thomson 2004, eq. 3.5)

    .. math::

        p = \sum_{x_1\ge 0}\sum_{x_2\ge 0} \mathrm{Pois}(x_1; n_1\hat\lambda)\,
            \mathrm{Pois}(x_2; n_2\hat\lambda)\;
            I\big(|T(x_1,x_2)| \ge |T(k_1,k_2)|\big)

    with pivot :math:`T(x_1,x_2) = (x_1/n_1 - x_2/n_2)/\sqrt{V}`, where

    * ``statistic="pooled"`` (default, as ptools ``e_test``):
      :math:`V = \frac{x_1+x_2}{n_1+n_2}\,(1/n_1 + 1/n_2)` — the score statistic;
    * ``statistic="unpooled"`` (K&T 2004 eq. 3.3, K. Krishnamoorthy's Fortran, and
      ``scipy.stats.poisson_means_test``): :math:`V = x_1/n_1^2 + x_2/n_2^2`.

    With equal exposures the two are the same test. The point ``(0, 0)`` has an undefined
    pivot; like ptools and the Fortran original it is left out of the sum unless the observed
    rates are equal, when ``p = 1`` (ptools would return ``1 - P(0,0)`` there).

    Ties ``|T(x)| = |T(k)|`` — always including the observed table itself — are counted with
    a relative slack of 1e-9 on the boundary. ``scipy.stats.poisson_means_test`` computes the
    observed pivot as ``k/n²`` and the grid pivot as ``(x/n)/n``, so with unequal exposures
    rounding can drop tied tables, even the observed one, from its sum and make its p-value
    too small (e.g. 0.0753 instead of 0.0948 for ``k = (3, 0)``, ``n = (7.4797, 5.9462)``).

    The sum is evaluated exactly rather than on a truncated 2-D grid: for each ``x1`` the
    rejection region in ``x2`` is the outside of the two roots of a quadratic, so each row is
    two Poisson CDF calls. That keeps force-wide counts (10^5 crimes) cheap and avoids
    ptools' memory blow-up for large ``k``.

    References
    ----------
    Krishnamoorthy, K. & Thomson, J. (2004). A more powerful test for comparing two Poisson
    means. *Journal of Statistical Planning and Inference* 119(1), 23–35.
    Wheeler, A. P. ptools: Tools for Poisson Data, ``e_test`` (CRAN).
    """
    k1i = _as_count(k1, "k1")
    k2i = _as_count(k2, "k2")
    n1f = _as_exposure(n1, "n1")
    n2f = _as_exposure(n2, "n2")
    if statistic not in ("pooled", "unpooled"):
        raise ValueError("statistic must be 'pooled' or 'unpooled'")
    r1, r2 = k1i / n1f, k2i / n2f
    if k1i == 0 and k2i == 0:
        # No events at all: there is no evidence of any difference.
        return ETestResult(statistic=0.0, p_value=1.0, rate1=r1, rate2=r2)

    lam = (k1i + k2i) / (n1f + n2f)
    if statistic == "pooled":
        a = b = (1.0 / n1f + 1.0 / n2f) / (n1f + n2f)
    else:
        a, b = 1.0 / n1f**2, 1.0 / n2f**2
    t_obs = (r1 - r2) / math.sqrt(a * k1i + b * k2i)
    if abs(r1 - r2) <= 1e-12 * max(r1, r2):
        # Rates equal up to rounding (e.g. 12/3.0 vs 4/1.0000000000000002) are equal.
        return ETestResult(statistic=0.0, p_value=1.0, rate1=r1, rate2=r2)

    mu1, mu2 = n1f * lam, n2f * lam
    # Poisson mass beyond mean ± (12 sd + 30) is below 1e-30 for any mean: safe to drop.
    spread = 12.0 * math.sqrt(mu1) + 30.0
    # ... but always keep the observed k1, so that tiny p-values keep the observed table.
    first = min(k1i, max(0, math.floor(mu1 - spread)))
    last = max(k1i, math.ceil(mu1 + spread))
    x1 = np.arange(first, last + 1, dtype=float)
    p1 = stats.poisson.pmf(x1, mu1)

    # Reject where (x1/n1 - y/n2)^2 - T^2 (a x1 + b y) >= 0. Times n2^2 this is the upward
    # parabola y^2 - B y + C >= 0, i.e. y <= lower root or y >= upper root.
    t2 = t_obs * t_obs
    u = x1 * n2f / n1f
    big_b = 2.0 * u + t2 * b * n2f * n2f
    big_c = u * u - t2 * a * x1 * n2f * n2f
    # B^2 - 4C expanded by hand: the naive form cancels catastrophically when T is small.
    disc = t2 * n2f * n2f * (4.0 * b * u + 4.0 * a * x1 + t2 * b * b * n2f * n2f)
    hi = 0.5 * (big_b + np.sqrt(disc))
    # Vieta for the small root avoids cancellation in (B - sqrt(D)) / 2.
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.where(hi > 0, big_c / hi, 0.0)
    # Ties (|T(x)| == |T(k)|) belong in the sum; allow for rounding in the roots.
    tol = 1e-9 * np.maximum(1.0, np.abs(hi))
    lo_int = np.floor(lo + tol)
    hi_int = np.maximum(np.ceil(hi - tol), lo_int + 1.0)
    low_tail = stats.poisson.cdf(lo_int, mu2)
    if x1[0] == 0:
        # (0, 0) always lands in the region algebraically (lower root 0), but its pivot is
        # 0/0: leave it out here rather than subtract later, which would cancel tiny p-values.
        low_tail[0] = 0.0
    row = low_tail + stats.poisson.sf(hi_int - 1.0, mu2)
    p = float(np.sum(p1 * row))
    p = min(1.0, max(0.0, p))
    return ETestResult(statistic=float(t_obs), p_value=p, rate1=r1, rate2=r2)


def sqrt_poisson_z(now: float, before: float, n_now: float = 1.0, n_before: float = 1.0) -> float:
    r"""Square-root Poisson Z: a quick screen for a change in a count.

    .. math:: Z = 2\left(\sqrt{x_{now}} - \sqrt{x_{before}\cdot n_{now}/n_{before}}\right)

    ``sqrt`` is the variance-stabilising transform of a Poisson count (variance ≈ 1/4), so
    ``2·(√now − √expected)`` is roughly standard normal when the baseline is treated as the
    known expected count. That is Wheeler's published screen; it ignores the noise in the
    baseline itself, so it flags more than :func:`e_test` does — use it to sort, the E-test to
    decide. Wheeler suggests ``|Z| >= 3`` as the "look into it" line.

    Exposure choice (documented): when periods differ in length, the baseline is rescaled to
    the current period's exposure *before* the square root, i.e. the expected count now is
    ``before · n_now / n_before``. With equal exposures this is exactly ``2(√now − √before)``.

    References
    ----------
    Wheeler, A. P. (2018). Testing changes in short run crime patterns: the Poisson e-test.
    andrewpwheeler.com, 29 April 2018 (``2*(sqrt(25) - sqrt(16)) = 2``).
    """
    if now < 0 or before < 0:
        raise ValueError("counts must be non-negative")
    _as_exposure(n_now, "n_now")
    _as_exposure(n_before, "n_before")
    expected = before * n_now / n_before
    return 2.0 * (math.sqrt(now) - math.sqrt(expected))


def percent_change(before: float, now: float) -> float | None:
    """Percentage change ``100·(now − before)/before``; ``None`` when ``before`` is 0.

    A change from zero has no percentage (it is not "infinite %"), so callers must show the
    counts instead. Never use this alone to judge a change — pair it with :func:`e_test`.
    """
    if before == 0:
        return None
    return 100.0 * (now - before) / before


@dataclass(frozen=True)
class SeasonalChangeResult:
    """Result of :func:`seasonally_adjusted_change`.

    ``ratio`` is the rate ratio now / estimated whole baseline; ``ratio_low``/``ratio_high``
    its ``confidence`` interval; ``p_value`` two-sided for H0: ratio = 1.
    """

    share: float
    baseline_estimate: float
    ratio: float
    percent_change: float
    se_log_ratio: float
    z: float
    p_value: float
    ratio_low: float
    ratio_high: float
    confidence: float


def seasonally_adjusted_change(
    now: int,
    baseline: int,
    share_count: int,
    share_total: int,
    *,
    now_in_share_count: int = 0,
    now_in_share_total: int = 0,
    confidence: float = 0.95,
) -> SeasonalChangeResult:
    r"""A whole period's count against a baseline observed only in some of its months.

    The baseline ``B`` covers only some calendar months of the comparison window. Complete
    years of data (the reference years) give the seasonal share of those months,
    :math:`\hat s = A / T`, where ``A`` (``share_count``) is the reference years' records in
    the calendar months the baseline has and ``T`` (``share_total``) their records in all the
    window's calendar months. The whole baseline is estimated as :math:`\hat B = B / \hat s`
    and the change is the rate ratio

    .. math:: R = N / \hat B = \frac{N\,A}{B\,T}.

    Uncertainty: every count is treated as Poisson and :math:`\log R = \log N + \log A -
    \log T - \log B` is linearised (the delta method). For Poisson totals,
    :math:`\mathrm{Var}(\log X) \approx 1/X` and :math:`\mathrm{Cov}(\log X, \log Y)
    \approx |X \cap Y| / (XY)`, where :math:`|X \cap Y|` is the records the two totals
    share. With disjoint ``N``, ``B`` and reference years this gives

    .. math:: \mathrm{Var}(\log R) = \frac1N + \frac1B + \frac{1 - \hat s}{\hat s\,T},

    the last term being the binomial sampling variance of the seasonal share (on the log
    scale) — the extra uncertainty from estimating the seasonal pattern. When the reference
    years overlap the current period (e.g. the only complete year *is* the period) give the
    shared records as ``now_in_share_count`` (``|N ∩ A|``) and ``now_in_share_total``
    (``|N ∩ T|``); the covariances are then included, and if the reference year is the
    period itself the result is exactly the like-for-like comparison ``A / B`` with
    :math:`\mathrm{Var} = 1/A + 1/B`. The baseline is assumed not to overlap the reference
    years (they are complete; the baseline is not). The Wald interval is
    :math:`\exp(\log R \pm z_{1-\alpha/2}\,\mathrm{SE})` and the p-value
    :math:`2\Phi(-|\log R| / \mathrm{SE})`.

    Raises ``ValueError`` when any of ``now``, ``baseline``, ``share_count`` is 0 (the log
    ratio is undefined; report the counts instead).

    References
    ----------
    Oehlert, G. W. (1992). A note on the delta method. *The American Statistician* 46(1),
    27–29.
    Rothman, K. J., Greenland, S. & Lash, T. L. (2008). *Modern Epidemiology*, 3rd ed., ch. 14
    (variance of the log rate ratio, 1/a + 1/b).
    Makridakis, S., Wheelwright, S. C. & Hyndman, R. J. (1998). *Forecasting: Methods and
    Applications*, 3rd ed., ch. 3 (seasonal indices from complete years).
    """
    n = _as_count(now, "now")
    b = _as_count(baseline, "baseline")
    a = _as_count(share_count, "share_count")
    t = _as_count(share_total, "share_total")
    na = _as_count(now_in_share_count, "now_in_share_count")
    nt = _as_count(now_in_share_total, "now_in_share_total")
    if min(n, b, a) == 0:
        raise ValueError("now, baseline and share_count must be positive for a log rate ratio")
    if a > t or na > a or nt > t or na > n or nt > n:
        raise ValueError("share_count ≤ share_total and the overlaps must fit inside both")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be in (0, 1)")
    share = a / t
    estimate = b / share
    ratio = n / estimate
    # Coefficients of log N, log A, log T, log B in log R and their pairwise shared records.
    var = 1 / n + 1 / a + 1 / t + 1 / b
    var += 2 * (na / (n * a))  # +N, +A
    var -= 2 * (nt / (n * t))  # +N, −T
    var -= 2 * (a / (a * t))  # +A, −T (A lies inside T)
    se = math.sqrt(max(var, 0.0))
    log_r = math.log(ratio)
    z = log_r / se if se > 0 else 0.0
    p = float(2.0 * stats.norm.sf(abs(z))) if se > 0 else 1.0
    q = float(stats.norm.ppf(0.5 + confidence / 2.0))
    return SeasonalChangeResult(
        share=share,
        baseline_estimate=estimate,
        ratio=ratio,
        percent_change=100.0 * (ratio - 1.0),
        se_log_ratio=se,
        z=z,
        p_value=p,
        ratio_low=math.exp(log_r - q * se),
        ratio_high=math.exp(log_r + q * se),
        confidence=confidence,
    )


@dataclass(frozen=True)
class WDDResult:
    """Result of :func:`wdd`, the same nine numbers as ptools ``wdd`` plus a p-value.

    ``p_value`` is two-sided, ``2·Φ(−|Z|)``, for the total estimate; ``low_ci``/``high_ci``
    are the normal ``1 − alpha`` interval for the total estimate.
    """

    est_local: float
    se_local: float
    est_displace: float
    se_displace: float
    est_total: float
    se_total: float
    z: float
    p_value: float
    low_ci: float
    high_ci: float
    alpha: float


def _pair(values: Sequence[float], name: str) -> tuple[float, float]:
    if len(values) != 2:
        raise ValueError(f"{name} must be (pre, post)")
    pre, post = float(values[0]), float(values[1])
    if pre < 0 or post < 0:
        raise ValueError(f"{name} counts must be non-negative")
    return pre, post


def wdd(
    control: Sequence[float],
    treated: Sequence[float],
    disp_control: Sequence[float] = (0, 0),
    disp_treated: Sequence[float] = (0, 0),
    time_weights: Sequence[float] = (1, 1),
    area_weights: Sequence[float] = (1, 1, 1, 1),
    alpha: float = 0.1,
) -> WDDResult:
    r"""Weighted Displacement Difference test (Wheeler & Ratcliffe 2018).

    Each argument is ``(pre, post)`` counts. With weights ``w`` (time weight × area weight for
    each area/period, ptools order ``area_weights = (control, treated, disp_control,
    disp_treated)``)

    .. math::

        \mathrm{WDD}_{local} = (T_1/w_{T1} - T_0/w_{T0}) - (C_1/w_{C1} - C_0/w_{C0}),\qquad
        \mathrm{Var} = T_1/w_{T1}^2 + T_0/w_{T0}^2 + C_1/w_{C1}^2 + C_0/w_{C0}^2

    and the same for the displacement buffer and its control; the total is the sum, ``Z`` is
    ``total / SE`` (negative = crime fell relative to control). Counts are treated as Poisson,
    so the normal approximation is poor for very small counts.

    References
    ----------
    Wheeler, A. P. & Ratcliffe, J. H. (2018). A simple weighted displacement difference test
    to evaluate place based crime interventions. *Crime Science* 7:8.
    Wheeler, A. P. ptools ``wdd`` (CRAN version; an earlier GitHub version mis-bracketed the
    displacement-control variance — not copied here).
    """
    c0, c1 = _pair(control, "control")
    t0, t1 = _pair(treated, "treated")
    dc0, dc1 = _pair(disp_control, "disp_control")
    dt0, dt1 = _pair(disp_treated, "disp_treated")
    if len(time_weights) != 2 or len(area_weights) != 4:
        raise ValueError("time_weights needs 2 values and area_weights 4")
    if min(time_weights) <= 0 or min(area_weights) <= 0:
        raise ValueError("weights must be positive")
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    tw0, tw1 = float(time_weights[0]), float(time_weights[1])
    aw_c, aw_t, aw_dc, aw_dt = (float(v) for v in area_weights)

    def diff_and_var(pre: float, post: float, area_w: float) -> tuple[float, float]:
        w0, w1 = tw0 * area_w, tw1 * area_w
        return post / w1 - pre / w0, post / w1**2 + pre / w0**2

    d_t, v_t = diff_and_var(t0, t1, aw_t)
    d_c, v_c = diff_and_var(c0, c1, aw_c)
    d_dt, v_dt = diff_and_var(dt0, dt1, aw_dt)
    d_dc, v_dc = diff_and_var(dc0, dc1, aw_dc)
    est_local, var_local = d_t - d_c, v_t + v_c
    est_disp, var_disp = d_dt - d_dc, v_dt + v_dc
    est_tot, var_tot = est_local + est_disp, var_local + var_disp
    se_tot = math.sqrt(var_tot)
    level = float(stats.norm.ppf(1.0 - alpha / 2.0))
    if se_tot > 0:
        z = est_tot / se_tot
        p = float(2.0 * stats.norm.sf(abs(z)))
    else:
        # No events anywhere: nothing to test.
        z, p = 0.0, 1.0
    return WDDResult(
        est_local=est_local,
        se_local=math.sqrt(var_local),
        est_displace=est_disp,
        se_displace=math.sqrt(var_disp),
        est_total=est_tot,
        se_total=se_tot,
        z=z,
        p_value=p,
        low_ci=est_tot - level * se_tot,
        high_ci=est_tot + level * se_tot,
        alpha=alpha,
    )


@dataclass(frozen=True)
class WDDHarmResult:
    """Result of :func:`wdd_harm` (ptools ``wdd_harm`` order) plus a two-sided p-value."""

    estimate: float
    se: float
    z: float
    p_value: float
    low_ci: float
    high_ci: float
    alpha: float


def wdd_harm(
    estimates: Sequence[float],
    ses: Sequence[float],
    weights: Sequence[float],
    alpha: float = 0.1,
) -> WDDHarmResult:
    r"""Combine several WDD estimates into one harm-weighted estimate.

    :math:`H = \sum_j w_j\,\mathrm{WDD}_j`, :math:`\mathrm{SE}(H) = \sqrt{\sum_j w_j^2
    \mathrm{SE}_j^2}` (the crime types are independent Poisson counts).

    References
    ----------
    Wheeler, A. P. (2020). Amending the WDD test to incorporate harm weights.
    andrewpwheeler.com, 19 November 2020; ptools ``wdd_harm``.
    """
    est = np.asarray(estimates, dtype=float)
    se = np.asarray(ses, dtype=float)
    w = np.asarray(weights, dtype=float)
    if not (est.shape == se.shape == w.shape) or est.ndim != 1:
        raise ValueError("estimates, ses and weights must be 1-D and the same length")
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    total = float(np.sum(est * w))
    total_se = float(math.sqrt(np.sum(se**2 * w**2)))
    level = float(stats.norm.ppf(1.0 - alpha / 2.0))
    if total_se > 0:
        z = total / total_se
        p = float(2.0 * stats.norm.sf(abs(z)))
    else:
        z, p = 0.0, 1.0
    return WDDHarmResult(
        estimate=total,
        se=total_se,
        z=z,
        p_value=p,
        low_ci=total - level * total_se,
        high_ci=total + level * total_se,
        alpha=alpha,
    )
