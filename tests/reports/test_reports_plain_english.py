"""Plain English for boards and councillors (issue 9; STYLE.md beside the reports).

The documents people read — the strategic assessment (HTML, PDF, Word), the committee report
(PDF, Word) and the board pack — carry no p-values, test names, scoring cuts or command-line
flags outside the methods appendix, say significance in words, name the months a change is
against, and never cite a result that could be chance as a reason for a priority. The appendix
keeps the precision. The statements functions are checked with the real Tamworth figures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

from saferplaces.assessment import statements
from saferplaces.reports import content, fmt

# What must not reach a board outside the methods appendix, with why.
JARGON = [
    (re.compile(r"\bp\s*[=<>≤]"), "a p-value"),
    (re.compile(r"E-test"), "a test name"),
    (re.compile(r"\b[Zz]\s*="), "a test statistic"),
    (re.compile(r"\bq\s*="), "a q-value"),
    (re.compile(r"(?<![\w-])--[a-z]"), "a command-line flag"),
    (
        re.compile(r"Poisson|Getis|Gi\*|Benjamini|Hochberg|CUSUM|Garwood|Euclidean|z-score"),
        "a test or method name",
    ),
    (re.compile(r"statistically significant|not significant", re.I), "significance not in words"),
    (re.compile(r"%\s+per month"), "a percentage a month (read as compound growth)"),
    (re.compile(r"strongest factor", re.I), "a factor cited without evidence"),
    (re.compile(r"\(cuts\b|\bcuts \d"), "the scoring cuts"),
]
APPENDIX_HEADING = "Appendix A: Method and references"


def jargon_in(text: str) -> list[str]:
    text = re.sub(r"\s+", " ", text)
    found = []
    for pattern, why in JARGON:
        for m in pattern.finditer(text):
            found.append(f"{why}: …{text[max(0, m.start() - 60) : m.end() + 40]}…")
    return found


# --- the text of each format, before the appendix -------------------------------------------------


def html_text(markup: str) -> str:
    markup = re.sub(r"<(style|script)\b.*?</\1>", " ", markup, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def html_body(path: Path) -> tuple[str, str]:
    markup = path.read_text(encoding="utf-8")
    cut = markup.index('<section id="methods"')
    return html_text(markup[:cut]), html_text(markup[cut:])


def pdf_text(path: Path, pdftotext: str) -> str:
    return subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


def docx_blocks(path: Path) -> list[tuple[str, str]]:
    """(style, text) of each paragraph and table in document order."""
    d = Document(str(path))
    out = []
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for child in d.element.body.iterchildren():
        if child.tag == f"{ns}p":
            style = child.find(f"{ns}pPr/{ns}pStyle")
            out.append((style.get(f"{ns}val") if style is not None else "",
                        "".join(t.text or "" for t in child.iter(f"{ns}t"))))  # fmt: skip
        elif child.tag == f"{ns}tbl":
            out.append(("table", " | ".join(t.text or "" for t in child.iter(f"{ns}t"))))
    return out


def docx_body(path: Path) -> tuple[str, str]:
    blocks = docx_blocks(path)
    cut = next(i for i, (style, text) in enumerate(blocks)
               if style.lower().startswith("heading") and text.strip() == APPENDIX_HEADING)  # fmt: skip
    return ("\n".join(t for _, t in blocks[:cut]), "\n".join(t for _, t in blocks[cut:]))


def strings(x: object):
    """Every piece of text in a block (not the SVG markup or picture of a figure)."""
    if isinstance(x, str):
        yield x
    elif dataclasses.is_dataclass(x):
        for f in dataclasses.fields(x):
            if f.name not in ("svg", "png", "kind", "style", "id"):
                yield from strings(getattr(x, f.name))
    elif isinstance(x, (list, tuple)):
        for item in x:
            yield from strings(item)


def document_body(doc) -> str:
    """Every word the document model gives the body sections (not the appendices)."""
    parts = [doc.title, doc.subtitle, *strings(doc.meta)]
    for _, s in doc.walk():
        if s.appendix or (s.number or "").startswith(("A.", "B.")):
            continue
        parts += [s.title, *strings(s.blocks)]
    return "\n".join(parts)


# --- the findings, reproduced ----------------------------------------------------------------------


def test_assessment_body_has_no_jargon(tamworth) -> None:
    doc = content.build(tamworth, None)
    assert jargon_in(document_body(doc)) == []


def test_assessment_html_has_no_jargon_outside_the_appendix(rendered) -> None:
    body, appendix = html_body(rendered["html"])
    assert jargon_in(body) == []
    # The appendix keeps the precision.
    assert "E-test" in appendix and re.search(r"p [=<] 0\.\d+", appendix)
    # Tamworth's similar areas are not loaded here, so volume is scored on the share of crime.
    assert "--allow-gaps" in appendix and "cuts 2, 5, 10, 20%" in appendix


def test_assessment_pdf_has_no_jargon_outside_the_appendix(rendered, pdftotext) -> None:
    text = pdf_text(rendered["pdf"], pdftotext)
    # The contents page names the appendix too: the appendix starts at its last mention.
    cut = text.rindex(APPENDIX_HEADING)
    assert jargon_in(text[:cut]) == []
    assert "E-test" in text[cut:]


def test_assessment_word_has_no_jargon_outside_the_appendix(rendered) -> None:
    body, appendix = docx_body(rendered["docx"])
    assert jargon_in(body) == []
    assert "E-test" in appendix


def test_committee_report_has_no_jargon(rendered, pdftotext) -> None:
    # The committee report has no appendix of its own: none of it may carry jargon.
    pdf = pdf_text(rendered["committee-pdf"], pdftotext)
    assert jargon_in(pdf) == []
    word = "\n".join(t for _, t in docx_blocks(rendered["committee-docx"]))
    assert jargon_in(word) == []
    # The change is against named months, in words.
    flat = re.sub(r"\s+", " ", pdf)
    assert "36% more than the 170 in January–April 2024: a real rise, not chance" in flat
    assert "8.2% per month" not in flat and "60% per month" not in flat


def test_changes_name_the_months_compared(tamworth) -> None:
    lab = content.labels(tamworth)
    assert (lab.compared, lab.comparison) == ("January–April 2025", "January–April 2024")
    asb = content.change_sentence("Anti-social behaviour", tamworth.overview.asb, lab)
    assert asb == ("Anti-social behaviour: 232 in January–April 2025, 36% more than the 170 in "
                   "January–April 2024: a real rise, not chance.")  # fmt: skip
    burglary = next(c for c in tamworth.categories if c.category == "Burglary")
    assert content.change_sentence("Burglary", burglary, lab) == (
        "Burglary: 80 in January–April 2025, 20% fewer than the 100 in January–April 2024: "
        "could be chance.")  # fmt: skip


def test_priorities_cite_only_factors_with_evidence(tamworth) -> None:
    by_cat = {c.category: c for c in tamworth.categories}
    rec = [p for p in tamworth.recommended_priorities.priorities if p.recommended]
    assert rec
    for p in rec:
        why = content.priority_rationale(tamworth, p)
        assert "strongest" not in why.lower() and "p =" not in why
        # Themes are the unit (issue 10): the theme's combined change, or a partner measure's.
        changes = [p.change, *(e.change for e in p.evidence_rows if e.change is not None)]
        if "trend:" in why:
            # A trend is a reason only when the change is more than chance.
            assert any(c.significant and c.direction == "up" for c in changes if c), (p.theme, why)
    # Violence (its police evidence is violence and sexual offences): 866 against 881 could be
    # chance, so its trend (scored 3) is never given as a reason; its harm is.
    violence = next(p for p in rec if p.theme == "Violence")
    assert violence.categories == ["Violence and sexual offences"]
    why = content.priority_rationale(tamworth, violence)
    assert not by_cat["Violence and sexual offences"].significant
    assert "trend" not in why and "harm:" in why


def test_gaps_caveat_names_months_not_flags(tamworth) -> None:
    lab = content.labels(tamworth)
    caveats = content.plain_caveats(tamworth, lab)
    assert caveats[0] == ("Police data for May–December 2024 is not loaded, so the baseline uses "
                          "January–April 2024 only.")  # fmt: skip
    assert not any("--" in c for c in caveats)
    # The engine's own wording, with the flag, stays for the appendix.
    assert any("--allow-gaps" in c for c in tamworth.data_quality.caveats)


# --- the board pack ---------------------------------------------------------------------------------


def _django() -> bool:
    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saferplaces.web.settings")
        os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-0123456789")
        import django

        django.setup()
    except ImportError:  # the web extras are optional for the reports tests
        return False
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
    return True


HAVE_DJANGO = _django()


@pytest.mark.skipif(not HAVE_DJANGO, reason="the web workspace (Django) is not installed")
@pytest.mark.django_db
def test_board_pack_speaks_plainly(tmp_path: Path) -> None:
    from sp_web_fixtures import make_world

    from saferplaces.web import pack
    from saferplaces.web.performance import services as perf

    w = make_world()
    ind = w.indicators[0]
    # The same month a year earlier, so the pack shows a change: 12 in March 2025 against 9
    # (a manual indicator, not a count, so "higher" rather than "more").
    perf.value_set(actor=w.users["analyst"], indicator=ind, period=dt.date(2024, 3, 1), value=9)
    page = html_text(pack.render_html(w.partnership))
    assert jargon_in(page) == []
    assert "3 higher than March 2024" in page
    (tmp_path / "pack.docx").write_bytes(pack.render_docx(w.partnership))
    word = "\n".join(t for _, t in docx_blocks(tmp_path / "pack.docx"))
    assert jargon_in(word) == []
    assert "3 higher than March 2024" in word


# --- statements.py with real figures ---------------------------------------------------------------


def test_change_words_real_figures() -> None:
    # Tamworth ASB, January–April 2025 against January–April 2024 (data.police.uk).
    assert (
        statements.change_words(232, 170, "January–April 2024")
        == "36% more than January–April 2024"
    )
    assert (
        statements.change_words(80, 100, "January–April 2024")
        == "20% fewer than January–April 2024"
    )
    assert (
        statements.change_words(170, 170, "January–April 2024")
        == "about the same as January–April 2024"
    )
    # Twelve months against four: monthly averages, said as such — never "% per month".
    uneven = statements.change_words(5734, 1767, "January–April 2024", 12, 4)
    assert (
        uneven == "an average of 478 a month, 8.2% more than the 442 a month in January–April 2024"
    )


def test_change_sentence_and_old_wrapper() -> None:
    assert statements.change_sentence(
        "Anti-social behaviour", 232, 170, "January–April 2024", period="January–April 2025",
        p_value=0.002, direction="up",
    ) == ("Anti-social behaviour: 232 in January–April 2025, 36% more than the 170 in "
          "January–April 2024: a real rise, not chance.")  # fmt: skip
    assert statements.change_sentence("Crime", 1936, None, "January–April 2024") == (
        "Crime: 1,936; there is no baseline to compare with.")  # fmt: skip
    old = statements.change_statement("Burglary", 80, 100, -20.0, 0.137,
                                      "the same months a year earlier", 4, 4)  # fmt: skip
    assert (
        old
        == "Burglary: 80, 20% fewer than the 100 in the same months a year earlier: could be chance."
    )
    assert jargon_in(old) == []


def test_significance_in_words() -> None:
    assert statements.significance_words(0.002, "up") == "a real rise, not chance"
    assert statements.significance_words(0.001, "down") == "a real fall, not chance"
    assert statements.significance_words(0.137, "down", 80, 100) == "could be chance"
    # Bicycle theft in a ward: 5 against 3 can say nothing either way.
    assert statements.significance_words(0.73, "up", 5, 3) == "too few to tell"
    assert statements.significance_words(None) == "too few to tell"
    assert statements.significance_phrase(0.0001) == "a real change, not chance"


def test_trends_are_counts_a_month_not_compound_percentages() -> None:
    assert statements.trend_count_words(8.2) == "about 8 more a month on average"
    assert statements.trend_count_words(-0.8) == "about 0.8 fewer a month on average"
    assert statements.trend_count_words(0.2) == "about the same each month"
    assert statements.trend_share_words(8.2) == "rising by about 8% of the average level each month"
    assert "per month" not in statements.trend_share_words(-3.0)


def test_ordinals_ranks_and_times() -> None:
    assert [statements.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]  # fmt: skip
    assert statements.rank_words(2, 6) == "the 2nd highest rate of 6"
    assert statements.rank_words(1, 6) == "the highest rate of 6"
    assert statements.times(3.04) == "3.0 times" and statements.times(1.02) == "about the same as"
    assert (
        statements.difference_words(232, 170, "January 2025")
        == "62 more than January 2025 (36% more)"
    )
    assert (
        statements.difference_words(10.5, 12.0, "March 2024", counted=False)
        == "1.5 lower than March 2024"
    )
    assert fmt.months_label(["2024-01", "2024-02", "2024-03", "2024-04"]) == "January–April 2024"


def test_priority_rationale_never_cites_chance() -> None:
    weak_trend = statements.Factor("Trend", 5, "could be chance", evidence=False)
    harm = statements.Factor("Harm", 5, statements.harm_share_words(83.3))
    why = statements.priority_rationale("Violence and sexual offences", 3.9, 2, [weak_trend, harm])
    assert why == ("Violence and sexual offences is ranked 2nd, scoring 3.9 of 5. It scores high on "
                   "harm: 83% of all the harm from crime here.")  # fmt: skip
    none = statements.priority_rationale("Robbery", 2.8, 9, [statements.Factor("Volume", 3, "x")])
    assert none.endswith(
        "No factor scores high (4 or 5), so the evidence for making it a priority is weak."
    )


def test_emerging_sentence_in_words() -> None:
    s = statements.emerging_sentence(
        "Other theft", "Stonydelph", 10, "November 2025", 1.43, True, True
    )
    assert s == ("Other theft in Stonydelph: 10 in November 2025, against about 1.4 a month before — "
                 "well above its usual range, and a sustained rise.")  # fmt: skip
    assert jargon_in(s) == []


def test_locality_and_gap_sentences() -> None:
    # Castle ward, Tamworth: combined index 242; crime, ASB and harm indices from the assessment.
    assert statements.locality_sentence("Castle", 1, 10, "ward", 242, "Tamworth",
                                        [("crime", 300), ("ASB", 230), ("harm", 240)]) == (
        "Castle is ranked 1st of 10 wards on the combined index (242, where the Tamworth average "
        "is 100): crime 3.0 times the Tamworth average, ASB 2.3 times the Tamworth average and "
        "harm 2.4 times the Tamworth average.")  # fmt: skip
    assert statements.missing_months_sentence("the baseline", "May–December 2024",
                                              "January–April 2024") == (
        "Police data for May–December 2024 is not loaded, so the baseline uses January–April "
        "2024 only.")  # fmt: skip


def test_documents_say_what_the_data_cannot_show(rendered, pdftotext) -> None:
    for key in ("pdf", "committee-pdf"):
        flat = re.sub(r"\s+", " ", pdf_text(rendered[key], pdftotext))
        assert (
            "What these figures cannot show: crime and anti-social behaviour that is not " in flat
        )
