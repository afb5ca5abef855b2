"""Reads of jobs, limited to a partnership the person may see (the caller checks that)."""

from __future__ import annotations

from pathlib import Path

from django.db.models import QuerySet
from django.http import Http404

from saferplaces.web.jobs.handlers import output_dir
from saferplaces.web.jobs.models import Job


def jobs_for(partnership, limit: int = 100) -> QuerySet[Job]:
    return Job.objects.filter(partnership=partnership).select_related("requested_by")[:limit]


def recent(limit: int = 30) -> QuerySet[Job]:
    return Job.objects.select_related("partnership", "requested_by")[:limit]


def job_for(partnership, pk: int) -> Job:
    try:
        return Job.objects.select_related("requested_by").get(pk=pk, partnership=partnership)
    except Job.DoesNotExist:
        raise Http404("No such job") from None


def job_file(job: Job, name: str) -> Path:
    """The path of one of a finished job's files, by the name its result lists (no other)."""
    files = {f["name"]: f for f in (job.result or {}).get("files", [])}
    if job.status != Job.Status.SUCCEEDED or name not in files:
        raise Http404("No such file")
    path = output_dir(job.pk) / name
    if not path.is_file():
        raise Http404("No such file")
    return path
