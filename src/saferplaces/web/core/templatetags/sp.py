"""Template helpers: RAG and status tags, numbers, dates, and inline SVG sparklines.

The tags and filters here run once per row of the longest tables (the work plan, the
indicator tables), so each does as little per call as it can: tags are built once per value,
sparklines once per series.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import translation
from django.utils.dates import MONTHS_3
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

register = template.Library()

RAG_CLASSES = {"red": "govuk-tag--red", "amber": "govuk-tag--orange", "green": "govuk-tag--green"}
STATUS_CLASSES = {
    "not_started": "govuk-tag--grey",
    "in_progress": "govuk-tag--blue",
    "on_hold": "govuk-tag--yellow",
    "complete": "govuk-tag--green",
    "cancelled": "govuk-tag--grey",
}
STATUS_LABELS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "on_hold": "On hold",
    "complete": "Complete",
    "cancelled": "Cancelled",
}


@functools.lru_cache(maxsize=256)
def _tag(css: str, text: SafeString) -> SafeString:
    return format_html('<strong class="govuk-tag {}">{}</strong>', css, text)


@register.simple_tag
def rag_tag(rag: str | None, empty: str = "Not rated") -> str:
    if not rag:
        return _tag("govuk-tag--grey", conditional_escape(empty))
    return _tag(RAG_CLASSES.get(rag, ""), conditional_escape(rag.capitalize()))


@register.simple_tag
def status_tag(status: str) -> str:
    return _tag(
        STATUS_CLASSES.get(status, ""), conditional_escape(STATUS_LABELS.get(status, status))
    )


@register.filter
def num(value: float | int | None, places: int = -1) -> str:
    """Plain figures: whole numbers with thousands separators, otherwise up to 2 decimals."""
    if value is None or value == "":
        return "–"
    v = float(value)
    if places >= 0:
        return f"{v:,.{places}f}"
    if v.is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


@register.filter
def month(value: dt.date | None) -> str:
    return value.strftime("%b %Y") if value else "–"


@functools.cache
def _month_abbr(language: str | None, number: int) -> str:
    return str(MONTHS_3[number]).title()


@register.filter(expects_localtime=True)
def short_date(value: dt.date | dt.datetime | None) -> str:
    """``3 Feb 2026``: what ``date:"j M Y"`` writes, without its set-up on every call.

    Datetimes are shown in the local time zone (as with ``date``); empty for no date.
    """
    if value in (None, ""):
        return ""
    if not isinstance(value, dt.date):
        return date_filter(value, "j M Y")
    month_name = _month_abbr(translation.get_language(), value.month)
    return f"{value.day} {month_name} {value.year:04d}"


@register.simple_tag
def sparkline(values: Sequence[float | None], target: float | None = None, label: str = "") -> str:
    """A small inline SVG line. The text alternative states first, last and range."""
    # Drawn once per distinct series: the same indicators are shown on every dashboard view.
    return _sparkline(tuple(values), target, str(label))


@functools.lru_cache(maxsize=8192)
def _sparkline(values: tuple[float | None, ...], target: float | None, label: str) -> str:
    pts = [float(v) for v in values if v is not None]
    width, height, pad = 120, 28, 3
    if len(pts) < 2:
        return format_html('<span class="govuk-body-s">{}</span>', "Not enough values for a trend")
    lo = min([*pts, target] if target is not None else pts)
    hi = max([*pts, target] if target is not None else pts)
    span = (hi - lo) or 1.0

    def y(v: float) -> float:
        return round(height - pad - (v - lo) / span * (height - 2 * pad), 1)

    step = (width - 2 * pad) / (len(pts) - 1)
    coords = " ".join(f"{round(pad + i * step, 1)},{y(v)}" for i, v in enumerate(pts))
    last_x, last_y = round(pad + (len(pts) - 1) * step, 1), y(pts[-1])
    desc = f"{label + ': ' if label else ''}{len(pts)} months, from {pts[0]:,.4g} to {pts[-1]:,.4g} (lowest {min(pts):,.4g}, highest {max(pts):,.4g})"
    target_line = ""
    if target is not None:
        ty = y(target)
        target_line = format_html(
            # Presentation attributes rather than CSS, so WeasyPrint's SVG renderer (the PDF
            # pack) draws the same line the browser does.
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#505a5f" stroke-width="1" stroke-dasharray="3 2"/>',
            pad,
            width - pad,
            ty,
            ty,
        )
    return format_html(
        '<svg class="sp-sparkline" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        '{}<polyline points="{}" fill="none" stroke="#1d70b8" stroke-width="2"/>'
        '<circle cx="{}" cy="{}" r="2.5" fill="#1d70b8"/></svg>',
        width,
        height,
        width,
        height,
        desc,
        target_line,
        coords,
        last_x,
        last_y,
    )


@register.filter
def widget_type(bound_field) -> str:
    return type(bound_field.field.widget).__name__
