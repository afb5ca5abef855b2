"""The PDF of the real Tamworth assessment: headline figures, contents, page furniture."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from saferplaces.reports import fmt

pytestmark = pytest.mark.slow


def _text(pdftotext: str, path: Path, *args: str) -> str:
    return subprocess.run([pdftotext, *args, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_pdf_has_headline_figures(rendered, tamworth, pdftotext) -> None:
    text = _flat(_text(pdftotext, rendered["pdf"]))
    o = tamworth.overview
    for expected in (
        tamworth.area.name,
        fmt.count(o.crime.count),
        fmt.count(o.asb.count),
        fmt.rate(o.crime.rate_per_1000),
        fmt.rate(o.asb.rate_per_1000),
        fmt.count(tamworth.area.population),
        o.crime.statement,
        o.asb.statement,
    ):
        assert _flat(expected) in text, expected
    # Every reference point the model has: the parent area's rate and the peer rank.
    for comp in o.comparators:
        assert f"{comp.area.name}: {fmt.rate(comp.crime.rate_per_1000)} per 1,000" in text
    # Tamworth's most similar areas nationally are in forces not loaded here: not ranked, said so.
    crime_rank = next(r for r in tamworth.peers.ranks if r.measure.startswith("crime"))
    assert crime_rank.rank is None
    assert "Similar areas: not compared. None of the 5 most similar areas has police data" in text
    assert "England and Wales: not available" in text  # said, not silently dropped
    for c in tamworth.categories:
        assert c.category in text
        assert _flat(c.statement) in text
    for p in tamworth.recommended_priorities.priorities:
        if p.recommended:
            assert p.theme in text
    for loc in tamworth.priority_localities.localities:
        if loc.selected:
            assert loc.area.name in text
    assert "Open Government Licence v3.0" in text
    assert "Contains OS data © Crown copyright" in text


def test_pdf_contents_page_has_page_numbers(rendered, pdftotext) -> None:
    page2 = _text(pdftotext, rendered["pdf"], "-layout", "-f", "2", "-l", "2")
    assert "Contents" in page2
    entries = re.findall(r"^\s*(\d+(?:\.\d+)?|Appendix [A-Z]:?) .*?\.{3,}\s*(\d+)\s*$", page2, re.M)
    assert len(entries) >= 10
    pages = [int(n) for _, n in entries]
    assert pages == sorted(pages)
    # The contents' number for 'Places' is the page that section starts on.
    places_page = next(int(n) for label, n in entries if label == "4")
    page = _text(pdftotext, rendered["pdf"], "-f", str(places_page), "-l", str(places_page))
    assert "4 Places" in page


def test_pdf_page_furniture(rendered, tamworth, pdftotext) -> None:
    info = subprocess.run(["pdfinfo", str(rendered["pdf"])], capture_output=True, text=True).stdout
    n = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert n >= 15
    assert "A4" in info or "595.28 x 841.89" in info
    page3 = _text(pdftotext, rendered["pdf"], "-f", "3", "-l", "3")
    assert f"Page 3 of {n}" in page3
    assert f"{tamworth.area.name} strategic assessment" in page3  # running header


def test_pdf_every_figure_is_drawn(rendered, tamworth, tmp_path) -> None:
    """Charts and maps are vector drawings in the PDF (WeasyPrint draws the SVG)."""
    import pdfminer.high_level
    from pdfminer.layout import LTCurve, LTFigure

    n_curves = 0
    for page in pdfminer.high_level.extract_pages(str(rendered["pdf"]), page_numbers=[23, 24]):
        for el in page:
            n_curves += isinstance(el, LTCurve | LTFigure)
    assert n_curves > 10


def test_small_area_renders_every_format(castle_json, workspace, tmp_path, pdftotext) -> None:
    """A ward: one ward row, LSOA localities, small numbers everywhere."""
    from saferplaces.reports import render_formats
    from saferplaces.reports.load import load_assessment

    a = load_assessment(castle_json)
    written = render_formats(castle_json, "all", tmp_path, workspace=workspace)
    assert len(written) == 7
    pdf = next(p for p in written if p.name.endswith("strategic-assessment.pdf"))
    text = _flat(_text(pdftotext, pdf))
    assert a.area.name in text and fmt.count(a.overview.crime.count) in text
