"""Pages for grant money. Form pages are `views_common.form_view`: parse, call one service,
message, redirect. The archive and restore buttons are POST-only confirmations of one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from saferplaces.web import permissions as perm
from saferplaces.web.funds import forms as f
from saferplaces.web.funds import returns, selectors, services
from saferplaces.web.funds.models import FundingStream, SpendLine
from saferplaces.web.funds.money import pounds, quarter_label, year_label
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.plans import selectors as plan_selectors
from saferplaces.web.views_common import form_view, page

SECTION = "funds"


def _url(name: str, *args: object) -> str:
    return reverse(f"funds:{name}", args=args)


def _stream_url(s: FundingStream, year: int | None = None) -> str:
    url = _url("stream", s.partnership.slug, s.pk)
    return f"{url}?year={year}" if year is not None else url


def _year(request: HttpRequest, s: FundingStream) -> int:
    raw = request.GET.get("year") or request.POST.get("year_shown") or ""
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return selectors.current_year(s)


@login_required
def home(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.VIEW_FUNDS)
    return page(
        request,
        "funds/home.html",
        p,
        SECTION,
        streams=list(selectors.streams(p)),
        archived=list(
            selectors.streams(p, include_archived=True).filter(archived_at__isnull=False)
        ),
        received=selectors.allocation_for(p),
    )


@login_required
def stream_new(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_FUNDS)
    form = f.StreamForm(request.POST or None)
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.stream_create(
            actor=request.user, partnership=p, **form.to_service()
        ),
        success=lambda s: f"{s.name} added: now add its amounts by year",
        next_url=lambda s: _url("amount-new", p.slug, s.pk),
        section=SECTION,
        heading="Add a funding stream",
        button="Add funding stream",
    )


@login_required
def stream_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.VIEW_FUNDS)
    s = selectors.stream(p, pk)
    year = _year(request, s)
    pos = selectors.position(s, year)
    return page(
        request,
        "funds/stream.html",
        p,
        SECTION,
        stream=s,
        year=year,
        year_label=year_label(year),
        years=[(y, year_label(y)) for y in selectors.years(s)],
        pos=pos,
        quarters=[quarter_label(year, q) for q in range(1, 5)],
        schedule=selectors.schedule(s, year),
        entries=list(
            s.entries.filter(year=year).select_related("line").order_by("-occurred_on", "-id")
        ),
        decisions=list(s.decisions.select_related("resolution__item__meeting")),
        returns=list(s.returns.filter(year=year)),
        evaluations=list(s.evaluations.filter(year=year)),
        allocations=list(s.allocations.filter(archived_at__isnull=True)),
        archived_lines=list(pos.plan.lines.filter(archived_at__isnull=False) if pos.plan else []),
    )


@login_required
@require_POST
def stream_archive(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_FUNDS)
    s = selectors.stream(p, pk)
    archive = request.POST.get("restore") is None
    try:
        services.stream_archive(actor=request.user, stream=s, archive=archive)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{s.name} {'archived' if archive else 'restored'}")
    return redirect(_stream_url(s))


@login_required
def amount_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_FUNDS)
    s = selectors.stream(p, pk)
    return form_view(
        request,
        f.AmountForm(request.POST or None, initial={"year": s.starts_on.year}),
        p,
        save=lambda d: services.stream_amount_add(
            actor=request.user,
            stream=s,
            year=d["year"],
            amount_pence=d["amount"],
            label=d["label"],
            vat=d["vat"],
        ),
        success=lambda a: f"{pounds(a.amount_pence)} added for {year_label(a.year)}",
        next_url=lambda a: _stream_url(s, a.year),
        section=SECTION,
        heading=f"Add an amount to {s.name}",
        button="Add amount",
    )


@login_required
def allocation_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_FUNDS)
    s = selectors.stream(p, pk)
    year = selectors.current_year(s)
    form = f.AllocationForm(
        request.POST or None,
        initial={"year": year, "total": pounds(selectors.year_amount(s, year))},
    )
    names = ", ".join(x.name for x in selectors.recipients_for(s)) or "none yet"
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.allocation_create(
            actor=request.user, stream=s, **form.to_service()
        ),
        success="Allocation calculated",
        next_url=lambda a: _url("allocation", p.slug, s.pk, a.pk),
        section=SECTION,
        heading=f"Allocate {s.name} by formula",
        button="Calculate and save",
        intro=f"Shared among the partnerships linked to this county agreement: {names}. "
        "Residents come from the Census 2021; crime and anti-social behaviour are counted "
        "from the police data in the warehouse over the months you give.",
    )


@login_required
def allocation_detail(request: HttpRequest, slug: str, pk: int, alloc_pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.VIEW_FUNDS)
    s = selectors.stream(p, pk)
    a = selectors.allocation(s, alloc_pk)
    res = selectors.recompute(a)
    stored = [r["amount_pence"] for r in a.result]
    return page(
        request,
        "funds/allocation.html",
        p,
        SECTION,
        stream=s,
        a=a,
        res=res,
        measures=[(k, selectors.MEASURES[k]) for k in res.weights],
        reproduced=stored == [x.amount_pence for x in res.lines],
        weight_total=sum(res.weights.values()),
    )


def _line_form(request: HttpRequest, p, data=None) -> f.LineForm:
    return f.LineForm(
        data,
        priorities=list(plan_selectors.priorities(p)),
        actions=list(plan_selectors.actions(p).select_related("priority")),
    )


@login_required
def line_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_SPEND_PLAN)
    s = selectors.stream(p, pk)
    year = _year(request, s)
    form = _line_form(request, p, request.POST or None)
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.line_add(
            actor=request.user, stream=s, year=year, **form.to_service()
        ),
        success=lambda x: f"{x.project} added to the {year_label(year)} spend plan",
        next_url=_stream_url(s, year),
        section=SECTION,
        heading=f"Add a line to the {year_label(year)} spend plan",
        button="Add line",
    )


@login_required
@require_POST
def line_archive(request: HttpRequest, slug: str, pk: int, line_pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_SPEND_PLAN)
    s = selectors.stream(p, pk)
    x = selectors.line(s, line_pk)
    archive = request.POST.get("restore") is None
    try:
        services.line_archive(actor=request.user, line=x, archive=archive)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{x.project} {'archived' if archive else 'restored'}")
    return redirect(_stream_url(s, x.plan.year))


@login_required
def entry_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.RECORD_SPEND)
    s = selectors.stream(p, pk)
    lines = list(
        SpendLine.objects.filter(plan__stream=s, archived_at__isnull=True).select_related("plan")
    )
    form = f.EntryForm(request.POST or None, lines=lines, initial={"kind": "spent"})
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.entry_record(actor=request.user, stream=s, **form.to_service()),
        success=lambda e: f"{e.get_kind_display()}: {pounds(e.amount_pence)} recorded",
        next_url=lambda e: _stream_url(s, e.year),
        section=SECTION,
        heading=f"Record money in or out: {s.name}",
        button="Record",
    )


@login_required
@require_POST
def entry_archive(request: HttpRequest, slug: str, pk: int, entry_pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.RECORD_SPEND)
    s = selectors.stream(p, pk)
    e = selectors.entry(s, entry_pk)
    archive = request.POST.get("restore") is None
    try:
        services.entry_archive(actor=request.user, entry=e, archive=archive)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"Entry {'archived' if archive else 'restored'}")
    return redirect(_stream_url(s, e.year))


@login_required
def plan_approve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.APPROVE_FUNDS)
    s = selectors.stream(p, pk)
    year = _year(request, s)
    plan = selectors.plan_for(s, year)
    if plan is None:
        raise Http404("No spend plan for that year")
    form = f.ApproveForm(
        request.POST or None, resolutions=list(plan_selectors.approved_resolutions(p))
    )
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.plan_approve(
            actor=request.user,
            plan=plan,
            resolution=d["resolution"],
            approved_on=d.get("approved_on"),
        ),
        success="Approval recorded",
        next_url=_stream_url(s, year),
        section=SECTION,
        heading=f"Record the approval of the {year_label(year)} spend plan",
        button="Record approval",
        intro="Choose the board's minuted resolution (of type approved) that approved the plan.",
    )


@login_required
def decision_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.APPROVE_FUNDS)
    s = selectors.stream(p, pk)
    year = _year(request, s)
    form = f.DecisionForm(
        request.POST or None, resolutions=list(plan_selectors.approved_resolutions(p))
    )
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.decision_record(
            actor=request.user, stream=s, year=year, **form.to_service()
        ),
        success=lambda d: f"Recorded: {d}",
        next_url=_stream_url(s, year),
        section=SECTION,
        heading=f"Record a carry-forward or clawback from {year_label(year)}",
        button="Record decision",
    )


@login_required
def return_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_FUNDS)
    s = selectors.stream(p, pk)
    year = _year(request, s)
    done = set(s.returns.filter(year=year).values_list("quarter", flat=True))
    form = f.ReturnForm(request.POST or None, year=year, done=done)
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.return_create(actor=request.user, stream=s, year=year, **d),
        success="Return made: download it as Word or a spreadsheet",
        next_url=lambda r: _url("return", p.slug, s.pk, r.pk),
        section=SECTION,
        heading=f"Make the quarterly return to {s.grantor}",
        button="Make the return",
        intro="The figures to the end of the quarter are stored with the return.",
    )


@login_required
def return_detail(request: HttpRequest, slug: str, pk: int, ret_pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.VIEW_FUNDS)
    s = selectors.stream(p, pk)
    r = selectors.grant_return(s, ret_pk)
    return page(request, "funds/return.html", p, SECTION, stream=s, r=r, doc=returns.build(r))


@login_required
def return_download(
    request: HttpRequest, slug: str, pk: int, ret_pk: int, ext: str
) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.VIEW_FUNDS)
    s = selectors.stream(p, pk)
    r = selectors.grant_return(s, ret_pk)
    kinds = {
        "docx": (
            returns.render_docx,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        "xlsx": (
            returns.render_xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    }
    if ext not in kinds:
        raise Http404("No such format")
    render, ctype = kinds[ext]
    resp = HttpResponse(render(r), content_type=ctype)
    name = f"{p.slug}-return-{r.year}-q{r.quarter}.{ext}"
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@login_required
def evaluation_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_FUNDS)
    s = selectors.stream(p, pk)
    year = _year(request, s)
    return form_view(
        request,
        f.EvaluationForm(request.POST or None),
        p,
        save=lambda d: services.evaluation_record(actor=request.user, stream=s, year=year, **d),
        success=lambda e: (
            "Evaluation recorded"
            + (f": {pounds(e.released_pence)} released" if e.released_pence else "")
        ),
        next_url=_stream_url(s, year),
        section=SECTION,
        heading=f"Record the evaluation of {year_label(year)}",
        button="Record evaluation",
    )
