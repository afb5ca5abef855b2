"""Months, periods and baselines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


class PeriodError(ValueError):
    pass


def parse_month(text: str, what: str = "month") -> date:
    try:
        year, month = (int(x) for x in str(text).strip().split("-")[:2])
        return date(year, month, 1)
    except ValueError:
        raise PeriodError(f"{what} {text!r} is not a month: write it as YYYY-MM.") from None


def add_months(d: date, n: int) -> date:
    index = d.year * 12 + (d.month - 1) + n
    return date(index // 12, index % 12 + 1, 1)


def month_range(start: date, end: date) -> list[date]:
    if end < start:
        raise PeriodError(f"the period ends ({end:%Y-%m}) before it starts ({start:%Y-%m}).")
    out, d = [], start
    while d <= end:
        out.append(d)
        d = add_months(d, 1)
    return out


def fmt(d: date) -> str:
    return f"{d:%Y-%m}"


@dataclass(frozen=True)
class Window:
    start: date
    end: date

    @property
    def months(self) -> list[date]:
        return month_range(self.start, self.end)

    def label(self) -> str:
        return f"{self.start:%b %Y} to {self.end:%b %Y}"


def baseline_window(period: Window, kind: str) -> Window:
    """The comparison window: the same months a year earlier, or the months just before."""
    n = len(period.months)
    if kind == "previous-year":
        return Window(add_months(period.start, -12), add_months(period.end, -12))
    if kind == "previous-period":
        return Window(add_months(period.start, -n), add_months(period.start, -1))
    raise PeriodError("--baseline must be previous-year or previous-period.")


def months_label(months: list[date]) -> str:
    """Months as a person names them: 'January–April 2025', 'November 2024–February 2025',
    'January–March and May 2025'. Runs of consecutive months are joined by a dash."""
    if not months:
        return "no months"
    runs: list[list[date]] = [[months[0]]]
    for d in months[1:]:
        if d == add_months(runs[-1][-1], 1):
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for i, run in enumerate(runs):
        first, last = run[0], run[-1]
        # The year is said once at the end of a run of runs in the same year.
        same_year_as_next = i + 1 < len(runs) and runs[i + 1][0].year == last.year
        if first == last:
            text = f"{first:%B}" if same_year_as_next else f"{first:%B %Y}"
        elif first.year == last.year:
            text = f"{first:%B}–{last:%B}" + ("" if same_year_as_next else f" {last:%Y}")
        else:
            text = f"{first:%B %Y}–{last:%B %Y}"
        parts.append(text)
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]
