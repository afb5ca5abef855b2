"""The quarterly return to the grantor as Word and as a spreadsheet, from the figures stored with
the return (so the documents never change after it is made).

Word goes through the documents' one shell (``reports.blocks`` → ``reports.docx``), as the
scrutiny report does; the spreadsheet through ``web.transfers.to_xlsx``, with amounts in pounds
as exact decimals.
"""

from __future__ import annotations

import io
from typing import Any

from saferplaces.reports.blocks import Column, Document, KeyValues, Para, Section, Table
from saferplaces.web.funds.models import GrantReturn
from saferplaces.web.funds.money import pounds, pounds_decimal, quarter_label, year_label
from saferplaces.web.transfers import to_xlsx

FOOTER = "Produced with Safer Places from the partnership's records of its grant."


def title(r: GrantReturn) -> str:
    return f"{r.stream.name}: return for {quarter_label(r.year, r.quarter)}"


def build(r: GrantReturn) -> Document:
    f: dict[str, Any] = r.figures
    q = r.quarter
    summary = Section("summary", "Summary").add(
        KeyValues(
            "The year's money",
            [
                *[(label, pounds(p)) for label, p in f["available_parts"]],
                ("Available for the year", pounds(f["available_pence"])),
                ("Received from the grantor so far", pounds(f["received_pence"])),
                (f"Spent in Q{q}", pounds(f["spent_quarter_pence"])),
                (f"Planned to the end of Q{q}", pounds(f["planned_to_date_pence"])),
                (f"Spent to the end of Q{q}", pounds(f["spent_to_date_pence"])),
                ("Variance to date (spent less planned)", pounds(f["variance_to_date_pence"])),
                ("Forecast spend for the year", pounds(f["forecast_pence"])),
                ("Forecast unspent at 31 March", pounds(f["forecast_unspent_pence"])),
            ],
        )
    )
    if f.get("approved"):
        summary.add(Para(f"The spend plan was approved at {f['approved']}."))
    spend = Section("spend", "Spend by project").add(
        Table(
            f"Spend by project to the end of Q{q}",
            [
                Column("Project"),
                Column("Provider"),
                Column("Budget for the year", numeric=True),
                Column(f"Spent in Q{q}", numeric=True),
                Column("Spent to date", numeric=True),
                Column("Forecast", numeric=True),
                Column("VAT"),
            ],
            [
                [
                    x["project"],
                    x["provider"] or "–",
                    pounds(x["planned_year_pence"]),
                    pounds(x["spent_quarter_pence"]),
                    pounds(x["spent_to_date_pence"]),
                    pounds(x["forecast_pence"]),
                    x["vat"],
                ]
                for x in f["lines"]
            ],
        )
    )
    promised = Section("promised", "Outputs and outcomes promised").add(
        Table(
            "What each project promised",
            [Column("Project"), Column("Outputs"), Column("Outcomes")],
            [[x["project"], x["outputs"] or "–", x["outcomes"] or "–"] for x in f["lines"]],
        )
    )
    progress = Section("progress", "Progress this quarter").add(Para(r.narrative))
    if r.outputs:
        progress.add(Para(f"Outputs delivered: {r.outputs}"))
    if r.outcomes:
        progress.add(Para(f"Outcomes: {r.outcomes}"))
    return Document(
        title=title(r),
        subtitle=f"{r.stream.partnership.name} to {r.stream.grantor}",
        running_header=title(r),
        meta=[
            ("Grantor", r.stream.grantor),
            ("Financial year", year_label(r.year)),
            ("Quarter", quarter_label(r.year, r.quarter)),
            ("Prepared", f"{r.created_at:%-d %B %Y} by Safer Places"),
        ],
        sections=[summary, spend, promised, progress],
        kind_label="Grant return",
    ).number()


def render_docx(r: GrantReturn) -> bytes:
    from saferplaces.reports.docx import build_docx

    d = build_docx(build(r), contents=False, page_breaks=False)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


XLSX_HEADER = [
    "Project",
    "Provider",
    "Priority",
    "VAT",
    "Budget for the year (£)",
    "Planned to date (£)",
    "Spent in the quarter (£)",
    "Spent to date (£)",
    "Committed (£)",
    "Forecast (£)",
    "Outputs promised",
    "Outcomes promised",
]


def render_xlsx(r: GrantReturn) -> bytes:
    f = r.figures
    rows: list[list[Any]] = [
        [
            x["project"],
            x["provider"],
            x["priority"],
            x["vat"],
            pounds_decimal(x["planned_year_pence"]),
            pounds_decimal(x["planned_to_date_pence"]),
            pounds_decimal(x["spent_quarter_pence"]),
            pounds_decimal(x["spent_to_date_pence"]),
            pounds_decimal(x["committed_pence"]),
            pounds_decimal(x["forecast_pence"]),
            x["outputs"],
            x["outcomes"],
        ]
        for x in f["lines"]
    ]
    rows.append(
        [
            "Total",
            "",
            "",
            "",
            pounds_decimal(sum(x["planned_year_pence"] for x in f["lines"])),
            pounds_decimal(f["planned_to_date_pence"]),
            pounds_decimal(f["spent_quarter_pence"]),
            pounds_decimal(f["spent_to_date_pence"]),
            pounds_decimal(sum(x["committed_pence"] for x in f["lines"])),
            pounds_decimal(f["forecast_pence"]),
            "",
            "",
        ]
    )
    rows.append([])
    rows.append(["Available for the year (£)", "", "", "", pounds_decimal(f["available_pence"])])
    rows.append(["Received from the grantor (£)", "", "", "", pounds_decimal(f["received_pence"])])
    rows.append(["Narrative", r.narrative])
    return to_xlsx(f"Q{r.quarter} {year_label(r.year).replace('/', '-')}", XLSX_HEADER, rows)
