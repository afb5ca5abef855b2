"""The funds API (a django-ninja Router mounted on the main API in saferplaces.web.api).

Same selectors and services as the pages; amounts are whole pence (``*_pence``), years are
financial years named by the year they start (2023 is April 2023 to March 2024)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Status

from saferplaces.web import permissions as perm
from saferplaces.web.api_common import ErrorOut, Id, Schema, Slug
from saferplaces.web.funds import selectors, services
from saferplaces.web.funds.models import Entry, FundingStream, Vat
from saferplaces.web.partnerships import selectors as p_selectors

router = Router(tags=["funds"])


class AmountOut(Schema):
    year: int
    amount_pence: int
    label: str
    vat: str


class StreamOut(Schema):
    id: int
    name: str
    grantor: str
    starts_on: dt.date
    ends_on: dt.date
    amounts: list[AmountOut]


class LineOut(Schema):
    id: int
    project: str
    provider: str
    priority_id: int | None
    vat: str
    planned_pence: list[int]
    committed_pence: list[int]
    claimed_pence: list[int]
    spent_pence: list[int]
    forecast_pence: int


class AlertOut(Schema):
    level: str
    text: str


class PositionOut(Schema):
    stream_id: int
    year: int
    as_of: dt.date
    available_pence: int
    received_pence: int
    spent_pence: int
    balance_pence: int
    forecast_pence: int
    forecast_unspent_pence: int
    approved_resolution_id: int | None
    lines: list[LineOut]
    alerts: list[AlertOut]


class EntryIn(Schema):
    kind: str
    occurred_on: dt.date
    amount_pence: int = Field(ge=1, le=10**12)
    line_id: int | None = Field(default=None, ge=1, le=2**53)
    vat: str = Vat.NOT_APPLICABLE
    reference: str = ""
    note: str = ""


class EntryOut(Schema):
    id: int
    kind: str
    occurred_on: dt.date
    year: int
    quarter: int
    amount_pence: int
    line_id: int | None
    vat: str


def _stream_out(s: FundingStream) -> dict[str, Any]:
    return {
        "id": s.pk,
        "name": s.name,
        "grantor": s.grantor,
        "starts_on": s.starts_on,
        "ends_on": s.ends_on,
        "amounts": [
            {"year": a.year, "amount_pence": a.amount_pence, "label": a.label, "vat": a.vat}
            for a in s.amounts.all()
        ],
    }


def _entry_out(e: Entry) -> dict[str, Any]:
    return {
        "id": e.pk,
        "kind": e.kind,
        "occurred_on": e.occurred_on,
        "year": e.year,
        "quarter": e.quarter,
        "amount_pence": e.amount_pence,
        "line_id": e.line_id,
        "vat": e.vat,
    }


@router.get("/partnerships/{slug}/funds", response=list[StreamOut])
def funds_list(request: HttpRequest, slug: Slug):
    p = p_selectors.partnership_for_user(request.user, slug, perm.VIEW_FUNDS)
    return [_stream_out(s) for s in selectors.streams(p)]


@router.get(
    "/partnerships/{slug}/funds/{pk}/position",
    response={200: PositionOut, 404: ErrorOut},
)
def funds_position(
    request: HttpRequest,
    slug: Slug,
    pk: Id,
    year: int | None = Query(None, ge=2000, le=2100),
    as_of: dt.date | None = None,
):
    """The year's money: plan, commitments, claims and spend by quarter, balances, forecast and
    the alerts as of a date (today if not given)."""
    p = p_selectors.partnership_for_user(request.user, slug, perm.VIEW_FUNDS)
    s = selectors.stream(p, pk)
    pos = selectors.position(s, year or selectors.current_year(s), as_of)
    return {
        "stream_id": s.pk,
        "year": pos.year,
        "as_of": pos.as_of,
        "available_pence": pos.available_pence,
        "received_pence": pos.received_pence,
        "spent_pence": pos.spent_total,
        "balance_pence": pos.balance_pence,
        "forecast_pence": pos.forecast_pence,
        "forecast_unspent_pence": pos.forecast_unspent_pence,
        "approved_resolution_id": pos.plan.approved_resolution_id if pos.plan else None,
        "lines": [
            {
                "id": v.line.pk,
                "project": v.line.project,
                "provider": v.line.provider,
                "priority_id": v.line.priority_id,
                "vat": v.line.vat,
                "planned_pence": v.planned,
                "committed_pence": v.committed,
                "claimed_pence": v.claimed,
                "spent_pence": v.spent,
                "forecast_pence": v.forecast_pence,
            }
            for v in pos.lines
        ],
        "alerts": [{"level": a.level, "text": a.text} for a in pos.alerts],
    }


@router.post(
    "/partnerships/{slug}/funds/{pk}/entries",
    response={201: EntryOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def funds_entry_create(request: HttpRequest, slug: Slug, pk: Id, body: EntryIn):
    """Records money received, committed, claimed or spent (audited)."""
    p = p_selectors.partnership_for_user(request.user, slug, perm.RECORD_SPEND)
    s = selectors.stream(p, pk)
    line = selectors.line(s, body.line_id) if body.line_id else None
    e = services.entry_record(
        actor=request.user,
        stream=s,
        kind=body.kind,
        occurred_on=body.occurred_on,
        amount_pence=body.amount_pence,
        line=line,
        vat=body.vat,
        reference=body.reference,
        note=body.note,
    )
    return Status(201, _entry_out(e))
