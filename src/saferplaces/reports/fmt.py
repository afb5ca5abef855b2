"""How numbers, months and findings are written in the documents.

Formatting only: these functions never combine two figures. Percentages of shares use the
``%`` format (a change of unit, not a new figure).
"""

from __future__ import annotations

import re
from datetime import date

from saferplaces.assessment import periods, statements
from saferplaces.assessment.statements import ordinal

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip
NA = "n/a"


def count(n: int | float | None) -> str:
    if n is None:
        return NA
    return f"{int(n):,}" if float(n).is_integer() else f"{n:,.1f}"


def whole(x: float | None) -> str:
    """A total shown to the nearest whole number (e.g. harm-weighted days)."""
    return NA if x is None else f"{x:,.0f}"


def rate(x: float | None, nd: int = 1) -> str:
    return NA if x is None else f"{x:,.{nd}f}"


def number(x: float | None, nd: int = 2) -> str:
    return NA if x is None else f"{x:,.{nd}f}"


def signed_pct(x: float | None) -> str:
    """A percentage change as the model gives it (already in per cent)."""
    if x is None:
        return NA
    if abs(x) < 0.05:
        return "0%"
    return f"{x:+.0f}%" if abs(x) >= 10 else f"{x:+.1f}%"


def plain_pct(x: float | None) -> str:
    if x is None:
        return NA
    return f"{abs(x):.0f}%" if abs(x) >= 10 else f"{abs(x):.1f}%"


def share(x: float | None, nd: int = 1) -> str:
    """A proportion (0–1) written as a percentage."""
    return NA if x is None else f"{x:.{nd}%}"


def p_value(p: float | None) -> str:
    """The precise form, for the methods appendix and the open data only (STYLE.md)."""
    if p is None:
        return NA
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.05 else f"p = {p:.2f}"


def significance(significant: bool, p: float | None, direction: str = "",
                 count: float | None = None, baseline: float | None = None) -> str:  # fmt: skip
    """In words: 'a real rise, not chance', 'could be chance', 'too few to tell'."""
    if p is None:
        return statements.TOO_FEW
    # The model's own flag decides, so the words never disagree with the tables.
    return statements.significance_words(0.0 if significant else max(p, 0.05), direction,
                                         count, baseline)  # fmt: skip


def change_phrase(direction: str, percent: float | None, significant: bool,
                  p: float | None, comparison: str = "", monthly: bool = False) -> str:  # fmt: skip
    """'59% more than January–April 2024, a real rise, not chance' (chart titles, summaries)."""
    if p is not None:
        p = 0.0 if significant else max(p, 0.05)
    return statements.change_brief(direction, percent, p, comparison, monthly=monthly)


def month(value: str) -> str:
    """'2025-03' → 'March 2025'."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if not m:
        return value
    return f"{MONTHS[int(m.group(2)) - 1]} {m.group(1)}"


def short_month(value: str) -> str:
    m = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if not m:
        return value
    return f"{MONTHS[int(m.group(2)) - 1][:3]} {m.group(1)}"


def period(start: str, end: str) -> str:
    """'2025-01', '2025-12' → 'January to December 2025'."""
    if start[:4] == end[:4]:
        if start == end:
            return month(start)
        return f"{MONTHS[int(start[5:7]) - 1]} to {month(end)}"
    return f"{month(start)} to {month(end)}"


def months_label(months: list[str]) -> str:
    """Months (YYYY-MM) named as runs: 'January–April 2024', 'January–March and June 2024'."""
    days = sorted({date(int(x[:4]), int(x[5:7]), 1) for x in months})
    return periods.months_label(days)


def months_between(start: str, end: str, missing: list[str] | None = None) -> list[str]:
    """Every month from ``start`` to ``end`` (YYYY-MM) not in ``missing``."""
    y, mo = int(start[:4]), int(start[5:7])
    out = []
    while f"{y}-{mo:02d}" <= end:
        out.append(f"{y}-{mo:02d}")
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    gone = set(missing or [])
    return [x for x in out if x not in gone]


def timestamp(value: str) -> str:
    """'2026-11-22T02:53:02Z' → '22 November 2026'."""
    try:
        d = date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


ordinal_word = statements.ordinal_word


def rank(n: int | None, of: int | None = None) -> str:
    if n is None:
        return NA
    return ordinal(n) + (f" of {of}" if of else "")


def join_names(names: list[str], limit: int = 4) -> str:
    """'A, B and C'; long lists end '… and others'."""
    names = list(names)
    if not names:
        return ""
    if len(names) > limit:
        return ", ".join(names[:limit]) + " and others"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "area"


def sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."
