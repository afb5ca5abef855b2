"""Tests for saferplaces.assessment.themes: what police.uk can say about each plan priority."""

from __future__ import annotations

import ast
import csv
import gzip
from pathlib import Path

import pytest

from saferplaces.assessment.themes import (
    ACTIVITY_CAVEATS,
    DEPRIVED_CONCENTRATION_NAME,
    STOP_AND_SEARCH_CAVEAT,
    THEMES,
    activity_caveat,
    coverage_for,
    coverages_for,
)

DEMO = Path(__file__).resolve().parents[2] / "src" / "saferplaces" / "web" / "demo.py"


def _demo_titles(name: str) -> list[str]:
    """Priority titles from web/demo.py, read from its source (importing it needs Django)."""
    tree = ast.parse(DEMO.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == name:
            out = []
            for item in node.value.elts:
                if isinstance(item, ast.Tuple):
                    out.append(item.elts[0].value)
                else:  # a dict with "title"
                    keys = [k.value for k in item.keys]
                    out.append(item.values[keys.index("title")].value)
            return out
    raise AssertionError(f"{name} not found in {DEMO}")


def test_tamworth_demo_priorities():
    titles = _demo_titles("TAMWORTH_PRIORITIES")
    assert {t: coverage_for(t).key for t in titles} == {
        "Anti-social behaviour": "asb",
        "Domestic abuse (including stalking and harassment)": "domestic_abuse",
        "Community cohesion": "hate_crime_cohesion",
        "Drugs crime and related harm": "drugs",
        "Serious and public place violence": "serious_violence",
        "Vehicle crime": "vehicle_crime",
        "Vulnerable persons": "vulnerable_persons",
    }
    # Finding: three of Tamworth's seven priorities have no evidence in police.uk at all, and
    # that is said, never scored low.
    none = [t for t in titles if coverage_for(t).evidence == "none"]
    assert none == ["Domestic abuse (including stalking and harassment)", "Community cohesion",
                    "Vulnerable persons"]  # fmt: skip
    for t in none:
        cov = coverage_for(t)
        assert cov.police_uk_categories == () and cov.partner_data
        assert cov.scoring_note == (f"{cov.title} is not scored from police data: data.police.uk "
                                    "does not show it, so a missing score is not a low one.")  # fmt: skip


def test_county_demo_priorities():
    titles = _demo_titles("COUNTY_PRIORITIES")
    assert [coverage_for(t).key for t in titles] == [
        "asb", "hate_crime_cohesion", "domestic_abuse", "drugs", "fraud", "serious_violence",
        "vulnerable_persons",
    ]  # fmt: skip
    assert [c.key for c in coverages_for(titles[5])] == ["serious_violence", "vawg"]
    assert [c.key for c in coverages_for(titles[6])] == [
        "vulnerable_persons",
        "drugs",
        "exploitation",
    ]


def test_titles_from_the_brief():
    assert coverage_for("Domestic abuse (including stalking)").key == "domestic_abuse"
    assert coverage_for("Retail crime and shoplifting").police_uk_categories == ("Shoplifting",)
    assert coverage_for("Violence against women and girls").key == "vawg"
    assert coverage_for("Modern slavery").key == "modern_slavery"
    assert coverage_for("Hate crime").key == "hate_crime_cohesion"
    assert coverage_for("Knife crime").key == "serious_violence"
    assert coverage_for("domestic_abuse").key == "domestic_abuse"
    rural = coverage_for("Rural crime")
    assert rural.key == "unmatched" and rural.evidence == "none" and rural.title == "Rural crime"


def test_every_police_uk_category_belongs_to_a_theme(shared_data):
    path = shared_data / "police_uk" / "staffordshire" / "2025-12-staffordshire-street.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        categories = {row["Crime type"] for row in csv.DictReader(fh)}
    covered = {c for t in THEMES for c in t.police_uk_categories}
    assert categories - covered == {"Other crime"}  # a residual category, no theme of its own
    assert covered <= categories


def test_statements_are_short_and_name_sources():
    for t in THEMES:
        assert t.evidence in ("direct", "partial", "none")
        assert (t.evidence == "none") == (not t.police_uk_categories)
        for sentence in (t.holds, t.cannot_show):
            assert sentence.endswith(".") and sentence.count(". ") <= 1, (t.key, sentence)
        assert t.partner_data, t.key
    text = coverage_for("Domestic abuse").statement
    assert "MARAC" in text and "IDVA" in text and "domestic abuse flag" in text
    assert "Action Fraud" in coverage_for("Fraud").statement
    assert "National Referral Mechanism" in coverage_for("Modern slavery").statement
    assert "ISTV" in coverage_for("Serious violence").statement
    assert "Home Office" in coverage_for("Hate crime").statement


def test_activity_caveats():
    assert set(ACTIVITY_CAVEATS) == {"Drugs", "Possession of weapons"}
    assert "police activity" in activity_caveat("Drugs")
    assert activity_caveat("Burglary") is None
    assert coverage_for("Drugs crime and related harm").activity_caveat == ACTIVITY_CAVEATS["Drugs"]
    assert ACTIVITY_CAVEATS["Drugs"] in coverage_for("Drugs").statement
    assert "not a measure of where crime happens" in STOP_AND_SEARCH_CAVEAT
    assert DEPRIVED_CONCENTRATION_NAME == "concentration in deprived neighbourhoods"


@pytest.mark.parametrize("title", ["", "   ", "Partnership working"])
def test_unmatched_titles_do_not_raise(title):
    assert coverage_for(title).key == "unmatched"
