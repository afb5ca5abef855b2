"""Reads for statutory review cases. Need-to-know is enforced here: every case query starts
from ``visible_cases`` (the cases the person is on the team of), and the only thing anyone else
gets is ``board_counts`` (counts per kind, small numbers suppressed)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from saferplaces.reports.opendata import HIGH
from saferplaces.warehouse.measures import open_value
from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.reviews import rules
from saferplaces.web.reviews.models import (
    Case,
    CaseMember,
    Kind,
    Recommendation,
    ReviewSettings,
    State,
    Theme,
)
from saferplaces.web.reviews.services import asb_settings, settings_for

# Open outputs hide counts from 1 to 4 (the project's rule: reports.opendata LOW..HIGH and a
# partner measure's default suppress_below of 5).
SUPPRESS_BELOW = HIGH + 1


def visible_cases(user: Any, partnership: Partnership) -> QuerySet[Case]:
    """The cases the person is on the named team of. No role (not manager, not site
    administrator) sees a case without being on its team."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    return Case.objects.filter(
        partnership=partnership, archived_at__isnull=True, members__user=user
    ).distinct()


def case_for(user: Any, partnership: Partnership, pk: int) -> Case:
    """The case if the person is on its team; otherwise 404, as if it did not exist."""
    try:
        return visible_cases(user, partnership).get(pk=pk)
    except Case.DoesNotExist:
        raise Http404("No such case") from None


def case_audit(case: Case) -> QuerySet[AuditEvent]:
    """The case's own audit trail (its steps, changes and every view), newest first, for the
    case team. These events carry no partnership (see services._audit)."""
    return (
        AuditEvent.objects.filter(object_type=Case._meta.verbose_name, object_id=str(case.pk))
        .select_related("actor")
        .order_by("-at", "-id")
    )


def is_lead(user: Any, case: Case) -> bool:
    return CaseMember.objects.filter(case=case, user=user, role=CaseMember.Role.LEAD).exists()


def deadlines(case: Case, s: ReviewSettings | None = None) -> list[rules.Deadline]:
    """The case's deadlines from the rules, each with the date it was met (if it was)."""
    if case.kind == Kind.ASB:
        due = rules.asb_deadlines(case.received_on, asb_settings(case.partnership, s))
        out = [
            rules.Deadline("Acknowledge the application", due["acknowledge"], case.acknowledged_on),
            rules.Deadline("Decide whether the threshold is met", due["decision"], case.decided_on),
        ]
        if case.state not in (State.THRESHOLD_NOT_MET,) and not (
            case.state in (State.OUTCOME_SENT, State.APPEALED, State.CLOSED)
            and case.reviewed_on is None
        ):
            out.append(rules.Deadline("Hold the review", due["review"], case.reviewed_on))
        return out
    out = [
        rules.Deadline(
            "Decide whether to hold a review",
            rules.dardr_decision_due(case.received_on),
            case.decided_on,
        )
    ]
    if case.decided_on and case.state != State.NOT_COMMISSIONED:
        ext = [rules.Extension(e.new_due, e.reason) for e in case.extensions.all()]
        out.append(
            rules.Deadline(
                "Overview report to the Quality Assurance Panel",
                rules.dardr_report_due(case.decided_on, ext),
                case.submitted_on,
            )
        )
    return out


def case_status(case: Case, today: dt.date, s: ReviewSettings | None = None) -> str:
    """Overdue, due soon or "" for an open case, from its deadlines."""
    if not case.is_open:
        return ""
    s = s or settings_for(case.partnership)
    statuses = {d.status(today, s.due_soon_days) for d in deadlines(case, s)}
    if "overdue" in statuses:
        return "overdue"
    if "due soon" in statuses:
        return "due soon"
    return ""


@dataclass
class KindCounts:
    kind: str
    label: str
    open: int | None
    overdue: int | None
    due_soon: int | None


def board_counts(partnership: Partnership, today: dt.date) -> list[KindCounts]:
    """Counts only, for board pages everyone in the partnership sees: open, overdue and due
    soon per kind, each from 1 to 4 suppressed (None). No reference, date or detail."""
    # One query when there are no open cases (the dashboard's usual case); the settings and the
    # extensions are read only when there are.
    cases = list(
        Case.objects.filter(partnership=partnership, archived_at__isnull=True)
        .exclude(state=State.CLOSED)
        .prefetch_related("extensions")
    )
    s = settings_for(partnership) if cases else None
    out = []
    for kind, label in Kind.choices:
        of_kind = [c for c in cases if c.kind == kind]
        st = Counter(case_status(c, today, s) for c in of_kind)
        out.append(
            KindCounts(
                kind,
                label,
                open_value(len(of_kind), SUPPRESS_BELOW),
                open_value(st["overdue"], SUPPRESS_BELOW),
                open_value(st["due soon"], SUPPRESS_BELOW),
            )
        )
    return out


def learning_summary(partnership: Partnership) -> list[dict[str, Any]]:
    """Themes of recommendations across the partnership's reviews, with counts (suppressed
    from 1 to 4) and how many of their actions are still open. No case is named."""
    recs = Recommendation.objects.filter(
        case__partnership=partnership, case__archived_at__isnull=True
    ).select_related("action")
    total: Counter[str] = Counter()
    open_: Counter[str] = Counter()
    for r in recs:
        total[r.theme] += 1
        if r.action is None or r.action.is_open:
            open_[r.theme] += 1
    labels = dict(Theme.choices)
    return [
        {
            "theme": labels[t],
            "recommendations": open_value(n, SUPPRESS_BELOW),
            "open": open_value(open_[t], SUPPRESS_BELOW),
        }
        for t, n in total.most_common()
    ]


@dataclass
class AnnualFigures:
    """What s104(10) of the 2014 Act requires relevant bodies to publish, for one year."""

    partnership: str
    period_start: dt.date
    period_end: dt.date
    applications: int
    threshold_not_met: int
    reviews_carried_out: int
    reviews_with_recommendations: int


def annual_figures(partnership: Partnership, year: int) -> AnnualFigures:
    """ASB Case Review figures for the financial year starting 1 April ``year`` (applications
    received in it; threshold decisions, reviews and recommendations of those applications).
    Published in full: the Act requires these counts to be published, and they are annual
    partnership-wide totals with no case detail."""
    start, end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    cases = Case.objects.filter(
        partnership=partnership,
        kind=Kind.ASB,
        archived_at__isnull=True,
        received_on__gte=start,
        received_on__lte=end,
    )
    reviewed = cases.filter(reviewed_on__isnull=False)
    return AnnualFigures(
        partnership=partnership.name,
        period_start=start,
        period_end=end,
        applications=cases.count(),
        threshold_not_met=cases.filter(threshold_met=False).count(),
        reviews_carried_out=reviewed.count(),
        reviews_with_recommendations=reviewed.filter(recommendations__isnull=False)
        .distinct()
        .count(),
    )


def redacted_report(case: Case) -> dict[str, Any]:
    """What may be published about a case: its kind, year, the steps' months, the themes and
    recommendations by agency. No summary, outcome text, complaint notes, team or exact dates."""
    return {
        "reference": case.reference,
        "kind": case.get_kind_display(),
        "year": case.received_on.year,
        "state": case.get_state_display(),
        "published": case.published_on.strftime("%B %Y") if case.published_on else "",
        "recommendations": [
            {
                "theme": r.get_theme_display(),
                "agency": r.agency.name,
                "recommendation": r.text,
                "action_status": r.action.get_status_display() if r.action else "Not yet an action",
            }
            for r in case.recommendations.select_related("agency", "action")
        ],
    }
