"""Emerging issues: Poisson control limits and CUSUM on ward and area monthly series."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date

import numpy as np

from saferplaces.analysis import emerging
from saferplaces.assessment import model as m
from saferplaces.assessment.comparison import rnd
from saferplaces.assessment.parameters import (
    CUSUM_H,
    CUSUM_SHIFT,
    EMERGING_ALPHA,
    EMERGING_LATEST,
    EMERGING_MAX,
    EMERGING_MIN_EXPECTED,
    EMERGING_MIN_HISTORY,
    EMERGING_WINDOW,
)
from saferplaces.assessment.periods import fmt
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import Scope


def build(scope: Scope, data: Warehouse) -> list[m.EmergingIssue]:
    hist = scope.history
    if len(hist) < EMERGING_MIN_HISTORY:
        scope.caveats.append(f"Emerging issues need at least {EMERGING_MIN_HISTORY} months of "
                             f"history; {len(hist)} are loaded.")  # fmt: skip
        return []
    present = set(scope.cov_now.present)
    latest = [d for d in hist if d in present][-EMERGING_LATEST:]
    series: dict[tuple, dict[date, int]] = defaultdict(dict)
    names: dict[str, str] = {}
    for r in data.ward_monthly(hist):
        series[(r.ward, r.category)][r.month] = r.n
        names[r.ward] = r.ward_name
        series[(scope.code, r.category)][r.month] = series[(scope.code, r.category)].get(r.month, 0) + r.n
    names[scope.code] = scope.name
    out = []
    for (area_code, category), by_month in sorted(series.items()):
        values = np.array([by_month.get(d, 0) for d in hist], float)
        limits = emerging.poisson_control_limits(values, window=EMERGING_WINDOW, alpha=EMERGING_ALPHA)
        for d in latest:
            i = hist.index(d)
            expected = limits.baseline[i]
            if not np.isfinite(expected) or expected < EMERGING_MIN_EXPECTED:
                continue
            cus = emerging.poisson_cusum(values[: i + 1], mu0=expected, mu1=expected * CUSUM_SHIFT,
                                         h=CUSUM_H)  # fmt: skip
            signal_cusum = bool(cus.signal[-1])
            exceeds = bool(limits.signal[i])
            if not (exceeds or signal_cusum):
                continue
            score = (values[i] - expected) / math.sqrt(expected)
            level = "ward" if area_code != scope.code else scope.level
            out.append(
                m.EmergingIssue(
                    category=category,
                    area=m.AreaRef(level=level, code=area_code, name=names[area_code] or area_code),
                    month=fmt(d), count=int(values[i]), expected=rnd(expected, 3),
                    upper_limit=int(limits.upper[i]), cusum=rnd(float(cus.statistic[-1]), 3),
                    cusum_signal=signal_cusum, exceeds_limit=exceeds, score=rnd(score, 4),
                    statement=(f"{category} in {names[area_code] or area_code}: {int(values[i])} in "
                               f"{d:%B %Y} against about {expected:.1f} a month before"
                               + (" — above the 99% control limit" if exceeds else "")
                               + (" and a CUSUM signal" if signal_cusum and exceeds else
                                  " — CUSUM signal" if signal_cusum else "") + "."),
                )
            )  # fmt: skip
    out.sort(key=lambda x: (-x.score, x.month, x.category, x.area.code))
    return out[:EMERGING_MAX]
