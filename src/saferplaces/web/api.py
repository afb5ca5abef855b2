"""The JSON API (django-ninja). It calls the same selectors and services as the pages.

Sign in with the session cookie (pages and htmx) or a personal token
(``Authorization: Bearer sp_…``, created on the account page). OpenAPI: ``/api/openapi.json``.

Each workspace app has its own Router in <app>/api.py, mounted here; what they share (TokenAuth,
the Schema base, path types, ErrorOut) is in web/api_common.py.
"""

import logging

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.operation import Operation
from ninja.security import django_auth

from saferplaces.web.accounts.api import router as accounts_router
from saferplaces.web.api_common import TokenAuth
from saferplaces.web.audit.api import router as audit_router
from saferplaces.web.consultation.api import router as consultation_router
from saferplaces.web.core.middleware import REASONS, too_large_message
from saferplaces.web.funds.api import router as funds_router
from saferplaces.web.jobs.api import router as jobs_router
from saferplaces.web.meetings.api import router as meetings_router
from saferplaces.web.notifications.api import router as notifications_router
from saferplaces.web.partnerships.api import router as partnerships_router
from saferplaces.web.performance.api import router as performance_router
from saferplaces.web.plans.api import router as plans_router
from saferplaces.web.refresh.api import router as refresh_router
from saferplaces.web.reviews.api import router as reviews_router

log = logging.getLogger(__name__)

# The apps whose endpoints were in this module when the API was published: their operation ids
# keep this module's name, so clients generated from the OpenAPI document keep working.
_FIRST_MODULES = {
    f"saferplaces.web.{app}.api"
    for app in ("accounts", "audit", "partnerships", "performance", "plans")
}


class WorkspaceAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        if operation.view_func.__module__ in _FIRST_MODULES:
            return f"saferplaces_web_api_{operation.view_func.__name__}"
        return super().get_openapi_operation_id(operation)


api = WorkspaceAPI(
    title="Safer Places partnership workspace API",
    version="1.0",
    description="Partnerships, plans, work plans and performance indicators. Every change is audited.",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied):
    return api.create_response(request, {"detail": "Your role does not allow this"}, status=403)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        detail = [
            {"field": k, "message": e.messages[0]}
            for k, errs in exc.error_dict.items()
            for e in errs
        ]
    else:
        detail = [{"field": None, "message": m} for m in exc.messages]
    return api.create_response(request, {"detail": detail}, status=400)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig):
    return api.create_response(request, {"detail": too_large_message()}, status=413)


@api.exception_handler(SuspiciousOperation)
def _unreadable(request: HttpRequest, exc: SuspiciousOperation):
    return api.create_response(request, {"detail": REASONS[400]}, status=400)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception):
    # The detail goes to the server's log; the caller gets one plain line, in JSON.
    log.exception("API request %s %s failed", request.method, request.path)
    return api.create_response(request, {"detail": REASONS[500]}, status=500)


# Each app's router, in the order its endpoints were published (the plan's first: they were on
# the API itself), so the OpenAPI document keeps its order.
for router in (plans_router, accounts_router, partnerships_router, performance_router,
               audit_router, meetings_router, notifications_router):  # fmt: skip
    api.add_router("", router)
api.add_router("", refresh_router)
api.add_router("", funds_router)
api.add_router("", consultation_router)
api.add_router("", jobs_router)
api.add_router("", reviews_router)
