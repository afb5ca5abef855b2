"""The partnership's pages: its details, areas, organisations, partner plans, people, county
links and type. Every form page is `views_common.form_view`: parse, call one service, message,
redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from saferplaces.web import permissions as perm
from saferplaces.web.accounts import services as account_services
from saferplaces.web.accounts.models import Organisation
from saferplaces.web.audit.services import record_view
from saferplaces.web.partnerships import forms as f
from saferplaces.web.partnerships import selectors, services
from saferplaces.web.partnerships.models import (
    Invitation,
    Membership,
    PartnerOrganisation,
    Partnership,
    PartnershipArea,
    Role,
)
from saferplaces.web.performance import selectors as perf_selectors
from saferplaces.web.views_common import form_view, page

SECTION = "about"


def _about_url(p: Partnership) -> str:
    return reverse("partnerships:about", args=[p.slug])


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
        request,
        "partnerships/dashboard.html",
        p,
        "dashboard",
        d=perf_selectors.dashboard(p, owners=False),
    )


@login_required
def county_rollup(request: HttpRequest, slug: str) -> HttpResponse:
    """A county agreement's summary of its districts' plans (county members only)."""
    p = selectors.partnership_for_user(request.user, slug)
    if not p.is_county:
        raise Http404("Only a county agreement has districts")
    return page(
        request, "partnerships/county_rollup.html", p, "dashboard",
        districts=selectors.county_rollup(p),
    )  # fmt: skip


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
        districts=list(p.districts.all()),
    )


@login_required
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.EDIT_PARTNERSHIP)
    initial = {
        "name": p.name,
        "plan_title": p.plan_title,
        "plan_start": p.plan_start,
        "plan_end": p.plan_end,
        "lead_organisation": str(p.lead_organisation_id or ""),
        "board_name": p.board_name,
        "scrutiny_body": p.scrutiny_body,
        "description": p.description,
    }
    form = f.PartnershipForm(request.POST or None, initial=initial, partnership=p)
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.partnership_update(
            actor=request.user, partnership=p, **form.to_fields()
        ),
        success="Partnership details saved",
        next_url=_about_url(p),
        section=SECTION,
        heading="Change partnership details",
        button="Save details",
    )


@login_required
def area_new(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.EDIT_PARTNERSHIP)
    return form_view(
        request,
        f.AreaForm(request.POST or None),
        p,
        save=lambda d: services.area_add(actor=request.user, partnership=p, **d),
        success="Area added",
        next_url=_about_url(p),
        section=SECTION,
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

    def save(d: dict[str, Any]) -> PartnerOrganisation:
        org = account_services.organisation_get_or_create(
            d["organisation"], d["kind"], actor=request.user
        )
        return services.partner_add(
            actor=request.user, partnership=p, organisation=org, is_statutory=d["is_statutory"]
        )

    return form_view(
        request,
        f.PartnerOrgForm(request.POST or None),
        p,
        save=save,
        success=lambda partner: f"{partner.organisation.name} added to the partnership",
        next_url=_about_url(p),
        section=SECTION,
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
def partner_plan_new(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.EDIT_PARTNERSHIP)
    return form_view(
        request,
        f.PartnerPlanForm(request.POST or None),
        p,
        save=lambda d: services.partner_plan_create(actor=request.user, partnership=p, **d),
        success="Partner plan added. Priorities can now link to its objectives",
        next_url=_about_url(p),
        section=SECTION,
        heading="Add a partner plan",
        button="Add plan",
    )


PEOPLE_PAGE = "People and their roles"


@login_required
def people(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.VIEW_PEOPLE)
    record_view(actor=request.user, partnership=p, what=PEOPLE_PAGE)
    return page(
        request,
        "partnerships/people.html",
        p,
        "about",
        memberships=list(selectors.partnership_members(p)),
        invitations=list(selectors.open_invitations(p)),
    )


def _invitation_link(request: HttpRequest):  # type: ignore[no-untyped-def]
    return lambda key: request.build_absolute_uri(reverse("accounts:invitation", args=[key]))


@login_required
def member_new(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.MANAGE_PEOPLE)
    form = f.MemberForm(request.POST or None)

    def save(d: dict[str, Any]) -> str:
        """Gives someone with an account the role at once, or invites anyone else; returns
        the message saying which happened."""
        role_name = dict(Role.choices)[d["role"]].lower()
        if form.existing is not None:
            services.membership_add(
                actor=request.user, partnership=p, user=form.existing, role=d["role"]
            )
            return f"{form.existing.display_name} added as {role_name}"
        org = (
            Organisation.objects.filter(pk=int(d["organisation"])).first()
            if d.get("organisation")
            else None
        )
        services.invitation_create(
            actor=request.user,
            partnership=p,
            email=d["email"],
            role=d["role"],
            job_title=d["job_title"],
            organisation=org,
            link_for=_invitation_link(request),
        )
        return (
            f"Invitation sent to {d['email'].lower()} to join as {role_name}. "
            f"The link works once, for {services.INVITATION_DAYS} days"
        )

    return form_view(
        request,
        form,
        p,
        save=save,
        success=lambda done: done,
        next_url=reverse("partnerships:people", args=[p.slug]),
        section=SECTION,
        heading="Add a person to the partnership",
        button="Add person",
        intro="If they do not have an account yet, they are sent an invitation by email and "
        "choose their own password.",
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


@login_required
@require_POST
def invitation_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.MANAGE_PEOPLE)
    inv = get_object_or_404(Invitation, pk=pk, partnership=p)
    try:
        services.invitation_cancel(actor=request.user, invitation=inv)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"Invitation for {inv.email} cancelled. The link no longer works")
    return redirect("partnerships:people", p.slug)


def _account_status(request: HttpRequest, slug: str, user_id: int, active: bool) -> HttpResponse:
    """The confirmation page and the change, for deactivating (a leaver) or reactivating."""
    p = selectors.partnership_for_user(request.user, slug, perm.MANAGE_PEOPLE)
    person = selectors.member_for_admin(p, user_id)
    if not account_services.can_manage_account(request.user, person):  # type: ignore[arg-type]
        raise PermissionDenied("manage_account")
    errors = []
    if request.method == "GET":
        record_view(actor=request.user, partnership=p, what="a person's account", obj=person)
    if request.method == "POST":
        change = account_services.user_reactivate if active else account_services.user_deactivate
        try:
            change(actor=request.user, user=person, partnership=p)  # type: ignore[arg-type]
        except ValidationError as exc:
            errors = [{"href": "", "text": m} for m in exc.messages]
        else:
            messages.success(
                request,
                f"{person.display_name} can sign in again"
                if active
                else f"{person.display_name} can no longer sign in or use the API",
            )
            return redirect("partnerships:people", p.slug)
    return page(
        request,
        "partnerships/account_status.html",
        p,
        "about",
        person=person,
        active=active,
        errors=errors,
    )


@login_required
def member_deactivate(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    return _account_status(request, slug, user_id, active=False)


@login_required
def member_reactivate(request: HttpRequest, slug: str, user_id: int) -> HttpResponse:
    return _account_status(request, slug, user_id, active=True)


# County links and the partnership's type -------------------------------------------------------


@login_required
def county_request(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.REQUEST_COUNTY_LINK)
    form = f.CountyRequestForm(request.POST or None, partnership=p)
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.county_link_request(
            actor=request.user, district=p, county=form.chosen()
        ),
        success=lambda link: (
            f"Request sent. {link.county.name}'s administrator will accept or decline it"
        ),
        next_url=_about_url(p),
        template="partnerships/county_request.html",
        section=SECTION,
        pending=selectors.pending_county_request(p),
    )


@login_required
def county_end(request: HttpRequest, slug: str) -> HttpResponse:
    """A confirmation page, then the district leaves its county agreement."""
    p = selectors.partnership_for_user(request.user, slug, perm.REQUEST_COUNTY_LINK)
    if p.county_id is None:
        messages.error(request, f"{p.name} is not part of a county agreement")
        return redirect("partnerships:about", p.slug)
    if request.method == "POST":
        try:
            services.county_link_end(actor=request.user, district=p)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, "The partnership is no longer part of a county agreement")
        return redirect("partnerships:about", p.slug)
    return page(request, "partnerships/county_end.html", p, "about")


@login_required
def county_requests(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.DECIDE_COUNTY_LINK)
    return page(
        request,
        "partnerships/county_requests.html",
        p,
        "about",
        requests=list(selectors.county_requests(p)),
    )


@login_required
def county_decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.DECIDE_COUNTY_LINK)
    link = selectors.county_request(p, pk)

    def save(d: dict[str, Any]) -> bool:
        accept = d["decision"] == "accept"
        services.county_link_decide(actor=request.user, link=link, accept=accept)
        return accept

    return form_view(
        request,
        f.CountyDecisionForm(request.POST or None),
        p,
        save=save,
        success=lambda accepted: (
            f"{link.district.name} is now part of {p.name}"
            if accepted
            else f"{link.district.name}'s request declined"
        ),
        next_url=reverse("partnerships:county-requests", args=[p.slug]),
        template="partnerships/county_decide.html",
        section=SECTION,
        link=link,
    )


@login_required
def kind_edit(request: HttpRequest, slug: str) -> HttpResponse:
    p = selectors.partnership_for_user(request.user, slug, perm.CHANGE_KIND)
    return form_view(
        request,
        f.KindForm(request.POST or None, initial={"kind": p.kind}),
        p,
        save=lambda d: services.partnership_change_kind(
            actor=request.user, partnership=p, kind=d["kind"]
        ),
        success="Type of partnership changed",
        next_url=_about_url(p),
        section=SECTION,
        heading="Change the type of partnership",
        button="Save type",
        intro="Only site administrators can do this. A county agreement's administrator "
        "decides which districts join it.",
    )
