"""Reads for partnerships: which ones a person can see, and what is in them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from saferplaces.web import permissions
from saferplaces.web.accounts.models import User
from saferplaces.web.partnerships.models import (
    CountyLinkRequest,
    Invitation,
    Membership,
    PartnerObjective,
    PartnerPlan,
    Partnership,
)


def partnerships_for_user(user: User) -> QuerySet[Partnership]:
    qs = Partnership.objects.select_related("county", "lead_organisation").prefetch_related("areas")
    if user.is_superuser:
        return qs
    return qs.filter(memberships__user=user).distinct()


def partnership_for_user(user: User, slug: str, capability: str = permissions.VIEW) -> Partnership:
    """The partnership if the user may see it (404 otherwise); PermissionDenied for the capability."""
    try:
        partnership = Partnership.objects.select_related("county", "lead_organisation").get(
            slug=slug
        )
    except Partnership.DoesNotExist:
        raise Http404("No such partnership") from None
    # Someone with no role here is told nothing about the partnership, not even that it exists.
    if not permissions.can(user, partnership, permissions.VIEW):
        raise Http404("No such partnership")
    permissions.require(user, partnership, capability)
    return partnership


def memberships_for_user(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("partnership")
        .order_by("partnership__name", "role")
    )


def partnership_members(partnership: Partnership) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(partnership=partnership)
        .select_related("user", "user__organisation")
        .order_by("user__email", "role")
    )


def open_invitations(partnership: Partnership) -> list[Invitation]:
    """Invitations not yet used, cancelled or expired, for the people page."""
    return [
        i
        for i in Invitation.objects.filter(
            partnership=partnership, accepted_at=None, cancelled_at=None
        ).select_related("invited_by")
        if i.is_open
    ]


def member_for_admin(partnership: Partnership, user_id: int) -> User:
    """A person with a role in this partnership (404 otherwise), for deactivation pages."""
    user = (
        User.objects.filter(pk=user_id, memberships__partnership=partnership)
        .select_related("organisation")
        .first()
    )
    if user is None:
        raise Http404("No such person in this partnership")
    return user


def county_requests(county: Partnership) -> QuerySet[CountyLinkRequest]:
    """Requests from districts to join this county agreement, newest first."""
    return CountyLinkRequest.objects.filter(county=county).select_related(
        "district", "requested_by", "decided_by"
    )


def county_request(county: Partnership, pk: int) -> CountyLinkRequest:
    try:
        return county_requests(county).get(pk=pk)
    except CountyLinkRequest.DoesNotExist:
        raise Http404("No such request") from None


def pending_county_request(district: Partnership) -> CountyLinkRequest | None:
    return (
        CountyLinkRequest.objects.filter(district=district, status=CountyLinkRequest.Status.PENDING)
        .select_related("county")
        .first()
    )


def partnership_people(partnership: Partnership) -> list[User]:
    """People with any role here, for 'owner' and 'lead officer' choices."""
    return list(
        User.objects.filter(memberships__partnership=partnership, is_active=True)
        .select_related("organisation")
        .distinct()
        .order_by("job_title", "email")
    )


def partner_plans(partnership: Partnership) -> QuerySet[PartnerPlan]:
    """Plans this partnership and, for a district, its county agreement refer to."""
    ids = [partnership.pk] + ([partnership.county_id] if partnership.county_id else [])
    return PartnerPlan.objects.filter(partnership_id__in=ids).prefetch_related(
        Prefetch("objectives", queryset=PartnerObjective.objects.order_by("position", "id"))
    )


def partner_objectives(partnership: Partnership) -> QuerySet[PartnerObjective]:
    ids = [partnership.pk] + ([partnership.county_id] if partnership.county_id else [])
    return PartnerObjective.objects.filter(plan__partnership_id__in=ids).select_related("plan")


def area_codes(partnership: Partnership) -> list[str]:
    return [a.code for a in partnership.areas.all()]


@dataclass
class DistrictSummary:
    """One district's plan as its county agreement sees it: a summary, not the district's pages."""

    district: Partnership
    priorities: list[Any]
    localities: list[str]
    open_actions: int
    overdue_actions: int
    completed_actions: int
    indicator_rag: dict[str, int]


def county_rollup(county: Partnership) -> list[DistrictSummary]:
    """The districts whose link to this county was accepted, each with its current priorities
    (RAG and lead), priority localities, action counts and indicator RAG counts.

    A county agreement spans its districts' plans, so the county's members see this summary;
    the districts' own pages stay need-to-know (their members only)."""
    from django.db.models import Count, Q

    from saferplaces.web.performance import selectors as perf_selectors
    from saferplaces.web.plans import selectors as plan_selectors
    from saferplaces.web.plans.models import Action

    if not county.is_county:
        return []
    today = plan_selectors.today()
    out = []
    for d in county.districts.order_by("name"):
        counts = plan_selectors.current_actions(d).aggregate(
            open=Count("pk", filter=~Q(status__in=Action.CLOSED)),
            overdue=Count("pk", filter=plan_selectors.overdue_q(today)),
            done=Count("pk", filter=Q(status=Action.Status.COMPLETE)),
        )
        rag = {"red": 0, "amber": 0, "green": 0, "none": 0}
        for v in perf_selectors.indicator_views(d, months=1):
            rag[v.rag if v.rag in rag else "none"] += 1
        out.append(
            DistrictSummary(
                district=d,
                priorities=list(plan_selectors.priority_leads(d)),
                localities=[x.name for x in plan_selectors.localities(d)],
                open_actions=counts["open"],
                overdue_actions=counts["overdue"],
                completed_actions=counts["done"],
                indicator_rag=rag,
            )
        )
    return out
