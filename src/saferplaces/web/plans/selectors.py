"""Reads for the plan and the work plan.

Reads default to what is current: archived priorities, localities and actions (and the actions
of an archived priority) are left out unless ``include_archived=True`` asks for the history.
"""

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
    ReviewEntry,
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


def current_priorities(
    partnership: Partnership, *, include_archived: bool = False
) -> QuerySet[Priority]:
    """The partnership's priorities, without their related records (form choices, imports)."""
    qs = Priority.objects.filter(partnership=partnership)
    return qs if include_archived else qs.filter(archived_at__isnull=True)


def priority_leads(
    partnership: Partnership, *, include_archived: bool = False
) -> QuerySet[Priority]:
    """The partnership's priorities with their leads, as the dashboard lists them."""
    return current_priorities(partnership, include_archived=include_archived).select_related(
        "lead_officer", "lead_officer__organisation", "lead_organisation"
    )


def priorities(partnership: Partnership, *, include_archived: bool = False) -> QuerySet[Priority]:
    live = Q(actions__archived_at__isnull=True)
    return (
        priority_leads(partnership, include_archived=include_archived)
        .prefetch_related("partner_objectives__plan")
        .annotate(
            open_actions=Count("actions", filter=live & ~Q(actions__status__in=Action.CLOSED)),
            total_actions=Count("actions", filter=live),
        )
    )


def county_priorities(partnership: Partnership) -> QuerySet[Priority]:
    """County-wide priorities of the county agreement a district sits under."""
    if not partnership.county_id:
        return Priority.objects.none()
    return (
        Priority.objects.filter(
            partnership_id=partnership.county_id,
            scope=Priority.Scope.COUNTY_WIDE,
            archived_at__isnull=True,
        )
        .select_related("lead_officer", "lead_officer__organisation", "lead_organisation")
        .prefetch_related("partner_objectives__plan")
    )


def localities(
    partnership: Partnership, *, include_archived: bool = False
) -> QuerySet[PriorityLocality]:
    qs = PriorityLocality.objects.filter(partnership=partnership).select_related("priority")
    return qs if include_archived else qs.filter(archived_at__isnull=True)


def current_actions(
    partnership: Partnership, *, include_archived: bool = False
) -> QuerySet[Action]:
    """The partnership's actions, plain; an action is current if it and its priority are."""
    qs = Action.objects.filter(priority__partnership=partnership)
    if include_archived:
        return qs
    return qs.filter(archived_at__isnull=True, priority__archived_at__isnull=True)


def actions(partnership: Partnership, *, include_archived: bool = False) -> QuerySet[Action]:
    return current_actions(partnership, include_archived=include_archived).select_related(
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
        current_actions(partnership)
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
    for p in current_priorities(partnership).order_by("position", "title"):
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


def action_with_history(
    partnership: Partnership, pk: int, *, include_archived: bool = False
) -> Action:
    a = (
        actions(partnership, include_archived=include_archived)
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
        for p in current_priorities(partnership).order_by("position", "title")
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
    """A past review as it was recorded: archived priorities and actions included."""
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


# History: what is archived -----------------------------------------------------------------


@dataclass
class ArchiveImpact:
    """What stays in the history when a record is archived (for the confirmation page)."""

    actions: int = 0
    updates: int = 0
    indicators: int = 0
    values: int = 0
    review_entries: int = 0

    def phrases(self) -> list[str]:
        def n(count: int, one: str, many: str) -> str:
            return f"{count:,} {one if count == 1 else many}"

        out = []
        if self.actions:
            out.append(n(self.actions, "action", "actions"))
        if self.updates:
            out.append(n(self.updates, "update", "updates"))
        if self.indicators:
            out.append(n(self.indicators, "indicator", "indicators"))
        if self.values:
            out.append(n(self.values, "monthly value", "monthly values"))
        if self.review_entries:
            out.append(n(self.review_entries, "review entry", "review entries"))
        return out


def priority_impact(priority: Priority) -> ArchiveImpact:
    from saferplaces.web.performance.models import IndicatorValue

    return ArchiveImpact(
        actions=priority.actions.filter(archived_at__isnull=True).count(),
        updates=ActionUpdate.objects.filter(action__priority=priority).count(),
        indicators=priority.indicators.filter(archived_at__isnull=True).count(),
        values=IndicatorValue.objects.filter(indicator__priority=priority).count(),
        review_entries=ReviewEntry.objects.filter(priority=priority).count(),
    )


def action_impact(action: Action) -> ArchiveImpact:
    return ArchiveImpact(
        updates=action.updates.count(),
        review_entries=ReviewEntry.objects.filter(action=action).count(),
    )


@dataclass
class Archived:
    priorities: list[Priority]
    actions: list[Action]
    localities: list[PriorityLocality]
    indicators: list


def archived(partnership: Partnership) -> Archived:
    """Everything archived in the partnership, newest first, for the Archived page."""
    from saferplaces.web.performance.models import Indicator

    newest = ("-archived_at", "-id")
    return Archived(
        priorities=list(
            Priority.objects.filter(partnership=partnership, archived_at__isnull=False)
            .select_related("archived_by")
            .annotate(
                action_count=Count("actions", distinct=True),
                indicator_count=Count("indicators", distinct=True),
            )
            .order_by(*newest)
        ),
        actions=list(
            Action.objects.filter(priority__partnership=partnership, archived_at__isnull=False)
            .select_related("priority", "archived_by", "owner")
            .annotate(update_count=Count("updates"))
            .order_by(*newest)
        ),
        localities=list(
            PriorityLocality.objects.filter(partnership=partnership, archived_at__isnull=False)
            .select_related("archived_by")
            .order_by(*newest)
        ),
        indicators=list(
            Indicator.objects.filter(partnership=partnership, archived_at__isnull=False)
            .select_related("priority", "archived_by")
            .annotate(value_count=Count("values"))
            .order_by(*newest)
        ),
    )
