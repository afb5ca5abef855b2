"""Issue 10, priority setting: the matrix ranks community safety themes, each from its evidence.

On a real warehouse of the Staffordshire street files (Jan–Apr 2024 and all of 2025) with the
demo partner measure ("A&E attendances for assault", illustrative) loaded, plus the same counts
loaded a second time under a definition that declares its themes. Tamworth is assessed for 2025
as `saferplaces demo` does. Counts expected from the raw files are derived here independently.
"""

from __future__ import annotations

import csv
import gzip
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from saferplaces.assessment import assess
from saferplaces.assessment.themes import THEMES, measure_themes
from saferplaces.reports import content
from saferplaces.warehouse import measures

VSO = "Violence and sexual offences"
THEFT = ("Other theft", "Theft from the person", "Bicycle theft")
DEMO = "demo-ae-assault-illustrative"
DECLARED = "demo-declared-weapons"
# Fraud is evidenced here only by the declared partner measure (it has no police.uk category).
NO_EVIDENCE = {"domestic_abuse", "hate_crime_cohesion", "vawg", "vulnerable_persons",
               "modern_slavery", "exploitation"}  # fmt: skip


@pytest.fixture(scope="module")
def warehouse(shared_data: Path, tmp_path_factory) -> Path:
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    folder = tmp_path_factory.mktemp("staffs-themes")
    path = folder / "warehouse.duckdb"
    con = connect(path)
    assert not load_police(con, [shared_data / "police_uk" / "staffordshire"]).failed
    con.close()
    measures.load_demo_measure(path)
    # The same counts under a definition that names its theme: the declaration wins over the
    # default mapping by id or title.
    text = measures.DEMO_DEFINITION.read_text(encoding="utf-8")
    text = text.replace(f"id: {DEMO}", f"id: {DECLARED}").replace(
        'title: "A&E attendances', 'title: "Declared attendances') + "themes: [Weapons, fraud]\n"
    defn = folder / "declared.yaml"
    defn.write_text(text, encoding="utf-8")
    con = connect(path)
    try:
        measures.load_measure(con, measures.DEMO_FILE, defn)
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def con(warehouse: Path):
    c = duckdb.connect(str(warehouse), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def tamworth(con):
    return assess("Tamworth", "2025-01", "2025-12", con=con, allow_gaps=True)


def _theme(a, key: str):
    return next(p for p in a.recommended_priorities.priorities if p.key == key)


def _score(p, factor: str):
    return next(s for s in p.scores if s.factor == factor)


def _raw_tamworth(shared: Path, months: list[str]) -> Counter:
    """Tamworth's records by category from Staffordshire Police's own street files."""
    tamworth = set()
    with gzip.open(shared / "lookups" / "lsoa21_ward24_lad24_ew.csv.gz", "rt") as fh:
        for row in csv.DictReader(fh):
            if row["ltla24_name"] == "Tamworth":
                tamworth.add(row["lsoa21_code"])
    out: Counter = Counter()
    for month in months:
        path = shared / "police_uk" / "staffordshire" / f"{month}-staffordshire-street.csv.gz"
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if r["LSOA code"] in tamworth:
                    out[r["Crime type"]] += 1
    return out


# --- themes are the unit ---------------------------------------------------------------------------


def test_themes_are_the_unit(tamworth):
    rp = tamworth.recommended_priorities
    assert rp.unit == "theme"
    titles = {t.title for t in THEMES}
    names = [p.theme for p in rp.priorities]
    # Every ranked row is a theme, except a category no theme covers ('Other crime').
    assert set(names) - titles == {"Other crime"}
    assert "Shoplifting" not in names and VSO not in names
    assert "Retail crime and shoplifting" in names and "Theft" in names
    # Ranks run 1.. over the evidenced themes only; the top five are recommended.
    assert sorted(p.rank for p in rp.priorities)[0] == 1
    assert all(p.recommended == (p.rank <= 5) for p in rp.priorities)
    assert "ranked among themselves only" in rp.ranking_note
    assert "themes" in rp.method


def test_retail_crime_is_evidenced_by_shoplifting(tamworth):
    p = _theme(tamworth, "retail_crime")
    assert p.theme == "Retail crime and shoplifting"
    assert p.categories == ["Shoplifting"] and p.partner_measures == []
    [row] = p.evidence_rows
    shop = next(c for c in tamworth.categories if c.category == "Shoplifting")
    assert (row.kind, row.name, row.count) == ("police category", "Shoplifting", shop.count)
    # One category: the theme's factors are the category's own, and say where they came from.
    for s in p.scores:
        if s.factor not in ("public_concern", "partnership_capacity"):
            assert s.sources == ["police.uk: Shoplifting"], s.factor
    assert [(s.factor, s.score) for s in p.scores] == [(s.factor, s.score) for s in row.scores]
    assert p.total == row.total
    # Its trend is the like-for-like change of Shoplifting.
    assert (p.change.compared_count, p.change.baseline_count) == (shop.compared_count, shop.baseline_count)
    assert p.change.p_value == shop.p_value


def test_serious_violence_is_evidenced_by_violence_and_the_partner_measure(tamworth):
    p = _theme(tamworth, "serious_violence")
    assert p.categories == [VSO, "Robbery", "Possession of weapons"]
    assert p.partner_measures == [DEMO]
    kinds = [(e.kind, e.name) for e in p.evidence_rows]
    assert kinds == [("police category", VSO), ("police category", "Robbery"),
                     ("police category", "Possession of weapons"),
                     ("partner measure", "A&E attendances for assault")]  # fmt: skip
    partner = tamworth.partner_data.measures[0]
    assert partner.measure_id == DEMO
    assert p.evidence_rows[-1].count == partner.change.count
    # Harm is summed over the three categories.
    cats = {c.category: c for c in tamworth.categories}
    total_harm = sum(c.harm or 0 for c in tamworth.categories)
    harm = sum(cats[c].harm for c in p.categories) / total_harm * 100
    assert _score(p, "harm").value == pytest.approx(harm, abs=1e-3)
    # The trend draws on the police records combined and on the partner measure, and says so.
    trend = _score(p, "trend")
    assert "partner measure: A&E attendances for assault" in trend.sources
    assert "police.uk: Robbery" in trend.sources
    assert "police.uk records combined" in trend.basis and "A&E attendances for assault" in trend.basis
    assert p.change.compared_count == sum(cats[c].compared_count for c in p.categories)
    assert p.change.baseline_count == sum(cats[c].baseline_count for c in p.categories)
    # The partner count is stated beside the volume score, not compared with other areas.
    vol = _score(p, "volume")
    assert "partner measure: A&E attendances for assault" in vol.sources
    assert f"{partner.change.count:,}" in vol.basis
    # The demo measure names no themes: the default evidences violence too.
    assert _theme(tamworth, "violence").partner_measures == [DEMO]
    assert _theme(tamworth, "violence").categories == [VSO]


def test_a_measure_definition_declares_its_themes(tamworth, con):
    defn = measures.get_definition(con, DECLARED)
    assert defn.themes == ("weapons", "fraud")
    assert measures.get_definition(con, DEMO).themes == ()
    assert measure_themes(DEMO, "anything") == ("serious_violence", "violence")
    # Declared: it evidences Weapons only, not violence (its title would not say so either).
    assert _theme(tamworth, "weapons").partner_measures == [DECLARED]
    assert DECLARED not in _theme(tamworth, "serious_violence").partner_measures
    # A theme with no police.uk category is scored once a partner measure evidences it: from
    # that measure alone, which has no harm weight and no similar area to compare with.
    fraud = _theme(tamworth, "fraud")
    assert fraud.categories == [] and fraud.partner_measures == [DECLARED] and fraud.change is None
    harm, vol, trend = (_score(fraud, f) for f in ("harm", "volume", "trend"))
    assert harm.score is None and vol.score == 3 and not vol.cited
    assert trend.sources == ["partner measure: Declared attendances for assault"]
    partner = next(x for x in tamworth.partner_data.measures if x.measure_id == DECLARED)
    assert trend.value == partner.change.p_value and trend.score == 3  # a rise that could be chance
    with pytest.raises(measures.MeasureError, match=r"themes: 'pothole repairs' is not a community"):
        measures.parse_definition({
            "id": "x", "title": "X", "unit": "u", "source": "s", "licence": "l", "suppress_below": 0,
            "period_type": "month", "area_level": "lsoa", "definition": "d",
            "themes": ["pothole repairs"],
        })  # fmt: skip


def test_themes_without_evidence_are_listed_not_scored(tamworth):
    rp = tamworth.recommended_priorities
    listed = {t.key: t for t in rp.without_evidence}
    assert set(listed) == NO_EVIDENCE
    ranked = {p.key for p in rp.priorities}
    assert not ranked & NO_EVIDENCE
    da = listed["domestic_abuse"]
    assert da.theme == "Domestic abuse" and da.status == "no evidence in the loaded data"
    assert "not scored or ranked" in da.statement and "not a low one" in da.statement
    assert any("MARAC" in x for x in da.partner_data)
    # VAWG: 'Violence and sexual offences' has no victim sex, so it does not evidence it.
    assert "without the victim's sex" in listed["vawg"].statement
    assert "Domestic abuse" in rp.ranking_note and "not less important" in rp.ranking_note


def test_theme_volume_is_the_sum_of_its_categories_from_the_raw_files(tamworth, shared_data):
    months = [x.month for x in next(c for c in tamworth.categories).monthly]
    raw = _raw_tamworth(shared_data, months)
    p = _theme(tamworth, "theft")
    assert p.categories == list(THEFT)
    theft = sum(raw[c] for c in THEFT)
    assert theft == sum(e.count for e in p.evidence_rows) == p.change.count
    assert theft > 0
    crime = sum(n for c, n in raw.items() if c != "Anti-social behaviour")
    assert crime == 5734  # Tamworth's crime in 2025, as the county test derives it
    # No similar area has police data here: volume is the theme's share of crime.
    assert _score(p, "volume").value == pytest.approx(theft / crime * 100, abs=1e-3)


def test_each_category_keeps_its_own_scores(tamworth):
    rows = {e.name: e for p in tamworth.recommended_priorities.priorities for e in p.evidence_rows
            if e.kind == "police category"}  # fmt: skip
    assert set(rows) == {c.category for c in tamworth.categories}
    assert all(len(e.scores) == 7 and e.total is not None for e in rows.values())
    asb = rows["Anti-social behaviour"]
    assert not next(s for s in asb.scores if s.factor == "harm").applies


def test_weights_and_public_concern_are_editable(con, tmp_path):
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text(
        "weights: {harm: 0, volume: 1, trend: 1, deprived_concentration: 1, concentration: 1,\n"
        "          public_concern: 4, partnership_capacity: 1}\n"
        "themes:\n"
        "  Shoplifting: {public_concern: 5}\n"
        "  Domestic abuse: {public_concern: 5}\n",
        encoding="utf-8",
    )
    a = assess("Tamworth", "2025-01", "2025-12", con=con, allow_gaps=True, priority_inputs=inputs)
    rp = a.recommended_priorities
    assert rp.weights["harm"] == 0 and rp.weights["public_concern"] == 4
    retail = _theme(a, "retail_crime")
    pc = _score(retail, "public_concern")
    # Given for the category, it counts for the theme the category evidences.
    assert pc.score == 5 and pc.sources == [f"priority inputs: {inputs}"]
    scored = [s for s in retail.scores if s.score is not None and s.weight]
    assert retail.total == pytest.approx(
        sum(s.score * s.weight for s in scored) / sum(s.weight for s in scored), abs=1e-4)
    # Public concern alone does not make domestic abuse evidenced: listed, with the score.
    da = next(t for t in rp.without_evidence if t.key == "domestic_abuse")
    assert da.public_concern == 5
    assert "domestic_abuse" not in {p.key for p in rp.priorities}


def test_documents_show_themes_and_the_unevidenced(tamworth):
    doc = content.build(tamworth, None)
    # The dataclass repr holds every block and sub-section's text.
    text = repr(next(s for s in doc.sections if s.id == "priorities"))
    assert "Themes with no evidence in the loaded data" in text
    assert "Retail crime and shoplifting" in text
    assert "Scored from police-recorded Violence and sexual offences" in text
    assert "Domestic abuse" in text and "no evidence in the loaded data" in text
    summary = repr(next(s for s in doc.sections if s.id == "summary"))
    assert "Not ranked, for want of evidence in the loaded data" in summary
