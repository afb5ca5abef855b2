"""The audit API: a partnership's audit log, read-only. A django-ninja Router mounted in
web/api.py."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import LimitOffsetPagination, paginate

from saferplaces.web import permissions as perm
from saferplaces.web.api_common import ErrorOut, Schema, Slug, partnership_for
from saferplaces.web.audit.selectors import audit_events
from saferplaces.web.audit.services import record_view

router = Router()


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    verb: str
    object_type: str
    object_id: str
    object_label: str
    summary: str
    before: Any = None
    after: Any = None


@router.get(
    "/partnerships/{slug}/audit",
    response={200: list[AuditOut], 403: ErrorOut, 404: ErrorOut},
    tags=["audit"],
)
@paginate(LimitOffsetPagination)
def audit(request: HttpRequest, slug: Slug):
    p = partnership_for(request, slug, perm.VIEW_AUDIT)
    record_view(actor=request.user, partnership=p, what="the audit log")
    return [
        {
            "id": e.pk,
            "at": e.at,
            "actor": e.actor_label,
            "verb": e.verb,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "object_label": e.object_label,
            "summary": e.summary,
            "before": e.before,
            "after": e.after,
        }
        for e in audit_events(p)
    ]
