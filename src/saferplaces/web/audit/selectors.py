from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.partnerships.models import Partnership


def audit_events(
    partnership: Partnership, *, since: dt.datetime | None = None
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.filter(partnership=partnership).select_related(
        "actor", "actor__organisation"
    )
    if since is not None:
        qs = qs.filter(at__gte=since)
    return qs
