"""The reminder rules the hourly "reminders" job evaluates, each as at a given moment ``now``.

Every rule is idempotent: each reminder carries a key naming what it is about and the date that
makes it due (an action's due date, a quarter, a deadline's date and the notice stage), and
``notify`` never notifies a person twice with the same key. Every rule sends only to people who
hold a role in the partnership concerned.

| rule | to whom | when |
|---|---|---|
| action due soon | the action's owner | from ``DUE_SOON_DAYS`` before its due date |
| action overdue | the owner and the priority's lead officer | once it is past its due date and open |
| action without an update | the owner | no update for ``SAFERPLACES_STALE_AFTER_DAYS`` |
| quarterly review opening | managers; lead officers and owners of open actions | first ``REVIEW_OPEN_DAYS`` of a quarter, until the review is recorded |
| statutory and calendar deadlines (``DEADLINES``) | the roles the table names | at each notice stage, and once when missed |
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from saferplaces.web import permissions
from saferplaces.web.notifications.models import Kind
from saferplaces.web.notifications.services import notify
from saferplaces.web.partnerships.models import Membership, Partnership, Role
from saferplaces.web.plans.forms import default_quarter
from saferplaces.web.plans.models import Action, AssessmentRun, Decision, PlanVersion, Review
from saferplaces.web.plans.selectors import PERIOD_ENDING_DAYS, is_overdue, is_stale, overdue_q

DUE_SOON_DAYS = 7
REVIEW_OPEN_DAYS = 28
# A missed deadline is reminded once, if it was missed within this many days (not years later).
MISSED_WITHIN_DAYS = 30


def _d(d: dt.date) -> str:
    return f"{d:%-d %B %Y}"


def role_holders(partnership_ids: Iterable[int]) -> dict[int, dict[int, set[str]]]:
    """partnership id -> user id -> roles, active people only: who may hear about what."""
    out: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for pid, uid, role in Membership.objects.filter(
        partnership_id__in=list(partnership_ids), user__is_active=True
    ).values_list("partnership_id", "user_id", "role"):
        out[pid][uid].add(role)
    return out


def _users(ids: Iterable[int]) -> list[Any]:
    from saferplaces.web.accounts.models import User

    return list(User.objects.filter(pk__in=set(ids), is_active=True))


# Actions ---------------------------------------------------------------------------------------


def action_updates(now: dt.datetime) -> int:
    """Actions falling due, overdue, or without an update for the staleness limit."""
    t = timezone.localdate(now)
    cutoff = now - dt.timedelta(days=settings.SAFERPLACES_STALE_AFTER_DAYS)
    soon = t + dt.timedelta(days=DUE_SOON_DAYS)
    actions = list(
        Action.objects.filter(archived_at__isnull=True, priority__archived_at__isnull=True)
        .exclude(status__in=Action.CLOSED)
        .filter(
            Q(due_date__lte=soon)
            | overdue_q(t)
            | Q(last_update_at__lt=cutoff)
            | Q(last_update_at__isnull=True, created_at__lt=cutoff)
        )
        .select_related("priority__partnership", "owner", "priority__lead_officer")
    )
    holders = role_holders({a.priority.partnership_id for a in actions})
    people = {u.pk: u for u in _users(uid for m in holders.values() for uid in m)}
    made = 0
    for a in actions:
        p = a.priority.partnership
        members = holders.get(p.pk, {})
        owner = people.get(a.owner_id) if a.owner_id in members else None
        lead = (
            people.get(a.priority.lead_officer_id)
            if a.priority.lead_officer_id in members
            else None
        )
        url = reverse("plans:action", kwargs={"slug": p.slug, "pk": a.pk})
        where = f'under the priority "{a.priority.title}" in {p.name}'
        if is_overdue(a.is_open, a.due_date, t):
            made += notify(
                [u for u in (owner, lead) if u is not None],
                kind=Kind.ACTION_UPDATE_DUE,
                subject=f"Overdue action: {a.title}",
                body=(
                    f'The action "{a.title}" {where} was due on {_d(a.due_date)} and is still '
                    f"{a.get_status_display().lower()}. Add an update saying where it has got "
                    "to, mark it complete, or agree a new due date."
                ),
                url=url,
                partnership=p,
                due=a.due_date,
                key=f"action-overdue:{a.pk}:{a.due_date}",
                now=now,
            )
        elif a.due_date is not None and a.due_date <= soon and owner is not None:
            days = (a.due_date - t).days
            when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
            made += notify(
                [owner],
                kind=Kind.ACTION_UPDATE_DUE,
                subject=f"Action due {when}: {a.title}",
                body=(
                    f'Your action "{a.title}" {where} is due on {_d(a.due_date)}. Add an update '
                    "saying where it has got to, or mark it complete."
                ),
                url=url,
                partnership=p,
                due=a.due_date,
                key=f"action-due:{a.pk}:{a.due_date}",
                now=now,
            )
        last = a.last_update_at or a.created_at
        if owner is not None and is_stale(a.is_open, a.last_update_at, a.created_at, cutoff):
            made += notify(
                [owner],
                kind=Kind.ACTION_UPDATE_DUE,
                subject=f"Update needed: {a.title}",
                body=(
                    f'Your action "{a.title}" {where} has had no update since '
                    f"{_d(timezone.localdate(last))}. Partnerships expect an update at least "
                    f"every {settings.SAFERPLACES_STALE_AFTER_DAYS} days."
                ),
                url=url,
                partnership=p,
                due=(
                    timezone.localtime(last)
                    + dt.timedelta(days=settings.SAFERPLACES_STALE_AFTER_DAYS)
                ).date(),
                key=f"action-stale:{a.pk}:{timezone.localdate(last)}",
                now=now,
            )
    return made


# Quarterly review ------------------------------------------------------------------------------


def quarter_start(d: dt.date) -> dt.date:
    """First day of the financial-year quarter holding ``d`` (April, July, October, January),
    the quarters ``plans.forms.default_quarter`` names."""
    return dt.date(d.year, (d.month - 1) // 3 * 3 + 1, 1)


def quarterly_review(now: dt.datetime) -> int:
    """When a quarter starts, the review of the quarter just ended opens."""
    t = timezone.localdate(now)
    start = quarter_start(t)
    if (t - start).days >= REVIEW_OPEN_DAYS:
        return 0
    label = default_quarter(start - dt.timedelta(days=1))
    done = set(
        Review.objects.filter(quarter__iexact=label).values_list("partnership_id", flat=True)
    )
    actions = (
        Action.objects.filter(archived_at__isnull=True, priority__archived_at__isnull=True)
        .exclude(status__in=Action.CLOSED)
        .exclude(priority__partnership_id__in=done)
        .values_list("priority__partnership_id", "owner_id", "priority__lead_officer_id")
    )
    involved: dict[int, set[int]] = defaultdict(set)
    for pid, owner, lead in actions:
        involved[pid].update(x for x in (owner, lead) if x)
    holders = role_holders(involved)
    people = {u.pk: u for u in _users(uid for m in holders.values() for uid in m)}
    partnerships = Partnership.objects.in_bulk(list(involved))
    made = 0
    for pid, ids in involved.items():
        p, members = partnerships[pid], holders.get(pid, {})
        review_by = start + dt.timedelta(days=REVIEW_OPEN_DAYS - 1)
        managers = [
            people[u]
            for u, roles in members.items()
            if roles & permissions.MATRIX[permissions.RECORD_REVIEW] and u in people
        ]
        made += notify(
            managers,
            kind=Kind.QUARTERLY_REVIEW,
            subject=f"The {label} quarterly review is open for {p.name}",
            body=(
                f"The {label} quarter has ended. Walk the work plan priority by priority and "
                f"record the review, ideally by {_d(review_by)}. Lead officers have been asked "
                "to update their actions first."
            ),
            url=reverse("plans:review-new", kwargs={"slug": p.slug}),
            partnership=p,
            due=review_by,
            key=f"review-open:{pid}:{label}",
            now=now,
        )
        leads = [people[u] for u in ids if u in members and u in people]
        made += notify(
            leads,
            kind=Kind.QUARTERLY_REVIEW,
            subject=f"Update your actions before the {label} review ({p.name})",
            body=(
                f"The {label} quarter has ended and {p.name} will review its work plan. Add an "
                f"update to each of your open actions before {_d(review_by)}, so the review "
                "sees where they have got to."
            ),
            url=reverse("plans:my-actions"),
            partnership=p,
            due=review_by,
            key=f"review-open:{pid}:{label}",
            now=now,
        )
    return made


# Statutory and calendar deadlines --------------------------------------------------------------


def financial_year_start(d: dt.date) -> dt.date:
    return dt.date(d.year if d.month >= 4 else d.year - 1, 4, 1)


@dataclass(frozen=True)
class Deadline:
    """One row of the deadline table: what is due, on what legal basis, and how it is dated."""

    code: str
    title: str
    basis: str
    dated: str  # how the date is set, in plain English
    notice_days: tuple[int, ...]
    roles: frozenset[str]
    # (partnership, today) -> (due date, whether it is already met, what met it, page) or None
    due: Callable[[Partnership, dt.date], tuple[dt.date, bool, str, str] | None]


def _assessment_due(p: Partnership, t: dt.date) -> tuple[dt.date, bool, str, str] | None:
    fy = financial_year_start(t)
    due = dt.date(fy.year, 12, 31)
    run = (
        AssessmentRun.objects.filter(
            partnership=p,
            status__in=[AssessmentRun.Status.COMPLETE, AssessmentRun.Status.IMPORTED],
            created_at__date__gte=fy,
        )
        .order_by("-created_at")
        .first()
    )
    decision = Decision.objects.filter(partnership=p, decided_on__gte=fy).first()
    met = ""
    if decision is not None:
        met = f"Assessment adopted on {_d(decision.decided_on)}"
    elif run is not None:
        met = f"Assessment prepared on {_d(timezone.localdate(run.created_at))}"
    return due, bool(met), met, reverse("plans:assessments", kwargs={"slug": p.slug})


def _plan_review_due(p: Partnership, t: dt.date) -> tuple[dt.date, bool, str, str] | None:
    fy = financial_year_start(t)
    due = dt.date(fy.year + 1, 3, 31)
    v = (
        PlanVersion.objects.filter(period__partnership=p, endorsed_on__gte=fy)
        .order_by("-endorsed_on")
        .first()
    )
    met = f"Version {v.number} endorsed on {_d(v.endorsed_on)}" if v else ""
    return due, bool(met), met, reverse("plans:periods", kwargs={"slug": p.slug})


def _plan_end_due(p: Partnership, t: dt.date) -> tuple[dt.date, bool, str, str] | None:
    # The partnership's plan dates are the current period's (starting a period moves them).
    if p.plan_end is None:
        return None
    return p.plan_end, False, "", reverse("plans:periods", kwargs={"slug": p.slug})


def _scrutiny_due(p: Partnership, t: dt.date) -> tuple[dt.date, bool, str, str] | None:
    from saferplaces.web.meetings.models import Body, Meeting

    meetings = Meeting.objects.filter(partnership=p, body__kind=Body.Kind.SCRUTINY)
    today_start = timezone.make_aware(dt.datetime.combine(t, dt.time.min))
    last = meetings.filter(starts_at__lt=today_start).order_by("-starts_at").first()
    if last is not None:
        held = last.held_on
        try:
            due = held.replace(year=held.year + 1)
        except ValueError:  # 29 February
            due = dt.date(held.year + 1, 2, 28)
    else:
        due = dt.date(financial_year_start(t).year + 1, 3, 31)
    upcoming = (
        meetings.filter(
            starts_at__gte=today_start,
            starts_at__lt=timezone.make_aware(
                dt.datetime.combine(due + dt.timedelta(days=1), dt.time.min)
            ),
        )
        .order_by("starts_at")
        .first()
    )
    met = f"Meeting arranged for {_d(upcoming.held_on)}" if upcoming else ""
    return due, bool(met), met, reverse("meetings:scrutiny", kwargs={"slug": p.slug})


MANAGERS = frozenset({Role.MANAGER, Role.ADMINISTRATOR})

# The table of deadlines. The law sets how often; the dates are the conventions the workspace
# uses to keep the cycle on time (a plan for 1 April needs the assessment by the end of December).
DEADLINES: tuple[Deadline, ...] = (
    Deadline(
        "strategic-assessment",
        "Annual strategic assessment",
        "Crime and Disorder Act 1998 s6 and the Crime and Disorder (Formulation and "
        "Implementation of Strategy) Regulations 2007: a strategic assessment every year",
        "31 December each year, so the priorities for the year from 1 April can use it; met by "
        "an assessment prepared or adopted since 1 April",
        (60, 14),
        frozenset({Role.MANAGER, Role.ANALYST}),
        _assessment_due,
    ),
    Deadline(
        "plan-review",
        "Partnership plan reviewed for the coming year",
        "Crime and Disorder (Formulation and Implementation of Strategy) Regulations 2007: "
        "the partnership plan is revised every year",
        "31 March each year; met by a plan version endorsed since 1 April",
        (60, 14),
        MANAGERS,
        _plan_review_due,
    ),
    Deadline(
        "plan-period-end",
        "Plan period ends: next partnership plan due",
        "Crime and Disorder (Formulation and Implementation of Strategy) Regulations 2007: "
        "a partnership plan covering three years",
        "The last day of the current plan period; met by starting the next period",
        (PERIOD_ENDING_DAYS, 30),
        MANAGERS,
        _plan_end_due,
    ),
    Deadline(
        "scrutiny-meeting",
        "Crime and disorder scrutiny meeting",
        "Police and Justice Act 2006 s19 and the Crime and Disorder (Overview and Scrutiny) "
        "Regulations 2009: the crime and disorder committee reviews the partnership at least "
        "once a year",
        "12 months after the last scrutiny committee meeting (31 March if none is recorded); "
        "met by a scrutiny meeting arranged before then",
        (60, 14),
        MANAGERS,
        _scrutiny_due,
    ),
)


@dataclass
class DatedDeadline:
    deadline: Deadline
    due: dt.date
    met: bool
    met_by: str
    url: str
    days_left: int

    @property
    def stage(self) -> str | None:
        """The notice stage today falls in ("60", "14", "missed"), or None."""
        if self.met:
            return None
        if self.days_left < 0:
            return "missed" if -self.days_left <= MISSED_WITHIN_DAYS else None
        inside = [n for n in self.deadline.notice_days if self.days_left <= n]
        return str(min(inside)) if inside else None


def deadlines_for(p: Partnership, t: dt.date) -> list[DatedDeadline]:
    """The partnership's deadlines as at ``t``, soonest first."""
    out = []
    for d in DEADLINES:
        got = d.due(p, t)
        if got is None:
            continue
        due, met, met_by, url = got
        out.append(DatedDeadline(d, due, met, met_by, url, (due - t).days))
    return sorted(out, key=lambda x: x.due)


def deadlines(now: dt.datetime) -> int:
    t = timezone.localdate(now)
    holders = role_holders(Partnership.objects.values_list("pk", flat=True))
    people = {u.pk: u for u in _users(uid for m in holders.values() for uid in m)}
    made = 0
    for p in Partnership.objects.filter(pk__in=list(holders)):
        for dd in deadlines_for(p, t):
            stage = dd.stage
            if stage is None:
                continue
            to = [
                people[u]
                for u, roles in holders[p.pk].items()
                if roles & dd.deadline.roles and u in people
            ]
            if stage == "missed":
                subject = f"Missed: {dd.deadline.title} was due on {_d(dd.due)} ({p.name})"
            else:
                subject = (
                    f"{dd.deadline.title} due on {_d(dd.due)}, in {dd.days_left} days ({p.name})"
                )
            made += notify(
                to,
                kind=Kind.DEADLINE,
                subject=subject,
                body=f"When: {dd.deadline.dated}. Why: {dd.deadline.basis}.",
                url=dd.url,
                partnership=p,
                due=dd.due,
                key=f"deadline:{dd.deadline.code}:{p.pk}:{dd.due}:{stage}",
                now=now,
            )
    return made


def statutory_reviews(now: dt.datetime) -> int:
    """Statutory review cases' steps due soon or overdue, to each case's own team only
    (``reviews.reminders``: need-to-know holds in reminders too)."""
    from saferplaces.web.reviews.reminders import remind

    return remind(now)


RULES: list[tuple[str, Callable[[dt.datetime], int]]] = [
    ("action_updates", action_updates),
    ("quarterly_review", quarterly_review),
    ("deadlines", deadlines),
    ("statutory_reviews", statutory_reviews),
]


# Meeting papers published (called by meetings.services.agenda_publish) ------------------------


def papers_published(meeting: Any, now: dt.datetime | None = None) -> int:
    """Tell the body's current members who hold a role in the partnership that the agenda and
    papers are out. Exempt items and their papers are named only to people who may see exempt
    business (``permissions.VIEW_EXEMPT``); the others are not told they exist."""
    p = meeting.partnership
    members = role_holders([p.pk]).get(p.pk, {})
    seats = meeting.body.members.filter(left_on__isnull=True, user__isnull=False)
    people = [u for u in _users(seats.values_list("user_id", flat=True)) if u.pk in members]
    items = list(meeting.items.prefetch_related("papers").order_by("number"))
    url = reverse("meetings:meeting", kwargs={"slug": p.slug, "pk": meeting.pk})
    when = timezone.localtime(meeting.starts_at)
    subject = f"Papers published: {meeting.body.name}, {when:%-d %B %Y}"

    def body(with_exempt: bool) -> str:
        lines = [
            f"The agenda and papers for {meeting.title} ({meeting.body.name}, "
            f"{when:%-d %B %Y at %H:%M}{', ' + meeting.place if meeting.place else ''}) "
            "are published.",
            "",
        ]
        for item in items:
            if item.exempt and not with_exempt:
                continue
            mark = " (exempt: not for publication)" if item.exempt else ""
            lines.append(f"{item.number}. {item.title}{mark}")
            lines.extend(f"   - {paper.title}" for paper in item.papers.all())
        return "\n".join(lines)

    may = [u for u in people if permissions.can(u, p, permissions.VIEW_EXEMPT)]
    may_not = [u for u in people if u not in may]
    key = f"papers:{meeting.pk}"
    return notify(
        may,
        kind=Kind.PAPERS_PUBLISHED,
        subject=subject,
        body=body(True),
        url=url,
        partnership=p,
        due=when.date(),
        key=key,
        now=now,
    ) + notify(
        may_not,
        kind=Kind.PAPERS_PUBLISHED,
        subject=subject,
        body=body(False),
        url=url,
        partnership=p,
        due=when.date(),
        key=key,
        now=now,
    )
