"""Meetings as iCalendar (RFC 5545), built with the `icalendar` library."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from icalendar import Calendar, Event

from saferplaces.web.meetings.models import Meeting

PRODID = "-//Safer Places//Partnership meetings//EN"


def _event(m: Meeting, url: str) -> Event:
    e = Event()
    e.add("uid", f"meeting-{m.pk}@saferplaces")
    e.add("dtstamp", m.created_at)
    e.add("dtstart", m.starts_at)
    # Without a recorded end, two hours: a board meeting's usual length.
    e.add("dtend", m.ends_at or m.starts_at + dt.timedelta(hours=2))
    e.add("summary", f"{m.title}")
    if m.place:
        e.add("location", m.place)
    e.add("description", f"{m.body.name}. Agenda and papers: {url}")
    e.add("url", url)
    return e


def calendar(name: str, meetings: Iterable[tuple[Meeting, str]]) -> bytes:
    """One calendar of the meetings, each with the address of its page. Only titles, times and
    places: no agenda items (so nothing exempt)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for m, url in meetings:
        cal.add_component(_event(m, url))
    return cal.to_ical()
