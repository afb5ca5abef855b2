"""Reads for the refresh status page and API: the runs, each force's data month, the next check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from saferplaces.web import integrations
from saferplaces.web import permissions as perm
from saferplaces.web.partnerships.models import Membership
from saferplaces.web.refresh.models import RefreshRun

# How often the scheduled job checks data.police.uk (the job engine runs it daily).
DEFAULT_EVERY_HOURS = 24


def can_view_status(user: Any) -> bool:
    """Site administrators, and managers and analysts of any partnership."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, role__in=perm.MATRIX[perm.VIEW_REFRESH]).exists()


def require_view_status(user: Any) -> None:
    if not can_view_status(user):
        raise PermissionDenied(perm.VIEW_REFRESH)


def runs(limit: int = 20) -> QuerySet[RefreshRun]:
    return RefreshRun.objects.all()[:limit]


@dataclass
class Status:
    forces: list[tuple[str, dt.date]] = field(default_factory=list)
    data_note: str = ""  # why no months are shown, in one plain line
    reading: str = ""  # "the published read-only copy" or "the main file"
    last_run: RefreshRun | None = None
    next_check: dt.datetime | None = None
    every_hours: int = DEFAULT_EVERY_HOURS


def _scheduled_next() -> dt.datetime | None:
    """When the job engine's standing schedule next runs the refresh, if it has one."""
    from django.apps import apps

    if not apps.is_installed("django_q"):
        return None
    from django_q.models import Schedule

    found = Schedule.objects.filter(name="saferplaces:refresh").values_list("next_run", flat=True)
    return found.first()


def status() -> Status:
    from saferplaces.warehouse.refresh import latest_months, read_copy_path

    every = int(getattr(settings, "SAFERPLACES_REFRESH_EVERY_HOURS", DEFAULT_EVERY_HOURS))
    out = Status(every_hours=every, last_run=RefreshRun.objects.first())
    out.next_check = _scheduled_next()
    if out.next_check is None and out.last_run is not None:
        out.next_check = out.last_run.started + dt.timedelta(hours=every)
    main = integrations.warehouse_path()
    out.reading = (
        "the published read-only copy" if read_copy_path(main).exists() else "the main file"
    )
    try:
        con = integrations.connect()
    except integrations.WarehouseUnavailable as exc:
        out.data_note = str(exc)
        return out
    try:
        out.forces = sorted(latest_months(con).items())
    finally:
        con.close()
    if not out.forces:
        out.data_note = "No police data loaded"
    return out
