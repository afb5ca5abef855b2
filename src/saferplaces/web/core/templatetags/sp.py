"""Template helpers: RAG and status tags, numbers, and inline SVG sparklines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django import template
from django.utils.html import format_html

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


@register.simple_tag
def rag_tag(rag: str | None, empty: str = "Not rated") -> str:
    if not rag:
        return format_html('<strong class="govuk-tag govuk-tag--grey">{}</strong>', empty)
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>', RAG_CLASSES.get(rag, ""), rag.capitalize()
    )


@register.simple_tag
def status_tag(status: str) -> str:
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>',
        STATUS_CLASSES.get(status, ""),
        STATUS_LABELS.get(status, status),
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


@register.simple_tag
def sparkline(values: Sequence[float | None], target: float | None = None, label: str = "") -> str:
    """A small inline SVG line. The text alternative states first, last and range."""
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
