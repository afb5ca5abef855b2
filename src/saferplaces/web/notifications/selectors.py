"""Reads for notifications: always one person's own, never anyone else's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet

from saferplaces.web.notifications.models import (
    DEFAULT_FREQUENCY,
    Kind,
    Notification,
    Preference,
)
from saferplaces.web.partnerships.models import Partnership


def notifications_for(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user).select_related("partnership")
    return qs.filter(read_at__isnull=True) if unread_only else qs


# The header shows the count on every page; it is cached briefly so pages keep their query
# budgets. Writes here (notify, mark read) drop the entry; another web process with its own
# local cache may show a count up to UNREAD_CACHE_SECONDS old (none with a shared cache).
UNREAD_CACHE_SECONDS = 60


def unread_cache_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user: Any, *, cached: bool = False) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    if cached:
        n = cache.get(unread_cache_key(user.pk))
        if n is not None:
            return n
    n = Notification.objects.filter(user=user, read_at__isnull=True).count()
    cache.set(unread_cache_key(user.pk), n, UNREAD_CACHE_SECONDS)
    return n


def preferences_for(user: Any) -> dict[str, str]:
    """Kind -> frequency: the person's choices, and the defaults for kinds they left alone."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "frequency"))
    return {k: chosen.get(k, DEFAULT_FREQUENCY[k]) for k in Kind.values}


@dataclass
class PartnershipDeadlines:
    partnership: Partnership
    deadlines: list  # rules.DatedDeadline


def deadlines_for_user(user: Any, t: dt.date) -> list[PartnershipDeadlines]:
    """The deadline table for each partnership where the person holds a role."""
    from saferplaces.web.notifications.rules import deadlines_for

    ps = Partnership.objects.filter(memberships__user=user).distinct().order_by("name")
    return [PartnershipDeadlines(p, deadlines_for(p, t)) for p in ps]
