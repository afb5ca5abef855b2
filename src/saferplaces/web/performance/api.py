"""The performance API: indicators, their monthly values and the dashboard. A django-ninja
Router mounted in web/api.py; the same selectors and services as the pages."""

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Path, Router

from saferplaces.web import permissions as perm
from saferplaces.web.api_common import (
    ActionOut,
    ErrorOut,
    Id,
    PersonOut,
    Schema,
    Slug,
    Text,
    action_out,
    partnership_for,
    person_out,
)
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.performance import selectors as perf_selectors
from saferplaces.web.performance import services as perf_services
from saferplaces.web.performance.models import Indicator

router = Router()


class ReferencePointOut(Schema):
    kind: str
    label: str
    value: float | None
    reason: str


class ValueOut(Schema):
    period: dt.date
    value: float
    reference_value: float | None
    reference_label: str
    rate_per_1000: float | None
    reference_points: list[ReferencePointOut]
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
    references: list[str]
    change: str
    partner_measure: str
    measure_source: str
    measure_sharing: str
    suppress_below: int | None
    period_type: str
    note: str


class IndicatorDetailOut(IndicatorOut):
    values: list[ValueOut]


class ValueIn(Schema):
    value: float = Field(ge=-1e12, le=1e12)
    note: Text = Field("", max_length=5000)


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


def _value(v: Any) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "period": v.period,
        "value": v.value,
        "reference_value": v.reference_value,
        "reference_label": v.reference_label,
        "rate_per_1000": v.rate,
        "reference_points": [
            {
                "kind": str(r.get("kind", "")),
                "label": str(r.get("label", "")),
                "value": r.get("value"),
                "reason": str(r.get("reason", "")),
            }
            for r in (v.reference_points or [])
            if isinstance(r, dict)
        ],
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
        "owner": person_out(i.owner),
        "latest": _value(view.latest),
        "rag": view.rag,
        "emerging": view.emerging,
        "references": view.references,
        "change": view.change_label,
        "partner_measure": i.partner_measure,
        "measure_source": i.measure_source,
        "measure_sharing": i.measure_sharing,
        "suppress_below": i.suppress_below,
        "period_type": i.period_type,
        "note": "No warehouse data loaded" if view.warehouse_missing else "",
    }
    if with_values:
        out["values"] = [_value(v) for v in view.values]
    return out


@router.get(
    "/partnerships/{slug}/indicators",
    response={200: list[IndicatorOut], 404: ErrorOut},
    tags=["performance"],
)
def list_indicators(request: HttpRequest, slug: Slug):
    p = partnership_for(request, slug)
    return [_indicator(v) for v in perf_selectors.indicator_views(p)]


def _get_indicator(p: Partnership, pk: int) -> perf_selectors.IndicatorView:
    try:
        return perf_selectors.indicator_detail(p, pk)
    except Indicator.DoesNotExist:
        raise Http404 from None


@router.get(
    "/partnerships/{slug}/indicators/{indicator_id}",
    response={200: IndicatorDetailOut, 404: ErrorOut},
    tags=["performance"],
)
def get_indicator(request: HttpRequest, slug: Slug, indicator_id: Id):
    p = partnership_for(request, slug)
    return _indicator(_get_indicator(p, indicator_id), with_values=True)


@router.put(
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
    p = partnership_for(request, slug)
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


@router.get(
    "/partnerships/{slug}/dashboard",
    response={200: DashboardOut, 404: ErrorOut},
    tags=["performance"],
)
def dashboard(request: HttpRequest, slug: Slug):
    p = partnership_for(request, slug)
    d = perf_selectors.dashboard(p)
    return {
        "partnership": p.name,
        "priorities": [
            {"id": x.pk, "title": x.title, "rag": x.rag, "open_actions": x.open_actions}
            for x in d.priorities
        ],
        "indicators": [_indicator(v) for v in d.indicators],
        "emerging": [_indicator(v) for v in d.emerging],
        "overdue_actions": [action_out(a) for a in d.overdue],
        "stale_actions": d.stale_count,
        "last_meeting": d.last_meeting.held_on if d.last_meeting else None,
        "changes_since_last_meeting": len(d.changes),
        "warehouse_loaded": d.warehouse_loaded,
    }
