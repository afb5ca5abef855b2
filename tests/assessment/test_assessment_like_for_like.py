"""Change is like for like: only months present in both periods are compared (issue 9).

The shared data has January–April 2024 and all of 2025. Comparing twelve months of 2025
with four months of 2024 by exposure weighting mixes seasons and flips findings; these tests
hold the engine to the matched months, with the real figures from the real files.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import pytest

from saferplaces.analysis.change import seasonally_adjusted_change
from saferplaces.assessment import assess

ASB = "Anti-social behaviour"


def _months(year: int, first: int, last: int) -> list[str]:
    return [f"{year}-{m:02d}" for m in range(first, last + 1)]


@pytest.fixture(scope="module")
def con(four_forces_warehouse: Path):
    c = duckdb.connect(str(four_forces_warehouse), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def tamworth_2025(con):
    # What `saferplaces demo` runs: all of 2025 against a baseline year with four months.
    return assess("Tamworth", "2025-01", "2025-12", "previous-year", con=con, allow_gaps=True)


def test_demo_headline_compares_only_the_matched_months(tamworth_2025):
    asb = tamworth_2025.overview.asb
    # 232 and 170 are the raw files' Jan–Apr counts (test_assessment_real checks them).
    assert (asb.compared_count, asb.baseline_count, asb.change) == (232, 170, 62)
    assert asb.percent_change == pytest.approx(36.47, abs=0.01)
    assert asb.p_value == pytest.approx(0.002, abs=0.0005) and asb.significant
    assert asb.basis == "matched-months"
    assert asb.compared == "January–April 2025 against January–April 2024"
    assert "January–April 2025" in asb.statement and "January–April 2024" in asb.statement
    assert "60%" not in asb.statement and "36%" in asb.statement
    assert "same months" not in asb.statement
    # The whole period is still counted (rates, places and maps use it) ...
    assert asb.count == 815 == sum(m.asb for m in tamworth_2025.overview.monthly)
    # ... and the model says which months were compared.
    b = tamworth_2025.baseline
    assert b.matched_months == _months(2025, 1, 4)
    assert b.matched_baseline_months == _months(2024, 1, 4)
    assert b.basis == "matched-months"


def test_change_is_now_minus_baseline_on_the_same_months(tamworth_2025):
    crime = tamworth_2025.overview.crime
    assert (crime.compared_count, crime.baseline_count) == (1936, 1767)
    assert crime.change == 1936 - 1767
    data = json.loads(tamworth_2025.to_json())
    assert data["overview"]["crime"]["change"] == 169


def test_same_months_is_never_claimed_for_different_months(tamworth_2025):
    for block in (tamworth_2025.overview.crime, tamworth_2025.overview.asb,
                  *tamworth_2025.categories):  # fmt: skip
        assert "per month" not in block.statement
        assert "in 12 months" not in block.statement


def test_tamworth_burglary_fall_is_not_significant_like_for_like(tamworth_2025):
    burglary = next(c for c in tamworth_2025.categories if c.category == "Burglary")
    # By exposure weighting it was −32% (p = 0.001); like for like it is 80 against 100.
    assert (burglary.compared_count, burglary.baseline_count) == (80, 100)
    assert burglary.percent_change == pytest.approx(-20.0, abs=0.01)
    assert not burglary.significant and burglary.p_value > 0.05
    assert burglary.change == -20


def test_staffordshire_force_area_crime_fell_six_per_cent(con):
    a = assess("pfa:Staffordshire", "2025-01", "2025-12", "previous-year", con=con, allow_gaps=True)
    crime = a.overview.crime
    assert (crime.compared_count, crime.baseline_count) == (27052, 28865)
    assert crime.percent_change == pytest.approx(-6.28, abs=0.01)
    assert crime.significant and crime.p_value < 1e-10
    assert crime.direction == "down"


def test_spelthorne_asb_fell_eighteen_per_cent(con):
    a = assess("Spelthorne", "2025-01", "2025-12", "previous-year", con=con, allow_gaps=True)
    asb = a.overview.asb
    assert (asb.compared_count, asb.baseline_count) == (417, 506)
    assert asb.percent_change == pytest.approx(-17.59, abs=0.01)
    assert asb.p_value == pytest.approx(0.0034, abs=0.0002)


def test_parent_comparators_use_their_own_matched_months(tamworth_2025):
    pfa = next(c for c in tamworth_2025.overview.comparators if c.area.level == "pfa")
    assert (pfa.crime.compared_count, pfa.crime.baseline_count) == (27052, 28865)
    assert pfa.crime.compared == "January–April 2025 against January–April 2024"


def test_no_baseline_says_so_and_never_rose_from_none(con):
    a = assess("Tamworth", "2024-01", "2024-04", "previous-year", con=con, allow_gaps=True)
    for block in (a.overview.crime, a.overview.asb, *a.categories):
        assert "from none" not in block.statement
        assert "no baseline to compare with" in block.statement
        assert block.change is None and block.percent_change is None and block.p_value is None
        assert block.basis == "none" and block.direction == "no baseline"
    assert a.baseline.matched_months == []
    assert a.overview.crime.count > 0


def test_priorities_trend_factor_uses_the_like_for_like_change(tamworth_2025):
    asb = next(p for p in tamworth_2025.recommended_priorities.priorities if p.theme == ASB)
    trend = next(s for s in asb.scores if s.factor == "trend")
    assert trend.score == 5 and "January–April 2025" in trend.basis
    burglary = next(p for p in tamworth_2025.recommended_priorities.priorities
                    if p.theme == "Burglary")  # fmt: skip
    b_trend = next(s for s in burglary.scores if s.factor == "trend")
    # Not significant like for like (p = 0.14): no longer scored as a significant fall (1).
    assert b_trend.score == 3


def test_like_for_like_figures_for_the_workspace(con):
    from saferplaces.assessment import like_for_like

    lfl = like_for_like("Tamworth", "2025-01", "2025-12", "previous-year", con=con)
    assert lfl.months == _months(2025, 1, 4)
    assert lfl.baseline_months == _months(2024, 1, 4)
    assert lfl.label == "January–April 2025 against January–April 2024"
    assert (lfl.crime.now, lfl.crime.baseline) == (1936, 1767)
    assert (lfl.asb.now, lfl.asb.baseline) == (232, 170)
    assert lfl.categories["Burglary"].baseline == 100
    # A monthly baseline for targets comes from the matched months only.
    assert lfl.crime.baseline_per_month == pytest.approx(1767 / 4)


def test_previous_period_aligns_month_by_month(con):
    # May–August 2025 against January–April 2025: every month has its aligned month.
    a = assess("Tamworth", "2025-05", "2025-08", "previous-period", con=con)
    assert a.baseline.matched_baseline_months == _months(2025, 1, 4)
    assert a.overview.asb.compared == "May–August 2025 against January–April 2025"


# --- whole period against a partial baseline, seasonally adjusted ------------------------------


def test_seasonally_adjusted_change_hand_computed():
    # Baseline: 100 records in the months observed; in the reference years those calendar
    # months held 400 of 1,200 records (share 1/3), so the whole baseline is about 300.
    # Now: 360 over the whole period. Rate ratio 360 / 300 = 1.2.
    r = seasonally_adjusted_change(360, 100, 400, 1200)
    assert r.share == pytest.approx(1 / 3)
    assert r.baseline_estimate == pytest.approx(300.0)
    assert r.ratio == pytest.approx(1.2)
    assert r.percent_change == pytest.approx(20.0)
    # Var(log R) = 1/360 + 1/100 + (1 − s)/(s·T) = 1/360 + 1/100 + (2/3)/(400)
    var = 1 / 360 + 1 / 100 + (2 / 3) / 400
    assert r.se_log_ratio == pytest.approx(math.sqrt(var))
    z = math.log(1.2) / math.sqrt(var)
    assert r.z == pytest.approx(z)
    assert r.p_value == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert r.ratio_low == pytest.approx(math.exp(math.log(1.2) - 1.959964 * math.sqrt(var)), rel=1e-5)
    # The seasonal share's own sampling error widens the interval over a known share.
    known = 1 / 360 + 1 / 100
    assert r.se_log_ratio > math.sqrt(known)


def test_seasonal_adjustment_reduces_to_like_for_like_when_the_reference_year_is_the_period():
    # Reference year = the period itself: share = A/N, so R = A/B exactly, and the overlap
    # terms cancel to Var = 1/A + 1/B.
    r = seasonally_adjusted_change(1000, 170, 232, 1000, now_in_share_count=232,
                                   now_in_share_total=1000)  # fmt: skip
    assert r.ratio == pytest.approx(232 / 170)
    assert r.se_log_ratio == pytest.approx(math.sqrt(1 / 232 + 1 / 170))


def test_whole_period_seasonal_basis_is_explicit_and_states_its_method(con):
    a = assess("Tamworth", "2025-01", "2025-12", "previous-year", con=con, allow_gaps=True,
               baseline_basis="whole-period-seasonal")  # fmt: skip
    asb = a.overview.asb
    assert asb.basis == "whole-period-seasonal"
    assert asb.compared_count == asb.count == 815
    assert asb.baseline_count == 170
    assert asb.baseline_estimate is not None and asb.baseline_estimate > 170
    assert "seasonal" in asb.statement
    assert asb.percent_ci_low is not None and asb.percent_ci_low < asb.percent_change < asb.percent_ci_high
    assert any("seasonal" in m.name.lower() for m in a.methods)


def test_whole_period_seasonal_refuses_what_it_cannot_estimate(con):
    from saferplaces.assessment import AssessmentError

    # 24 months is longer than the seasonal cycle the share is estimated over.
    with pytest.raises(AssessmentError, match="up to 12 months"):
        assess("City of London", "2024-01", "2025-12", "previous-period", con=con, allow_gaps=True,
               baseline_basis="whole-period-seasonal")  # fmt: skip
    with pytest.raises(AssessmentError, match="--baseline-basis must be one of"):
        assess("Tamworth", "2025-01", "2025-04", con=con, baseline_basis="per-month")


def test_compare_areas_is_like_for_like(con):
    from saferplaces.assessment.compare import compare_areas

    rows = compare_areas(con, ["Tamworth", "Spelthorne"], "2025-01", "2025-12", allow_gaps=True)
    tam, spel = rows
    assert (tam["asb_compared"], tam["asb_baseline"]) == (232, 170)
    assert tam["asb_change_percent"] == pytest.approx(36.47, abs=0.01)
    assert spel["asb_change_percent"] == pytest.approx(-17.59, abs=0.01)
    assert tam["compared"] == "January–April 2025 against January–April 2024"


def test_months_are_named_as_people_name_them():
    from datetime import date

    from saferplaces.assessment.periods import months_label

    def d(y: int, m: int) -> date:
        return date(y, m, 1)

    assert months_label([d(2025, m) for m in range(1, 5)]) == "January–April 2025"
    assert months_label([d(2024, 11), d(2024, 12), d(2025, 1)]) == "November 2024–January 2025"
    assert months_label([d(2025, 1), d(2025, 2), d(2025, 3), d(2025, 5)]) == "January–March and May 2025"
    assert months_label([d(2025, 6)]) == "June 2025"


def test_assess_command_prints_the_like_for_like_headline(four_forces_warehouse, tmp_path):
    """`saferplaces assess` (and the demo, which prints the same summary) names the months."""
    import shutil

    from typer.testing import CliRunner

    from saferplaces.cli import app

    home = tmp_path / "ws"
    home.mkdir()
    shutil.copy(four_forces_warehouse, home / "warehouse.duckdb")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["--workspace", str(home), "assess", "Tamworth", "--from",
                                      "2025-01", "--to", "2025-12", "--allow-gaps", "--out", str(out)],
                                env={"COLUMNS": "200"})  # fmt: skip
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Changes compare January–April 2025 against January–April 2024." in text
    assert "232 in January–April 2025, 36% more than the 170 in January–April 2024" in text
    assert "60%" not in text and "same months" not in text
    seasonal = CliRunner().invoke(app, ["--workspace", str(home), "assess", "Tamworth", "--from",
                                        "2025-01", "--to", "2025-12", "--allow-gaps", "--out",
                                        str(out), "--baseline-basis", "whole-period-seasonal"],
                                  env={"COLUMNS": "200"})  # fmt: skip
    assert seasonal.exit_code == 0, seasonal.output
    assert "seasonal pattern" in " ".join(seasonal.output.split())
