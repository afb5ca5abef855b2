from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from saferplaces.web import permissions as perm
from saferplaces.web.audit.selectors import audit_events
from saferplaces.web.audit.services import record_view
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.views_common import page


@login_required
def audit_log(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.VIEW_AUDIT)
    record_view(actor=request.user, partnership=p, what="the audit log")
    paginator = Paginator(audit_events(p), 50)
    pg = paginator.get_page(request.GET.get("page"))
    return page(request, "audit/log.html", p, "about", page_obj=pg)
