"""Issue 15: a consultation's results in the assessment ("What residents told us").

The priority-inputs CSV may carry, beside each theme's public concern score, the survey result
behind it (weighted share saying it is a big problem, 95% interval, responses, effective
responses, question, source, dates, weighting). With them the assessment has a consultation
section; with a two-column file, a YAML file or no file it has none and nothing else changes.

``SURVEY`` is the file the consultation workspace writes
(``saferplaces.web.consultation.selectors.priority_inputs_csv``) for the consultation sample it
ships (``saferplaces/web/consultation/data``, 900 responses raked to Tamworth's age bands and
wards); tests/web/test_web_consultation.py checks the same chain from the import itself. Police
data: the real Staffordshire street files for January and February 2025.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from saferplaces.assessment import assess
from saferplaces.assessment.inputs import InputError, load_priority_inputs
from saferplaces.reports import content

SURVEY = (
    "theme,public_concern,share,low,high,responses,effective_responses,question,source,dates,"
    "weighted_by\n"
    "Anti-social behaviour,2.8,0.4540,0.4171,0.4915,860,684.3,How much of a problem is "
    "anti-social behaviour in your area?,Community safety survey 2026 (900 responses),,"
    "age band (16+) and ward\n"
    "Drugs,2.7,0.4282,0.3917,0.4655,861,687.0,How much of a problem is drug dealing and drug use "
    "in your area?,Community safety survey 2026 (900 responses),,age band (16+) and ward\n"
    "Vehicle crime,2.2,0.2908,0.2580,0.3259,860,685.2,How much of a problem is vehicle crime in "
    "your area?,Community safety survey 2026 (900 responses),,age band (16+) and ward\n"
    "Retail crime and shoplifting,2.1,0.2721,0.2400,0.3068,852,679.0,How much of a problem is "
    "shoplifting in your area?,Community safety survey 2026 (900 responses),,"
    "age band (16+) and ward\n"
)
TWO_COLUMNS = (
    "theme,public_concern\n"
    "Anti-social behaviour,2.8\nDrugs,2.7\nVehicle crime,2.2\nRetail crime and shoplifting,2.1\n"
)


@pytest.fixture(scope="module")
def con(shared_data: Path, tmp_path_factory):
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    path = tmp_path_factory.mktemp("consultation") / "warehouse.duckdb"
    police = shared_data / "police_uk" / "staffordshire"
    c = connect(path)
    try:
        files = [police / f"2025-0{m}-staffordshire-street.csv.gz" for m in (1, 2)]
        assert not load_police(c, files).failed
    finally:
        c.close()
    c = connect(path, read_only=True)
    yield c
    c.close()


def _run(con, inputs: Path | None):
    return assess("Tamworth", "2025-01", "2025-02", con=con, allow_gaps=True,
                  priority_inputs=inputs)  # fmt: skip


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("inputs")
    (d / "survey.csv").write_text(SURVEY, encoding="utf-8")
    (d / "two.csv").write_text(TWO_COLUMNS, encoding="utf-8")
    return {"survey": d / "survey.csv", "two": d / "two.csv"}


@pytest.fixture(scope="module")
def with_survey(con, files):
    return _run(con, files["survey"])


def test_two_column_file_reads_as_before(files):
    two, full = load_priority_inputs(files["two"]), load_priority_inputs(files["survey"])
    assert two.survey == []
    # The scores are the same whether or not the survey columns are there.
    assert two.themes == full.themes
    assert two.themes["Anti-social behaviour"] == {"public_concern": 2.8}
    assert two.weights == full.weights


def test_survey_columns_are_read(files):
    got = {r.theme: r for r in load_priority_inputs(files["survey"]).survey}
    asb = got["Anti-social behaviour"]
    assert (asb.share, asb.low, asb.high) == (0.454, 0.4171, 0.4915)
    assert asb.responses == 860 and asb.effective_responses == 684.3
    assert asb.source == "Community safety survey 2026 (900 responses)"
    assert asb.weighted_by == "age band (16+) and ward" and asb.dates == ""
    assert list(got) == ["Anti-social behaviour", "Drugs", "Vehicle crime",
                         "Retail crime and shoplifting"]  # fmt: skip


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Drugs,2.7,43,39,47,861", "give a proportion from 0 to 1"),
        ("Drugs,2.7,0.5,0.39,0.47,861", "the interval (low, high) must contain the share"),
        ("Drugs,2.7,,0.39,0.47,861", "survey figures need a 'share' column"),
        ("Drugs,2.7,0.43,0.39,0.47,many", "field responses: 'many' is not a number"),
    ],
)
def test_bad_survey_figures_are_refused_with_the_line(tmp_path, row, message):
    path = tmp_path / "bad.csv"
    path.write_text(f"theme,public_concern,share,low,high,responses\n{row}\n", encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)) as e:
        load_priority_inputs(path)
    assert "line 2" in str(e.value)


def test_no_survey_no_section(con, files, tmp_path):
    yaml = tmp_path / "inputs.yaml"
    yaml.write_text("themes:\n  Anti-social behaviour: {public_concern: 2.8}\n", encoding="utf-8")
    for inputs in (None, files["two"], yaml):
        a = _run(con, inputs)
        assert a.consultation is None
        assert "consultation" not in {s.id for s in content.build(a, None).sections}
    # The key is there and empty, so earlier JSON (without it) still loads.
    assert '"consultation": null' in a.to_json()


def test_the_section_carries_the_survey(with_survey, files):
    cs = with_survey.consultation
    assert cs.source == "Community safety survey 2026 (900 responses)"
    assert cs.inputs_file == str(files["survey"]) and cs.weighted_by == "age band (16+) and ward"
    asb = cs.themes[0]
    assert asb.theme == "Anti-social behaviour"
    assert (asb.share, asb.low, asb.high) == (0.454, 0.4171, 0.4915)
    assert asb.responses == 860 and asb.effective_responses == 684.3 and asb.public_concern == 2.8
    assert asb.words == (
        "45% of residents who answered called anti-social behaviour a big problem (the figure "
        "for all residents is likely to be between 42% and 49%); 860 answered the question."
    )
    assert any("not how often things happen" in x for x in cs.cannot_show)
    # The scores still feed the priority matrix as before.
    rp = with_survey.recommended_priorities
    asb_row = next(p for p in rp.priorities if p.theme == "Anti-social behaviour")
    assert next(s.score for s in asb_row.scores if s.factor == "public_concern") == 2.8


def test_the_documents_say_what_residents_told_us(with_survey, tmp_path):
    from docx import Document

    from saferplaces.reports.docx import write_docx
    from saferplaces.reports.html import render_html
    from saferplaces.reports.pdf import write_pdf

    doc = content.build(with_survey, None)
    ids = [s.id for s in doc.sections]
    # Just before the priorities it informs.
    assert ids.index("consultation") == ids.index("priorities") - 1
    text = repr(doc.sections[ids.index("consultation")])
    assert "What residents told us" in text and "between 42% and 49%" in text
    assert "weighted so the results reflect the area's residents by age band (16+) and ward" in text
    assert "(from survey.csv)" in text
    assert not re.search(r"\bp\s*[=<>]|Wilson|Kish|confidence interval", text)
    html = render_html(doc)
    assert "What residents told us" in html and "between 24% and 31%" in html
    d = Document(str(write_docx(doc, tmp_path / "a.docx")))
    words = [p.text for p in d.paragraphs] + [
        c.text for t in d.tables for r in t.rows for c in r.cells
    ]
    assert any("What residents told us" in w for w in words)
    assert "between 39% and 47%" in words
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        pdf = write_pdf(doc, tmp_path / "a.pdf")
        out = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True,
                             check=True).stdout  # fmt: skip
        assert "What residents told us" in out and "between 26% and 33%" in out
