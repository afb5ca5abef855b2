"""Emerging issues: which category-and-place series rose in the latest months, with the false
discovery rate controlled across all of them (:func:`saferplaces.analysis.emerging.emerging_issues`).

Every ward × category series and the area's own category totals are tested together on the
latest run of consecutive months (a missing month ends the run: April 2024 is never followed
by January 2025). Every flag is listed; the statement gives the error rate and how many of
the flags are expected to be chance, or why nothing could be tested.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from saferplaces.analysis import emerging
from saferplaces.assessment import model as m
from saferplaces.assessment.comparison import rnd
from saferplaces.assessment.parameters import (
    EMERGING_FDR,
    EMERGING_MAX_BASELINE,
    EMERGING_MIN_BASELINE,
    EMERGING_RECENT,
)
from saferplaces.assessment.periods import fmt, months_label
from saferplaces.assessment.queries import Warehouse
from saferplaces.assessment.scope import Scope
from saferplaces.assessment.statements import emerging_sentence

METHOD = ("Each category in each ward and in the whole area: the last {recent} consecutive months "
          "against up to {max_b} months before them (at least {min_b}); one-sided exact test of two "
          "Poisson rates, Benjamini–Hochberg false discovery rate {fdr:g} across every series.")  # fmt: skip


def build(scope: Scope, data: Warehouse) -> tuple[m.Emerging, list[m.EmergingIssue]]:
    """The screen's summary and every flagged series (strongest evidence first)."""
    # Only the months of the latest consecutive run are read: the detector uses nothing else.
    run = emerging.latest_consecutive_run(scope.history)
    series: dict[tuple[str, str], dict[date, int]] = defaultdict(dict)
    names: dict[str, str] = {scope.code: scope.name}
    if len(run) >= EMERGING_RECENT + EMERGING_MIN_BASELINE:
        for r in data.ward_monthly(run[-(EMERGING_RECENT + EMERGING_MAX_BASELINE):]):
            names[r.ward] = r.ward_name or r.ward
            if r.ward != scope.code:
                series[(r.ward, r.category)][r.month] = r.n
            # The area's own total (for a ward assessed on its own, its only series: once).
            whole = series[(scope.code, r.category)]
            whole[r.month] = whole.get(r.month, 0) + r.n
    scan = emerging.emerging_issues(
        dict(sorted(series.items())), scope.history, recent=EMERGING_RECENT,
        min_baseline=EMERGING_MIN_BASELINE, max_baseline=EMERGING_MAX_BASELINE, fdr=EMERGING_FDR,
    )  # fmt: skip
    recent = [fmt(d) for d in scan.recent_months]
    span = months_label(list(scan.recent_months))
    issues = []
    for f in scan.flags:
        area_code, category = f.key
        level = scope.level if area_code == scope.code else "ward"
        place = names.get(area_code, area_code)
        issues.append(
            m.EmergingIssue(
                category=category, area=m.AreaRef(level=level, code=area_code, name=place),
                month=recent[-1], months=recent, count=f.observed, recent=list(f.recent),
                expected=rnd(f.expected, 3), baseline_mean=rnd(f.baseline_mean, 3),
                ratio=rnd(f.ratio, 4), p_value=rnd(f.p_value, 8), q_value=rnd(f.q_value, 8),
                statement=emerging_sentence(category, place, f.observed, span, f.baseline_mean,
                                            True, False, months=len(recent)),
            )
        )  # fmt: skip
    if scan.reason:
        scope.caveats.append(scan.reason)
    summary = m.Emerging(
        method=METHOD.format(recent=EMERGING_RECENT, max_b=EMERGING_MAX_BASELINE,
                             min_b=EMERGING_MIN_BASELINE, fdr=EMERGING_FDR),
        fdr=scan.fdr, recent_months=recent, baseline_months=[fmt(d) for d in scan.baseline_months],
        tested=scan.tested, not_testable=scan.not_testable, flagged=len(scan.flags),
        expected_false_alarms=rnd(scan.expected_false_alarms, 3), reason=scan.reason,
        statement=scan.statement,
    )  # fmt: skip
    return summary, issues
