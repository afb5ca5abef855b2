"""Template filters for money in pence and exact shares (no floats)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django import template

from saferplaces.web.funds import money

register = template.Library()


@register.filter
def pounds(pence: int | None) -> str:
    return money.pounds(pence)


@register.filter
def financial_year(year: int) -> str:
    """2024 → "2024/25" (April to March)."""
    return money.year_label(year)


@register.filter
def percent(share: Fraction | None, places: int = 3) -> str:
    """An exact share as a percentage to ``places`` decimal places (display only)."""
    if share is None:
        return "–"
    d = Decimal(share.numerator) * 100 / Decimal(share.denominator)
    return f"{d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"


@register.filter
def exact_pence(value: Fraction) -> str:
    """An exact amount of pence shown to four decimal places of a penny."""
    d = Decimal(value.numerator) / Decimal(value.denominator)
    return f"{d.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):,}p"


@register.filter
def get(d: dict, key: str):
    return d.get(key) if d else None
