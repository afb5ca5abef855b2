from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from saferplaces.web import forms as f
from saferplaces.web import permissions as perm
from saferplaces.web.accounts import services as account_services
from saferplaces.web.accounts.models import Organisation
from saferplaces.web.partnerships import selectors, services
from saferplaces.web.partnerships.models import Membership, PartnerOrganisation, PartnershipArea
from saferplaces.web.performance import selectors as perf_selectors
from saferplaces.web.views_common import apply_service_errors, page


@login_required
def partnership_list(request: HttpRequest) -> HttpResponse:
    items = list(selectors.partnerships_for_user(request.user))
    roles: dict[int, list[str]] = {}
    for m in selectors.memberships_for_user(request.user):
        roles.setdefault(m.partnership_id, []).append(m.get_role_display())
    for p in items:
        p.my_roles = roles.get(p.pk, ["Site administrator"] if request.user.is_superuser else [])
    return page(request, "partnerships/list.html", None, partnerships=items)


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug)
    return page(
        request, "partnerships/dashboard.html", p, "dashboard", d=perf_selectors.dashboard(p)
    )


@login_required
def about(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug)
    return page(
        request,
        "partnerships/about.html",
        p,
        "about",
        areas=list(p.areas.all()),
        partners=list(p.partners.select_related("organisation")),
        partner_plans=list(selectors.partner_plans(p)),
        meetings=list(p.meetings.all()[:10]),
        districts=list(p.districts.all()),
    )


@login_required
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.EDIT_PARTNERSHIP)
    initial = {
        "name": p.name,
        "kind": p.kind,
        "county": str(p.county_id or ""),
        "plan_title": p.plan_title,
        "plan_start": p.plan_start,
        "plan_end": p.plan_end,
        "lead_organisation": str(p.lead_organisation_id or ""),
        "board_name": p.board_name,
        "scrutiny_body": p.scrutiny_body,
        "description": p.description,
    }
    form = f.PartnershipForm(request.POST or None, initial=initial, partnership=p)
    if request.method == "POST" and form.is_valid():
        try:
            services.partnership_update(actor=request.user, partnership=p, **form.to_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Partnership details saved")
            return redirect("partnerships:about", p.slug)
    return page(
        request,
        "partnerships/form.html",
        p,
        "about",
        form=form,
        heading="Change partnership details",
        button="Save details",
    )


@login_required
def area_new(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.EDIT_PARTNERSHIP)
    form = f.AreaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.area_add(actor=request.user, partnership=p, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "Area added")
            return redirect("partnerships:about", p.slug)
    return page(
        request,
        "partnerships/form.html",
        p,
        "about",
        form=form,
        heading="Add an area the partnership covers",
        button="Add area",
    )


@login_required
@require_POST
def area_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.EDIT_PARTNERSHIP)
    services.area_remove(
        actor=request.user, area=get_object_or_404(PartnershipArea, pk=pk, partnership=p)
    )
    messages.success(request, "Area removed")
    return redirect("partnerships:about", p.slug)


@login_required
def partner_new(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.EDIT_PARTNERSHIP)
    form = f.PartnerOrgForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        org = account_services.organisation_get_or_create(
            form.cleaned_data["organisation"], form.cleaned_data["kind"], actor=request.user
        )
        try:
            services.partner_add(
                actor=request.user,
                partnership=p,
                organisation=org,
                is_statutory=form.cleaned_data["is_statutory"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{org.name} added to the partnership")
            return redirect("partnerships:about", p.slug)
    return page(
        request,
        "partnerships/form.html",
        p,
        "about",
        form=form,
        heading="Add a member organisation",
        button="Add organisation",
    )


@login_required
@require_POST
def partner_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.EDIT_PARTNERSHIP)
    services.partner_remove(
        actor=request.user, partner=get_object_or_404(PartnerOrganisation, pk=pk, partnership=p)
    )
    messages.success(request, "Organisation removed from the partnership")
    return redirect("partnerships:about", p.slug)


@login_required
def meeting_new(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.EDIT_PARTNERSHIP)
    form = f.MeetingForm(
        request.POST or None, initial={"title": p.board_name or "Partnership board"}
    )
    if request.method == "POST" and form.is_valid():
        services.meeting_create(actor=request.user, partnership=p, **form.cleaned_data)
        messages.success(
            request, "Meeting recorded. The dashboard now shows changes since this meeting"
        )
        return redirect("partnerships:about", p.slug)
    return page(
        request,
        "partnerships/form.html",
        p,
        "about",
        form=form,
        heading="Record a board meeting",
        button="Record meeting",
    )


@login_required
def partner_plan_new(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.EDIT_PARTNERSHIP)
    form = f.PartnerPlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.partner_plan_create(actor=request.user, partnership=p, **form.cleaned_data)
        messages.success(request, "Partner plan added. Priorities can now link to its objectives")
        return redirect("partnerships:about", p.slug)
    return page(
        request,
        "partnerships/form.html",
        p,
        "about",
        form=form,
        heading="Add a partner plan",
        button="Add plan",
    )


@login_required
def people(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.VIEW_PEOPLE)
    return page(
        request,
        "partnerships/people.html",
        p,
        "about",
        memberships=list(selectors.partnership_members(p)),
    )


@login_required
def member_new(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.MANAGE_PEOPLE)
    form = f.MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = form.existing
            if user is None:
                org = (
                    Organisation.objects.filter(pk=int(d["organisation"])).first()
                    if d.get("organisation")
                    else None
                )
                user = account_services.user_create(
                    actor=request.user,
                    email=d["email"],
                    password=d["password"],
                    job_title=d["job_title"],
                    organisation=org,
                )
            services.membership_add(actor=request.user, partnership=p, user=user, role=d["role"])
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                apply_service_errors(form, exc)
            else:
                for m in exc.messages:
                    form.add_error("password", m)
        else:
            messages.success(
                request, f"{user.display_name} added as {dict(f.Role.choices)[d['role']].lower()}"
            )
            return redirect("partnerships:people", p.slug)
    return page(
        request,
        "partnerships/form.html",
        p,
        "about",
        form=form,
        heading="Add a person to the partnership",
        button="Add person",
    )


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.MANAGE_PEOPLE)
    m = get_object_or_404(
        Membership.objects.select_related("user", "partnership"), pk=pk, partnership=p
    )
    try:
        services.membership_remove(actor=request.user, membership=m)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Role removed")
    return redirect("partnerships:people", p.slug)
