"""Consultation pages: thin views over the services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from saferplaces.web import permissions as perm
from saferplaces.web.consultation import forms as f
from saferplaces.web.consultation import selectors, services
from saferplaces.web.consultation.models import Consultation
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.plans import selectors as plan_selectors
from saferplaces.web.transfers import ImportFileError
from saferplaces.web.views_common import apply_service_errors, form_view, page

SECTION = "consultation"


def _url(c: Consultation) -> str:
    return reverse("consultation:detail", args=[c.partnership.slug, c.pk])


@login_required
def home(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.VIEW_CONSULTATION)
    return page(request, "consultation/home.html", p, SECTION,
                consultations=list(selectors.consultations(p)))  # fmt: skip


@login_required
def new(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_CONSULTATION)
    form = f.ConsultationForm(request.POST or None)
    return form_view(
        request, form, p,
        save=lambda d: services.consultation_create(actor=request.user, partnership=p, **form.to_service()),
        success="Consultation added. Now upload its responses", next_url=_url,
        heading="Add a consultation", button="Add consultation", section=SECTION,
    )  # fmt: skip


@login_required
def edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_CONSULTATION)
    c = selectors.consultation(p, pk)
    initial = {
        k: getattr(c, k) for k in ("title", "opened_on", "closed_on", "method", "sex_source")
    }
    initial["female_share"] = c.female_share * 100 if c.female_share is not None else None
    form = f.ConsultationForm(request.POST or None, initial=initial)
    return form_view(
        request, form, p,
        save=lambda d: services.consultation_update(actor=request.user, consultation=c, **form.to_service()),
        success="Consultation changed", next_url=_url(c),
        heading=f"Change {c.title}", button="Save", section=SECTION,
    )  # fmt: skip


@login_required
def detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.VIEW_CONSULTATION)
    c = selectors.consultation(p, pk)
    return page(
        request, "consultation/detail.html", p, SECTION, consultation=c,
        results=selectors.results(c), concern=selectors.public_concern(c),
        you_said=list(selectors.you_said(c)), min_base=selectors.MIN_BASE,
        pending=list(c.imports.filter(status="pending")),
    )  # fmt: skip


@login_required
def upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_CONSULTATION)
    c = selectors.consultation(p, pk)
    form = f.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        up = form.cleaned_data["file"]
        try:
            batch = services.import_create(
                actor=request.user, consultation=c, file_name=up.name, data=up.read()
            )
        except ImportFileError as exc:
            for m in exc.messages:
                form.add_error("file", m)
        else:
            return redirect("consultation:mapping", p.slug, c.pk, batch.pk)
    return page(request, "partnerships/form.html", p, SECTION, form=form,
                heading=f"Upload responses to {c.title}", button="Upload and check",
                intro="Nothing is saved until you have matched the columns and confirmed.")  # fmt: skip


@login_required
def mapping(request: HttpRequest, slug: str, pk: int, batch_pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_CONSULTATION)
    c = selectors.consultation(p, pk)
    batch = selectors.pending_import(c, batch_pk)
    form = f.MappingForm(request.POST or None, header=batch.header, initial_map=batch.mapping)
    if request.method == "POST" and "discard" in request.POST:
        services.import_discard(actor=request.user, batch=batch)
        messages.success(request, "File discarded. Nothing was saved")
        return redirect(_url(c))
    if request.method == "POST" and form.is_valid():
        try:
            n = services.import_apply(actor=request.user, batch=batch, mapping=form.mapping())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{n:,} responses saved and weighted")
            return redirect(_url(c))
    return page(request, "consultation/mapping.html", p, SECTION, form=form, consultation=c,
                batch=batch, sample=batch.rows[:3])  # fmt: skip


@login_required
@require_POST
def publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_CONSULTATION)
    c = selectors.consultation(p, pk)
    services.consultation_publish(
        actor=request.user, consultation=c, published=request.POST.get("published") == "1"
    )
    messages.success(
        request,
        "Results published" if c.published_at else "Results withdrawn from the public pages",
    )
    return redirect(_url(c))


@login_required
def priority_inputs(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.VIEW_CONSULTATION)
    c = selectors.consultation(p, pk)
    resp = HttpResponse(selectors.priority_inputs_csv(c), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="public-concern-{c.pk}.csv"'
    return resp


@login_required
def theme_new(request: HttpRequest, slug: str, pk: int, q_pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_CONSULTATION)
    c = selectors.consultation(p, pk)
    q = selectors.question(c, q_pk)
    form = f.ThemeForm(request.POST or None, initial={"keywords": request.GET.get("keywords", "")})
    return form_view(
        request, form, p,
        save=lambda d: services.theme_create(actor=request.user, question=q, **d),
        success="Theme added", next_url=_url(c) + f"#q{q.pk}",
        heading=f"Add a theme to '{q.text}'", button="Add theme", section=SECTION,
    )  # fmt: skip


@login_required
def theme_edit(request: HttpRequest, slug: str, pk: int, q_pk: int, t_pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_CONSULTATION)
    c = selectors.consultation(p, pk)
    q = selectors.question(c, q_pk)
    t = (
        q.themes.get(pk=t_pk, archived_at__isnull=True)
        if q.themes.filter(pk=t_pk, archived_at__isnull=True).exists()
        else None
    )
    if t is None:
        from django.http import Http404

        raise Http404("No such theme")
    if request.method == "POST" and "archive" in request.POST:
        services.theme_archive(actor=request.user, theme=t)
        messages.success(request, f"Theme {t.name} archived")
        return redirect(_url(c) + f"#q{q.pk}")
    form = f.ThemeForm(request.POST or None, initial={"name": t.name, "keywords": t.keywords})
    return form_view(
        request, form, p,
        save=lambda d: services.theme_update(actor=request.user, theme=t, **d),
        success="Theme changed", next_url=_url(c) + f"#q{q.pk}",
        heading=f"Change the theme {t.name}", button="Save", section=SECTION,
    )  # fmt: skip


@login_required
def you_said_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_CONSULTATION)
    c = selectors.consultation(p, pk)
    form = f.YouSaidForm(request.POST or None, actions=list(plan_selectors.actions(p)))
    return form_view(
        request, form, p,
        save=lambda d: services.you_said_create(actor=request.user, consultation=c, **form.to_service()),
        success="'You said, we did' record added", next_url=_url(c) + "#you-said",
        heading="Add a 'You said, we did' record", button="Add", section=SECTION,
    )  # fmt: skip


@login_required
@require_POST
def you_said_archive(request: HttpRequest, slug: str, pk: int, y_pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_CONSULTATION)
    c = selectors.consultation(p, pk)
    item = selectors.you_said(c).filter(pk=y_pk).first()
    if item is not None:
        services.you_said_archive(actor=request.user, item=item)
        messages.success(request, "Record archived")
    return redirect(_url(c) + "#you-said")
