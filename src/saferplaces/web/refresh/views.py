"""The refresh status page: read-only, for site administrators and partnership managers and
analysts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from saferplaces.web.refresh import selectors
from saferplaces.web.views_common import page


@login_required
def status(request: HttpRequest) -> HttpResponse:
    selectors.require_view_status(request.user)
    return page(
        request,
        "refresh/status.html",
        None,
        status=selectors.status(),
        runs=selectors.runs(),
        drop_folder=_drop_folder(),
    )


def _drop_folder() -> str:
    from saferplaces.web.refresh.services import drop_folder

    return str(drop_folder())
