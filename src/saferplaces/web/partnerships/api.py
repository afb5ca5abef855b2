"""The partnerships API: partnerships, their people and county links. A django-ninja Router
mounted in web/api.py; the same selectors and services as the pages."""

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Field, Router, Status

from saferplaces.web import permissions as perm
from saferplaces.web.accounts.models import User
from saferplaces.web.api_common import ErrorOut, Id, Schema, Slug, partnership_for
from saferplaces.web.audit.services import record_view
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.partnerships import services as p_services
from saferplaces.web.partnerships.models import Membership, Partnership, Role

router = Router()


class AreaOut(Schema):
    level: str
    code: str
    name: str


class PartnershipOut(Schema):
    id: int
    slug: str
    name: str
    kind: str
    county: str | None = None
    plan_start: dt.date | None
    plan_end: dt.date | None
    areas: list[AreaOut]
    roles: list[str]


@router.get("/partnerships", response=list[PartnershipOut], tags=["partnerships"])
def list_partnerships(request: HttpRequest):
    roles: dict[int, list[str]] = {}
    for m in p_selectors.memberships_for_user(request.user):
        roles.setdefault(m.partnership_id, []).append(m.role)
    return [
        {
            "id": p.pk,
            "slug": p.slug,
            "name": p.name,
            "kind": p.kind,
            "county": p.county.slug if p.county_id else None,
            "plan_start": p.plan_start,
            "plan_end": p.plan_end,
            "areas": [{"level": a.level, "code": a.code, "name": a.name} for a in p.areas.all()],
            "roles": roles.get(p.pk, []),
        }
        for p in p_selectors.partnerships_for_user(request.user)
    ]


@router.get(
    "/partnerships/{slug}", response={200: PartnershipOut, 404: ErrorOut}, tags=["partnerships"]
)
def get_partnership(request: HttpRequest, slug: Slug):
    p = partnership_for(request, slug)
    return {
        "id": p.pk,
        "slug": p.slug,
        "name": p.name,
        "kind": p.kind,
        "county": p.county.slug if p.county_id else None,
        "plan_start": p.plan_start,
        "plan_end": p.plan_end,
        "areas": [{"level": a.level, "code": a.code, "name": a.name} for a in p.areas.all()],
        "roles": sorted(perm.roles_for(request.user, p)),
    }


# People and tenancy links ----------------------------------------------------------------------


class MembershipOut(Schema):
    id: int
    email: str
    name: str
    role: str
    active: bool


class MembershipIn(Schema):
    email: Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
    role: Annotated[str, Field(pattern="^(" + "|".join(Role.values) + ")$")]


class InvitationOut(Schema):
    email: str
    role: str
    expires_at: dt.datetime


class CountyRequestIn(Schema):
    county: Annotated[str, Field(pattern=r"^[-a-zA-Z0-9_]{1,80}$")]


class CountyRequestOut(Schema):
    id: int
    district: str
    county: str
    status: str
    requested_by: str | None
    requested_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None


class DecisionIn(Schema):
    accept: bool


def _membership(m: Membership) -> dict[str, Any]:
    return {
        "id": m.pk,
        "email": m.user.email,
        "name": m.user.display_name,
        "role": m.role,
        "active": m.user.is_active,
    }


def _county_request(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "district": r.district.slug,
        "county": r.county.slug,
        "status": r.status,
        "requested_by": r.requested_by.email if r.requested_by_id else None,
        "requested_at": r.requested_at,
        "decided_by": r.decided_by.email if r.decided_by_id else None,
        "decided_at": r.decided_at,
    }


@router.get(
    "/partnerships/{slug}/people",
    response={200: list[MembershipOut], 403: ErrorOut, 404: ErrorOut},
    tags=["people"],
)
def list_people(request: HttpRequest, slug: Slug):
    p = partnership_for(request, slug, perm.VIEW_PEOPLE)
    record_view(actor=request.user, partnership=p, what="People and their roles")
    return [_membership(m) for m in p_selectors.partnership_members(p)]


@router.post(
    "/partnerships/{slug}/people",
    response={201: MembershipOut, 202: InvitationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["people"],
)
def add_person(request: HttpRequest, slug: Slug, payload: MembershipIn):
    """Gives someone with an account a role; anyone else is sent an invitation (202)."""
    p = partnership_for(request, slug, perm.MANAGE_PEOPLE)
    email = payload.email.strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        inv = p_services.invitation_create(
            actor=request.user,
            partnership=p,
            email=email,
            role=payload.role,
            link_for=lambda key: request.build_absolute_uri(
                reverse("accounts:invitation", args=[key])
            ),
        )
        return Status(202, {"email": inv.email, "role": inv.role, "expires_at": inv.expires_at})
    m = p_services.membership_add(actor=request.user, partnership=p, user=user, role=payload.role)
    return Status(201, _membership(m))


@router.delete(
    "/partnerships/{slug}/people/{membership_id}",
    response={204: None, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["people"],
)
def remove_person(request: HttpRequest, slug: Slug, membership_id: Id):
    p = partnership_for(request, slug, perm.MANAGE_PEOPLE)
    m = (
        Membership.objects.select_related("user", "partnership")
        .filter(partnership=p, pk=membership_id)
        .first()
    )
    if m is None:
        raise Http404
    p_services.membership_remove(actor=request.user, membership=m)
    return Status(204, None)


@router.post(
    "/partnerships/{slug}/county-requests",
    response={201: CountyRequestOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["partnerships"],
)
def request_county_link(request: HttpRequest, slug: Slug, payload: CountyRequestIn):
    """A district's manager or administrator asks a county agreement to accept it."""
    p = partnership_for(request, slug, perm.REQUEST_COUNTY_LINK)
    county = Partnership.objects.filter(slug=payload.county, kind=Partnership.Kind.COUNTY).first()
    if county is None:
        raise ValidationError({"county": "No county agreement with this slug"})
    link = p_services.county_link_request(actor=request.user, district=p, county=county)
    return Status(201, _county_request(link))


@router.get(
    "/partnerships/{slug}/county-requests",
    response={200: list[CountyRequestOut], 403: ErrorOut, 404: ErrorOut},
    tags=["partnerships"],
)
def list_county_requests(request: HttpRequest, slug: Slug):
    p = partnership_for(request, slug, perm.DECIDE_COUNTY_LINK)
    return [_county_request(r) for r in p_selectors.county_requests(p)]


@router.post(
    "/partnerships/{slug}/county-requests/{request_id}/decision",
    response={200: CountyRequestOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["partnerships"],
)
def decide_county_link(request: HttpRequest, slug: Slug, request_id: Id, payload: DecisionIn):
    p = partnership_for(request, slug, perm.DECIDE_COUNTY_LINK)
    link = p_services.county_link_decide(
        actor=request.user, link=p_selectors.county_request(p, request_id), accept=payload.accept
    )
    return _county_request(link)
