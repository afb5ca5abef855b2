"""`{% plan_warnings partnership %}`: the plan period and police data warnings, one template for
the dashboard and the plan page (GOV.UK warning text)."""

from __future__ import annotations

from typing import Any

from django import template

from saferplaces.web.plans import selectors

register = template.Library()


@register.inclusion_tag("plans/_warnings.html")
def plan_warnings(partnership: Any) -> dict[str, Any]:
    return {"partnership": partnership, "warnings": selectors.plan_warnings(partnership)}
