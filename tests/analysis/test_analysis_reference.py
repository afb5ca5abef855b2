"""Tests for saferplaces.analysis.reference: the England and Wales rate from complete months."""

from __future__ import annotations

import csv
import gzip
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from saferplaces.analysis.rates import rate_per_1000
from saferplaces.analysis.reference import ENGLAND_AND_WALES_FORCES, england_and_wales_rate

DATA = Path(__file__).resolve().parents[2] / "src" / "saferplaces" / "data"
JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)


def test_the_43_forces():
    assert len(ENGLAND_AND_WALES_FORCES) == 43
    assert "btp" not in ENGLAND_AND_WALES_FORCES
    assert "northern-ireland" not in ENGLAND_AND_WALES_FORCES


def test_hand_made_coverage_table():
    # Three forces; "c" is missing in February. February is left out, and the exposure is the
    # population over the two months used: 1,000 residents × 2/12 years.
    loaded = {"a": {JAN, FEB, MAR}, "b": {JAN, FEB, MAR}, "c": {JAN, MAR}}
    counts = {JAN: 30, FEB: 20, MAR: 34}
    r = england_and_wales_rate(counts, loaded, [JAN, FEB, MAR], 1000, forces=["a", "b", "c"])
    assert r.months_used == (JAN, MAR)
    assert r.months_excluded == {FEB: ("c",)}
    assert r.count == 64 and r.person_years == pytest.approx(1000 * 2 / 12)
    assert r.rate == pytest.approx(64 / (1000 * 2 / 12) * 1000)  # 384 per 1,000 a year
    exact = rate_per_1000(64, 1000 * 2 / 12)
    assert (r.lower, r.upper) == (
        pytest.approx(float(exact.lower)),
        pytest.approx(float(exact.upper)),
    )
    assert r.monthly == {JAN: pytest.approx(30.0), MAR: pytest.approx(34.0)}
    assert r.reason is None
    assert r.statement == (
        "England and Wales figure from 2 of 3 months (2 months between January and March 2025), "
        "the months with data for every force; February 2025 left out because some forces' "
        "data is not loaded."
    )
    # The rule it replaces: February's partial count over the full population understates.
    old_feb = counts[FEB] / 1000 * 1000 * 12
    assert old_feb < r.rate


def test_nothing_usable_says_why():
    loaded = {"a": {JAN, FEB}, "b": {JAN}, "c": set()}
    r = england_and_wales_rate({JAN: 5, FEB: 5}, loaded, [JAN, FEB], 1000, forces=["a", "b", "c"])
    assert r.rate is None and r.months_used == ()
    assert r.months_excluded == {JAN: ("c",), FEB: ("b", "c")}
    assert r.reason == (
        "No England and Wales figure for January–February 2025: no month has data for all 3 "
        "forces. The nearest, January 2025, lacks 1: c."
    )
    with pytest.raises(ValueError):
        england_and_wales_rate({}, loaded, [JAN], 0)


@pytest.fixture(scope="module")
def national_december(shared_data) -> tuple[dict[str, int], int]:
    """Records with an England/Wales LSOA per force in December 2025, from the raw files."""
    counts: dict[str, int] = {}
    for f in sorted(
        (shared_data / "police_uk" / "national-2025-12").glob("2025-12-*-street.csv.gz")
    ):
        slug = f.name[len("2025-12-") : -len("-street.csv.gz")]
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            counts[slug] = sum(
                1 for r in csv.DictReader(fh) if r["LSOA code"][:3] in ("E01", "W01")
            )
    population = sum(
        pq.read_table(DATA / "lsoa21.parquet", columns=["population"])["population"].to_pylist()
    )
    return counts, population


def test_real_national_month_is_not_complete(national_december):
    counts, population = national_december
    dec = date(2025, 12, 1)
    loaded = {slug: {dec} for slug in counts}
    assert len(loaded) == 40 and "northern-ireland" in loaded
    r = england_and_wales_rate({dec: sum(counts.values())}, loaded, [dec], population)
    assert r.rate is None
    assert r.months_excluded == {
        dec: ("greater-manchester", "metropolitan", "west-midlands", "west-yorkshire")
    }
    assert r.reason == (
        "No England and Wales figure for December 2025: no month has data for all 43 forces. "
        "The nearest, December 2025, lacks 4: Greater Manchester Police, Metropolitan Police "
        "Service, West Midlands Police and West Yorkshire Police."
    )


def test_real_national_month_over_the_forces_present(national_december, shared_data):
    # The old workspace rule put the 39 forces' records over all of England and Wales.
    counts, population = national_december
    dec = date(2025, 12, 1)
    present = sorted(s for s in counts if s in ENGLAND_AND_WALES_FORCES)
    assert len(present) == 39
    from saferplaces.warehouse.forces import BY_SLUG

    pfas = {BY_SLUG[s].pfa_code for s in present}
    lsoa = pq.read_table(DATA / "lsoa21.parquet", columns=["pfa_code", "population"]).to_pylist()
    pop_present = sum(r["population"] for r in lsoa if r["pfa_code"] in pfas)
    total = sum(counts[s] for s in present)
    r = england_and_wales_rate({dec: total}, {s: {dec} for s in present}, [dec], pop_present,
                               forces=present)  # fmt: skip
    assert r.months_used == (dec,) and r.count == total
    old = total / population * 1000 * 12
    assert r.rate == pytest.approx(total / pop_present * 1000 * 12)
    # The full-population rule understates by the share of residents in the missing forces.
    assert old / r.rate == pytest.approx(pop_present / population)
    assert old / r.rate < 0.75
