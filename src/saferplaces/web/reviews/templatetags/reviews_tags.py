"""``{% review_counts partnership as counts %}``: the statutory review counts for board pages
(counts only, small numbers suppressed), so a page that is not the reviews app's own can show
them without knowing any case."""

from __future__ import annotations

from django import template
from django.utils import timezone

from saferplaces.web.reviews.selectors import board_counts

register = template.Library()


@register.simple_tag
def review_counts(partnership):
    return board_counts(partnership, timezone.localdate())
