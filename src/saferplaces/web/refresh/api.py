"""The refresh API: the status and the runs, read-only. A django-ninja Router mounted in
web/api.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router

from saferplaces.web.api_common import ErrorOut, Schema
from saferplaces.web.refresh import selectors

router = Router()


class ForceMonthOut(Schema):
    force: str
    latest_month: str


class RunOut(Schema):
    id: int
    started: dt.datetime
    finished: dt.datetime | None
    attempts: int
    outcome: str
    months_found: list[str]
    months_loaded: list[str]
    measure_files: list[Any]
    measures_loaded: int
    indicators_updated: int
    emerging_flagged: int
    people_notified: int
    steps: dict[str, Any]
    message: str
    error: str


class StatusOut(Schema):
    forces: list[ForceMonthOut]
    data_note: str
    next_check: dt.datetime | None
    every_hours: int
    runs: list[RunOut]


def _run(r) -> dict[str, Any]:
    return {
        f: getattr(r, f)
        for f in (
            "started", "finished", "attempts", "outcome", "months_found", "months_loaded",
            "measure_files", "measures_loaded", "indicators_updated", "emerging_flagged",
            "people_notified", "steps", "message", "error",
        )
    } | {"id": r.pk}  # fmt: skip


@router.get("/refresh", response={200: StatusOut, 403: ErrorOut}, tags=["refresh"])
def refresh_status(request: HttpRequest):
    selectors.require_view_status(request.user)
    s = selectors.status()
    return {
        "forces": [{"force": f, "latest_month": f"{m:%Y-%m}"} for f, m in s.forces],
        "data_note": s.data_note,
        "next_check": s.next_check,
        "every_hours": s.every_hours,
        "runs": [_run(r) for r in selectors.runs()],
    }
