"""The performance framework's pages. Every form page is `views_common.form_view`: parse, call
one service, message, redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from saferplaces.web import integrations
from saferplaces.web import permissions as perm
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.performance import forms as f
from saferplaces.web.performance import selectors, services
from saferplaces.web.performance.models import Indicator
from saferplaces.web.plans import selectors as plan_selectors
from saferplaces.web.plans.views import archive_confirm, restore_done
from saferplaces.web.views_common import form_view, page

SECTION = "performance"


@login_required
def indicator_list(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    views = selectors.indicator_views(p)
    scan = getattr(views, "emerging_scan", None)
    return page(
        request,
        "performance/list.html",
        p,
        "performance",
        on_priorities=[v for v in views if v.indicator.priority_id],
        beyond=[v for v in views if not v.indicator.priority_id],
        emerging_statement=scan.statement if scan is not None else "",
        sync=selectors.last_sync(),
        warehouse_loaded=integrations.warehouse_stamp() is not None,
    )


def _indicator_form(request: HttpRequest, p, instance: Indicator | None = None) -> f.IndicatorForm:
    initial: dict = {"source": Indicator.Source.MANUAL, "direction": Indicator.Direction.DOWN}
    if instance is not None:
        initial = {
            k: getattr(instance, k)
            for k in (
                "name",
                "definition",
                "source",
                "measure",
                "category",
                "partner_measure",
                "area_code",
                "unit",
                "baseline_value",
                "baseline_label",
                "target_value",
                "direction",
                "green_at",
                "red_at",
            )
        }
        initial["priority"] = str(instance.priority_id or "")
        initial["owner"] = str(instance.owner_id or "")
    return f.IndicatorForm(
        request.POST or None,
        initial=initial,
        people=p_selectors.partnership_people(p),
        priorities=list(plan_selectors.current_priorities(p)),
        categories=integrations.warehouse_categories(),
        partner_measures=integrations.partner_measures(),
    )


@login_required
def indicator_new(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_INDICATORS)
    form = _indicator_form(request, p)

    def save(d: dict[str, Any]) -> Indicator:
        ind = services.indicator_create(actor=request.user, partnership=p, **form.to_fields())
        if ind.is_computed:  # its figures come from the warehouse: compute them now
            services.warehouse_sync(partnerships=[p], actor=request.user, force=True)
        return ind

    return form_view(
        request,
        form,
        p,
        save=save,
        success="Indicator added to the performance framework",
        next_url=lambda ind: reverse("performance:indicator", args=[p.slug, ind.pk]),
        section=SECTION,
        heading="Add an indicator",
        button="Add indicator",
    )


@login_required
def indicator_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_INDICATORS)
    ind = _get(p, pk).indicator
    form = _indicator_form(request, p, ind)

    def save(d: dict[str, Any]) -> Indicator:
        services.indicator_update(actor=request.user, indicator=ind, **form.to_fields())
        if ind.is_computed:
            services.warehouse_sync(partnerships=[p], actor=request.user, force=True)
        return ind

    return form_view(
        request,
        form,
        p,
        save=save,
        success="Indicator saved",
        next_url=lambda ind: reverse("performance:indicator", args=[p.slug, ind.pk]),
        section=SECTION,
        heading=f"Change indicator: {ind.name}",
        button="Save indicator",
    )


def _get(p, pk: int, *, include_archived: bool = False) -> selectors.IndicatorView:
    try:
        return selectors.indicator_detail(p, pk, include_archived=include_archived)
    except Indicator.DoesNotExist:
        raise Http404("No such indicator") from None


@login_required
def indicator_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    # An archived indicator's page stays readable (its values are history); nothing is entered.
    p = p_selectors.partnership_for_user(request.user, slug)
    view = _get(p, pk, include_archived=True)
    ind = view.indicator
    archived_now = ind.is_archived or bool(ind.priority_id and ind.priority.is_archived)
    can_enter = (
        not archived_now
        and not view.indicator.is_computed
        and perm.can(request.user, p, perm.ENTER_VALUE, view.indicator)
    )
    last_month = (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)).strftime(
        "%Y-%m"
    )
    form = f.ValueForm(initial={"period": last_month}) if can_enter else None
    return page(
        request,
        "performance/indicator.html",
        p,
        "performance",
        v=view,
        form=form,
        can_enter=can_enter,
        archived_now=archived_now,
        errors=[],
        rows=[
            (
                val,
                selectors.rag_for(view.indicator, val.value),
                selectors.reference_lines(view.indicator, val),
            )
            for val in reversed(view.values)
        ],
        warehouse_loaded=integrations.warehouse_stamp() is not None,
    )


@login_required
def value_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    view = _get(p, pk)
    if not perm.can(request.user, p, perm.ENTER_VALUE, view.indicator):
        raise PermissionDenied
    form = f.ValueForm(request.POST or None)
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.value_set(actor=request.user, indicator=view.indicator, **d),
        success=lambda _: f"Value for {form.cleaned_data['period']:%B %Y} saved",
        next_url=reverse("performance:indicator", args=[p.slug, pk]),
        template="performance/value_form.html",
        section=SECTION,
        v=view,
    )


@login_required
def indicator_archive(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_INDICATORS)
    view = _get(p, pk)
    n = len(view.values)
    return archive_confirm(
        request,
        p,
        section="performance",
        noun="indicator",
        title=view.indicator.name,
        stays=[f"{n:,} monthly value{'s' if n != 1 else ''}"] if n else [],
        archive=lambda: services.indicator_archive(actor=request.user, indicator=view.indicator),
        done_url=reverse("plans:archived", args=[p.slug]),
        cancel_url=reverse("performance:indicator", args=[p.slug, pk]),
    )


@login_required
@require_POST
def indicator_restore(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_INDICATORS)
    ind = _get(p, pk, include_archived=True).indicator
    return restore_done(
        request,
        p,
        "indicator",
        ind.name,
        lambda: services.indicator_restore(actor=request.user, indicator=ind),
    )


@login_required
@require_POST
def refresh(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.EDIT_INDICATORS)
    sync = services.warehouse_sync(partnerships=[p], actor=request.user, force=True)
    if sync is None:
        messages.error(request, "No warehouse data loaded: load police data first, then refresh")
    elif not sync.stamp:  # the warehouse could not be read: its plain reason, never "Success"
        messages.error(request, sync.message)
    else:
        messages.success(
            request, f"Figures computed from the warehouse: {sync.values:,} monthly values"
        )
    return redirect("performance:list", p.slug)
