"""Small helpers shared by the views, which stay thin: parse, call a service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string

from saferplaces.web import permissions
from saferplaces.web.core.text import safe_display
from saferplaces.web.partnerships.models import Partnership


def page(
    request: HttpRequest,
    template: str,
    partnership: Partnership | None,
    section: str = "",
    http_status: int = 200,
    **context: Any,
) -> HttpResponse:
    if partnership is not None:
        context.setdefault("caps", permissions.capabilities(request.user, partnership))
    form = context.get("form")
    if form is not None and "errors" not in context:
        context["errors"] = form.error_list() if form.is_bound else []
    content = render_to_string(
        template, {"partnership": partnership, "section": section, **context}, request
    )
    try:
        body = content.encode("utf-8")
    except UnicodeEncodeError:
        # Text stored before the boundary checks (a lone surrogate kept in SQLite's JSON) must
        # not turn every page that shows it into a server error.
        body = safe_display(content).encode("utf-8")
    return HttpResponse(body, status=http_status)


def apply_service_errors(form: Any, exc: ValidationError) -> None:
    """Puts a service's ValidationError onto the form, so it shows in the error summary."""
    if hasattr(exc, "error_dict"):
        for field, errs in exc.error_dict.items():
            target = field if field in form.fields else None
            for e in errs:
                form.add_error(target, e.messages[0] if hasattr(e, "messages") else str(e))
    else:
        for msg in exc.messages:
            form.add_error(None, msg)


def form_view(
    request: HttpRequest,
    form: Any,
    partnership: Partnership | None,
    *,
    save: Callable[[dict[str, Any]], Any],
    success: str | Callable[[Any], str],
    next_url: str | Callable[[Any], str],
    template: str = "partnerships/form.html",
    section: str = "",
    **context: Any,
) -> HttpResponse:
    """The form → service → message → redirect view. GET (or an invalid POST) shows the form;
    a valid POST calls `save(cleaned_data)` (one service call), whose ValidationError becomes
    form errors in the error summary; on success adds the message and redirects. `success` and
    `next_url` may be functions of what `save` returned (e.g. the new record's address).
    `partnership` is None for pages outside a partnership (a person's own account); any other
    keyword arguments go to the template (`heading`, `button`, `intro` for the shared form page).
    A write that needs two steps (create an organisation, then add it) is one local `save`."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(next_url(result) if callable(next_url) else next_url)
    return page(request, template, partnership, section, form=form, **context)
