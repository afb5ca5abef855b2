"""The jobs API: a partnership's jobs, one job, and queueing an assessment or a pack.
A django-ninja Router mounted in web/api.py; the same services and selectors as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from saferplaces.web import permissions as perm
from saferplaces.web.api_common import ErrorOut, Id, Schema, Slug, partnership_for
from saferplaces.web.jobs import selectors, services
from saferplaces.web.jobs.models import Job

router = Router()


class JobOut(Schema):
    id: int
    kind: str
    label: str
    status: str
    progress_done: int
    progress_total: int
    progress_message: str
    attempts: int
    max_attempts: int
    result: dict[str, Any]
    error: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class AssessmentJobIn(Schema):
    area_code: str
    start: dt.date
    end: dt.date
    allow_gaps: bool = False


class PackJobIn(Schema):
    formats: tuple[Literal["pdf", "docx"], ...] = ("pdf", "docx")


def _out(j: Job) -> dict[str, Any]:
    return {
        f: getattr(j, f)
        for f in (
            "kind", "label", "status", "progress_done", "progress_total", "progress_message",
            "attempts", "max_attempts", "result", "error", "created_at", "started_at",
            "finished_at",
        )
    } | {"id": j.pk}  # fmt: skip


@router.get("/partnerships/{slug}/jobs", response={200: list[JobOut], 404: ErrorOut}, tags=["jobs"])
def list_jobs(request: HttpRequest, slug: Slug):
    p = partnership_for(request, slug)
    return [_out(j) for j in selectors.jobs_for(p)]


@router.post(
    "/partnerships/{slug}/jobs/assessment",
    response={201: JobOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["jobs"],
)
def enqueue_assessment(request: HttpRequest, slug: Slug, payload: AssessmentJobIn):
    p = partnership_for(request, slug, perm.RUN_ASSESSMENT)
    if payload.area_code not in {a.code for a in p.areas.all()}:
        raise ValidationError({"area_code": "Choose one of the partnership's areas"})
    if payload.end <= payload.start:
        raise ValidationError({"end": "The period must end after it starts"})
    job = services.enqueue(
        "assessment",
        params={
            "partnership_id": p.pk,
            "user_id": request.user.pk,
            "area_code": payload.area_code,
            "start": payload.start.isoformat(),
            "end": payload.end.isoformat(),
            "allow_gaps": payload.allow_gaps,
        },
        partnership=p,
        requested_by=request.user,
    )
    return Status(201, _out(job))


@router.post(
    "/partnerships/{slug}/jobs/pack",
    response={201: JobOut, 403: ErrorOut, 404: ErrorOut},
    tags=["jobs"],
)
def enqueue_pack(request: HttpRequest, slug: Slug, payload: PackJobIn):
    p = partnership_for(request, slug)
    job = services.enqueue(
        "pack",
        params={"partnership_id": p.pk, "user_id": request.user.pk,
                "formats": list(dict.fromkeys(payload.formats)) or ["pdf", "docx"]},
        partnership=p,
        requested_by=request.user,
    )  # fmt: skip
    return Status(201, _out(job))


# After the POST paths: django-ninja would otherwise read "pack" as a job's id.
@router.get(
    "/partnerships/{slug}/jobs/{job_id}", response={200: JobOut, 404: ErrorOut}, tags=["jobs"]
)
def get_job(request: HttpRequest, slug: Slug, job_id: Id):
    p = partnership_for(request, slug)
    return _out(selectors.job_for(p, job_id))
