"""Jobs pages: the partnership's jobs, one job (its progress polled by htmx), its files, and
the buttons that start an assessment or a pack as a job."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from saferplaces.web.jobs import selectors, services
from saferplaces.web.jobs.handlers import PACK_FORMATS
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.views_common import page


@login_required
def job_list(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    return page(request, "jobs/list.html", p, "dashboard", jobs=list(selectors.jobs_for(p)))


@login_required
def job_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    job = selectors.job_for(p, pk)
    return page(request, "jobs/detail.html", p, "dashboard", job=job)


@login_required
def job_progress(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The small partial the job's page polls (htmx) until the job has finished."""
    p = p_selectors.partnership_for_user(request.user, slug)
    job = selectors.job_for(p, pk)
    return page(request, "jobs/_progress.html", p, "dashboard", job=job)


@login_required
def job_file(request: HttpRequest, slug: str, pk: int, name: str) -> FileResponse:
    # The same right as downloading the pack straight away: seeing the partnership.
    p = p_selectors.partnership_for_user(request.user, slug)
    path = selectors.job_file(selectors.job_for(p, pk), name)
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


@login_required
@require_POST
def pack_start(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    formats = [f for f in request.POST.getlist("format") if f in PACK_FORMATS] or list(PACK_FORMATS)
    job = services.enqueue(
        "pack",
        params={"partnership_id": p.pk, "formats": formats, "user_id": request.user.pk},
        partnership=p,
        requested_by=request.user,
    )
    return redirect("jobs:detail", p.slug, job.pk)


def start_assessment(request: HttpRequest, p, data: dict):
    """Queues an assessment from the run form's cleaned data (called by the plans view)."""
    return services.enqueue(
        "assessment",
        params={
            "partnership_id": p.pk,
            "user_id": request.user.pk,
            "area_code": data["area_code"],
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
            "allow_gaps": bool(data.get("allow_gaps")),
        },
        partnership=p,
        requested_by=request.user,
    )
