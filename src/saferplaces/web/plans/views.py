from __future__ import annotations

import json
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from saferplaces.web import integrations
from saferplaces.web import permissions as perm
from saferplaces.web.core.text import clean_text
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.plans import forms as f
from saferplaces.web.plans import selectors, services
from saferplaces.web.plans.models import (
    Action,
    AssessmentRun,
    PlanVersion,
    Priority,
    PriorityLocality,
)
from saferplaces.web.views_common import apply_service_errors, form_view, page


@login_required
def plan(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    locs = list(selectors.localities(p))
    return page(
        request,
        "plans/plan.html",
        p,
        "plan",
        priorities=selectors.with_coverage(list(selectors.priorities(p))),
        county_priorities=list(selectors.county_priorities(p)),
        localities=locs,
        decisions=list(selectors.decisions(p)[:5]),
    )


def _priority_form(request: HttpRequest, p, instance: Priority | None = None) -> f.PriorityForm:
    initial = {
        "scope": Priority.Scope.COUNTY_WIDE if p.is_county else Priority.Scope.LOCAL,
        "period_start": p.plan_start,
        "period_end": p.plan_end,
    }
    if instance is not None:
        initial = {
            "title": instance.title,
            "definition": instance.definition,
            "scope": instance.scope,
            "period_start": instance.period_start,
            "period_end": instance.period_end,
            "governance_group": instance.governance_group,
            "lead_officer": str(instance.lead_officer_id or ""),
            "lead_organisation": str(instance.lead_organisation_id or ""),
            "rationale": instance.rationale,
            "objectives": [str(o.pk) for o in instance.partner_objectives.all()],
        }
    return f.PriorityForm(
        request.POST or None,
        initial=initial,
        people=p_selectors.partnership_people(p),
        objectives=list(p_selectors.partner_objectives(p)),
    )


@login_required
def priority_new(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_PLAN)
    form = _priority_form(request, p)
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.priority_create(
            actor=request.user,
            partnership=p,
            objectives=form.chosen_objectives(),
            **form.to_fields(),
        ),
        success="Priority added to the plan",
        next_url=reverse("plans:plan", args=[p.slug]),
        section="plan",
        heading="Add a priority",
        button="Add priority",
    )


@login_required
def priority_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_PLAN)
    pr = get_object_or_404(selectors.current_priorities(p), pk=pk)
    form = _priority_form(request, p, pr)
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.priority_update(
            actor=request.user,
            priority=pr,
            objectives=form.chosen_objectives(),
            **form.to_fields(),
        ),
        success="Priority saved",
        next_url=reverse("plans:plan", args=[p.slug]),
        section="plan",
        heading=f"Change priority: {pr.title}",
        button="Save priority",
    )


# Archiving: nothing with history is deleted. Archive asks first; restore needs no question.


def archive_confirm(
    request: HttpRequest,
    p: Partnership,
    *,
    section: str,
    noun: str,
    title: str,
    stays: list[str],
    archive: Callable[[], None],
    done_url: str,
    cancel_url: str,
) -> HttpResponse:
    """The GOV.UK confirmation page for archiving one record (GET), and the archiving (POST)."""
    if request.method == "POST":
        try:
            archive()
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return redirect(cancel_url)
        messages.success(
            request, f"{noun.capitalize()} archived: {title}. It can be restored from this page"
        )
        return redirect(done_url)
    return page(
        request,
        "plans/archive_confirm.html",
        p,
        section,
        noun=noun,
        title=title,
        stays=stays,
        cancel_url=cancel_url,
    )


def restore_done(
    request: HttpRequest, p: Partnership, noun: str, title: str, restore: Callable[[], None]
) -> HttpResponse:
    try:
        restore()
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{noun.capitalize()} restored: {title}")
    return redirect("plans:archived", p.slug)


@login_required
def archived(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    return page(request, "plans/archived.html", p, "plan", a=selectors.archived(p))


@login_required
def priority_archive(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_PLAN)
    pr = get_object_or_404(selectors.current_priorities(p), pk=pk)
    return archive_confirm(
        request,
        p,
        section="plan",
        noun="priority",
        title=pr.title,
        stays=selectors.priority_impact(pr).phrases(),
        archive=lambda: services.priority_archive(actor=request.user, priority=pr),
        done_url=reverse("plans:archived", args=[p.slug]),
        cancel_url=reverse("plans:plan", args=[p.slug]),
    )


@login_required
@require_POST
def priority_restore(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_PLAN)
    pr = get_object_or_404(selectors.current_priorities(p, include_archived=True), pk=pk)
    return restore_done(
        request,
        p,
        "priority",
        pr.title,
        lambda: services.priority_restore(actor=request.user, priority=pr),
    )


@login_required
def locality_new(request: HttpRequest, slug: str) -> HttpResponse:
    return _locality_form(request, slug, None)


@login_required
def locality_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _locality_form(request, slug, pk)


def _locality_form(request: HttpRequest, slug: str, pk: int | None) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_PLAN)
    loc = get_object_or_404(selectors.localities(p), pk=pk) if pk else None
    initial = {}
    if loc is not None:
        initial = {
            "name": loc.name,
            "area_codes": ", ".join(loc.area_codes),
            "priority_type": loc.priority_type,
            "priority": str(loc.priority_id or ""),
            "rationale": loc.rationale,
        }
    wards = integrations.wards_within([a.code for a in p.areas.all()])
    if loc is not None and wards:
        known = {c for c, _ in wards}
        initial["wards"] = [c for c in loc.area_codes if c in known]
        initial["area_codes"] = ", ".join(c for c in loc.area_codes if c not in known)
    form = f.LocalityForm(
        request.POST or None, initial=initial, priorities=list(selectors.priorities(p)), wards=wards
    )

    def save(_: dict) -> None:
        fields = form.to_fields()
        if loc is None:
            fields["source"] = (
                PriorityLocality.Source.WAREHOUSE
                if fields["area_codes"]
                else PriorityLocality.Source.MANUAL
            )
            services.locality_create(actor=request.user, partnership=p, **fields)
        else:
            services.locality_update(actor=request.user, locality=loc, **fields)

    return form_view(
        request,
        form,
        p,
        save=save,
        success="Priority locality saved",
        next_url=reverse("plans:plan", args=[p.slug]),
        section="plan",
        heading="Change priority locality" if loc else "Add a priority locality",
        button="Save locality",
    )


@login_required
def locality_archive(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_PLAN)
    loc = get_object_or_404(selectors.localities(p), pk=pk)
    return archive_confirm(
        request,
        p,
        section="plan",
        noun="priority locality",
        title=loc.name,
        stays=[],
        archive=lambda: services.locality_archive(actor=request.user, locality=loc),
        done_url=reverse("plans:archived", args=[p.slug]),
        cancel_url=reverse("plans:plan", args=[p.slug]),
    )


@login_required
@require_POST
def locality_restore(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_PLAN)
    loc = get_object_or_404(selectors.localities(p, include_archived=True), pk=pk)
    return restore_done(
        request,
        p,
        "priority locality",
        loc.name,
        lambda: services.locality_restore(actor=request.user, locality=loc),
    )


# Work plan ------------------------------------------------------------------------------------


@login_required
def workplan(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    status = request.GET.get("status", "")
    only = request.GET.get("only", "")
    mine = request.GET.get("mine") == "1"
    if status not in {"", "open", *Action.Status.values}:
        status = ""
    if only not in {"", "overdue", "stale"}:
        only = ""
    wp = selectors.workplan(p, status=status, only=only, owner_id=request.user.pk if mine else None)
    ctx = {
        "wp": wp,
        # From the priorities already read: the manager, or the lead of one of them.
        "can_add_action": perm.can(request.user, p, perm.ADD_ACTION)
        or any(
            perm.can(request.user, p, perm.ADD_ACTION, g.priority)
            for g in wp.groups
            if g.priority.lead_officer_id == request.user.pk
        ),
        "status": status,
        "only": only,
        "mine": mine,
        "statuses": Action.Status.choices,
    }
    if request.headers.get("HX-Request"):
        return page(request, "plans/_workplan_table.html", p, "workplan", **ctx)
    return page(request, "plans/workplan.html", p, "workplan", **ctx)


def _action_form(
    request: HttpRequest,
    p,
    instance: Action | None = None,
    priority_id: str = "",
    priorities: list[Priority] | None = None,
) -> f.ActionForm:
    initial: dict = {"status": Action.Status.NOT_STARTED, "priority": priority_id}
    if instance is not None:
        initial = {
            "priority": str(instance.priority_id),
            "title": instance.title,
            "description": instance.description,
            "owner": str(instance.owner_id or ""),
            "organisation": str(instance.organisation_id or ""),
            "due_date": instance.due_date,
            "status": instance.status,
            "rag": instance.rag,
        }
    return f.ActionForm(
        request.POST or None,
        initial=initial,
        people=p_selectors.partnership_people(p),
        priorities=priorities if priorities is not None else list(selectors.current_priorities(p)),
    )


@login_required
def action_new(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    # The manager adds under any priority; a lead officer under the priorities they lead.
    allowed = selectors.addable_priorities(request.user, p)
    if not allowed:
        raise PermissionDenied(perm.ADD_ACTION)
    form = _action_form(request, p, priority_id=request.GET.get("priority", ""), priorities=allowed)

    def save(_: dict) -> Action:
        fields = form.to_fields()
        priority = fields.pop("priority")
        perm.require(request.user, p, perm.ADD_ACTION, priority)
        return services.action_create(actor=request.user, priority=priority, **fields)

    return form_view(
        request,
        form,
        p,
        save=save,
        success="Action added to the work plan",
        next_url=lambda a: reverse("plans:action", args=[p.slug, a.pk]),
        section="workplan",
        heading="Add an action",
        button="Add action",
    )


@login_required
def my_actions(request: HttpRequest) -> HttpResponse:
    """The actions a person owns, and those under the priorities they lead, in every
    partnership where they have a role."""
    return render(
        request,
        "plans/my_actions.html",
        {"groups": selectors.my_actions(request.user), "section": "my-actions"},
    )


def _get_action(p, pk: int, *, include_archived: bool = False) -> Action:
    try:
        return selectors.action_with_history(p, pk, include_archived=include_archived)
    except Action.DoesNotExist:
        raise Http404("No such action") from None


@login_required
def action_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    # An archived action's page stays readable: it is linked from past reviews and the
    # Archived page. It can no longer be changed until restored.
    p = p_selectors.partnership_for_user(request.user, slug)
    a = _get_action(p, pk, include_archived=True)
    archived_now = a.is_archived or a.priority.is_archived
    can_update = not archived_now and perm.can(request.user, p, perm.UPDATE_ACTION, a)
    form = f.ActionUpdateForm(initial={"status": a.status, "rag": a.rag}) if can_update else None
    return page(
        request,
        "plans/action.html",
        p,
        "workplan",
        action=a,
        update_form=form,
        can_update=can_update,
        archived_now=archived_now,
    )


@login_required
def action_archive(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_WORKPLAN)
    a = _get_action(p, pk)
    return archive_confirm(
        request,
        p,
        section="workplan",
        noun="action",
        title=a.title,
        stays=selectors.action_impact(a).phrases(),
        archive=lambda: services.action_archive(actor=request.user, action=a),
        done_url=reverse("plans:archived", args=[p.slug]),
        cancel_url=reverse("plans:action", args=[p.slug, a.pk]),
    )


@login_required
@require_POST
def action_restore(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_WORKPLAN)
    a = _get_action(p, pk, include_archived=True)
    return restore_done(
        request, p, "action", a.title, lambda: services.action_restore(actor=request.user, action=a)
    )


@login_required
def action_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A lead officer's (or manager's) progress update. Served as a fragment to htmx.
    Not `form_view`: it adds no message, as the action page it returns to confirms the update."""
    p = p_selectors.partnership_for_user(request.user, slug)
    a = _get_action(p, pk)
    if not perm.can(request.user, p, perm.UPDATE_ACTION, a):
        raise PermissionDenied
    form = f.ActionUpdateForm(request.POST or None, initial={"status": a.status, "rag": a.rag})
    if request.method == "POST" and form.is_valid():
        try:
            services.action_add_update(actor=request.user, action=a, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            # Confirmed on the action page itself, which htmx swaps in without a page load.
            return redirect(reverse("plans:action", args=[p.slug, a.pk]) + "?updated=1")
    return page(request, "plans/action_update.html", p, "workplan", action=a, form=form)


@login_required
def action_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_WORKPLAN)
    a = _get_action(p, pk)
    form = _action_form(request, p, a)
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.action_update(actor=request.user, action=a, **form.to_fields()),
        success="Action saved",
        next_url=reverse("plans:action", args=[p.slug, a.pk]),
        section="workplan",
        heading=f"Change action: {a.title}",
        button="Save action",
    )


# Quarterly review ----------------------------------------------------------------------------


@login_required
def reviews(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    return page(request, "plans/reviews.html", p, "workplan", reviews=list(selectors.reviews(p)))


def _review_comment(
    request: HttpRequest, name: str, what: str, line_errors: list[dict[str, str]]
) -> str:
    """A review line's comment through the workspace's text rules (it is read outside a form)."""
    try:
        return clean_text(
            request.POST.get(name, ""),
            max_length=None,
            field=f"The comment on {what}",
            multiline=True,
        )
    except ValidationError as exc:
        line_errors.append({"href": f"#{name}", "text": exc.messages[0]})
        return ""


@login_required
def review_new(request: HttpRequest, slug: str) -> HttpResponse:
    # Not `form_view`: the review form and a status, RAG and comment for every priority and
    # action, read outside the form, all checked before the one service call.
    p = p_selectors.partnership_for_user(request.user, slug, perm.RECORD_REVIEW)
    groups = selectors.review_walk(p)
    today = timezone.localdate()
    form = f.ReviewForm(
        request.POST or None, initial={"quarter": f.default_quarter(today), "held_on": today}
    )
    line_errors: list[dict[str, str]] = []
    if request.method == "POST":
        lines = []
        for g in groups:
            rag = request.POST.get(f"p{g.priority.pk}-rag", "")
            if rag not in {"", "red", "amber", "green"}:
                line_errors.append(
                    {
                        "href": f"#p{g.priority.pk}-rag",
                        "text": f"Choose a RAG rating for {g.priority.title}",
                    }
                )
            lines.append(
                services.ReviewLine(
                    priority=g.priority,
                    action=None,
                    rag=rag,
                    comment=_review_comment(
                        request, f"p{g.priority.pk}-comment", g.priority.title, line_errors
                    ),
                )
            )
            for a in g.actions:
                status = request.POST.get(f"a{a.pk}-status", a.status)
                arag = request.POST.get(f"a{a.pk}-rag", a.rag)
                if status not in Action.Status.values:
                    line_errors.append(
                        {"href": f"#a{a.pk}-status", "text": f"Choose a status for '{a.title}'"}
                    )
                if arag not in {"", "red", "amber", "green"}:
                    line_errors.append(
                        {"href": f"#a{a.pk}-rag", "text": f"Choose a RAG rating for '{a.title}'"}
                    )
                lines.append(
                    services.ReviewLine(
                        priority=g.priority,
                        action=a,
                        status=status,
                        rag=arag,
                        comment=_review_comment(
                            request, f"a{a.pk}-comment", f"'{a.title}'", line_errors
                        ),
                    )
                )
        if form.is_valid() and not line_errors:
            try:
                review = services.review_record(
                    actor=request.user, partnership=p, lines=lines, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"The {review.quarter} review is recorded")
                return redirect("plans:review", p.slug, review.pk)
    errors = (form.error_list() if form.is_bound else []) + line_errors
    return page(
        request,
        "plans/review_new.html",
        p,
        "workplan",
        form=form,
        groups=groups,
        errors=errors,
        post=request.POST,
        statuses=Action.Status.choices,
    )


@login_required
def review_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    try:
        review = selectors.review_detail(p, pk)
    except Exception:
        raise Http404("No such review") from None
    return page(request, "plans/review.html", p, "workplan", review=review)


# Assessments ----------------------------------------------------------------------------------


@login_required
def assessments(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    areas = list(p.areas.all())
    form = (
        f.AssessmentRunForm(areas=areas) if perm.can(request.user, p, perm.RUN_ASSESSMENT) else None
    )
    return page(
        request,
        "plans/assessments.html",
        p,
        "assessments",
        run_form=form,
        upload_form=f.AssessmentUploadForm(),
        assessments=list(selectors.assessments(p)),
        decisions=list(selectors.decisions(p)),
        areas=areas,
    )


@login_required
@require_POST
def assessment_run(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.RUN_ASSESSMENT)
    areas = list(p.areas.all())
    form = f.AssessmentRunForm(request.POST, areas=areas)
    engine_error = ""
    if form.is_valid():
        # A background job (saferplaces.web.jobs) runs and stores it; its page shows progress.
        from saferplaces.web.jobs.views import start_assessment

        job = start_assessment(request, p, form.cleaned_data)
        return redirect("jobs:detail", p.slug, job.pk)
    return page(
        request,
        "plans/assessments.html",
        p,
        "assessments",
        run_form=form,
        upload_form=f.AssessmentUploadForm(),
        engine_error=engine_error,
        assessments=list(selectors.assessments(p)),
        decisions=list(selectors.decisions(p)),
        areas=areas,
        errors=form.error_list(),
        http_status=200 if not form.errors else 400,
    )


@login_required
@require_POST
def assessment_upload(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.RUN_ASSESSMENT)
    form = f.AssessmentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result = json.loads(form.cleaned_data["file"].read().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            form.add_error("file", "The file is not valid JSON")
        else:
            prios, locs, problems = services.read_recommendations(result)
            if not isinstance(result, dict) or (not prios and not locs):
                form.add_error(
                    "file", "The file has no recommended_priorities or priority_localities"
                )
            else:
                area = str(result.get("area_code") or "")
                if not area and isinstance(result.get("area"), dict):
                    area = str(result["area"].get("code") or "")
                run = services.assessment_store(
                    actor=request.user,
                    partnership=p,
                    area_code=area or "unknown",
                    start=None,
                    end=None,
                    result=result,
                    report_html="",
                    imported=True,
                )
                for prob in problems:
                    messages.error(request, prob)
                messages.success(request, "Assessment imported")
                return redirect("plans:assessment", p.slug, run.pk)
    areas = list(p.areas.all())
    return page(
        request,
        "plans/assessments.html",
        p,
        "assessments",
        run_form=f.AssessmentRunForm(areas=areas),
        upload_form=form,
        assessments=list(selectors.assessments(p)),
        decisions=list(selectors.decisions(p)),
        areas=areas,
        errors=form.error_list(),
    )


def _get_run(p, pk: int) -> AssessmentRun:
    return get_object_or_404(
        AssessmentRun.objects.select_related("created_by"), pk=pk, partnership=p
    )


@login_required
def assessment_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    run = _get_run(p, pk)
    prios, locs, problems = services.read_recommendations(run.result)
    return page(
        request,
        "plans/assessment.html",
        p,
        "assessments",
        run=run,
        recommended=prios,
        localities=locs,
        problems=problems,
    )


@login_required
def assessment_report(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The engine's own rendered report, served apart and sandboxed by its CSP."""
    p = p_selectors.partnership_for_user(request.user, slug)
    run = _get_run(p, pk)
    if not run.report_html:
        raise Http404("This assessment has no rendered report")
    resp = HttpResponse(run.report_html)
    # The report is the engine's HTML: no scripts, and it may not talk to anything.
    resp["Content-Security-Policy"] = (
        "default-src 'none'; img-src data: 'self'; style-src 'unsafe-inline' 'self'; sandbox"
    )
    return resp


@login_required
def assessment_adopt(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.ADOPT_ASSESSMENT)
    run = _get_run(p, pk)
    prios, locs, _ = services.read_recommendations(run.result)
    form = f.AdoptWithLeadsForm(
        request.POST or None,
        priorities=prios,
        localities=locs,
        people=p_selectors.partnership_people(p),
        matches=selectors.adoption_matches(p, [r.name for r in prios]),
        initial={
            "decided_on": timezone.localdate(),
            "decision_maker": p.board_name,
            "priorities": [str(r.index) for r in prios if r.recommended],
            "localities": [str(r.index) for r in locs if r.recommended],
        },
    )
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.assessment_adopt(
            actor=request.user,
            assessment=run,
            priority_indexes=[int(i) for i in d["priorities"]],
            locality_indexes=[int(i) for i in d["localities"]],
            decided_on=d["decided_on"],
            decision_maker=d["decision_maker"],
            minute=d["minute"],
            leads=form.leads(),
        ),
        success="The decision is recorded and the plan updated",
        next_url=reverse("plans:plan", args=[p.slug]),
        template="plans/adopt.html",
        section="assessments",
        run=run,
        recommended=prios,
        localities=locs,
    )


# Plan periods and versions ---------------------------------------------------------------------


@login_required
def periods(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    return page(
        request,
        "plans/periods.html",
        p,
        "plan",
        periods=selectors.plan_periods(p),
        current=selectors.current_period(p),
    )


@login_required
def period_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    return page(
        request,
        "plans/period.html",
        p,
        "plan",
        c=selectors.period_contents(selectors.plan_period(p, pk)),
    )


@login_required
def period_new(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_PLAN)
    current = selectors.current_period(p)
    was = current.title if current else (p.plan_title or "the current plan")
    return form_view(
        request,
        f.PeriodForm(request.POST or None),
        p,
        save=lambda d: services.period_start_next(actor=request.user, partnership=p, **d),
        success=lambda x: f"{x.title} started. {was} is kept as it was",
        next_url=lambda x: reverse("plans:period", args=[p.slug, x.pk]),
        section="plan",
        heading="Start the next plan period",
        button="Start the plan period",
        intro=(
            f"The current priorities, localities and open actions of {was} are copied into the "
            "new period. The current plan is kept as it was, to read under Plan periods."
        ),
    )


@login_required
def version_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_PLAN)
    period = selectors.plan_period(p, pk)
    return form_view(
        request,
        f.VersionForm(request.POST or None),
        p,
        save=lambda d: services.version_create(actor=request.user, period=period, **d),
        success=lambda v: f"Version {v.number} added",
        next_url=reverse("plans:periods", args=[p.slug]),
        section="plan",
        heading=f"Add a version of {period.title}",
        button="Add version",
    )


@login_required
def version_stages(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    from saferplaces.web.meetings import selectors as m_selectors

    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_PLAN)
    version = get_object_or_404(PlanVersion, pk=pk, period__partnership=p)
    return form_view(
        request,
        f.VersionStagesForm(
            request.POST or None,
            bodies=list(m_selectors.bodies(p)),
            resolutions=list(selectors.approved_resolutions(p)[:100]),
        ),
        p,
        save=lambda d: services.version_record_stages(actor=request.user, version=version, **d),
        success=lambda v: f"Version {v.number}: {v.stage.lower()}",
        next_url=reverse("plans:periods", args=[p.slug]),
        section="plan",
        heading=f"Where version {version.number} has got to",
        button="Save",
        intro=f"{version.period.title}, version {version.number}: {version.title}. Now: {version.stage}.",
    )
