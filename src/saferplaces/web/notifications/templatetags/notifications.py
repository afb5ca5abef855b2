"""The header's "Notifications (N)" link (the count is cached briefly: see selectors)."""

from __future__ import annotations

from typing import Any

from django import template

from saferplaces.web.notifications.selectors import unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user: Any) -> int:
    return unread_count(user, cached=True)
