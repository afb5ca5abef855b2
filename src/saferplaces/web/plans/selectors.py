"""Reads for the plan and the work plan.

Reads default to what is current: archived priorities, localities and actions (and the actions
of an archived priority) are left out unless ``include_archived=True`` asks for the history.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.plans.models import (
    Action,
    ActionUpdate,
    AssessmentRun,
    Decision,
    PlanPeriod,
    PlanVersion,
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


def overdue_q(t: dt.date) -> Q:
    """`is_overdue` as a query filter on actions, for counts and lists read in SQL."""
    return ~Q(status__in=Action.CLOSED) & Q(due_date__lt=t)


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


def with_coverage(priorities: list[Priority]) -> list[Priority]:
    """Each priority with what police.uk data holds for its theme, what it cannot show and the
    partner data that would (:func:`saferplaces.assessment.themes.coverage_for`)."""
    from saferplaces.assessment.themes import coverage_for

    for p in priorities:
        p.coverage = coverage_for(p.title)
    return priorities


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
    if include_archived:
        return Action.objects.filter(priority__partnership=partnership)
    # The current priorities as a subquery rather than a join: with the (priority, archived_at)
    # index each priority's actions are read directly, where the join let SQLite start from
    # the archived_at index (almost every action is not archived) and read every action of
    # every partnership (30,000 at the scale benchmark's size).
    return Action.objects.filter(
        priority__in=current_priorities(partnership).values("pk"), archived_at__isnull=True
    )


def actions(partnership: Partnership, *, include_archived: bool = False) -> QuerySet[Action]:
    return current_actions(partnership, include_archived=include_archived).select_related(
        "priority", "owner", "owner__organisation", "organisation"
    )


@dataclass
class PriorityActions:
    priority: Priority
    actions: list[Action] = field(default_factory=list)
    # The key the group's table is cached under ("" with the cache off): see group_key.
    cache_key: str = ""


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
    if settings.SAFERPLACES_INDICATOR_CACHE:
        filtered = bool(status or only or owner_id)
        for g in groups.values():
            g.cache_key = group_key(g, filtered)
    return WorkPlan(
        groups=list(groups.values()),
        total=len(flagged),
        overdue=sum(1 for a in flagged if a.overdue),
        stale=sum(1 for a in flagged if a.stale),
    )


def group_key(group: PriorityActions, filtered: bool) -> str:
    """Everything a work-plan group's table shows, hashed: the priority's title, each action's
    own fields, its owner's and organisation's names, and its overdue and stale flags (which
    change with the date). Any change to any of them is a new key, so the cached table is
    never out of date, in any server process, and nothing needs deleting on a write."""
    p = group.priority
    parts: list[Any] = [p.pk, p.title, filtered]
    for a in group.actions:
        parts.append(
            (
                a.pk,
                a.title,
                a.owner.display_name if a.owner_id else None,
                a.organisation.name if a.organisation_id else None,
                a.due_date,
                a.status,
                a.rag,
                a.last_update_at,
                a.overdue,
                a.stale,
            )
        )
    raw = repr(parts).encode()
    return "workplan:" + hashlib.blake2b(raw, digest_size=16).hexdigest()


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
    """Everything archived in the partnership, newest first, for the Archived page. Records an
    earlier plan period left when the next one started are read with that period instead (they
    cannot be restored: their copies are current)."""
    from saferplaces.web.performance.models import Indicator

    newest = ("-archived_at", "-id")
    return Archived(
        priorities=list(
            Priority.objects.filter(partnership=partnership, archived_at__isnull=False)
            .filter(carried_to__isnull=True)
            .select_related("archived_by")
            .annotate(
                action_count=Count("actions", distinct=True),
                indicator_count=Count("indicators", distinct=True),
            )
            .order_by(*newest)
        ),
        actions=list(
            Action.objects.filter(priority__partnership=partnership, archived_at__isnull=False)
            .filter(carried_to__isnull=True, priority__carried_to__isnull=True)
            .select_related("priority", "archived_by", "owner")
            .annotate(update_count=Count("updates"))
            .order_by(*newest)
        ),
        localities=list(
            PriorityLocality.objects.filter(partnership=partnership, archived_at__isnull=False)
            .filter(carried_to__isnull=True)
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


# Plan periods and versions -----------------------------------------------------------------------

# A period that ends within this many days is flagged, so the next plan is started in time.
PERIOD_ENDING_DAYS = 90


def current_period(partnership: Partnership) -> PlanPeriod | None:
    """The partnership's current plan period: the one no later period has started from."""
    return (
        PlanPeriod.objects.filter(partnership=partnership, next__isnull=True)
        .order_by("-starts_on", "-id")
        .first()
    )


def plan_periods(partnership: Partnership) -> list[PlanPeriod]:
    return list(
        PlanPeriod.objects.filter(partnership=partnership)
        .select_related("previous", "next")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=PlanVersion.objects.select_related(
                    "endorsed_by", "endorsing_resolution__item__meeting"
                ),
            )
        )
    )


def plan_period(partnership: Partnership, pk: int) -> PlanPeriod:
    from django.http import Http404

    for period in plan_periods(partnership):
        if period.pk == pk:
            return period
    raise Http404("No such plan period")


@dataclass
class PeriodContents:
    """A plan period as it is (current) or as it was left (earlier): its priorities, localities
    and the actions under them."""

    period: PlanPeriod
    priorities: list[Priority]
    localities: list[PriorityLocality]
    actions: list[Action]


def period_contents(period: PlanPeriod) -> PeriodContents:
    prios = list(
        Priority.objects.filter(plan_period=period).select_related("lead_officer", "carried_from")
    )
    return PeriodContents(
        period=period,
        priorities=prios,
        localities=list(
            PriorityLocality.objects.filter(plan_period=period).select_related("priority")
        ),
        actions=list(
            Action.objects.filter(priority__plan_period=period)
            .select_related("priority", "owner")
            .order_by("priority__position", "priority__title", "due_date", "id")
        ),
    )


def approved_resolutions(partnership: Partnership) -> QuerySet:
    """Resolutions of type "approved", which can record a board's endorsement of the plan."""
    from saferplaces.web.meetings.models import Resolution

    return (
        # Exempt business is not named on the plan's pages, which every role reads.
        Resolution.objects.filter(
            item__meeting__partnership=partnership,
            kind=Resolution.Kind.APPROVED,
            item__exempt=False,
        )
        .select_related("item__meeting__body")
        .order_by("-item__meeting__starts_at", "item__number", "letter")
    )


_LATEST_MONTH: dict[str, dt.date | None] = {}


def police_data_latest_month() -> dt.date | None:
    """The latest month of police street-level data in the warehouse (None without one). Read
    once per state of the warehouse file, not on every page."""
    from saferplaces.web import integrations

    stamp = integrations.warehouse_stamp()
    if stamp is None:
        return None
    if stamp not in _LATEST_MONTH:
        _LATEST_MONTH.clear()
        _LATEST_MONTH[stamp] = _read_latest_month()
    return _LATEST_MONTH[stamp]


def _read_latest_month() -> dt.date | None:
    from saferplaces.web import integrations

    try:
        con = integrations.connect()
    except integrations.WarehouseUnavailable:
        return None
    try:
        row = con.execute(
            "SELECT max(month) FROM loads WHERE is_current AND kind = 'street'"
        ).fetchone()
    except Exception:  # an older warehouse without the view has no answer here
        return None
    finally:
        con.close()
    if not row or row[0] is None:
        return None
    m = row[0]
    return (m if isinstance(m, dt.date) else dt.date.fromisoformat(str(m)[:10])).replace(day=1)


@dataclass
class PlanWarning:
    text: str
    key: str


def plan_warnings(
    partnership: Partnership, *, latest_month: dt.date | bool | None = False
) -> list[PlanWarning]:
    """What the dashboard and plan pages warn about: a plan period that has ended or ends soon
    (so the next one is started, carrying the plan forward, rather than the dates overwritten),
    and police data older than the staleness limit (SAFERPLACES_STALE_AFTER_DAYS, a quarter)."""
    out: list[PlanWarning] = []
    t = today()
    # The partnership's plan dates are the current period's (starting a period sets them), so
    # the pages that warn need no further query.
    end = partnership.plan_end
    title = partnership.plan_title or "The partnership plan"
    if end is not None:
        if end < t:
            out.append(
                PlanWarning(
                    f"The plan period ended on {end:%-d %B %Y}. {title} needs a new plan "
                    "period: starting one keeps this plan as it was and carries its priorities, "
                    "localities and open actions forward.",
                    "period-ended",
                )
            )
        elif (end - t).days <= PERIOD_ENDING_DAYS:
            out.append(
                PlanWarning(
                    f"The plan period ends on {end:%-d %B %Y}, in {(end - t).days} days. "
                    "Start the next plan period in time for it.",
                    "period-ending",
                )
            )
    month = police_data_latest_month() if latest_month is False else latest_month
    if month is not None:
        # The month's data covers to its last day; it is out of date once that is older than
        # the staleness limit the work plan uses.
        month_end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(
            days=1
        )
        if (t - month_end).days > settings.SAFERPLACES_STALE_AFTER_DAYS:
            out.append(
                PlanWarning(
                    f"The police data is out of date: the latest month loaded is "
                    f"{month:%B %Y}. Load the newer months before relying on the figures.",
                    "police-data-stale",
                )
            )
    return out


# Suggested priority rating ---------------------------------------------------------------------


@dataclass
class SuggestedRag:
    """A rating the evidence suggests for a priority not yet rated at a review: shown labelled
    "Suggested" with its reasons, and never written to the priority (only a review rates)."""

    rag: str  # "red", "amber", "green", or "" when there is not enough to suggest one
    reasons: list[str] = field(default_factory=list)

    @property
    def words(self) -> str:
        return "; ".join(self.reasons)


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def suggest_rag(
    *, actions: Iterable[tuple[str, bool]], indicators: Iterable[tuple[str, str]]
) -> SuggestedRag:
    """The rating a priority's evidence suggests. ``actions`` are its open actions as (RAG,
    overdue); ``indicators`` its indicators as (name, RAG), unrated ones with RAG "".

    The rule, worst first:

    - red: an indicator is red, or an open action is rated red and is overdue (slipping with
      no recovery in sight);
    - amber: an indicator or an action is amber, an action is red but not yet overdue, or an
      action is overdue;
    - green: everything rated is green and nothing is overdue;
    - no suggestion when no indicator has a rating and no open action is rated or overdue.
    """
    acts = list(actions)
    inds = list(indicators)
    red_ind = [name for name, rag in inds if rag == "red"]
    amber_ind = [name for name, rag in inds if rag == "amber"]
    green_ind = [name for name, rag in inds if rag == "green"]
    red_late = sum(1 for rag, late in acts if rag == "red" and late)
    red_on_time = sum(1 for rag, late in acts if rag == "red" and not late)
    amber = sum(1 for rag, _ in acts if rag == "amber")
    late = sum(1 for _, is_late in acts if is_late)
    green = sum(1 for rag, _ in acts if rag == "green")
    reasons: list[str] = []
    if red_ind or red_late:
        if red_ind:
            reasons.append(f"{', '.join(red_ind)} {'is' if len(red_ind) == 1 else 'are'} red")
        if red_late:
            reasons.append(
                _n(red_late, "action rated red is overdue", "actions rated red are overdue")
            )
        return SuggestedRag("red", reasons)
    if amber_ind or amber or red_on_time or late:
        if amber_ind:
            reasons.append(f"{', '.join(amber_ind)} {'is' if len(amber_ind) == 1 else 'are'} amber")
        if red_on_time:
            reasons.append(_n(red_on_time, "action is rated red", "actions are rated red"))
        if amber:
            reasons.append(_n(amber, "action is rated amber", "actions are rated amber"))
        if late:
            reasons.append(_n(late, "action is overdue", "actions are overdue"))
        return SuggestedRag("amber", reasons)
    if green_ind or green:
        if green_ind:
            reasons.append(f"{', '.join(green_ind)} {'is' if len(green_ind) == 1 else 'are'} green")
        if green:
            reasons.append(_n(green, "action is rated green", "actions are rated green"))
        reasons.append("nothing is overdue")
        return SuggestedRag("green", reasons)
    return SuggestedRag("", ["no indicator or open action is rated yet"])


# Adopting an assessment -----------------------------------------------------------------------


def theme_key(title: str) -> str:
    """The assessment theme a priority title is about (``coverage_for``), or "" if none."""
    from saferplaces.assessment.themes import coverage_for

    key = coverage_for(title).key
    return "" if key == "unmatched" else key


def adoption_matches(partnership: Partnership, names: Iterable[str]) -> dict[str, Priority | None]:
    """Each recommended priority name with the current priority it is already in the plan as:
    the same title, or else the same theme ("Shoplifting" is "Retail crime and shoplifting"),
    the first such priority in plan order. None: adopting it makes a new priority."""
    current = list(current_priorities(partnership).order_by("position", "title", "id"))
    by_title = {p.title.casefold(): p for p in current}
    by_theme: dict[str, Priority] = {}
    for p in current:
        key = theme_key(p.title)
        if key:
            by_theme.setdefault(key, p)
    out: dict[str, Priority | None] = {}
    for name in names:
        key = theme_key(name)
        out[name] = by_title.get(name.casefold()) or (by_theme.get(key) if key else None)
    return out


# A lead officer's actions ----------------------------------------------------------------------


def addable_priorities(user: Any, partnership: Partnership) -> list[Priority]:
    """The current priorities this person may add actions under: all of them for the manager,
    those they lead for a lead officer (``permissions.ADD_ACTION``), none for anyone else."""
    from saferplaces.web import permissions

    qs = current_priorities(partnership)
    if permissions.can(user, partnership, permissions.ADD_ACTION):
        return list(qs)
    return [
        p
        for p in qs.filter(lead_officer=user)
        if permissions.can(user, partnership, permissions.ADD_ACTION, p)
    ]


@dataclass
class MyActions:
    """One partnership's part of a person's "My actions": the open and closed actions they
    own, and those under priorities they lead that someone else owns."""

    partnership: Partnership
    owned: list[Action]
    led: list[Action]
    can_add: bool

    @property
    def sections(self) -> list[tuple[str, list[Action]]]:
        return [("Actions you own", self.owned), ("Under priorities you lead", self.led)]


def my_actions(user: Any) -> list[MyActions]:
    """Across the person's partnerships (current actions only), in one read of the actions."""
    from saferplaces.web.partnerships.models import Membership

    memberships = Membership.objects.filter(user=user).select_related("partnership")
    partnerships = {m.partnership_id: m.partnership for m in memberships}
    rows = flag_actions(
        Action.objects.filter(
            Q(owner=user) | Q(priority__lead_officer=user),
            priority__partnership_id__in=list(partnerships),
            archived_at__isnull=True,
            priority__archived_at__isnull=True,
        )
        .select_related("priority", "owner", "owner__organisation")
        .order_by("priority__partnership__name", "due_date", "id")
    )
    led_here = set(
        Priority.objects.filter(
            lead_officer=user, partnership_id__in=list(partnerships), archived_at__isnull=True
        ).values_list("partnership_id", flat=True)
    )
    out: dict[int, MyActions] = {}
    for a in rows:
        pid = a.priority.partnership_id
        group = out.setdefault(pid, MyActions(partnerships[pid], [], [], False))
        (group.owned if a.owner_id == user.pk else group.led).append(a)
    from saferplaces.web import permissions

    for pid in led_here:
        out.setdefault(pid, MyActions(partnerships[pid], [], [], False))
    for pid, group in out.items():
        group.can_add = permissions.can(user, pid, permissions.ADD_ACTION) or (
            pid in led_here and permissions.Role.LEAD_OFFICER in permissions.roles_for(user, pid)
        )
    return sorted(out.values(), key=lambda g: g.partnership.name)
