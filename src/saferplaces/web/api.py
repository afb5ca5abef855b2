"""The JSON API (django-ninja). It calls the same selectors and services as the pages.

Sign in with the session cookie (pages and htmx) or a personal token
(``Authorization: Bearer sp_…``, created on the account page). OpenAPI: ``/api/openapi.json``.
"""

import datetime as dt
import logging
from typing import Annotated, Any

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, NinjaAPI, Path, Query, Status
from ninja import Schema as NinjaSchema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import HttpBearer, django_auth
from pydantic import ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from saferplaces.web import integrations
from saferplaces.web import permissions as perm
from saferplaces.web.accounts.models import Organisation, User
from saferplaces.web.accounts.services import api_token_authenticate
from saferplaces.web.audit.selectors import audit_events
from saferplaces.web.audit.services import record_view
from saferplaces.web.core.middleware import REASONS, too_large_message
from saferplaces.web.core.text import TEXT_CAP, check_json_text, clean_text, label_for
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.partnerships import services as p_services
from saferplaces.web.partnerships.models import Membership, Partnership, Role
from saferplaces.web.performance import selectors as perf_selectors
from saferplaces.web.performance import services as perf_services
from saferplaces.web.performance.models import Indicator
from saferplaces.web.plans import selectors as plan_selectors
from saferplaces.web.plans import services as plan_services
from saferplaces.web.plans.models import Action, AssessmentRun

log = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Safer Places partnership workspace API",
    version="1.0",
    description="Partnerships, plans, work plans and performance indicators. Every change is audited.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied):
    return api.create_response(request, {"detail": "Your role does not allow this"}, status=403)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        detail = [
            {"field": k, "message": e.messages[0]}
            for k, errs in exc.error_dict.items()
            for e in errs
        ]
    else:
        detail = [{"field": None, "message": m} for m in exc.messages]
    return api.create_response(request, {"detail": detail}, status=400)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig):
    return api.create_response(request, {"detail": too_large_message()}, status=413)


@api.exception_handler(SuspiciousOperation)
def _unreadable(request: HttpRequest, exc: SuspiciousOperation):
    return api.create_response(request, {"detail": REASONS[400]}, status=400)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception):
    # The detail goes to the server's log; the caller gets one plain line, in JSON.
    log.exception("API request %s %s failed", request.method, request.path)
    return api.create_response(request, {"detail": REASONS[500]}, status=500)


class Schema(NinjaSchema):
    """The base of every request and response schema here. Text coming in gets the workspace's
    text rules (saferplaces.web.core.text): every str field is NFC-normalised, stripped and
    refused if it holds control characters or lone surrogates; dict and list fields (an
    assessment's JSON) are checked throughout. Responses are left as stored."""

    # "before": pydantic refuses a lone surrogate itself, with a message naming nothing; and
    # min_length/max_length then apply to the normalised, stripped text.
    @field_validator("*", mode="before", check_fields=False)
    @classmethod
    def _text_rules(cls, v: Any, info: ValidationInfo) -> Any:
        if (info.context or {}).get("response_status") is not None or v is None:
            return v  # a response: shown as stored, never refused
        name = info.field_name or ""
        label = label_for(name)
        try:
            if isinstance(v, str):
                meta = cls.model_fields[name].metadata if name in cls.model_fields else []
                cap = next((m.max_length for m in meta if hasattr(m, "max_length")), None)
                # Free text may hold line breaks; codes, names and choices may not.
                multiline = (cap or TEXT_CAP) > 1000
                v = clean_text(v, max_length=cap, field=label, multiline=multiline)
            elif isinstance(v, dict | list):
                check_json_text(v, field=label)
        except ValidationError as exc:
            raise PydanticCustomError("text", exc.messages[0]) from None
        return v


# Kept as a name for text fields; the rules live on Schema above.
Text = str
Slug = Annotated[str, Path(pattern=r"^[-a-zA-Z0-9_]{1,80}$")]
Id = Annotated[int, Path(ge=1, le=2**53)]
StatusLiteral = Annotated[
    str, Field(pattern=r"^(not_started|in_progress|on_hold|complete|cancelled)$")
]
RagLiteral = Annotated[str, Field(pattern=r"^(red|amber|green)?$")]


class ErrorOut(Schema):
    detail: Any


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


class PersonOut(Schema):
    id: int
    name: str
    organisation: str | None


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


class ActionOut(Schema):
    id: int
    priority_id: int
    priority: str
    title: str
    description: str
    owner: PersonOut | None
    organisation: str | None
    due_date: dt.date | None
    status: str
    rag: str
    overdue: bool
    stale: bool
    last_update_at: dt.datetime | None


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


class ValueOut(Schema):
    period: dt.date
    value: float
    reference_value: float | None
    reference_label: str
    source: str
    note: str


class IndicatorOut(Schema):
    id: int
    name: str
    definition: str
    priority_id: int | None
    source: str
    measure: str
    category: str
    unit: str
    baseline_value: float | None
    target_value: float | None
    direction: str
    green_at: float | None
    red_at: float | None
    owner: PersonOut | None
    latest: ValueOut | None
    rag: str
    emerging: bool
    note: str


class IndicatorDetailOut(IndicatorOut):
    values: list[ValueOut]


class ValueIn(Schema):
    value: float = Field(ge=-1e12, le=1e12)
    note: Text = Field("", max_length=5000)


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    verb: str
    object_type: str
    object_id: str
    object_label: str
    summary: str
    before: Any = None
    after: Any = None


class DashboardPriorityOut(Schema):
    id: int
    title: str
    rag: str
    open_actions: int


class DashboardOut(Schema):
    partnership: str
    priorities: list[DashboardPriorityOut]
    indicators: list[IndicatorOut]
    emerging: list[IndicatorOut]
    overdue_actions: list[ActionOut]
    stale_actions: int
    last_meeting: dt.date | None
    changes_since_last_meeting: int
    warehouse_loaded: bool


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


class MeOut(Schema):
    id: int
    email: str
    name: str
    organisation: str | None


# Mapping helpers ------------------------------------------------------------------------------


def _person(u: User | None) -> dict[str, Any] | None:
    if u is None:
        return None
    return {
        "id": u.pk,
        "name": u.display_name,
        "organisation": u.organisation.name if u.organisation_id else None,
    }


def _action(a: Action) -> dict[str, Any]:
    return {
        "id": a.pk,
        "priority_id": a.priority_id,
        "priority": a.priority.title,
        "title": a.title,
        "description": a.description,
        "owner": _person(a.owner),
        "organisation": a.organisation.name if a.organisation_id else None,
        "due_date": a.due_date,
        "status": a.status,
        "rag": a.rag,
        "overdue": a.overdue,
        "stale": a.stale,
        "last_update_at": a.last_update_at,
    }


def _value(v: Any) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "period": v.period,
        "value": v.value,
        "reference_value": v.reference_value,
        "reference_label": v.reference_label,
        "source": v.source,
        "note": v.note,
    }


def _indicator(view: perf_selectors.IndicatorView, with_values: bool = False) -> dict[str, Any]:
    i = view.indicator
    out = {
        "id": i.pk,
        "name": i.name,
        "definition": i.definition,
        "priority_id": i.priority_id,
        "source": i.source,
        "measure": i.measure,
        "category": i.category,
        "unit": i.unit,
        "baseline_value": i.baseline_value,
        "target_value": i.target_value,
        "direction": i.direction,
        "green_at": i.green_at,
        "red_at": i.red_at,
        "owner": _person(i.owner),
        "latest": _value(view.latest),
        "rag": view.rag,
        "emerging": view.emerging,
        "note": "No warehouse data loaded" if view.warehouse_missing else "",
    }
    if with_values:
        out["values"] = [_value(v) for v in view.values]
    return out


def _partnership(request: HttpRequest, slug: str, capability: str = perm.VIEW) -> Partnership:
    return p_selectors.partnership_for_user(request.user, slug, capability)


def _get_action(p: Partnership, pk: int) -> Action:
    try:
        return plan_selectors.action_with_history(p, pk)
    except Action.DoesNotExist:
        raise Http404 from None


# Endpoints ------------------------------------------------------------------------------------


@api.get("/me", response=MeOut, tags=["people"])
def me(request: HttpRequest):
    u = request.user
    return {
        "id": u.pk,
        "email": u.email,
        "name": u.display_name,
        "organisation": u.organisation.name if u.organisation_id else None,
    }


@api.get("/partnerships", response=list[PartnershipOut], tags=["partnerships"])
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


@api.get(
    "/partnerships/{slug}", response={200: PartnershipOut, 404: ErrorOut}, tags=["partnerships"]
)
def get_partnership(request: HttpRequest, slug: Slug):
    p = _partnership(request, slug)
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


@api.get(
    "/partnerships/{slug}/priorities",
    response={200: list[PriorityOut], 404: ErrorOut},
    tags=["plan"],
)
def list_priorities(request: HttpRequest, slug: Slug):
    p = _partnership(request, slug)
    return [
        {
            "id": x.pk,
            "title": x.title,
            "definition": x.definition,
            "scope": x.scope,
            "period_start": x.period_start,
            "period_end": x.period_end,
            "governance_group": x.governance_group,
            "lead_officer": _person(x.lead_officer),
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


@api.get(
    "/partnerships/{slug}/actions",
    response={200: list[ActionOut], 404: ErrorOut},
    tags=["work plan"],
)
@paginate(LimitOffsetPagination)
def list_actions(request: HttpRequest, slug: Slug, filters: Query[ActionFilter]):
    p = _partnership(request, slug)
    qs = plan_selectors.actions(p).order_by("priority__position", "due_date", "id")
    if filters.status == "open":
        qs = qs.exclude(status__in=Action.CLOSED)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    items = plan_selectors.flag_actions(qs)
    if filters.overdue is not None:
        items = [a for a in items if a.overdue == filters.overdue]
    return [_action(a) for a in items]


@api.post(
    "/partnerships/{slug}/actions",
    response={201: ActionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["work plan"],
)
def create_action(request: HttpRequest, slug: Slug, payload: ActionIn):
    p = _partnership(request, slug, perm.EDIT_WORKPLAN)
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
    return Status(201, _action(_get_action(p, a.pk)))


@api.get(
    "/partnerships/{slug}/actions/{action_id}",
    response={200: ActionDetailOut, 404: ErrorOut},
    tags=["work plan"],
)
def get_action(request: HttpRequest, slug: Slug, action_id: Id):
    p = _partnership(request, slug)
    a = _get_action(p, action_id)
    return {
        **_action(a),
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


@api.patch(
    "/partnerships/{slug}/actions/{action_id}",
    response={200: ActionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["work plan"],
)
def edit_action(request: HttpRequest, slug: Slug, action_id: Id, payload: ActionPatch):
    p = _partnership(request, slug, perm.EDIT_WORKPLAN)
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
    return _action(_get_action(p, action_id))


@api.post(
    "/partnerships/{slug}/actions/{action_id}/updates",
    response={201: ActionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["work plan"],
)
def add_update(request: HttpRequest, slug: Slug, action_id: Id, payload: UpdateIn):
    p = _partnership(request, slug)
    a = _get_action(p, action_id)
    perm.require(request.user, p, perm.UPDATE_ACTION, a)
    plan_services.action_add_update(
        actor=request.user, action=a, note=payload.note, status=payload.status, rag=payload.rag
    )
    return Status(201, _action(_get_action(p, action_id)))


@api.get(
    "/partnerships/{slug}/indicators",
    response={200: list[IndicatorOut], 404: ErrorOut},
    tags=["performance"],
)
def list_indicators(request: HttpRequest, slug: Slug):
    p = _partnership(request, slug)
    return [_indicator(v) for v in perf_selectors.indicator_views(p)]


def _get_indicator(p: Partnership, pk: int) -> perf_selectors.IndicatorView:
    try:
        return perf_selectors.indicator_detail(p, pk)
    except Indicator.DoesNotExist:
        raise Http404 from None


@api.get(
    "/partnerships/{slug}/indicators/{indicator_id}",
    response={200: IndicatorDetailOut, 404: ErrorOut},
    tags=["performance"],
)
def get_indicator(request: HttpRequest, slug: Slug, indicator_id: Id):
    p = _partnership(request, slug)
    return _indicator(_get_indicator(p, indicator_id), with_values=True)


@api.put(
    "/partnerships/{slug}/indicators/{indicator_id}/values/{period}",
    response={200: ValueOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["performance"],
)
def put_value(
    request: HttpRequest,
    slug: Slug,
    indicator_id: Id,
    period: Annotated[
        str,
        Path(
            pattern=r"^(199\d|20\d\d)-(0[1-9]|1[0-2])$", description="Year and month, like 2025-09"
        ),
    ],
    payload: ValueIn,
):
    p = _partnership(request, slug)
    view = _get_indicator(p, indicator_id)
    perm.require(request.user, p, perm.ENTER_VALUE, view.indicator)
    y, m = period.split("-")
    v = perf_services.value_set(
        actor=request.user,
        indicator=view.indicator,
        period=dt.date(int(y), int(m), 1),
        value=payload.value,
        note=payload.note,
    )
    return _value(v)


@api.get(
    "/partnerships/{slug}/dashboard",
    response={200: DashboardOut, 404: ErrorOut},
    tags=["performance"],
)
def dashboard(request: HttpRequest, slug: Slug):
    p = _partnership(request, slug)
    d = perf_selectors.dashboard(p)
    return {
        "partnership": p.name,
        "priorities": [
            {"id": x.pk, "title": x.title, "rag": x.rag, "open_actions": x.open_actions}
            for x in d.priorities
        ],
        "indicators": [_indicator(v) for v in d.indicators],
        "emerging": [_indicator(v) for v in d.emerging],
        "overdue_actions": [_action(a) for a in d.overdue],
        "stale_actions": d.stale_count,
        "last_meeting": d.last_meeting.held_on if d.last_meeting else None,
        "changes_since_last_meeting": len(d.changes),
        "warehouse_loaded": d.warehouse_loaded,
    }


@api.get(
    "/partnerships/{slug}/audit",
    response={200: list[AuditOut], 403: ErrorOut, 404: ErrorOut},
    tags=["audit"],
)
@paginate(LimitOffsetPagination)
def audit(request: HttpRequest, slug: Slug):
    p = _partnership(request, slug, perm.VIEW_AUDIT)
    record_view(actor=request.user, partnership=p, what="the audit log")
    return [
        {
            "id": e.pk,
            "at": e.at,
            "actor": e.actor_label,
            "verb": e.verb,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "object_label": e.object_label,
            "summary": e.summary,
            "before": e.before,
            "after": e.after,
        }
        for e in audit_events(p)
    ]


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


@api.get(
    "/partnerships/{slug}/assessments",
    response={200: list[AssessmentOut], 404: ErrorOut},
    tags=["assessments"],
)
def list_assessments(request: HttpRequest, slug: Slug):
    p = _partnership(request, slug)
    return [
        _assessment(r)
        for r in AssessmentRun.objects.filter(partnership=p).order_by("-created_at", "-id")
    ]


@api.post(
    "/partnerships/{slug}/assessments",
    response={201: AssessmentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["assessments"],
)
def import_assessment(request: HttpRequest, slug: Slug, payload: AssessmentIn):
    p = _partnership(request, slug, perm.RUN_ASSESSMENT)
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


@api.post(
    "/partnerships/{slug}/assessments/{assessment_id}/adopt",
    response={201: DecisionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["assessments"],
)
def adopt(request: HttpRequest, slug: Slug, assessment_id: Id, payload: AdoptIn):
    p = _partnership(request, slug, perm.ADOPT_ASSESSMENT)
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


@api.get(
    "/partnerships/{slug}/people",
    response={200: list[MembershipOut], 403: ErrorOut, 404: ErrorOut},
    tags=["people"],
)
def list_people(request: HttpRequest, slug: Slug):
    p = _partnership(request, slug, perm.VIEW_PEOPLE)
    record_view(actor=request.user, partnership=p, what="People and their roles")
    return [_membership(m) for m in p_selectors.partnership_members(p)]


@api.post(
    "/partnerships/{slug}/people",
    response={201: MembershipOut, 202: InvitationOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["people"],
)
def add_person(request: HttpRequest, slug: Slug, payload: MembershipIn):
    """Gives someone with an account a role; anyone else is sent an invitation (202)."""
    p = _partnership(request, slug, perm.MANAGE_PEOPLE)
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


@api.delete(
    "/partnerships/{slug}/people/{membership_id}",
    response={204: None, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["people"],
)
def remove_person(request: HttpRequest, slug: Slug, membership_id: Id):
    p = _partnership(request, slug, perm.MANAGE_PEOPLE)
    m = (
        Membership.objects.select_related("user", "partnership")
        .filter(partnership=p, pk=membership_id)
        .first()
    )
    if m is None:
        raise Http404
    p_services.membership_remove(actor=request.user, membership=m)
    return Status(204, None)


@api.post(
    "/partnerships/{slug}/county-requests",
    response={201: CountyRequestOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["partnerships"],
)
def request_county_link(request: HttpRequest, slug: Slug, payload: CountyRequestIn):
    """A district's manager or administrator asks a county agreement to accept it."""
    p = _partnership(request, slug, perm.REQUEST_COUNTY_LINK)
    county = Partnership.objects.filter(slug=payload.county, kind=Partnership.Kind.COUNTY).first()
    if county is None:
        raise ValidationError({"county": "No county agreement with this slug"})
    link = p_services.county_link_request(actor=request.user, district=p, county=county)
    return Status(201, _county_request(link))


@api.get(
    "/partnerships/{slug}/county-requests",
    response={200: list[CountyRequestOut], 403: ErrorOut, 404: ErrorOut},
    tags=["partnerships"],
)
def list_county_requests(request: HttpRequest, slug: Slug):
    p = _partnership(request, slug, perm.DECIDE_COUNTY_LINK)
    return [_county_request(r) for r in p_selectors.county_requests(p)]


@api.post(
    "/partnerships/{slug}/county-requests/{request_id}/decision",
    response={200: CountyRequestOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["partnerships"],
)
def decide_county_link(request: HttpRequest, slug: Slug, request_id: Id, payload: DecisionIn):
    p = _partnership(request, slug, perm.DECIDE_COUNTY_LINK)
    link = p_services.county_link_decide(
        actor=request.user, link=p_selectors.county_request(p, request_id), accept=payload.accept
    )
    return _county_request(link)
