"""Board pack, exports and imports: the ways records leave and enter the workspace in bulk."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from saferplaces.web import pack, transfers
from saferplaces.web import permissions as perm
from saferplaces.web.core.forms import ImportForm
from saferplaces.web.core.models import ImportBatch
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.views_common import page

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _download(content: bytes, name: str, ext: str) -> HttpResponse:
    resp = HttpResponse(content, content_type=CONTENT_TYPES[ext])
    resp["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
    return resp


@login_required
def pack_page(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    return page(request, "partnerships/pack.html", p, "dashboard")


@login_required
def pack_download(request: HttpRequest, slug: str, ext: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    stem = f"{p.slug}-performance-pack-{timezone.localdate():%Y-%m-%d}"
    if ext == "pdf":
        return _download(pack.render_pdf(p), stem, "pdf")
    if ext == "docx":
        return _download(pack.render_docx(p), stem, "docx")
    raise Http404


@login_required
def export(request: HttpRequest, slug: str, what: str, ext: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    if what == "actions":
        header, rows = transfers.action_rows(p)
    elif what == "indicator-values":
        header, rows = transfers.value_rows(p)
    else:
        raise Http404
    stem = f"{p.slug}-{what}-{timezone.localdate():%Y-%m-%d}"
    if ext == "csv":
        return _download(transfers.to_csv(header, rows), stem, "csv")
    if ext == "xlsx":
        return _download(transfers.to_xlsx(what, header, rows), stem, "xlsx")
    raise Http404


def _can_import(user, p, kind: str) -> bool:
    return perm.can(user, p, perm.IMPORT_ACTIONS if kind == "actions" else perm.IMPORT_VALUES)


@login_required
def import_start(request: HttpRequest, slug: str) -> HttpResponse:
    """Not `form_view`: the role check depends on what is imported, the file's errors go beside
    the file field, and the next page (the preview) is the confirmation, so there is no message."""
    p = p_selectors.partnership_for_user(request.user, slug)
    if not (
        perm.can(request.user, p, perm.IMPORT_ACTIONS)
        or perm.can(request.user, p, perm.IMPORT_VALUES)
    ):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        if not _can_import(request.user, p, kind):
            form.add_error("kind", "Your role does not include importing these")
        else:
            upload = form.cleaned_data["file"]
            try:
                batch = transfers.batch_create(
                    actor=request.user,
                    partnership=p,
                    kind=kind,
                    file_name=upload.name,
                    data=upload.read(),
                )
            except transfers.ImportFileError as exc:
                for message in exc.messages:
                    form.add_error("file", message)
            else:
                return redirect("outputs:import-preview", p.slug, batch.pk)
    return page(
        request,
        "partnerships/import.html",
        p,
        "workplan",
        form=form,
        action_columns=transfers.ACTION_COLUMNS,
        value_columns=transfers.VALUE_COLUMNS,
    )


@login_required
def import_preview(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    batch = get_object_or_404(ImportBatch, pk=pk, partnership=p, created_by=request.user)
    if not _can_import(request.user, p, batch.kind):
        raise PermissionDenied
    checked = transfers.batch_preview(batch) if batch.status == ImportBatch.Status.PENDING else None
    errors = []
    if checked is not None:
        errors = [
            {
                "href": f"#row-{e.row}",
                "text": f"Row {e.row}, {e.column.replace('_', ' ')}: {e.message}",
            }
            for e in checked.errors
        ]
    return page(
        request,
        "partnerships/import_preview.html",
        p,
        "workplan",
        batch=batch,
        checked=checked,
        errors=errors,
    )


@login_required
@require_POST
def import_confirm(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    batch = get_object_or_404(ImportBatch, pk=pk, partnership=p, created_by=request.user)
    if not _can_import(request.user, p, batch.kind):
        raise PermissionDenied
    if request.POST.get("discard"):
        ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PENDING).update(
            status=ImportBatch.Status.DISCARDED
        )
        messages.success(request, "Import discarded. Nothing was saved")
        return redirect("outputs:import", p.slug)
    if (
        batch.status == ImportBatch.Status.PENDING
        and len(json.dumps(batch.rows)) > settings.SAFERPLACES_JOBS_IMPORT_BYTES
    ):
        # A large file is saved by a background job; its page shows how far it got.
        from saferplaces.web.jobs.services import enqueue

        params = {"batch_id": batch.pk, "user_id": request.user.pk}
        job = enqueue("import", params=params, partnership=p, requested_by=request.user)
        return redirect("jobs:detail", p.slug, job.pk)
    try:
        n = transfers.batch_apply(actor=request.user, batch=batch)
    except transfers.ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("outputs:import-preview", p.slug, batch.pk)
    messages.success(request, f"{n} rows saved")
    return redirect("plans:workplan" if batch.kind == "actions" else "performance:list", p.slug)
