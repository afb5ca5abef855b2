"""A person's own notifications and e-mail choices. Nothing here is partnership-scoped: each
page shows only the signed-in person's records."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from saferplaces.web.notifications import forms as f
from saferplaces.web.notifications import selectors, services
from saferplaces.web.notifications.models import Notification
from saferplaces.web.notifications.rules import DEADLINES
from saferplaces.web.views_common import form_view, page

PER_PAGE = 50


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    qs = selectors.notifications_for(request.user, unread_only=unread_only)
    pg = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return page(
        request,
        "notifications/list.html",
        None,
        "notifications",
        page_obj=pg,
        unread_only=unread_only,
        unread=selectors.unread_count(request.user),
    )


@login_required
@require_POST
def read(request: HttpRequest, pk: int) -> HttpResponse:
    """Marks one notification read and goes to what it is about (or back to the list)."""
    try:
        n = selectors.notifications_for(request.user).get(pk=pk)
    except Notification.DoesNotExist:
        raise Http404("No such notification") from None
    services.mark_read(actor=request.user, notification_id=n.pk)
    if request.POST.get("open") and n.url and url_has_allowed_host_and_scheme(n.url, None):
        return redirect(n.url)
    return redirect("notifications:list")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    n = services.mark_all_read(actor=request.user)
    messages.success(
        request,
        f"{n} notification{'s' if n != 1 else ''} marked as read" if n else "Nothing unread",
    )
    return redirect("notifications:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    form = f.PreferencesForm(request.POST or None, initial=selectors.preferences_for(request.user))
    return form_view(
        request,
        form,
        None,
        save=lambda data: services.preferences_save(actor=request.user, choices=data),
        success="Your e-mail choices are saved",
        next_url="notifications:preferences",
        template="notifications/preferences.html",
        section="notifications",
    )


@login_required
def deadlines(request: HttpRequest) -> HttpResponse:
    t = timezone.localdate()
    return page(
        request,
        "notifications/deadlines.html",
        None,
        "notifications",
        groups=selectors.deadlines_for_user(request.user, t),
        table=DEADLINES,
        today=t,
    )
