"""Writing to the audit log. Every service that changes a record calls `record`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models

from saferplaces.web.audit.models import AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model | None, fields: list[str] | None = None) -> dict[str, Any] | None:
    """The record's own column values (foreign keys as ids), for before/after comparison."""
    if obj is None:
        return None
    out: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if fields is not None and f.name not in fields:
            continue
        out[f.attname] = _jsonable(getattr(obj, f.attname))
    return out


def changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    before, after = before or {}, after or {}
    return {k: after.get(k) for k in after if before.get(k) != after.get(k)}


def record(
    *,
    actor: Any,
    verb: str,
    obj: models.Model | None = None,
    partnership: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    summary: str = "",
    object_type: str | None = None,
    object_label: str | None = None,
) -> AuditEvent:
    actor_ok = actor is not None and getattr(actor, "is_authenticated", False)
    label = ""
    if actor_ok:
        label = f"{actor.display_name} <{actor.email}>"
    elif actor is not None:
        label = str(actor)
    return AuditEvent.objects.create(
        actor=actor if actor_ok else None,
        actor_label=label[:300],
        partnership=partnership,
        verb=verb,
        object_type=object_type or (obj._meta.verbose_name if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_label=(
            object_label if object_label is not None else str(obj) if obj is not None else ""
        )[:300],
        summary=summary[:300],
        before=_jsonable(before),
        after=_jsonable(after),
    )


VIEWED = "viewed"


def record_view(
    *,
    actor: Any,
    partnership: Any,
    what: str,
    obj: models.Model | None = None,
    summary: str = "",
) -> AuditEvent:
    """Records that someone read a sensitive page or record: one insert, nothing read first.

    Every page or endpoint that shows people's details, the audit log or (in future) a case-level
    record calls this once per request, after the permission check has passed. `what` names
    the page in plain English ("People and their roles"), shown in the audit log.
    """
    return record(
        actor=actor,
        verb=VIEWED,
        obj=obj,
        partnership=partnership,
        summary=summary or f"Viewed {what}",
        object_type=what if obj is None else None,
        object_label="" if obj is None else None,
    )
