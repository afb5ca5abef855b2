"""The workspace's own job kinds: an assessment, the board pack (PDF and Word), a large import.

Each writes its output and its checkpoint in one transaction, so a retry after a killed worker
finds the output already made and does not make a second one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from saferplaces.web.jobs.registry import JobFailed, Progress, register

PACK_FORMATS = {"pdf": "PDF", "docx": "Word document"}


def output_dir(job_id: int) -> Path:
    """Where a job's files are kept: the workspace's media folder, one folder per job."""
    return Path(settings.SAFERPLACES_MEDIA_ROOT) / "jobs" / str(job_id)


def _partnership(params: dict):
    from saferplaces.web.partnerships.models import Partnership

    try:
        return Partnership.objects.get(pk=params["partnership_id"])
    except (KeyError, Partnership.DoesNotExist):
        raise JobFailed("The partnership this job was for no longer exists.") from None


def _user(params: dict):
    from saferplaces.web.accounts.models import User

    pk = params.get("user_id")
    return User.objects.filter(pk=pk).first() if pk else None


@register("assessment", "Strategic assessment", max_attempts=3)
def run_assessment(params: dict, progress: Progress) -> dict:
    from saferplaces.web import integrations
    from saferplaces.web.plans import services as plan_services

    saved = getattr(progress, "saved", {})
    p = _partnership(params)
    if saved.get("assessment_run"):  # stored by an attempt that was stopped just after
        return _assessment_result(p, saved["assessment_run"], failed=False)
    start = dt.date.fromisoformat(params["start"])
    end = dt.date.fromisoformat(params["end"])
    area = params["area_code"]
    progress(1, 3, f"Assessing {area}, {start:%B %Y} to {end:%B %Y}")
    error = ""
    out = None
    try:
        with _public_concern_file(p) as inputs:
            out = integrations.run_assessment(
                area, start, end, allow_gaps=bool(params.get("allow_gaps")),
                priority_inputs=inputs,
            )  # fmt: skip
    except integrations.AssessmentEngineMissing as exc:
        raise JobFailed(str(exc)) from exc
    except integrations.AssessmentFailed as exc:
        error = str(exc)
    progress(2, 3, "Storing the assessment")
    with transaction.atomic():
        run = plan_services.assessment_store(
            actor=_user(params), partnership=p, area_code=area, start=start, end=end,
            result=None if error else out.result,
            report_html="" if error else out.report_html, error=error,
        )  # fmt: skip
        if hasattr(progress, "save"):
            progress.save(assessment_run=run.pk)
    if error:
        raise JobFailed(error, _assessment_result(p, run.pk, failed=True))
    return _assessment_result(p, run.pk, failed=False)


@contextlib.contextmanager
def _public_concern_file(partnership) -> Iterator[Path | None]:
    """The partnership's latest weighted consultation as the engine's priority-inputs file, so
    the priority matrix's public concern comes from residents (with the survey named as its
    source) rather than being left for an officer to add."""
    from saferplaces.web.consultation.selectors import latest_with_results, priority_inputs_csv

    consultation = latest_with_results(partnership)
    if consultation is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="saferplaces-inputs-") as tmp:
        # The file's name is what the report cites as the source.
        path = Path(tmp) / f"public-concern-{slugify(consultation.title)[:60] or 'consultation'}.csv"
        path.write_bytes(priority_inputs_csv(consultation))
        yield path


def _assessment_result(p, run_pk: int, *, failed: bool) -> dict:
    return {
        "assessment_run": run_pk,
        "links": [
            {
                "text": "See the failed run" if failed else "Open the assessment",
                "href": reverse("plans:assessment", args=[p.slug, run_pk]),
            }
        ],
    }


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@register("pack", "Board performance pack", max_attempts=3)
def make_pack(params: dict, progress: Progress) -> dict:
    from saferplaces.web import pack

    p = _partnership(params)
    formats = [f for f in params.get("formats") or ["pdf", "docx"] if f in PACK_FORMATS]
    if not formats:
        raise JobFailed("No document format was asked for.")
    folder = output_dir(progress.job_id)
    stem = f"{p.slug}-performance-pack-{timezone.localdate():%Y-%m-%d}"
    files = []
    for i, ext in enumerate(formats):
        progress(i, len(formats), f"Preparing the {PACK_FORMATS[ext]}")
        data = pack.render_pdf(p) if ext == "pdf" else pack.render_docx(p)
        # The same name on every attempt: a retry replaces the file, it never adds one.
        _write_atomic(folder / f"{stem}.{ext}", data)
        files.append({"name": f"{stem}.{ext}", "ext": ext, "bytes": len(data)})
    progress(len(formats), len(formats), "Ready to download")
    return {"files": files}


@register("import", "Import from a spreadsheet", max_attempts=2)
def apply_import(params: dict, progress: Progress) -> dict:
    from saferplaces.web import transfers
    from saferplaces.web.core.models import ImportBatch

    batch = ImportBatch.objects.filter(pk=params.get("batch_id")).first()
    if batch is None:
        raise JobFailed("The import this job was for no longer exists.")
    p = batch.partnership
    target = "plans:workplan" if batch.kind == "actions" else "performance:list"
    links = [{"text": "See what was imported", "href": reverse(target, args=[p.slug])}]
    if batch.status == ImportBatch.Status.APPLIED:  # saved by an attempt stopped just after
        return {"rows": len(batch.rows), "links": links}
    progress(0, len(batch.rows), f"Saving {len(batch.rows)} rows from {batch.file_name}")
    try:
        n = transfers.batch_apply(actor=_user(params), batch=batch)
    except transfers.ImportFileError as exc:
        raise JobFailed(str(exc)) from exc
    progress(n, n, f"{n} rows saved")
    return {"rows": n, "links": links}
