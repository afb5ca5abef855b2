"""Pages for statutory reviews. Every page about a case starts from ``selectors.case_for``,
which answers 404 to anyone not on the case team, and records the view in the audit log."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from saferplaces.web import permissions as perm
from saferplaces.web.audit.services import record_view
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.plans import selectors as plan_selectors
from saferplaces.web.reviews import forms as f
from saferplaces.web.reviews import selectors, services
from saferplaces.web.reviews.models import Case, Kind
from saferplaces.web.views_common import form_view, page

SECTION = "statutory-reviews"


def _url(name: str, *args: object) -> str:
    return reverse(f"reviews:{name}", args=args)


def _case(request: HttpRequest, slug: str, pk: int, what: str = "") -> tuple[Any, Case]:
    p = p_selectors.partnership_for_user(request.user, slug)
    case = selectors.case_for(request.user, p, pk)
    if what:
        record_view(actor=request.user, partnership=None, what=what, obj=case)
    return p, case


@login_required
def home(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    today = timezone.localdate()
    mine = list(selectors.visible_cases(request.user, p).prefetch_related("extensions"))
    s = services.settings_for(p)
    if mine:
        record_view(actor=request.user, partnership=None, what="Statutory review cases (own list)")
    rows = [(c, selectors.case_status(c, today, s), selectors.deadlines(c, s)) for c in mine]
    return page(
        request,
        "reviews/home.html",
        p,
        SECTION,
        counts=selectors.board_counts(p, today),
        rows=rows,
        learning=selectors.learning_summary(p),
        year=_fin_year(today),
    )


def _fin_year(d: Any) -> int:
    return d.year if d.month >= 4 else d.year - 1


@login_required
def case_new(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.OPEN_REVIEW_CASE)
    if kind not in Kind.values:
        raise Http404("No such kind of review")
    form = (f.AsbOpenForm if kind == Kind.ASB else f.DardrOpenForm)(request.POST or None)
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.case_open(actor=request.user, partnership=p, kind=kind, **d),
        success=lambda c: f"{c.reference} opened. You are its case lead: add the case team",
        next_url=lambda c: _url("case", p.slug, c.pk),
        section=SECTION,
        heading=f"Open {'an' if kind == Kind.ASB else 'a'} {Kind(kind).label}",
        button="Open the case",
        intro="Only the case team you name will see this case. " + f.NO_NAMES,
    )


@login_required
def case_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p, case = _case(request, slug, pk, "Statutory review case")
    today = timezone.localdate()
    return page(
        request,
        "reviews/case.html",
        p,
        SECTION,
        case=case,
        deadlines=[(d, d.status(today)) for d in selectors.deadlines(case)],
        status=selectors.case_status(case, today),
        is_lead=selectors.is_lead(request.user, case),
        team=case.members.select_related("user", "user__organisation").order_by("role", "id"),
        complaints=case.complaints.all(),
        extensions=case.extensions.all(),
        recommendations=case.recommendations.select_related("agency", "lead", "action"),
        steps=_next_steps(case),
        can_recommend=case.state in services.RECOMMENDING,
        trail=selectors.case_audit(case)[:50],
    )


def _next_steps(case: Case) -> list[tuple[str, str]]:
    return [
        (step, label)
        for step, (allowed, _to, _what) in services.STEPS.items()
        if case.state in allowed and (label := STEP_FORMS.get(step, (None, None, ""))[2])
    ]


Save = Callable[[Any, Case, dict[str, Any]], Any]
STEP_FORMS: dict[str, tuple[type, Save, str]] = {
    "acknowledge": (
        f.DateForm,
        lambda u, c, d: services.acknowledge(actor=u, case=c, **d),
        "Acknowledge the application",
    ),
    "decide_threshold": (
        f.DateForm,
        lambda u, c, d: services.decide_threshold(actor=u, case=c, **d),
        "Decide the threshold",
    ),
    "record_review": (
        f.ReviewForm,
        lambda u, c, d: services.record_review(actor=u, case=c, **d),
        "Record the review",
    ),
    "send_outcome": (
        f.OutcomeForm,
        lambda u, c, d: services.send_outcome(actor=u, case=c, **d),
        "Record the outcome sent to the applicant",
    ),
    "appeal": (
        f.DateForm,
        lambda u, c, d: services.appeal(actor=u, case=c, **d),
        "Record an appeal",
    ),
    "decide_review": (
        f.DecideReviewForm,
        lambda u, c, d: services.decide_review(actor=u, case=c, **d),
        "Record the decision whether to hold a review",
    ),
    "submit": (
        f.DateForm,
        lambda u, c, d: services.submit(actor=u, case=c, **d),
        "Send the report to the Quality Assurance Panel",
    ),
    "qa_approve": (
        f.DateForm,
        lambda u, c, d: services.qa_approve(actor=u, case=c, **d),
        "Record the panel's approval",
    ),
    "publish": (
        f.PublishForm,
        lambda u, c, d: services.publish(actor=u, case=c, **d),
        "Record publication",
    ),
    "close": (f.DateForm, lambda u, c, d: services.close(actor=u, case=c, **d), "Close the case"),
}


STEP_DONE = {
    "acknowledge": "application acknowledged",
    "decide_threshold": "threshold decision recorded",
    "record_review": "review recorded",
    "send_outcome": "outcome recorded",
    "appeal": "appeal recorded",
    "decide_review": "decision recorded",
    "submit": "report sent to the Quality Assurance Panel",
    "qa_approve": "panel approval recorded",
    "publish": "publication recorded",
    "close": "case closed",
}


@login_required
def step(request: HttpRequest, slug: str, pk: int, name: str) -> HttpResponse:
    p, case = _case(request, slug, pk, "Statutory review case (step)")
    if name not in STEP_FORMS:
        raise Http404("No such step")
    form_cls, save, label = STEP_FORMS[name]
    form = form_cls(request.POST or None)
    return form_view(
        request,
        form,
        p,
        save=lambda d: save(request.user, case, d),
        success=f"{case.reference}: {STEP_DONE[name]}",
        next_url=_url("case", p.slug, case.pk),
        section=SECTION,
        heading=f"{case.reference}: {label}",
        button=label,
    )


@login_required
def complaint_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p, case = _case(request, slug, pk, "Statutory review case (complaint)")
    form = f.ComplaintForm(request.POST or None)
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.complaint_add(actor=request.user, case=case, **d),
        success="Complaint added",
        next_url=_url("case", p.slug, case.pk),
        section=SECTION,
        heading=f"{case.reference}: add a complaint",
        button="Add complaint",
        intro="Each complaint counts towards the threshold if it was made within one month of "
        "the behaviour and the application came within six months of it.",
    )


@login_required
def extension_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p, case = _case(request, slug, pk, "Statutory review case (extension)")
    form = f.ExtensionForm(request.POST or None)
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.extension_add(actor=request.user, case=case, **d),
        success="Extension recorded",
        next_url=_url("case", p.slug, case.pk),
        section=SECTION,
        heading=f"{case.reference}: extend the report date",
        button="Record extension",
    )


@login_required
def recommendation_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p, case = _case(request, slug, pk, "Statutory review case (recommendation)")
    form = f.RecommendationForm(request.POST or None, people=p_selectors.partnership_people(p))
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.recommendation_add(actor=request.user, case=case, **d),
        success="Recommendation added",
        next_url=_url("case", p.slug, case.pk),
        section=SECTION,
        heading=f"{case.reference}: add a recommendation",
        button="Add recommendation",
    )


@login_required
def recommendation_action(request: HttpRequest, slug: str, pk: int, rid: int) -> HttpResponse:
    p, case = _case(request, slug, pk, "Statutory review case (recommendation to action)")
    rec = case.recommendations.filter(pk=rid).first()
    if rec is None:
        raise Http404("No such recommendation")
    form = f.ToActionForm(
        request.POST or None, priorities=plan_selectors.current_priorities(p).order_by("title")
    )
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.recommendation_to_action(
            actor=request.user, recommendation=rec, priority=d["priority"]
        ),
        success="The recommendation is now an action in the work plan",
        next_url=_url("case", p.slug, case.pk),
        section=SECTION,
        heading=f"{case.reference}: make the recommendation an action",
        button="Add to the work plan",
        intro=rec.text,
    )


@login_required
def member_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p, case = _case(request, slug, pk, "Statutory review case (team)")
    form = f.MemberForm(request.POST or None, people=p_selectors.partnership_people(p))
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.member_add(actor=request.user, case=case, **d),
        success="Added to the case team",
        next_url=_url("case", p.slug, case.pk),
        section=SECTION,
        heading=f"{case.reference}: add to the case team",
        button="Add",
        intro="They will see this case and its personal details. Add only those who need to know.",
    )


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, pk: int, user_id: int) -> HttpResponse:
    p, case = _case(request, slug, pk)
    m = case.members.filter(user_id=user_id).select_related("user").first()
    if m is None:
        raise Http404("Not on the case team")
    try:
        services.member_remove(actor=request.user, case=case, user=m.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{m.user.display_name} removed from the case team")
    return redirect(_url("case", p.slug, case.pk))


@login_required
def erase(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p, case = _case(request, slug, pk, "Statutory review case (retention)")
    form = f.DateForm(request.POST or None)
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.erase_personal_data(actor=request.user, case=case, **d),
        success="Personal data erased under the retention schedule",
        next_url=_url("case", p.slug, case.pk),
        section=SECTION,
        heading=f"{case.reference}: erase personal data",
        button="Erase personal data",
        intro="The description, outcome text and complaint notes are erased. The case's dates, "
        "recommendations and audit trail are kept.",
    )


@login_required
def redacted(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The redacted export for publication (JSON): no personal fields, no team, months only."""
    _p, case = _case(request, slug, pk, "Statutory review case (redacted export)")
    body = json.dumps(selectors.redacted_report(case), indent=2)
    resp = HttpResponse(body, content_type="application/json; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{case.reference}-redacted.json"'
    return resp


@login_required
def review_settings(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_PARTNERSHIP)
    s = services.settings_for(p)
    fields = list(f.SettingsForm.base_fields)
    form = f.SettingsForm(request.POST or None, initial={k: getattr(s, k) for k in fields})
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.settings_update(actor=request.user, partnership=p, **d),
        success="Local procedure saved",
        next_url=_url("home", p.slug),
        section=SECTION,
        heading="ASB Case Review: local threshold and timescales",
        button="Save",
    )


# --- the annual ASB Case Review figures (s104(10)) ------------------------------------------------

FIELDS = [
    "partnership",
    "period_start",
    "period_end",
    "applications",
    "threshold_not_met",
    "reviews_carried_out",
    "reviews_with_recommendations",
]


@login_required
def annual(request: HttpRequest, slug: str, year: int, ext: str = "") -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    if not 2000 <= year <= 2100:
        raise Http404("No figures for that year")
    fig = selectors.annual_figures(p, year)
    row = {k: getattr(fig, k) for k in FIELDS}
    if ext == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=FIELDS)
        w.writeheader()
        w.writerow(row)
        resp = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    elif ext == "json":
        resp = HttpResponse(json.dumps(row, default=str, indent=2), content_type="application/json")
    elif ext == "html":
        # The page for the partnership's own website: one self-contained HTML file.
        resp = HttpResponse(render_to_string("reviews/annual_public.html", {"fig": fig}))
    elif ext == "":
        return page(request, "reviews/annual.html", p, SECTION, fig=fig, year=year)
    else:
        raise Http404("No such format")
    if ext:
        resp["Content-Disposition"] = (
            f'attachment; filename="asb-case-reviews-{p.slug}-{year}.{ext}"'
        )
    return resp
