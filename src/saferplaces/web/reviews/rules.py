"""The statutory review rules as pure functions: dates in, dates and decisions out.

No database, no clock: every function takes the dates it needs, so each rule is tested on dated
scenarios (tests/web/test_web_reviews.py). The services and pages call these and nothing else
decides a deadline or a threshold.

Sources
- ASB Case Review: Anti-social Behaviour, Crime and Policing Act 2014 s104 and Schedule 4;
  Home Office, *Anti-social Behaviour, Crime and Policing Act 2014: Anti-social behaviour
  powers – Statutory guidance for frontline professionals* (updated 2023, section "ASB Case
  Review"): the threshold is set locally but may be no higher than three complaints in the
  previous six months; each complaint must have been made within one month of the behaviour,
  and the application within six months of the complaint; relevant bodies publish their
  procedure and timescales. Working-day timescales follow councils' published procedures
  (default 10 / 15 / 20 working days), counted without weekends and England and Wales bank
  holidays (the maintained ``holidays`` library, ``GB`` subdivision ``ENG``; England and Wales
  share the same bank holidays).
- Domestic Abuse Related Death Reviews (formerly Domestic Homicide Reviews): Domestic Violence,
  Crime and Victims Act 2004 s9; Home Office *Multi-agency statutory guidance for the conduct of
  Domestic Homicide Reviews* (2016) and its 2024 revision for DARDRs: the CSP chair decides
  whether to hold a review within one month of the death coming to their attention and tells
  the Home Office; the overview report is normally completed within six months of that decision
  (any extension recorded with its reason); the Home Office Quality Assurance Panel must approve
  the report before publication; the anonymised overview report and executive summary are
  published with the action plan and kept published for at least 12 months.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import holidays

# --- calendar ---------------------------------------------------------------------------------


def add_months(d: dt.date, n: int) -> dt.date:
    """The same day ``n`` calendar months later (or earlier); a day the month lacks becomes its
    last day: 31 January + 1 month = 28 (or 29) February; 31 August + 6 months = 28 February."""
    m = d.month - 1 + n
    year, month = d.year + m // 12, m % 12 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def bank_holidays(years: Iterable[int]) -> dict[dt.date, str]:
    """England and Wales bank holidays (substitute days included) with their names."""
    out: dict[dt.date, str] = {}
    for y in years:
        out.update(holidays.country_holidays("GB", subdiv="ENG", years=y))
    return out


def is_working_day(d: dt.date) -> bool:
    """Monday to Friday and not an England and Wales bank holiday."""
    return d.weekday() < 5 and d not in _bank_holidays(d.year)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``start`` (the day of receipt is day 0, as councils'
    procedures count: received on a Monday, 10 working days is the Monday two weeks on)."""
    if n < 0:
        raise ValueError("A number of working days cannot be negative")
    d, left = start, n
    while left:
        d += dt.timedelta(days=1)
        if is_working_day(d):
            left -= 1
    return d


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    d, n = start, 0
    while d < end:
        d += dt.timedelta(days=1)
        n += is_working_day(d)
    return n


# --- ASB Case Review ----------------------------------------------------------------------------

STATUTORY_MAX_THRESHOLD = 3  # "no higher than three complaints in the previous six months"
COMPLAINT_WINDOW_MONTHS = 1  # each complaint within one month of the behaviour
APPLICATION_WINDOW_MONTHS = 6  # the application within six months of the complaint


@dataclass(frozen=True)
class AsbSettings:
    """A partnership's local procedure. ``threshold`` may be lower than 3, never higher; a
    ``hate_threshold`` of 1 means a single qualifying hate incident meets the threshold (0 turns
    that local rule off). Timescales are working days from the day the application is received."""

    threshold: int = 3
    hate_threshold: int = 0
    acknowledge_days: int = 10
    decision_days: int = 15
    review_days: int = 20

    def __post_init__(self) -> None:
        if not 1 <= self.threshold <= STATUTORY_MAX_THRESHOLD:
            raise ValueError(
                "The local threshold must be between 1 and 3 complaints: the law sets 3 as the "
                "highest a partnership may use"
            )
        if self.hate_threshold < 0 or self.hate_threshold > self.threshold:
            raise ValueError(
                "The hate incident threshold must be between 0 (off) and the threshold"
            )
        if not 0 < self.acknowledge_days <= self.decision_days <= self.review_days:
            raise ValueError("Timescales must run in order: acknowledge, then decide, then review")


@dataclass(frozen=True)
class Complaint:
    behaviour_on: dt.date
    complained_on: dt.date
    hate: bool = False


@dataclass(frozen=True)
class ComplaintCheck:
    complaint: Complaint
    qualifies: bool
    reason: str


@dataclass(frozen=True)
class ThresholdResult:
    met: bool
    qualifying: int
    needed: int
    checks: tuple[ComplaintCheck, ...]
    reason: str


def check_complaint(c: Complaint, applied_on: dt.date) -> ComplaintCheck:
    """One complaint against the two statutory windows. Both ends are inclusive: a complaint
    made exactly one month after the behaviour qualifies, one day later does not; an
    application exactly six months after the complaint is in time."""
    if c.complained_on < c.behaviour_on:
        return ComplaintCheck(c, False, "The complaint is dated before the behaviour")
    if c.complained_on > applied_on:
        return ComplaintCheck(c, False, "The complaint was made after the application")
    last_complaint_day = add_months(c.behaviour_on, COMPLAINT_WINDOW_MONTHS)
    if c.complained_on > last_complaint_day:
        return ComplaintCheck(
            c,
            False,
            f"Made more than one month after the behaviour (the last day was "
            f"{last_complaint_day:%-d %B %Y})",
        )
    last_application_day = add_months(c.complained_on, APPLICATION_WINDOW_MONTHS)
    if applied_on > last_application_day:
        return ComplaintCheck(
            c,
            False,
            f"The application came more than six months after this complaint (the last day "
            f"was {last_application_day:%-d %B %Y})",
        )
    return ComplaintCheck(c, True, "Qualifies")


def asb_threshold(
    complaints: Iterable[Complaint], applied_on: dt.date, settings: AsbSettings | None = None
) -> ThresholdResult:
    """Whether the ASB Case Review threshold is met on the application date.

    A complaint qualifies when it was made within one month of the behaviour and the
    application within six months of it (so all qualifying complaints fall in the six months
    before the application). The threshold is met with ``settings.threshold`` qualifying
    complaints (3 by default), or ``settings.hate_threshold`` qualifying hate incidents where
    the partnership has set that lower local threshold.
    """
    s = settings or AsbSettings()
    checks = tuple(check_complaint(c, applied_on) for c in complaints)
    q = [c for c in checks if c.qualifies]
    hate = sum(1 for c in q if c.complaint.hate)
    if len(q) >= s.threshold:
        return ThresholdResult(
            True,
            len(q),
            s.threshold,
            checks,
            f"Threshold met: {len(q)} qualifying complaint{'s' if len(q) != 1 else ''} "
            f"(the local threshold is {s.threshold})",
        )
    if s.hate_threshold and hate >= s.hate_threshold:
        return ThresholdResult(
            True,
            len(q),
            s.threshold,
            checks,
            f"Threshold met: {hate} qualifying hate incident{'s' if hate != 1 else ''} "
            f"(the local threshold for hate incidents is {s.hate_threshold})",
        )
    return ThresholdResult(
        False,
        len(q),
        s.threshold,
        checks,
        f"Threshold not met: {len(q)} qualifying complaint{'s' if len(q) != 1 else ''} of "
        f"the {s.threshold} needed",
    )


@dataclass(frozen=True)
class Deadline:
    name: str
    due: dt.date
    done_on: dt.date | None = None

    def status(self, today: dt.date, due_soon_days: int = 5) -> str:
        """ "met", "late" (done after the date), "overdue", "due soon" (within ``due_soon_days``
        working days) or "open"."""
        if self.done_on is not None:
            return "met" if self.done_on <= self.due else "late"
        if today > self.due:
            return "overdue"
        if working_days_between(today, self.due) <= due_soon_days:
            return "due soon"
        return "open"


def asb_deadlines(received_on: dt.date, settings: AsbSettings | None = None) -> dict[str, dt.date]:
    """Acknowledge, decide the threshold and hold the review, in working days from receipt."""
    s = settings or AsbSettings()
    return {
        "acknowledge": add_working_days(received_on, s.acknowledge_days),
        "decision": add_working_days(received_on, s.decision_days),
        "review": add_working_days(received_on, s.review_days),
    }


# --- Domestic Abuse Related Death Reviews -------------------------------------------------------

DECISION_MONTHS = 1
REPORT_MONTHS = 6
PUBLISHED_FOR_MONTHS = 12


@dataclass(frozen=True)
class Extension:
    new_due: dt.date
    reason: str


def dardr_decision_due(came_to_attention_on: dt.date) -> dt.date:
    """The chair decides whether to hold a review within one month of the death coming to their
    attention (statutory guidance, "Decision to hold a review")."""
    return add_months(came_to_attention_on, DECISION_MONTHS)


def dardr_report_due(decided_on: dt.date, extensions: Iterable[Extension] = ()) -> dt.date:
    """The overview report is normally completed within six months of the decision; the latest
    recorded extension (each with its reason) moves the date."""
    due = add_months(decided_on, REPORT_MONTHS)
    for e in extensions:
        if not e.reason.strip():
            raise ValueError("An extension needs a reason")
        if e.new_due <= due:
            raise ValueError(f"An extension must move the date later than {due:%-d %B %Y}")
        due = e.new_due
    return due


def dardr_published_until(published_on: dt.date) -> dt.date:
    """The first day the report and action plan may come down: 12 months after publication."""
    return add_months(published_on, PUBLISHED_FOR_MONTHS)


# --- retention ----------------------------------------------------------------------------------

# Local defaults, to be confirmed by each partnership's data protection officer and recorded in
# its retention schedule: ASB Case Review records six years after the case closes (councils'
# schedules for complaints and case reviews); DARDR case files 20 years (the report is public;
# the panel's case papers are kept for any later review or inquest).
RETENTION_YEARS = {"asb": 6, "dardr": 20}


def retention_review_on(kind: str, closed_on: dt.date) -> dt.date:
    """The date a closed case's personal data is reviewed for deletion."""
    return add_months(closed_on, 12 * RETENTION_YEARS[kind])
