"""Money in whole pence and the financial year (April to March) with its quarters.

Amounts are stored and added as integers of pence. ``Decimal`` is used only here, at the edge,
to read what people type ("£61,394.00", "61394", "1,250.5") and to hand a spreadsheet a value in
pounds; nothing is ever a float.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from saferplaces.web.meetings.selectors import municipal_year

_AMOUNT = re.compile(r"^-?\d+(\.\d{1,2})?$")


def parse_pounds(text: str, field: str = "Amount") -> int:
    """Pence from an amount in pounds as people write it. Raises ValueError naming the field."""
    t = (text or "").strip().replace(",", "").replace("£", "").replace(" ", "")
    if not _AMOUNT.match(t):
        raise ValueError(f"{field} must be an amount in pounds, like 61,394.00")
    try:
        pence = Decimal(t) * 100
    except InvalidOperation:  # pragma: no cover - the pattern already refuses these
        raise ValueError(f"{field} must be an amount in pounds, like 61,394.00") from None
    return int(pence)


def pounds(pence: int | None) -> str:
    """£61,394.00; a negative amount as −£5.00; None as a dash."""
    if pence is None:
        return "–"
    sign = "−" if pence < 0 else ""
    whole, p = divmod(abs(int(pence)), 100)
    return f"{sign}£{whole:,}.{p:02d}"


def pounds_decimal(pence: int) -> Decimal:
    """The amount in pounds for a spreadsheet cell (exact: a Decimal, not a float)."""
    return Decimal(int(pence)) / 100


# The financial year is April to March, named by the year it starts (2023 is 2023/24): the same
# year as the scrutiny report's, from one function.
financial_year = municipal_year


def year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def quarter_of(day: dt.date) -> tuple[int, int]:
    """(financial year, quarter 1–4): Q1 April–June … Q4 January–March."""
    return financial_year(day), ((day.month - 4) % 12) // 3 + 1


def quarter_start(year: int, quarter: int) -> dt.date:
    month = 4 + 3 * (quarter - 1)
    return dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def quarter_end(year: int, quarter: int) -> dt.date:
    nxt = quarter_start(year, quarter + 1) if quarter < 4 else dt.date(year + 1, 4, 1)
    return nxt - dt.timedelta(days=1)


def quarter_label(year: int, quarter: int) -> str:
    s, e = quarter_start(year, quarter), quarter_end(year, quarter)
    return f"Q{quarter} {year_label(year)} ({s:%B} to {e:%B %Y})"
