"""The annual scrutiny report as PDF and Word, in the documents' one GOV.UK-styled shell.

The content is decided once, as the neutral document tree of ``saferplaces.reports.blocks``,
from ``selectors.scrutiny_report``; the report writers (``reports.html`` for the PDF through
WeasyPrint, ``reports.docx`` for Word) only lay it out, as they do the committee report.
"""

from __future__ import annotations

import io

from django.utils import timezone

from saferplaces.reports.blocks import Bullets, Column, Document, Para, Section, Table
from saferplaces.web.meetings.selectors import ScrutinyReport

FOOTER = "Produced with Safer Places from the partnership's records of its meetings."


def _d(day: object) -> str:
    return f"{day:%-d %B %Y}" if day else "–"


def build(report: ScrutinyReport) -> Document:
    r = report
    committees = ", ".join(b.name for b in r.bodies) or "No scrutiny committee recorded"
    intro = Section("about", "About this report").add(
        Para(
            "The council's crime and disorder committee reviews the work of the community safety "
            "partnership at least once a year (Police and Justice Act 2006, section 19). This "
            "report sets out what the committee considered in the year, the recommendations it "
            "made to the partnership and the partnership's responses, and the matters still open."
        )
    )
    meetings = Section("meetings", "Meetings held")
    if r.meetings:
        meetings.add(
            Bullets(
                [
                    f"{_d(m.held_on)}: {m.title}"
                    + ("" if m.title == m.body.name else f" ({m.body.name})")
                    for m in r.meetings
                ]
            )
        )
    else:
        meetings.add(Para("No meetings of the committee were held in the year."))

    held = Section("work-programme", "Work programme items considered")
    if r.held:
        held.add(
            Table(
                "Work programme items considered in the year",
                [Column("Item"), Column("Meeting"), Column("Requested")],
                [
                    [
                        w.title,
                        _d(w.planned_meeting.held_on),
                        (
                            f"Resolved {_d(w.resolution.item.meeting.held_on)}"
                            if w.resolution_id
                            else "Added by the clerk"
                        ),
                    ]
                    for w in r.held
                ],
            )
        )
    else:
        held.add(Para("No work programme items were considered in the year."))

    recs = Section("recommendations", "Recommendations and the partnership's responses")
    if r.recommendations:
        counts = "; ".join(f"{label}: {n}" for label, n in r.responses.items() if n)
        recs.add(Para(f"{len(r.recommendations)} recommendations were made ({counts})."))
        recs.add(
            Table(
                "Recommendations made in the year",
                [
                    Column("Recommendation"),
                    Column("Made"),
                    Column("Response"),
                    Column("Reasons"),
                    Column("Status"),
                ],
                [
                    [
                        x.text,
                        _d(x.made_on),
                        (
                            f"{x.get_response_display()} ({_d(x.responded_on)})"
                            if x.response
                            else "Not yet"
                        ),
                        x.reasons or "–",
                        x.status,
                    ]
                    for x in r.recommendations
                ],
            )
        )
    else:
        recs.add(Para("The committee made no recommendations to the partnership in the year."))

    open_ = Section("open", "Matters still open")
    if r.open_recommendations:
        open_.add(Para("Recommendations awaiting a response or not yet carried out:"))
        open_.add(
            Bullets(
                [f"{x.text} (made {_d(x.made_on)}): {x.status}" for x in r.open_recommendations]
            )
        )
    if r.open_items:
        open_.add(Para("Work programme items still to be considered:"))
        open_.add(
            Bullets(
                [
                    f"{w.title}: "
                    + (
                        f"planned for {_d(w.planned_meeting.held_on)}"
                        if w.planned_meeting_id
                        else "not yet planned for a meeting"
                    )
                    for w in r.open_items
                ]
            )
        )
    if not r.open_recommendations and not r.open_items:
        open_.add(Para("None: every recommendation has a response and every item was considered."))

    return Document(
        title=r.title,
        subtitle=f"{r.partnership.name}: scrutiny of the community safety partnership",
        running_header=f"{r.partnership.name}: {r.title}",
        meta=[
            ("Committee", committees),
            ("Year", f"{_d(r.start)} to {_d(r.end)}"),
            ("Prepared", f"{_d(timezone.localdate())} by Safer Places"),
        ],
        sections=[intro, meetings, held, recs, open_],
        kind_label="Scrutiny report",
    ).number()


def render_pdf(report: ScrutinyReport) -> bytes:
    from weasyprint import HTML

    from saferplaces.reports.html import render_html

    html = render_html(build(report), print_mode=True, template="committee.html.j2", footer=FOOTER)
    return HTML(string=html, base_url=None).write_pdf()


def render_docx(report: ScrutinyReport) -> bytes:
    from saferplaces.reports.docx import build_docx

    d = build_docx(build(report), contents=False, page_breaks=False)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
