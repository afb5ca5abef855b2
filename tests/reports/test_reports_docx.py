"""The Word document reopens, has the heading structure, tables and figures with alt text."""

from __future__ import annotations

import itertools

import pytest
from docx import Document

from saferplaces.reports import content, fmt
from saferplaces.reports.docx import heading_outline

pytestmark = pytest.mark.slow

TOP = [
    "Executive summary",
    "Crime and anti-social behaviour overview",
    "Crime and ASB by category",
    "Places",
    "Hotspots",
    "Priority localities",
    "Emerging issues",
    "Recommended priorities",
    "Data quality and caveats",
    "Appendix A: Method and references",
    "Appendix B: Licence and provenance",
]


def test_docx_heading_structure(rendered, tamworth) -> None:
    outline = heading_outline(rendered["docx"])
    assert outline[0] == ("Title", f"{tamworth.area.name} community safety strategic assessment")
    h1 = [t for s, t in outline if s == "Heading 1"]
    assert [t.split(" ", 1)[1] if t[0].isdigit() else t for t in h1] == TOP
    h2 = [t for s, t in outline if s == "Heading 2"]
    for c in tamworth.categories:
        assert any(t.endswith(c.category) for t in h2)
    # Heading levels never skip (Heading 1 → Heading 3).
    levels = [int(s.split()[-1]) for s, _ in outline if s.startswith("Heading")]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_docx_tables_figures_and_text(rendered, tamworth) -> None:
    d = Document(str(rendered["docx"]))
    text = "\n".join(p.text for p in d.paragraphs)
    assert fmt.count(tamworth.overview.crime.count) in text
    assert tamworth.overview.crime.statement in text
    assert len(d.tables) >= 20
    # Header rows repeat on each page and tables carry a caption for screen readers.
    first = d.tables[1]._tbl
    assert (
        first.tblPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblCaption")
        is not None
    )
    pictures = d.inline_shapes
    assert len(pictures) >= 20
    for shape in pictures:
        pr = shape._inline.docPr
        assert pr.get("descr") and len(pr.get("descr")) > 30
        assert pr.get("title")
    # A real contents field that Word updates on opening.
    xml = d.element.xml
    assert "TOC \\o" in xml
    assert "w:updateFields" in d.settings.element.xml
    assert d.sections[0].page_width.cm == pytest.approx(21.0, abs=0.01)


def test_docx_is_editable_text_not_images(rendered, tamworth) -> None:
    """Every recommended priority's rationale is text the officer can edit."""
    d = Document(str(rendered["docx"]))
    text = "\n".join(p.text for p in d.paragraphs)
    for p in tamworth.recommended_priorities.priorities:
        if p.recommended:
            assert content.priority_rationale(tamworth, p) in text
