"""Reads for the plan and the work plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.plans.models import (
    Action,
    ActionUpdate,
    AssessmentRun,
    Decision,
    Priority,
    PriorityLocality,
    Review,
)


def today() -> dt.date:
    return timezone.localdate()


def stale_cutoff() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=settings.SAFERPLACES_STALE_AFTER_DAYS)


def is_overdue(is_open: bool, due_date: dt.date | None, t: dt.date) -> bool:
    """Past its due date and still open."""
    return bool(is_open and due_date and due_date < t)


def is_stale(
    is_open: bool,
    last_update_at: dt.datetime | None,
    created_at: dt.datetime | None,
    cutoff: dt.datetime,
) -> bool:
    """Still open with no update (or, never updated, not created) since the cutoff."""
    last = last_update_at or created_at
    return bool(is_open and last and last < cutoff)


def flag_actions(actions: Iterable[Action]) -> list[Action]:
    """Marks each action overdue (past its due date, still open) or stale (no recent update)."""
    t, cutoff = today(), stale_cutoff()
    out = []
    for a in actions:
        is_open = a.is_open
        a.overdue = is_overdue(is_open, a.due_date, t)
        a.stale = is_stale(is_open, a.last_update_at, a.created_at, cutoff)
        out.append(a)
    return out


def priority_leads(partnership: Partnership) -> QuerySet[Priority]:
    """The partnership's priorities with their leads, as the dashboard lists them."""
    return Priority.objects.filter(partnership=partnership).select_related(
        "lead_officer", "lead_officer__organisation", "lead_organisation"
    )


def priorities(partnership: Partnership) -> QuerySet[Priority]:
    return (
        priority_leads(partnership)
        .prefetch_related("partner_objectives__plan")
        .annotate(
            open_actions=Count("actions", filter=~Q(actions__status__in=Action.CLOSED)),
            total_actions=Count("actions"),
        )
    )


def county_priorities(partnership: Partnership) -> QuerySet[Priority]:
    """County-wide priorities of the county agreement a district sits under."""
    if not partnership.county_id:
        return Priority.objects.none()
    return (
        Priority.objects.filter(
            partnership_id=partnership.county_id, scope=Priority.Scope.COUNTY_WIDE
        )
        .select_related("lead_officer", "lead_officer__organisation", "lead_organisation")
        .prefetch_related("partner_objectives__plan")
    )


def localities(partnership: Partnership) -> QuerySet[PriorityLocality]:
    return PriorityLocality.objects.filter(partnership=partnership).select_related("priority")


def actions(partnership: Partnership) -> QuerySet[Action]:
    return Action.objects.filter(priority__partnership=partnership).select_related(
        "priority", "owner", "owner__organisation", "organisation"
    )


@dataclass
class PriorityActions:
    priority: Priority
    actions: list[Action] = field(default_factory=list)


@dataclass
class WorkPlan:
    groups: list[PriorityActions]
    total: int
    overdue: int
    stale: int


def workplan(
    partnership: Partnership,
    *,
    status: str = "",
    owner_id: int | None = None,
    only: str = "",
    priority_id: int | None = None,
) -> WorkPlan:
    # Each owner and organisation read once, not once per action (a work plan of 100 actions
    # has a handful of each); the priorities are the groups' own, set on their actions below.
    qs = (
        Action.objects.filter(priority__partnership=partnership)
        .defer("description")
        .prefetch_related("owner__organisation", "organisation")
        .order_by("priority__position", "priority__title", "due_date", "id")
    )
    if status == "open":
        qs = qs.exclude(status__in=Action.CLOSED)
    elif status:
        qs = qs.filter(status=status)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if priority_id:
        qs = qs.filter(priority_id=priority_id)
    flagged = flag_actions(qs)
    if only == "overdue":
        flagged = [a for a in flagged if a.overdue]
    elif only == "stale":
        flagged = [a for a in flagged if a.stale]
    groups: dict[int, PriorityActions] = {}
    for p in Priority.objects.filter(partnership=partnership).order_by("position", "title"):
        if priority_id and p.pk != priority_id:
            continue
        groups[p.pk] = PriorityActions(p)
    for a in flagged:
        group = groups.get(a.priority_id)
        if group is None:
            group = groups[a.priority_id] = PriorityActions(a.priority)
        else:
            a.priority = group.priority
        group.actions.append(a)
    return WorkPlan(
        groups=list(groups.values()),
        total=len(flagged),
        overdue=sum(1 for a in flagged if a.overdue),
        stale=sum(1 for a in flagged if a.stale),
    )


def action_with_history(partnership: Partnership, pk: int) -> Action:
    a = (
        actions(partnership)
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=ActionUpdate.objects.select_related(
                    "author", "author__organisation", "review"
                ),
            )
        )
        .get(pk=pk)
    )
    return flag_actions([a])[0]


def review_walk(partnership: Partnership) -> list[PriorityActions]:
    """Every priority with its open actions (and those closed since the last review)."""
    last = Review.objects.filter(partnership=partnership).order_by("-held_on", "-id").first()
    qs = actions(partnership).order_by("due_date", "id")
    if last is not None:
        qs = qs.filter(~Q(status__in=Action.CLOSED) | Q(last_update_at__date__gte=last.held_on))
    else:
        qs = qs.exclude(status__in=Action.CLOSED)
    groups = {
        p.pk: PriorityActions(p)
        for p in Priority.objects.filter(partnership=partnership).order_by("position", "title")
    }
    for a in flag_actions(qs):
        groups[a.priority_id].actions.append(a)
    return list(groups.values())


def reviews(partnership: Partnership) -> QuerySet[Review]:
    return (
        Review.objects.filter(partnership=partnership)
        .select_related("recorded_by", "recorded_by__organisation")
        .annotate(entry_count=Count("entries"))
    )


def review_detail(partnership: Partnership, pk: int) -> Review:
    from saferplaces.web.plans.models import ReviewEntry

    return (
        Review.objects.filter(partnership=partnership)
        .select_related("recorded_by", "recorded_by__organisation")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=ReviewEntry.objects.select_related("priority", "action").order_by(
                    "priority__position", "id"
                ),
            )
        )
        .get(pk=pk)
    )


def assessments(partnership: Partnership) -> QuerySet[AssessmentRun]:
    return (
        AssessmentRun.objects.filter(partnership=partnership)
        .select_related("created_by", "created_by__organisation")
        .defer("report_html")
    )


def decisions(partnership: Partnership) -> QuerySet[Decision]:
    return Decision.objects.filter(partnership=partnership).select_related(
        "decided_by", "decided_by__organisation", "assessment"
    )
