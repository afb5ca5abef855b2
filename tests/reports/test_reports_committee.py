"""The committee cover report: the councils' shape, 2–4 pages, placeholders to complete."""

from __future__ import annotations

import re
import subprocess

import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX

pytestmark = pytest.mark.slow


def test_committee_pdf(rendered, tamworth, pdftotext) -> None:
    path = rendered["committee-pdf"]
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 2 <= pages <= 4
    text = re.sub(r"\s+", " ", subprocess.run([pdftotext, str(path), "-"], capture_output=True,
                                              text=True).stdout)  # fmt: skip
    for heading in ("Purpose", "Recommendations", "Executive summary", "Recommended priorities",
                    "Summary of performance", "Implications", "Resources and finance", "Legal",
                    "Equalities", "Appendices"):  # fmt: skip
        assert heading in text, heading
    assert "[Committee name]" in text and "[Date of meeting]" in text
    assert "Crime and Disorder Act 1998" in text
    assert tamworth.overview.crime.statement in text
    assert rendered["pdf"].name in text  # the appendix is named


def test_committee_docx(rendered) -> None:
    d = Document(str(rendered["committee-docx"]))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["1 Purpose", "2 Recommendations", "3 Executive summary"]
    highlighted = [r.text for p in d.paragraphs for r in p.runs
                   if r.font.highlight_color == WD_COLOR_INDEX.YELLOW]  # fmt: skip
    highlighted += [r.text for t in d.tables for row in t.rows for c in row.cells
                    for p in c.paragraphs for r in p.runs
                    if r.font.highlight_color == WD_COLOR_INDEX.YELLOW]  # fmt: skip
    assert any("Officer to complete" in h for h in highlighted)
    assert "[Committee name]" in highlighted
