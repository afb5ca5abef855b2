"""The board performance pack: one document per partnership, as PDF (WeasyPrint) and Word.

Both are built from the same selector as the dashboard, so the pack says what the page says.
"""

from __future__ import annotations

import io
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from saferplaces.web.funds import selectors as funds_selectors
from saferplaces.web.funds.money import pounds, year_label
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.performance import selectors
from saferplaces.web.performance.selectors import Dashboard, plain_change
from saferplaces.web.reviews import selectors as review_selectors

REVIEWS_NOTE = (
    "Counts only: each case is seen by its case team alone. Counts from 1 to 4 are shown as "
    "“fewer than 5”."
)
RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green", "": "Not rated"}


def context(partnership: Partnership) -> dict[str, Any]:
    d = selectors.dashboard(partnership)
    for v in [*d.indicators, *d.emerging]:
        v.plain_change = plain_change(v)  # type: ignore[attr-defined]
    return {
        "partnership": partnership,
        "d": d,
        "funds": funds_selectors.pack_positions(partnership),
        # Counts only, 1 to 4 suppressed: a case is seen by its case team alone.
        "reviews": review_selectors.board_counts(partnership, timezone.localdate()),
        "reviews_note": REVIEWS_NOTE,
        "generated": timezone.localtime(),
    }


def render_html(partnership: Partnership) -> str:
    return render_to_string("pack/pack.html", context(partnership))


def render_pdf(partnership: Partnership) -> bytes:
    from weasyprint import HTML

    # No base_url: the pack refers to nothing outside itself (styles and SVG are inline).
    return HTML(string=render_html(partnership)).write_pdf()


def digest_sections(since: selectors.Digest) -> list[tuple[str, list[str]]]:
    """The digest's headed lists as plain lines, in the order the web partial shows them."""

    def lines(items: list[selectors.DigestLine], with_text: bool = True) -> list[str]:
        return [f"{x.title}: {x.text}" if with_text else x.title for x in items]

    def rag(x: selectors.DigestLine) -> str:
        return f"{'Priority' if x.kind == 'priority' else 'Action'} {x.title}: {x.text}"

    sections = [
        ("Actions completed", lines(since.completed, with_text=False)),
        ("Actions slipped", lines(since.slipped)),
        ("RAG ratings changed", [rag(x) for x in since.rag_changes]),
        ("Indicators that moved by more than chance", lines(since.indicators)),
        ("New emerging issues", lines(since.emerging)),
    ]
    if since.meeting is not None:
        sections.append(
            (
                f"Resolved at {since.meeting.title}",
                [
                    f"{r.item.number}{r.letter}) {r.text} ({r.get_kind_display()}"
                    + (f", due {r.due_date:%-d %B %Y}" if r.due_date else "")
                    + ")"
                    for r in since.resolutions
                ],
            )
        )
    return [(h, ls) for h, ls in sections if ls]


def _suggested(p: Any) -> str:
    """A priority not yet rated at a review: the rating its evidence suggests, labelled so."""
    s = getattr(p, "suggested", None)
    if s is None:
        return ""
    return f"\nSuggested: {RAG_WORDS[s.rag] if s.rag else 'not enough to suggest'} ({s.words})"


def _fmt(v: float | None) -> str:
    if v is None:
        return "–"
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.2f}"


def render_docx(partnership: Partnership) -> bytes:
    from docx import Document
    from docx.shared import Pt, RGBColor

    ctx = context(partnership)
    d: Dashboard = ctx["d"]
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    doc.core_properties.title = f"{partnership.name}: performance pack"
    doc.add_heading(f"{partnership.name}: performance pack", 0)
    doc.add_paragraph(f"Prepared {ctx['generated']:%d %B %Y} by Safer Places.")

    doc.add_heading("Priorities", 1)
    t = doc.add_table(rows=1, cols=4)
    t.style = "Table Grid"
    for cell, text in zip(
        t.rows[0].cells, ["Priority", "RAG", "Open actions", "Lead"], strict=True
    ):
        cell.text = text
    for p in d.priorities:
        lead = (
            p.lead_officer.display_name
            if p.lead_officer
            else (p.lead_organisation.name if p.lead_organisation else "")
        )
        row = t.add_row().cells
        row[0].text, row[1].text, row[2].text, row[3].text = (
            p.title,
            RAG_WORDS.get(p.rag, p.rag) + _suggested(p),
            str(p.open_actions),
            lead,
        )
    if d.county_priorities:
        doc.add_paragraph(
            "County-wide priorities from the county agreement: "
            + "; ".join(p.title for p in d.county_priorities)
            + "."
        )

    def indicator_table(views: list[selectors.IndicatorView], heading: str) -> None:
        doc.add_heading(heading, 1)
        if not views:
            doc.add_paragraph("None.")
            return
        t = doc.add_table(rows=1, cols=6)
        t.style = "Table Grid"
        for cell, text in zip(
            t.rows[0].cells,
            ["Indicator", "Latest", "Target", "RAG", "Reference point", "Change on a year ago"],
            strict=True,
        ):
            cell.text = text
        for v in views:
            r = t.add_row().cells
            latest = (
                f"{_fmt(v.latest.value)} ({v.latest.period:%b %Y})"
                if v.latest
                else ("No warehouse data loaded" if v.warehouse_missing else "No values yet")
            )
            ref = "\n".join(v.references) or "No values yet"
            r[0].text = v.indicator.name + (f" ({v.indicator.unit})" if v.indicator.unit else "")
            r[1].text, r[2].text, r[3].text = (
                latest,
                _fmt(v.indicator.target_value),
                RAG_WORDS.get(v.rag, v.rag),
            )
            r[4].text, r[5].text = ref, plain_change(v) or "Not enough history"
            if v.emerging:
                r[0].paragraphs[0].add_run(" – above its usual range").font.color.rgb = RGBColor(
                    0xD4, 0x35, 0x1C
                )

    indicator_table(d.indicators, "Indicators against target")
    indicator_table(d.emerging, "Watching for emerging themes")
    if d.emerging_statement:
        doc.add_paragraph(d.emerging_statement)

    doc.add_heading("Overdue actions", 1)
    if not d.overdue:
        doc.add_paragraph("No actions are overdue.")
    for a in d.overdue:
        owner = a.owner.display_name if a.owner else "No owner"
        doc.add_paragraph(
            f"{a.title} – {a.priority.title} – due {a.due_date:%d %B %Y} – {owner}",
            style="List Bullet",
        )

    doc.add_heading("Since the last meeting", 1)
    since = d.since
    doc.add_paragraph(since.period_words)
    if since.is_empty:
        doc.add_paragraph("Nothing to report.")
    for heading, lines in digest_sections(since):
        doc.add_heading(heading, 2)
        for line in lines:
            doc.add_paragraph(line, style="List Bullet")
    doc.add_heading("Statutory reviews", 1)
    doc.add_paragraph(REVIEWS_NOTE)
    t = doc.add_table(rows=1, cols=4)
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, ["Kind", "Open", "Overdue", "Due soon"], strict=True):
        cell.text = text
    for k in ctx["reviews"]:
        r = t.add_row().cells
        r[0].text = k.label
        for cell, n in zip(r[1:], (k.open, k.overdue, k.due_soon), strict=True):
            cell.text = "fewer than 5" if n is None else str(n)
    if ctx["funds"]:
        doc.add_heading("Grant money", 1)
        t = doc.add_table(rows=1, cols=6)
        t.style = "Table Grid"
        heads = ["Fund", "Year", "Available", "Planned", "Spent so far", "Forecast unspent"]
        for cell, text in zip(t.rows[0].cells, heads, strict=True):
            cell.text = text
        for pos in ctx["funds"]:
            r = t.add_row().cells
            r[0].text, r[1].text = f"{pos.stream.name} ({pos.stream.grantor})", year_label(pos.year)
            r[2].text, r[3].text = pounds(pos.available_pence), pounds(pos.planned_total)
            r[4].text, r[5].text = pounds(pos.spent_total), pounds(pos.forecast_unspent_pence)
        for pos in ctx["funds"]:
            for a in pos.alerts:
                doc.add_paragraph(f"{pos.stream.name}: {a.text}", style="List Bullet")
    doc.add_paragraph(
        "Police data: contains public sector information licensed under the Open Government Licence v3.0."
    )
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
