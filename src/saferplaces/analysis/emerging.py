"""Emerging issues in a monthly count series: Poisson control limits and a Poisson CUSUM.

Both answer "is this month (or this run of months) higher than the recent past can explain
by chance?". The control limit looks at one month at a time against a trailing baseline;
the CUSUM accumulates small excesses and catches a sustained rise sooner.

For a report, use :func:`emerging_issues`: it tests many series at once (every ward ×
category), uses only consecutive months, and controls the false discovery rate across the
series, so the list comes with a stated share of chance flags. The per-series charts below
flag about 1 unchanged series in 10 when run on the last 3 months of each.

Series are oldest first, one value per month. ``NaN`` marks a month with no data (for
example the City of London gap of July–September 2023): it is skipped, never treated as 0.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from saferplaces.analysis.hotspots import benjamini_hochberg

__all__ = [
    "ControlLimitResult",
    "CusumResult",
    "EmergingFlag",
    "EmergingScan",
    "cusum_reference_value",
    "emerging_issues",
    "excess_p_values",
    "latest_consecutive_run",
    "poisson_control_limits",
    "poisson_cusum",
]

K = TypeVar("K", bound=Hashable)


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


# --- emerging issues over many series, with the false discovery rate controlled -------------


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def latest_consecutive_run(months: Iterable[date]) -> list[date]:
    """The longest run of consecutive calendar months ending at the latest month given.

    A missing month breaks the run: with data for January–April 2024 and all of 2025 the run is
    January–December 2025, never April 2024 followed by January 2025.
    """
    ms = sorted({date(m.year, m.month, 1) for m in months})
    if not ms:
        return []
    run = [ms[-1]]
    for d in reversed(ms[:-1]):
        if _next_month(d) != run[0]:
            break
        run.insert(0, d)
    return run


def excess_p_values(
    recent: ArrayLike, baseline: ArrayLike, recent_months: int, baseline_months: int
) -> NDArray[np.float64]:
    r"""One-sided exact p-value that the recent monthly rate is above the baseline rate.

    With :math:`O` records in the ``recent_months`` (:math:`r`) and :math:`B` in the
    ``baseline_months`` (:math:`b`), under "no change" :math:`O` given :math:`N = O + B` is
    :math:`\mathrm{Binomial}(N, r/(r+b))`, so

    .. math:: p = P(X \ge O \mid N, r/(r+b)).

    This is the conditional (uniformly most powerful unbiased) test for the ratio of two
    Poisson means; unlike the Poisson tail given a baseline *treated as known*, it allows for
    the baseline being estimated from a few months, so the p-values are valid (conservative,
    since counts are discrete) even with short baselines. A series with no records has p = 1.

    References
    ----------
    Przyborowski, J. & Wileński, H. (1940). Homogeneity of results in testing samples from
    Poisson series. *Biometrika* 31, 313–323.
    Lehmann, E. L. & Romano, J. P. (2005). *Testing Statistical Hypotheses*, 3rd ed., §4.5.
    """
    o = np.asarray(recent, dtype=float)
    b = np.asarray(baseline, dtype=float)
    if o.shape != b.shape:
        raise ValueError("recent and baseline must have the same shape")
    if np.any(o < 0) or np.any(b < 0) or not (np.all(np.isfinite(o)) and np.all(np.isfinite(b))):
        raise ValueError("counts must be finite and non-negative")
    if recent_months < 1 or baseline_months < 1:
        raise ValueError("recent_months and baseline_months must be at least 1")
    n = o + b
    share = recent_months / (recent_months + baseline_months)
    p = stats.binom.sf(o - 1.0, n, share)
    return np.where(n > 0, np.minimum(p, 1.0), 1.0)


@dataclass(frozen=True)
class EmergingFlag:
    """One flagged series: the recent months' total against what the baseline predicts.

    ``observed`` is the total over the recent months, ``expected`` the baseline monthly mean
    times the number of recent months, ``ratio = observed / expected`` (``inf`` when the
    baseline had none), ``q_value`` the Benjamini–Hochberg adjusted p-value.
    """

    key: Hashable
    observed: int
    expected: float
    ratio: float
    p_value: float
    q_value: float
    recent: tuple[int, ...]
    baseline_mean: float


@dataclass(frozen=True)
class EmergingScan:
    """Result of :func:`emerging_issues`.

    ``flags`` holds *every* flagged series, strongest evidence first (smallest q, then largest
    ratio) — nothing is capped. ``tested`` series were tested; ``not_testable`` had too few
    records ever to be flagged at this rate (they are left out of the correction, see
    :func:`emerging_issues`). ``reason`` is set, and ``flags`` empty, when the history is too
    short; it says what is needed.
    """

    flags: tuple[EmergingFlag, ...]
    tested: int
    not_testable: int
    fdr: float
    recent_months: tuple[date, ...]
    baseline_months: tuple[date, ...]
    reason: str | None = None

    @property
    def expected_false_alarms(self) -> float:
        """At most this many of the flags are expected to be chance: ``fdr × flags``."""
        return self.fdr * len(self.flags)

    def shown(self, limit: int) -> tuple[tuple[EmergingFlag, ...], int]:
        """The first ``limit`` flags for display, and the total, so a cap is never silent."""
        return self.flags[:limit], len(self.flags)

    @property
    def statement(self) -> str:
        """What was tested and how far the list can be trusted, in plain English."""
        if self.reason:
            return self.reason
        span = _span(self.recent_months)
        base = _span(self.baseline_months)
        n = len(self.flags)
        tail = (f"higher in {span} than the {len(self.baseline_months)} months before ({base}) "
                "can explain by chance.")  # fmt: skip
        if n == 0:
            return f"None of {self.tested} series was {tail}"
        head = f"{n} of {self.tested} series {'was' if n == 1 else 'were'} {tail}"
        chance = self.expected_false_alarms
        about = "fewer than 1" if chance < 1 else f"about {chance:.0f}"
        return (f"{head} The list is set so that no more than {self.fdr:.0%} of what it shows is "
                f"expected to be chance: {about} of these {n}. Seasonal patterns can also "
                "cause a rise; check the same months a year earlier.")  # fmt: skip


def _span(months: Sequence[date]) -> str:
    if not months:
        return ""
    a, b = months[0], months[-1]
    if a == b:
        return f"{a:%B %Y}"
    return f"{a:%B}–{b:%B %Y}" if a.year == b.year else f"{a:%B %Y}–{b:%B %Y}"


def emerging_issues(
    series: Mapping[K, Mapping[date, float]],
    months: Iterable[date],
    *,
    recent: int = 3,
    min_baseline: int = 6,
    max_baseline: int = 12,
    fdr: float = 0.1,
) -> EmergingScan:
    r"""Which of many monthly count series rose in the latest months, with false alarms controlled.

    ``series`` maps any key (e.g. ``(ward, category)``) to counts by month (first of month);
    ``months`` are the months with data (every force loaded) — a month in ``months`` missing
    from a series counts 0, a month not in ``months`` has no data.

    1. Only the latest run of consecutive months is used (:func:`latest_consecutive_run`); a
       gap ends it. The last ``recent`` months are tested against the up to ``max_baseline``
       months before them; at least ``min_baseline`` are required, else ``reason`` says
       "needs at least N consecutive months; has M".
    2. Per series, :func:`excess_p_values` gives the exact one-sided p-value that the recent
       total :math:`O` is above what the baseline rate predicts,
       :math:`E = r \cdot \bar x_{\text{baseline}}`.
    3. Series whose smallest attainable p-value, :math:`(r/(r+b))^{N}`, exceeds ``fdr`` can
       never be flagged; they are left out before the correction (independent filtering:
       :math:`N` carries no information on the direction of change under the null, Bourgon,
       Gentleman & Huber 2010, *PNAS* 107(21), 9546–9551).
    4. Benjamini–Hochberg across the tested series
       (:func:`saferplaces.analysis.hotspots.benjamini_hochberg`); a series is flagged when
       :math:`q \le` ``fdr``. The expected share of chance flags is at most ``fdr``; when
       nothing has changed at all the chance of any flag is at most ``fdr``.

    References
    ----------
    Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate. *JRSS B* 57(1),
    289–300. Benjamini, Y. & Yekutieli, D. (2001). The control of the false discovery rate in
    multiple testing under dependency. *Annals of Statistics* 29(4), 1165–1188 (ward series
    and their area total are positively dependent, where BH still holds).

    The old rule (99% control limit or CUSUM h = 4 in any of the last 3 months, per series)
    flags 6–13% of unchanged series; with 105 series that is 6–13 false alarms per run.
    """
    if recent < 1 or min_baseline < 1 or max_baseline < min_baseline:
        raise ValueError("need recent >= 1 and 1 <= min_baseline <= max_baseline")
    if not 0 < fdr < 1:
        raise ValueError("fdr must be in (0, 1)")
    run = latest_consecutive_run(months)
    need = recent + min_baseline
    if len(run) < need:
        has = f"has {len(run)} ({_span(run)})" if run else "has none"
        ms = sorted({date(m.year, m.month, 1) for m in months})
        gap = ""
        if run and len(ms) > len(run):
            before = ms[ms.index(run[0]) - 1]
            gap = (f"; the months before are not consecutive ({_span([before])} is followed "
                   f"by {_span([run[0]])})")  # fmt: skip
        return EmergingScan(
            flags=(), tested=0, not_testable=0, fdr=fdr, recent_months=(), baseline_months=(),
            reason=(f"Emerging issues need at least {need} consecutive months of data "
                    f"({min_baseline} to set the expected level and {recent} to test); "
                    f"the data {has}{gap}."),
        )  # fmt: skip
    test_m = run[-recent:]
    base_m = (
        run[-recent - max_baseline : -recent] if len(run) > recent + max_baseline else run[:-recent]
    )
    keys = list(series)
    rec = np.array([[float(series[k].get(d, 0)) for d in test_m] for k in keys]).reshape(
        len(keys), recent
    )
    bas = np.array([[float(series[k].get(d, 0)) for d in base_m] for k in keys]).reshape(
        len(keys), len(base_m)
    )
    o, b = rec.sum(axis=1), bas.sum(axis=1)
    share = recent / (recent + len(base_m))
    testable = (o + b) * math.log(share) <= math.log(fdr)  # (r/(r+b))^N <= fdr
    idx = np.flatnonzero(testable)
    p = excess_p_values(o[idx], b[idx], recent, len(base_m))
    q = benjamini_hochberg(p)
    flags = []
    for j, i in enumerate(idx):
        if q[j] > fdr:
            continue
        mean = b[i] / len(base_m)
        expected = mean * recent
        flags.append(
            EmergingFlag(
                key=keys[i], observed=int(o[i]), expected=float(expected),
                ratio=float(o[i] / expected) if expected > 0 else math.inf,
                p_value=float(p[j]), q_value=float(q[j]),
                recent=tuple(int(v) for v in rec[i]), baseline_mean=float(mean),
            )
        )  # fmt: skip
    flags.sort(key=lambda f: (f.q_value, -f.ratio, -f.observed, str(f.key)))
    return EmergingScan(
        flags=tuple(flags), tested=int(idx.size), not_testable=int(len(keys) - idx.size),
        fdr=fdr, recent_months=tuple(test_m), baseline_months=tuple(base_m),
    )  # fmt: skip
