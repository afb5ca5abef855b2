"""The meetings API (a django-ninja Router mounted on the main API in saferplaces.web.api).

Same selectors and services as the pages: exempt items are left out for people without the
right to see them, and every write is audited by its service.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Status

from saferplaces.web import permissions as perm
from saferplaces.web.api_common import ErrorOut, Id, Schema, Slug
from saferplaces.web.meetings import selectors, services
from saferplaces.web.meetings.models import (
    AgendaItem,
    Meeting,
    Recommendation,
    Resolution,
    WorkProgrammeItem,
)
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.partnerships.models import Membership

router = Router(tags=["meetings"])


class MeetingOut(Schema):
    id: int
    body_id: int
    body: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    place: str
    agenda_published_at: dt.datetime | None
    quorate: bool | None
    url: str


class ResolutionOut(Schema):
    id: int
    item_number: int
    letter: str
    text: str
    kind: str
    owner: str | None
    due_date: dt.date | None
    action_id: int | None
    action_status: str | None


class PaperOut(Schema):
    id: int
    title: str
    source: str
    content_type: str
    size: int
    sha256: str


class ItemOut(Schema):
    id: int
    number: int
    title: str
    presenter: str
    exempt: bool
    minutes: str
    papers: list[PaperOut]
    resolutions: list[ResolutionOut]


class MeetingDetailOut(MeetingOut):
    items: list[ItemOut]
    matters_arising: list[ResolutionOut]


class MeetingIn(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    title: Annotated[str, Field(max_length=200)] = ""
    place: Annotated[str, Field(max_length=300)] = ""
    notes: Annotated[str, Field(max_length=5000)] = ""


class ResolutionIn(Schema):
    text: Annotated[str, Field(min_length=1, max_length=5000)]
    kind: Annotated[str, Field(pattern="^(" + "|".join(Resolution.Kind.values) + ")$")]
    owner_id: int | None = None
    due_date: dt.date | None = None


def _meeting(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.pk,
        "body_id": m.body_id,
        "body": m.body.name,
        "title": m.title,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "place": m.place,
        "agenda_published_at": m.agenda_published_at,
        "quorate": selectors.quorate(m),
        "url": reverse("meetings:meeting", args=[m.partnership.slug, m.pk]),
    }


def _resolution(r: Resolution) -> dict[str, Any]:
    return {
        "id": r.pk,
        "item_number": r.item.number,
        "letter": r.letter,
        "text": r.text,
        "kind": r.kind,
        "owner": r.owner.display_name if r.owner_id else None,
        "due_date": r.due_date,
        "action_id": r.action_id,
        "action_status": r.action.status if r.action_id else None,
    }


def _item(i: AgendaItem) -> dict[str, Any]:
    return {
        "id": i.pk,
        "number": i.number,
        "title": i.title,
        "presenter": i.presenter,
        "exempt": i.exempt,
        "minutes": i.minutes,
        "papers": [
            {
                "id": p.pk,
                "title": p.title,
                "source": p.source,
                "content_type": p.content_type,
                "size": p.size,
                "sha256": p.sha256,
            }
            for p in i.papers.all()
        ],
        "resolutions": [_resolution(r) for r in i.resolutions.all()],
    }


@router.get("/partnerships/{slug}/meetings", response={200: list[MeetingOut], 404: ErrorOut})
def list_meetings(request: HttpRequest, slug: Slug):
    p = p_selectors.partnership_for_user(request.user, slug)
    return [_meeting(m) for m in selectors.meetings(p)[:200]]


@router.get(
    "/partnerships/{slug}/meetings/{meeting_id}",
    response={200: MeetingDetailOut, 404: ErrorOut},
)
def get_meeting(request: HttpRequest, slug: Slug, meeting_id: Id):
    p = p_selectors.partnership_for_user(request.user, slug)
    m = selectors.meeting(p, meeting_id)
    return {
        **_meeting(m),
        "items": [_item(i) for i in selectors.items(m, request.user)],
        "matters_arising": [_resolution(r) for r in selectors.matters_arising(m, request.user)],
    }


@router.post(
    "/partnerships/{slug}/bodies/{body_id}/meetings",
    response={201: MeetingOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def create_meeting(request: HttpRequest, slug: Slug, body_id: Id, payload: MeetingIn):
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_MEETINGS)
    m = services.meeting_create(
        actor=request.user, body=selectors.body(p, body_id), **payload.dict()
    )
    return Status(201, _meeting(m))


@router.post(
    "/partnerships/{slug}/meetings/{meeting_id}/items/{item_id}/resolutions",
    response={201: ResolutionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def create_resolution(
    request: HttpRequest, slug: Slug, meeting_id: Id, item_id: Id, payload: ResolutionIn
):
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_MEETINGS)
    m = selectors.meeting(p, meeting_id)
    item = selectors.item(m, item_id, request.user)
    owner = None
    if payload.owner_id is not None:
        ms = (
            Membership.objects.select_related("user")
            .filter(partnership=p, user_id=payload.owner_id, user__is_active=True)
            .first()
        )
        if ms is None:
            from django.core.exceptions import ValidationError

            raise ValidationError({"owner_id": "Choose someone with a role in this partnership"})
        owner = ms.user
    r = services.resolution_add(
        actor=request.user,
        item=item,
        text=payload.text,
        kind=payload.kind,
        owner=owner,
        due_date=payload.due_date,
    )
    return Status(201, _resolution(r))


# Scrutiny ---------------------------------------------------------------------------------------


class WorkItemOut(Schema):
    id: int
    body_id: int
    body: str
    title: str
    notes: str
    planned_meeting_id: int | None
    planned_for: dt.datetime | None
    status: str
    resolution_id: int | None


class WorkItemIn(Schema):
    title: Annotated[str, Field(min_length=1, max_length=300)]
    notes: Annotated[str, Field(max_length=5000)] = ""
    planned_meeting_id: int | None = None


class RecommendationOut(Schema):
    id: int
    body_id: int
    body: str
    meeting_id: int | None
    text: str
    made_on: dt.date
    response_due: dt.date | None
    response: str
    reasons: str
    responded_on: dt.date | None
    implemented_on: dt.date | None
    status: str
    is_open: bool


class RecommendationIn(Schema):
    text: Annotated[str, Field(min_length=1, max_length=5000)]
    made_on: dt.date
    meeting_id: int | None = None
    response_due: dt.date | None = None


class ResponseIn(Schema):
    response: Annotated[str, Field(pattern="^(" + "|".join(Recommendation.Response.values) + ")$")]
    reasons: Annotated[str, Field(max_length=5000)] = ""
    responded_on: dt.date


def _work_item(w: WorkProgrammeItem) -> dict[str, Any]:
    return {
        "id": w.pk,
        "body_id": w.body_id,
        "body": w.body.name,
        "title": w.title,
        "notes": w.notes,
        "planned_meeting_id": w.planned_meeting_id,
        "planned_for": w.planned_meeting.starts_at if w.planned_meeting_id else None,
        "status": w.status,
        "resolution_id": w.resolution_id,
    }


def _recommendation(r: Recommendation) -> dict[str, Any]:
    return {
        "id": r.pk,
        "body_id": r.body_id,
        "body": r.body.name,
        "meeting_id": r.meeting_id,
        "text": r.text,
        "made_on": r.made_on,
        "response_due": r.response_due,
        "response": r.response,
        "reasons": r.reasons,
        "responded_on": r.responded_on,
        "implemented_on": r.implemented_on,
        "status": r.status,
        "is_open": r.is_open,
    }


def _body_meeting(body: Any, meeting_id: int | None, field: str) -> Meeting | None:
    if meeting_id is None:
        return None
    m = body.meetings.filter(pk=meeting_id).first()
    if m is None:
        from django.core.exceptions import ValidationError

        raise ValidationError({field: f"Choose a meeting of {body.name}"})
    return m


@router.get(
    "/partnerships/{slug}/scrutiny/work-programme",
    response={200: list[WorkItemOut], 404: ErrorOut},
)
def list_work_programme(request: HttpRequest, slug: Slug):
    p = p_selectors.partnership_for_user(request.user, slug)
    return [_work_item(w) for w in selectors.work_programme(p)]


@router.post(
    "/partnerships/{slug}/scrutiny/committees/{body_id}/work-programme",
    response={201: WorkItemOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def create_work_item(request: HttpRequest, slug: Slug, body_id: Id, payload: WorkItemIn):
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_MEETINGS)
    b = selectors.scrutiny_body(p, body_id)
    w = services.work_item_add(
        actor=request.user,
        body=b,
        title=payload.title,
        notes=payload.notes,
        planned_meeting=_body_meeting(b, payload.planned_meeting_id, "planned_meeting_id"),
    )
    return Status(201, _work_item(w))


@router.get(
    "/partnerships/{slug}/scrutiny/recommendations",
    response={200: list[RecommendationOut], 404: ErrorOut},
)
def list_recommendations(request: HttpRequest, slug: Slug):
    p = p_selectors.partnership_for_user(request.user, slug)
    return [_recommendation(r) for r in selectors.recommendations(p)]


@router.post(
    "/partnerships/{slug}/scrutiny/committees/{body_id}/recommendations",
    response={201: RecommendationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def create_recommendation(request: HttpRequest, slug: Slug, body_id: Id, payload: RecommendationIn):
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_MEETINGS)
    b = selectors.scrutiny_body(p, body_id)
    r = services.recommendation_add(
        actor=request.user,
        body=b,
        text=payload.text,
        made_on=payload.made_on,
        meeting=_body_meeting(b, payload.meeting_id, "meeting_id"),
        response_due=payload.response_due,
    )
    return Status(201, _recommendation(r))


@router.post(
    "/partnerships/{slug}/scrutiny/recommendations/{recommendation_id}/response",
    response={200: RecommendationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def respond_recommendation(
    request: HttpRequest, slug: Slug, recommendation_id: Id, payload: ResponseIn
):
    p = p_selectors.partnership_for_user(request.user, slug, perm.RESPOND_SCRUTINY)
    r = services.recommendation_respond(
        actor=request.user,
        recommendation=selectors.recommendation(p, recommendation_id),
        response=payload.response,
        reasons=payload.reasons,
        responded_on=payload.responded_on,
    )
    return _recommendation(r)
