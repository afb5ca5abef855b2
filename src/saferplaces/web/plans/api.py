"""The plans API: the plan's priorities, the work plan's actions and their updates, and
assessments (import and adopt). A django-ninja Router mounted in web/api.py; the same selectors
and services as the pages."""

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from saferplaces.web import integrations
from saferplaces.web import permissions as perm
from saferplaces.web.accounts.models import Organisation
from saferplaces.web.api_common import (
    ActionOut,
    ErrorOut,
    Id,
    PersonOut,
    RagLiteral,
    Schema,
    Slug,
    StatusLiteral,
    Text,
    action_out,
    partnership_for,
    person_out,
)
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.plans import selectors as plan_selectors
from saferplaces.web.plans import services as plan_services
from saferplaces.web.plans.models import Action, AssessmentRun

router = Router()


class PriorityOut(Schema):
    id: int
    title: str
    definition: str
    scope: str
    period_start: dt.date | None
    period_end: dt.date | None
    governance_group: str
    lead_officer: PersonOut | None
    lead_organisation: str | None
    rag: str
    source: str
    score: float | None
    rationale: str
    partner_objectives: list[str]


class UpdateOut(Schema):
    id: int
    created_at: dt.datetime
    author: str | None
    note: str
    status: str
    rag: str


class ActionDetailOut(ActionOut):
    updates: list[UpdateOut]


class ActionIn(Schema):
    priority_id: int = Field(ge=1, le=2**53)
    title: Text = Field(min_length=1, max_length=300)
    description: Text = Field("", max_length=10000)
    owner_id: int | None = Field(None, ge=1, le=2**53)
    organisation: Text | None = Field(None, max_length=200)
    due_date: dt.date | None = None
    status: StatusLiteral = "not_started"
    rag: RagLiteral = ""


class ActionPatch(Schema):
    title: Text | None = Field(None, min_length=1, max_length=300)
    description: Text | None = Field(None, max_length=10000)
    owner_id: int | None = Field(None, ge=1, le=2**53)
    due_date: dt.date | None = None
    status: StatusLiteral | None = None
    rag: RagLiteral | None = None


class UpdateIn(Schema):
    note: Text = Field(min_length=1, max_length=10000)
    status: StatusLiteral
    rag: RagLiteral = ""


class AssessmentIn(Schema):
    area_code: Text = Field(min_length=1, max_length=40)
    result: dict[str, Any]

    @field_validator("result", mode="after")
    @classmethod
    def _storable(cls, v: dict[str, Any]) -> dict[str, Any]:
        try:
            integrations.check_assessment_json(v, field="Result")
        except ValidationError as exc:
            raise PydanticCustomError("text", exc.messages[0]) from None
        return v


class AssessmentOut(Schema):
    id: int
    area_code: str
    status: str
    created_at: dt.datetime
    recommended_priorities: list[str]
    priority_localities: list[str]


class AdoptIn(Schema):
    priorities: list[int] = Field(default_factory=list, max_length=200)
    localities: list[int] = Field(default_factory=list, max_length=200)
    decided_on: dt.date
    decision_maker: Text = Field(min_length=1, max_length=200)
    minute: Text = Field("", max_length=10000)


class DecisionOut(Schema):
    id: int
    decided_on: dt.date
    decision_maker: str
    adopted: dict[str, Any]


def _get_action(p: Partnership, pk: int) -> Action:
    try:
        return plan_selectors.action_with_history(p, pk)
    except Action.DoesNotExist:
        raise Http404 from None


@router.get(
    "/partnerships/{slug}/priorities",
    response={200: list[PriorityOut], 404: ErrorOut},
    tags=["plan"],
)
def list_priorities(request: HttpRequest, slug: Slug):
    p = partnership_for(request, slug)
    return [
        {
            "id": x.pk,
            "title": x.title,
            "definition": x.definition,
            "scope": x.scope,
            "period_start": x.period_start,
            "period_end": x.period_end,
            "governance_group": x.governance_group,
            "lead_officer": person_out(x.lead_officer),
            "lead_organisation": x.lead_organisation.name if x.lead_organisation_id else None,
            "rag": x.rag,
            "source": x.source,
            "score": x.score,
            "rationale": x.rationale,
            "partner_objectives": [
                f"{o.plan.title}: {o.title}" for o in x.partner_objectives.all()
            ],
        }
        for x in plan_selectors.priorities(p)
    ]


class ActionFilter(Schema):
    status: Annotated[
        str, Field(pattern=r"^(open|not_started|in_progress|on_hold|complete|cancelled)?$")
    ] = ""
    overdue: bool | None = None


@router.get(
    "/partnerships/{slug}/actions",
    response={200: list[ActionOut], 404: ErrorOut},
    tags=["work plan"],
)
@paginate(LimitOffsetPagination)
def list_actions(request: HttpRequest, slug: Slug, filters: Query[ActionFilter]):
    p = partnership_for(request, slug)
    qs = plan_selectors.actions(p).order_by("priority__position", "due_date", "id")
    if filters.status == "open":
        qs = qs.exclude(status__in=Action.CLOSED)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    items = plan_selectors.flag_actions(qs)
    if filters.overdue is not None:
        items = [a for a in items if a.overdue == filters.overdue]
    return [action_out(a) for a in items]


@router.post(
    "/partnerships/{slug}/actions",
    response={201: ActionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["work plan"],
)
def create_action(request: HttpRequest, slug: Slug, payload: ActionIn):
    p = partnership_for(request, slug, perm.EDIT_WORKPLAN)
    priority = plan_selectors.current_priorities(p).filter(pk=payload.priority_id).first()
    if priority is None:
        raise ValidationError({"priority_id": "Choose one of the partnership's priorities"})
    people = {u.pk: u for u in p_selectors.partnership_people(p)}
    if payload.owner_id and payload.owner_id not in people:
        raise ValidationError({"owner_id": "The owner must be a member of the partnership"})
    org = None
    if payload.organisation:
        org = Organisation.objects.filter(name__iexact=payload.organisation).first()
        if org is None:
            raise ValidationError({"organisation": "Unknown organisation"})
    a = plan_services.action_create(
        actor=request.user,
        priority=priority,
        title=payload.title,
        description=payload.description,
        owner=people.get(payload.owner_id) if payload.owner_id else None,
        organisation=org,
        due_date=payload.due_date,
        status=payload.status,
        rag=payload.rag,
    )
    return Status(201, action_out(_get_action(p, a.pk)))


@router.get(
    "/partnerships/{slug}/actions/{action_id}",
    response={200: ActionDetailOut, 404: ErrorOut},
    tags=["work plan"],
)
def get_action(request: HttpRequest, slug: Slug, action_id: Id):
    p = partnership_for(request, slug)
    a = _get_action(p, action_id)
    return {
        **action_out(a),
        "updates": [
            {
                "id": u.pk,
                "created_at": u.created_at,
                "author": u.author.display_name if u.author else None,
                "note": u.note,
                "status": u.status,
                "rag": u.rag,
            }
            for u in a.updates.all()
        ],
    }


@router.patch(
    "/partnerships/{slug}/actions/{action_id}",
    response={200: ActionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["work plan"],
)
def edit_action(request: HttpRequest, slug: Slug, action_id: Id, payload: ActionPatch):
    p = partnership_for(request, slug, perm.EDIT_WORKPLAN)
    a = _get_action(p, action_id)
    fields = payload.dict(exclude_unset=True)
    if "owner_id" in fields:
        people = {u.pk: u for u in p_selectors.partnership_people(p)}
        oid = fields.pop("owner_id")
        if oid and oid not in people:
            raise ValidationError({"owner_id": "The owner must be a member of the partnership"})
        fields["owner"] = people.get(oid) if oid else None
    fields = {k: v for k, v in fields.items() if v is not None or k in ("owner", "due_date")}
    plan_services.action_update(actor=request.user, action=a, **fields)
    return action_out(_get_action(p, action_id))


@router.post(
    "/partnerships/{slug}/actions/{action_id}/updates",
    response={201: ActionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["work plan"],
)
def add_update(request: HttpRequest, slug: Slug, action_id: Id, payload: UpdateIn):
    p = partnership_for(request, slug)
    a = _get_action(p, action_id)
    perm.require(request.user, p, perm.UPDATE_ACTION, a)
    plan_services.action_add_update(
        actor=request.user, action=a, note=payload.note, status=payload.status, rag=payload.rag
    )
    return Status(201, action_out(_get_action(p, action_id)))


def _assessment(run: AssessmentRun) -> dict[str, Any]:
    prios, locs, _ = plan_services.read_recommendations(run.result)
    return {
        "id": run.pk,
        "area_code": run.area_code,
        "status": run.status,
        "created_at": run.created_at,
        "recommended_priorities": [r.name for r in prios],
        "priority_localities": [r.name for r in locs],
    }


@router.get(
    "/partnerships/{slug}/assessments",
    response={200: list[AssessmentOut], 404: ErrorOut},
    tags=["assessments"],
)
def list_assessments(request: HttpRequest, slug: Slug):
    p = partnership_for(request, slug)
    return [
        _assessment(r)
        for r in AssessmentRun.objects.filter(partnership=p).order_by("-created_at", "-id")
    ]


@router.post(
    "/partnerships/{slug}/assessments",
    response={201: AssessmentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["assessments"],
)
def import_assessment(request: HttpRequest, slug: Slug, payload: AssessmentIn):
    p = partnership_for(request, slug, perm.RUN_ASSESSMENT)
    prios, locs, _problems = plan_services.read_recommendations(payload.result)
    if not prios and not locs:
        raise ValidationError(
            {"result": "The assessment has no recommended_priorities or priority_localities"}
        )
    run = plan_services.assessment_store(
        actor=request.user,
        partnership=p,
        area_code=payload.area_code,
        start=None,
        end=None,
        result=payload.result,
        imported=True,
    )
    return Status(201, _assessment(run))


@router.post(
    "/partnerships/{slug}/assessments/{assessment_id}/adopt",
    response={201: DecisionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["assessments"],
)
def adopt(request: HttpRequest, slug: Slug, assessment_id: Id, payload: AdoptIn):
    p = partnership_for(request, slug, perm.ADOPT_ASSESSMENT)
    run = AssessmentRun.objects.filter(partnership=p, pk=assessment_id).first()
    if run is None:
        raise Http404
    if payload.decided_on > timezone.localdate() + dt.timedelta(days=366):
        raise ValidationError({"decided_on": "The decision date is too far in the future"})
    d = plan_services.assessment_adopt(
        actor=request.user,
        assessment=run,
        priority_indexes=payload.priorities,
        locality_indexes=payload.localities,
        decided_on=payload.decided_on,
        decision_maker=payload.decision_maker,
        minute=payload.minute,
    )
    return Status(
        201,
        {
            "id": d.pk,
            "decided_on": d.decided_on,
            "decision_maker": d.decision_maker,
            "adopted": d.adopted,
        },
    )
