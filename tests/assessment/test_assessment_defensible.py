"""Issue 9, figures a councillor can rely on: the engine, on the real files, uses the national
peers, the false-discovery-rate emerging-issues screen, the month-by-month England and Wales
reference, harm weights that refuse a missing category, and says what police.uk cannot show.

Each test reproduces a finding from the review on the real data in ../shared/data.
"""

from __future__ import annotations

import csv
import gzip
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest

from saferplaces.assessment import AssessmentError, assess
from saferplaces.assessment.parameters import EMERGING_FDR

ASB = "Anti-social behaviour"
NATIONAL_PEERS = ["Harlow", "Stevenage", "Castle Point", "Gosport", "Broxbourne"]
FORCES = ("staffordshire", "surrey", "west-mercia", "city-of-london")
LOADED_ONLY_PEERS = ["Cannock Chase", "Spelthorne", "Runnymede", "Woking", "Epsom and Ewell"]


@pytest.fixture(scope="module")
def con(four_forces_warehouse: Path):
    c = duckdb.connect(str(four_forces_warehouse), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def tamworth(con):
    # The demo: all of 2025 against a baseline with only January–April 2024 loaded.
    return assess("Tamworth", "2025-01", "2025-12", con=con, allow_gaps=True)


@pytest.fixture(scope="module")
def national_warehouse(four_forces_warehouse: Path, shared_data: Path, tmp_path_factory) -> Path:
    """The four forces plus the real national archive for December 2025 (40 forces' files)."""
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    path = tmp_path_factory.mktemp("national") / "warehouse.duckdb"
    shutil.copy(four_forces_warehouse, path)
    c = connect(path)
    report = load_police(c, [shared_data / "police_uk" / "national-2025-12"])
    c.close()
    assert not report.failed, [r.error for r in report.failed]
    return path


# --- 1. national peers -----------------------------------------------------------------------


def test_tamworth_peers_are_national_and_none_has_police_data(tamworth):
    p = tamworth.peers
    names = [x.area.name for x in p.areas]
    # Before: the nearest among loaded CSPs only. Now: among all 293 English CSPs.
    assert names == NATIONAL_PEERS and not set(names) & set(LOADED_ONLY_PEERS)
    assert p.pool == "all 293 Community Safety Partnerships in England" and p.candidates == 292
    assert p.compared == 0 and not any(x.has_data for x in p.areas)
    assert all(x.crime_rate_per_1000 is None for x in p.areas)
    assert p.statement == (
        "None of the 5 most similar areas has police data for January–December 2025, so no peer "
        "comparison is made. Load their forces' data to compare: Harlow, Stevenage, Castle "
        "Point, Gosport and Broxbourne."
    )
    # Never ranked against areas without data.
    assert all(r.rank is None and r.peer_median is None for r in p.ranks)
    assert all("no similar area has police data" in r.text for r in p.ranks)
    # Category medians (volume) use only peers with data: none here, and the score says so.
    assert all(c.peer_rate_median is None for c in tamworth.categories)
    vol = _score(tamworth, "Burglary", "volume")
    assert "no similar area has police data for the period" in vol.basis
    assert p.statement in tamworth.data_quality.caveats


def test_epsom_compares_on_its_three_peers_with_data_and_names_the_rest(con, shared_data):
    a = assess("Epsom and Ewell", "2025-01", "2025-04", con=con)
    p = a.peers
    assert [(x.area.name, x.has_data) for x in p.areas] == [
        ("Fareham", False), ("Woking", True), ("Three Rivers", False), ("Surrey Heath", True),
        ("Runnymede", True),
    ]  # fmt: skip
    assert p.statement == (
        "3 of the 5 most similar areas have police data for January–April 2025: Woking, Surrey "
        "Heath and Runnymede. Not compared, as their police data is not loaded: Fareham and "
        "Three Rivers."
    )
    crime = next(r for r in p.ranks if r.measure.startswith("crime"))
    rates = [x.crime_rate_per_1000 for x in p.areas if x.has_data]
    assert crime.of == 4 and crime.peer_median == pytest.approx(float(np.median(rates)))
    assert crime.text.endswith("of 4 areas (this area and 3 similar areas)")
    assert crime.text.split(" of ")[0] in ("highest", "2nd highest", "2nd lowest", "lowest")
    # Woking's crime rate from the raw files: its LSOAs, January–April 2025, per 1,000 a year.
    woking = next(x for x in p.areas if x.area.name == "Woking")
    lsoas, pop = _lad_lsoas(shared_data, "Woking")
    # Records are placed where they are, so every loaded force's files are read.
    n = sum(1 for f in FORCES for mth in range(1, 5)
            for lsoa, cat in _rows(shared_data, f, f"2025-{mth:02d}") if lsoa in lsoas and cat != ASB)  # fmt: skip
    assert woking.crime_rate_per_1000 == pytest.approx(n / pop * 1000 * 3, abs=1e-3)
    # The category median is over the three with data only.
    assert all(c.peer_rate_median is not None for c in a.categories if c.count > 20)


# --- 2. emerging issues ----------------------------------------------------------------------


def test_tamworth_emerging_none_flagged_for_october_to_december_2025(con):
    a = assess("Tamworth", "2025-10", "2025-12", con=con, allow_gaps=True)
    e = a.emerging
    assert e.fdr == EMERGING_FDR == 0.1
    assert e.recent_months == ["2025-10", "2025-11", "2025-12"]
    # Consecutive months only: nine months of 2025, never April 2024.
    assert e.baseline_months == [f"2025-{m:02d}" for m in range(1, 10)]
    assert e.flagged == 0 and a.emerging_issues == [] and e.expected_false_alarms == 0
    assert e.tested > 50 and e.reason is None
    assert e.statement.startswith(f"None of {e.tested} series was higher in October–December "
                                  "2025 than the 9 months before (January–September 2025)")  # fmt: skip


def test_emerging_history_too_short_says_why(con):
    a = assess("Tamworth", "2025-01", "2025-06", con=con, allow_gaps=True)
    e = a.emerging
    assert e.tested == 0 and e.flagged == 0 and a.emerging_issues == []
    # January–April 2024 is loaded, but April 2024 is never joined to January 2025.
    assert e.reason == (
        "Emerging issues need at least 9 consecutive months of data (6 to set the expected "
        "level and 3 to test); the data has 6 (January–June 2025); the months before are not "
        "consecutive (April 2024 is followed by January 2025)."
    )
    assert e.statement == e.reason and e.reason in a.data_quality.caveats
    assert not any(m.startswith("2024") for m in e.baseline_months + e.recent_months)


def _monthly_2025(shared: Path, lsoas: set[str]) -> dict[str, dict[int, int]]:
    """Records per category and month of 2025 in ``lsoas``, straight from the raw files."""
    out: dict[str, dict[int, int]] = {}
    for mth in range(1, 13):
        for f in FORCES:
            for lsoa, cat in _rows(shared, f, f"2025-{mth:02d}"):
                if lsoa in lsoas:
                    out.setdefault(cat, {}).setdefault(mth, 0)
                    out[cat][mth] += 1
    return out


def test_castle_ward_series_counted_once(con, shared_data):
    # A ward assessed on its own used to have each series counted twice (as the ward and as
    # the area), which made Burglary and ASB in Castle look like emerging issues.
    from scipy import stats

    a = assess("E05007069", "2025-01", "2025-12", con=con, allow_gaps=True)
    e = a.emerging
    by_cat = _monthly_2025(shared_data, _ward_lsoas(shared_data, "E05007069"))
    o = np.array([sum(v.get(m, 0) for m in (10, 11, 12)) for v in by_cat.values()], float)
    b = np.array([sum(v.get(m, 0) for m in range(1, 10)) for v in by_cat.values()], float)
    testable = 0.25 ** (o + b) <= EMERGING_FDR
    p = stats.binom.sf(o[testable] - 1, (o + b)[testable], 0.25)
    q = stats.false_discovery_control(p, method="bh")
    assert (e.tested, e.not_testable) == (int(testable.sum()), int((~testable).sum()))
    assert e.flagged == int((q <= EMERGING_FDR).sum()) == 0 and a.emerging_issues == []
    burglary = by_cat["Burglary"]
    assert sum(burglary.get(m, 0) for m in (10, 11, 12)) == 15


def test_city_of_london_flag_matches_the_raw_files(con, shared_data):
    from scipy import stats

    a = assess("City of London", "2025-01", "2025-12", con=con, allow_gaps=True)
    e = a.emerging
    assert e.flagged == len(a.emerging_issues) > 0  # every flag listed, no cap
    assert e.expected_false_alarms == pytest.approx(0.1 * e.flagged)
    x = next(x for x in a.emerging_issues if x.category == "Other theft" and x.area.level == "csp")
    # The City's files run unbroken from before 2025: twelve months of baseline.
    assert e.baseline_months == [f"2024-{m:02d}" for m in (10, 11, 12)] + [f"2025-{m:02d}" for m in range(1, 10)]
    lsoas, _ = _lad_lsoas(shared_data, "City of London")

    def theft(month: str) -> int:
        return sum(1 for lsoa, cat in _rows(shared_data, "city-of-london", month)
                   if lsoa in lsoas and cat == "Other theft")  # fmt: skip

    recent = [theft(m) for m in e.recent_months]
    before = sum(theft(m) for m in e.baseline_months)
    assert (x.count, x.recent) == (sum(recent), recent)
    assert x.baseline_mean == pytest.approx(before / 12, abs=1e-3)
    assert x.p_value == pytest.approx(stats.binom.sf(sum(recent) - 1, sum(recent) + before, 3 / 15),
                                      abs=1e-8)  # fmt: skip
    assert x.q_value <= EMERGING_FDR
    assert x.statement == (
        f"Other theft in City of London: {sum(recent)} in October–December 2025 "
        f"({sum(recent) / 3:.0f} a month), against about {before / 12:.0f} a month before — a rise "
        "more than chance would explain."
    )


def test_emerging_method_and_parameters_are_in_the_appendix(tamworth):
    method = next(m for m in tamworth.methods if m.used_for == "Emerging issues")
    assert method.parameters == {"recent_months": 3, "baseline_months_min": 6,
                                 "baseline_months_max": 12, "false_discovery_rate": 0.1}  # fmt: skip
    assert "Benjamini" in method.reference and "Every flag is listed" in method.reference
    assert tamworth.emerging.flagged == len(tamworth.emerging_issues)  # no silent cap


# --- 3. England and Wales reference ----------------------------------------------------------


def test_england_and_wales_month_by_month_with_the_real_national_month(national_warehouse):
    with duckdb.connect(str(national_warehouse), read_only=True) as c:
        a = assess("Tamworth", "2025-10", "2025-12", con=c, allow_gaps=True)
    ew = a.overview.england_and_wales
    # December 2025 has 39 of the 43 forces: still not a national figure, and it says which.
    assert ew.months_used == [] and ew.crime_rate_per_1000 is None
    assert ew.months_excluded["2025-12"] == [
        "greater-manchester", "metropolitan", "west-midlands", "west-yorkshire"]  # fmt: skip
    assert len(ew.months_excluded["2025-10"]) == 39
    assert ew.statement == (
        "No England and Wales figure for October–December 2025: no month has data for all 43 "
        "forces. The nearest, December 2025, lacks 4: Greater Manchester Police, Metropolitan "
        "Police Service, West Midlands Police and West Yorkshire Police."
    )
    assert not any(x.area.level == "country" for x in a.overview.comparators)
    assert ew.statement in a.data_quality.caveats


def test_england_and_wales_caveat_is_short_when_most_forces_are_missing(tamworth):
    ew = tamworth.overview.england_and_wales
    assert ew.statement == ("No England and Wales figure for January–December 2025: no month has "
                            "police data for all 43 forces (the closest, January 2025, has 4 of "
                            "the 43).")  # fmt: skip
    assert len(ew.months_excluded) == 12 and all(len(v) == 39 for v in ew.months_excluded.values())


# --- 4. harm ---------------------------------------------------------------------------------


def test_harm_total_names_asb_exclusion(tamworth):
    o = tamworth.overview
    assert [(x.category, x.count) for x in o.harm_exclusions] == [(ASB, o.asb.count)]
    assert o.harm_exclusions[0].statement == (
        f"Anti-social behaviour ({o.asb.count:,}) is not in the harm total: the Crime Severity "
        "Score has no weight for ASB."
    )
    crime_harm = sum(c.harm for c in tamworth.categories if not c.is_asb)
    assert o.crime.harm == pytest.approx(crime_harm, abs=0.05)
    assert next(c for c in tamworth.categories if c.is_asb).harm is None
    method = next(m for m in tamworth.methods if m.name == "Harm weighting")
    assert "Anti-social behaviour is excluded" in method.reference


def test_harm_weights_file_missing_a_category_is_refused(four_forces_warehouse, tmp_path):
    from typer.testing import CliRunner

    from saferplaces.assessment.inputs import HARM_WEIGHTS
    from saferplaces.cli import app

    rows = list(csv.DictReader(HARM_WEIGHTS.open(encoding="utf-8")))
    weights = tmp_path / "weights.csv"
    with weights.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["category", "weight"], extrasaction="ignore")
        w.writeheader()
        w.writerows(r for r in rows if r["category"] != "Drugs")
    home = tmp_path / "ws"
    home.mkdir()
    shutil.copy(four_forces_warehouse, home / "warehouse.duckdb")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["--workspace", str(home), "assess", "Tamworth", "--from",
                                      "2025-01", "--to", "2025-04", "--harm-weights", str(weights),
                                      "--out", str(out)], env={"COLUMNS": "300"})  # fmt: skip
    text = " ".join(result.output.split())
    assert result.exit_code != 0
    assert "no harm weight given for categories: ['Drugs']" in text and "weights.csv" in text
    assert not (out / "assessment.json").exists()
    with duckdb.connect(str(four_forces_warehouse), read_only=True) as c, pytest.raises(AssessmentError):
        assess("Tamworth", "2025-01", "2025-04", con=c, harm_weights=weights)


# --- 5. what police.uk cannot show -----------------------------------------------------------


def test_activity_caveats_and_coverage(tamworth):
    by = {c.category: c for c in tamworth.categories}
    assert "police action" in by["Drugs"].caveats[0]
    assert "police action" in by["Possession of weapons"].caveats[0]
    assert by["Burglary"].caveats == []
    assert by["Violence and sexual offences"].coverage.startswith(
        "data.police.uk has violence and sexual offences as one category.")  # fmt: skip
    assert "'Other crime' as one category" in by["Other crime"].coverage
    for p in tamworth.recommended_priorities.priorities:
        assert p.coverage and p.evidence in ("direct", "partial")
    drugs = next(p for p in tamworth.recommended_priorities.priorities if p.theme == "Drugs")
    assert drugs.caveats == by["Drugs"].caveats and "Partner data" in drugs.coverage


def test_themes_police_uk_cannot_show_are_listed(tamworth):
    keys = [t.key for t in tamworth.data_cannot_show]
    assert keys == ["domestic_abuse", "hate_crime_cohesion", "vawg", "vulnerable_persons", "fraud",
                    "modern_slavery", "exploitation", "serious_violence"]  # fmt: skip
    da = tamworth.data_cannot_show[0]
    assert da.theme == "Domestic abuse" and any("MARAC" in x for x in da.partner_data)


def test_deprived_concentration_factor_renamed_and_asb_harm_stated(tamworth):
    rp = tamworth.recommended_priorities
    assert "vulnerability" not in rp.weights and rp.weights["deprived_concentration"] == 2.0
    asb = next(p for p in rp.priorities if p.theme == ASB)
    harm = next(s for s in asb.scores if s.factor == "harm")
    assert harm.score is None and not harm.applies
    assert harm.basis == "no weight: the Crime Severity Score has no weight for ASB"
    assert "harm does not apply (the Crime Severity Score has no weight for ASB)" in asb.total_note
    # The total is rescaled over the factors that apply and are scored.
    scored = [s for s in asb.scores if s.score is not None]
    assert asb.total == pytest.approx(
        sum(s.score * s.weight for s in scored) / sum(s.weight for s in scored), abs=1e-4)
    dep = next(s for s in asb.scores if s.factor == "deprived_concentration")
    assert dep.name == "Concentration in deprived neighbourhoods" and dep.value > 1


# --- 6. plain English from the engine ---------------------------------------------------------


def test_priority_rationale_and_values_in_the_model(tamworth):
    by = {c.category: c for c in tamworth.categories}
    crime = sum(c.count for c in tamworth.categories if not c.is_asb)
    for p in tamworth.recommended_priorities.priorities:
        assert "p =" not in p.rationale and "Strongest" not in p.rationale
        assert p.rationale.startswith(f"{p.theme} is ranked ")
        vol = next(s for s in p.scores if s.factor == "volume")
        # Themes are the unit (issue 10): the figures are over the theme's categories.
        cats = [by[c] for c in p.categories]
        if not any(c.is_asb for c in cats):
            # No similar area has data: volume is the share of crime, and never cited as a reason.
            assert vol.value == pytest.approx(sum(c.count for c in cats) / crime * 100, abs=1e-3)
            assert "volume:" not in p.rationale
        trend = next(s for s in p.scores if s.factor == "trend")
        if "trend:" in p.rationale:
            assert p.change.significant and p.change.direction == "up"
        assert trend.value == p.change.p_value


def test_gaps_caveat_in_words(tamworth):
    first = tamworth.data_quality.caveats[0]
    assert first.startswith("Police data for May–December 2024 is not loaded, so the baseline "
                            "uses January–April 2024 only. Rates use the 12 months present")  # fmt: skip


# --- helpers ---------------------------------------------------------------------------------


def _score(a, theme: str, factor: str):
    p = next(p for p in a.recommended_priorities.priorities if p.theme == theme)
    return next(s for s in p.scores if s.factor == factor)


def _rows(shared: Path, force: str, month: str) -> list[tuple[str, str]]:
    path = shared / "police_uk" / force / f"{month}-{force}-street.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [(r["LSOA code"], r["Crime type"]) for r in csv.DictReader(fh)]


def _ward_lsoas(shared: Path, ward_code: str) -> set[str]:
    with gzip.open(shared / "lookups" / "lsoa21_ward24_lad24_ew.csv.gz", "rt") as fh:
        return {r["lsoa21_code"] for r in csv.DictReader(fh) if r["ward24_code"] == ward_code}


def _lad_lsoas(shared: Path, lad_name: str) -> tuple[set[str], int]:
    lsoas = set()
    with gzip.open(shared / "lookups" / "lsoa21_ward24_lad24_ew.csv.gz", "rt") as fh:
        for row in csv.DictReader(fh):
            if row["ltla24_name"] == lad_name:
                lsoas.add(row["lsoa21_code"])
    pop = 0
    with open(shared / "population" / "census2021_usual_residents_lsoa21.csv") as fh:
        reader = csv.DictReader(fh)
        code_col = next(c for c in reader.fieldnames if "code" in c.lower())
        pop_col = next(c for c in reader.fieldnames if "resident" in c.lower())
        for row in reader:
            if row[code_col] in lsoas:
                pop += int(float(row[pop_col]))
    return lsoas, pop
