"""Counties (the upper tier of two-tier areas) as areas like any other, on the real shipped data.

Staffordshire's eight districts agree a county Community Safety Agreement; the Staffordshire
police force area also holds Stoke-on-Trent, a unitary council outside the county. Expected
figures come from the raw ONS files in ``shared/data`` read with the csv module, not through
the code under test; one is checked by hand (Census 2021: Staffordshire 876,118 residents,
ONS's published 876,100 rounded).
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from saferplaces.warehouse import geography as geo
from saferplaces.warehouse import schema

SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", "/work/shared/data"))
COUNTY_CSV = SHARED / "lookups" / "lad24_cty24_en.csv"
needs_shared = pytest.mark.skipif(
    not COUNTY_CSV.is_file(),
    reason=f"shared data not found at {SHARED} (set SAFERPLACES_SHARED_DATA)",
)

STAFFORDSHIRE = "E10000028"
STAFFORDSHIRE_PFA = "E23000015"
STOKE_LAD, STOKE_CSP = "E06000021", "E22000270"
# The county's districts, each with its CSP of the same name (ONS LAD → CSP → PFA lookup).
DISTRICTS = {
    "E07000192": ("Cannock Chase", "E22000263"),
    "E07000193": ("East Staffordshire", "E22000264"),
    "E07000194": ("Lichfield", "E22000265"),
    "E07000195": ("Newcastle-under-Lyme", "E22000266"),
    "E07000196": ("South Staffordshire", "E22000267"),
    "E07000197": ("Stafford", "E22000268"),
    "E07000198": ("Staffordshire Moorlands", "E22000269"),
    "E07000199": ("Tamworth", "E22000271"),
}


def _csv(relative: str) -> list[dict]:
    path = SHARED / relative
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute(schema.TABLES)
    c.execute(schema.VIEWS)
    geo.load_geography(c)
    yield c
    c.close()


# ------------------------------------------------------------------------------------------------
# The shipped lookup and the county level
# ------------------------------------------------------------------------------------------------


@needs_shared
def test_shipped_lookup_is_the_ons_file():
    rows = _csv("lookups/lad24_cty24_en.csv")
    shipped = pq.read_table(geo.bundled_data_dir() / "lad_cty.parquet").to_pylist()
    expected = sorted(
        (r["lad24_code"], r["lad24_name"], r["cty24_code"], r["cty24_name"]) for r in rows
    )
    assert [tuple(r.values()) for r in shipped] == expected
    meta = geo.parquet_metadata(geo.bundled_data_dir() / "lad_cty.parquet")
    (source,) = meta["sources"]
    assert source["sha256"] == geo.sha256_file(COUNTY_CSV)
    assert source["rows"] == 164 and "Open Government Licence" in source["licence"]


def test_twenty_one_counties_of_164_districts(con):
    counties = con.execute(
        "SELECT code, name, parent_code, lad_code, pfa_code, county_code FROM areas "
        "WHERE level = 'county' ORDER BY code"
    ).fetchall()
    assert len(counties) == 21
    assert all(c[0].startswith("E10") and c[5] == c[0] and c[3] is None for c in counties)
    # Each county lies in one force area, which is its parent.
    assert all(c[2] == c[4] and c[4].startswith("E23") for c in counties)
    districts = con.execute(
        "SELECT count(*), count(DISTINCT county_code) FROM areas "
        "WHERE level = 'lad' AND county_code IS NOT NULL"
    ).fetchone()
    assert districts == (164, 21)
    # Every LSOA of a two-tier district is in exactly one county; no other LSOA is.
    in_county = con.execute(
        "SELECT count(*), count(DISTINCT lsoa21_code) FROM area_lsoas WHERE level = 'county'"
    ).fetchone()
    expected = con.execute(
        "SELECT count(*) FROM ref_lsoa21 WHERE lad_code IN (SELECT lad_code FROM ref_lad_county)"
    ).fetchone()[0]
    assert in_county == (expected, expected)


@needs_shared
def test_staffordshire_is_its_eight_districts_without_stoke(con):
    name, parent, pfa, population, lsoas = con.execute(
        "SELECT name, parent_code, pfa_code, population, lsoa_count FROM areas "
        "WHERE level = 'county' AND code = ?",
        [STAFFORDSHIRE],
    ).fetchone()
    assert (name, parent, pfa) == ("Staffordshire", STAFFORDSHIRE_PFA, STAFFORDSHIRE_PFA)
    districts = con.execute(
        "SELECT code, name FROM areas WHERE level = 'lad' AND county_code = ? ORDER BY name",
        [STAFFORDSHIRE],
    ).fetchall()
    assert dict(districts) == {code: name for code, (name, _) in DISTRICTS.items()}

    # Independently: the LSOAs of the eight districts in the ONS lookup, and their residents.
    lsoa_lad = {
        r["lsoa21_code"]: r["ltla24_code"] for r in _csv("lookups/lsoa21_ward24_lad24_ew.csv.gz")
    }
    residents = {
        r["lsoa21_code"]: int(r["usual_residents_census2021"])
        for r in _csv("population/census2021_usual_residents_lsoa21.csv")
    }
    expected_lsoas = {code for code, lad in lsoa_lad.items() if lad in DISTRICTS}
    members = {
        r[0]
        for r in con.execute(
            "SELECT lsoa21_code FROM area_lsoas WHERE level = 'county' AND code = ?",
            [STAFFORDSHIRE],
        ).fetchall()
    }
    assert members == expected_lsoas and lsoas == len(expected_lsoas) == 534
    assert not members & {code for code, lad in lsoa_lad.items() if lad == STOKE_LAD}
    by_district = con.execute(
        "SELECT sum(population) FROM areas WHERE level = 'lad' AND county_code = ?", [STAFFORDSHIRE]
    ).fetchone()[0]
    assert population == by_district == sum(residents[c] for c in expected_lsoas)
    assert population == 876_118  # checked by hand against the Census 2021 file
    # The force area is the county plus Stoke-on-Trent.
    pfa_pop, stoke_pop = (
        con.execute(
            "SELECT population FROM areas WHERE level = ? AND code = ?", [lvl, code]
        ).fetchone()[0]
        for lvl, code in (("pfa", STAFFORDSHIRE_PFA), ("lad", STOKE_LAD))
    )
    assert pfa_pop == population + stoke_pop


def test_unitary_and_welsh_areas_have_no_county(con):
    stoke = con.execute(
        "SELECT level, parent_code, county_code FROM areas WHERE code IN (?, ?) ORDER BY level",
        [STOKE_CSP, STOKE_LAD],
    ).fetchall()
    assert stoke == [("csp", STAFFORDSHIRE_PFA, None), ("lad", STAFFORDSHIRE_PFA, None)]
    in_county = con.execute(
        "SELECT count(*) FROM area_lsoas WHERE level = 'county' AND lsoa21_code IN "
        "(SELECT lsoa21_code FROM ref_lsoa21 WHERE lad_code = ? OR country = 'W')",
        [STOKE_LAD],
    ).fetchone()[0]
    assert in_county == 0
    # Unitary (E06), metropolitan (E08), London (E09) and Welsh (W06) districts: none in a county.
    assert (
        con.execute(
            "SELECT count(*) FROM areas WHERE level = 'lad' AND county_code IS NOT NULL "
            "AND NOT starts_with(code, 'E07')"
        ).fetchone()[0]
        == 0
    )
    # The force area spans the county and Stoke, so it has no single county.
    assert (
        con.execute(
            "SELECT county_code FROM areas WHERE level = 'pfa' AND code = ?", [STAFFORDSHIRE_PFA]
        ).fetchone()[0]
        is None
    )


def test_districts_and_csps_of_a_county_have_it_as_parent(con):
    rows = con.execute(
        "SELECT level, code, parent_code, county_code FROM areas "
        "WHERE level IN ('lad', 'csp') AND code IN (SELECT unnest(?)) ORDER BY code",
        [[*DISTRICTS, *(csp for _, csp in DISTRICTS.values())]],
    ).fetchall()
    assert len(rows) == 16
    assert all(r[2] == STAFFORDSHIRE and r[3] == STAFFORDSHIRE for r in rows)
    # A CSP spanning three districts of one county (Broxtowe, Gedling, Rushcliffe).
    assert con.execute(
        "SELECT parent_code, county_code, lad_code FROM areas WHERE level = 'csp' AND code = 'E22000366'"
    ).fetchone() == ("E10000024", "E10000024", None)


# ------------------------------------------------------------------------------------------------
# Names and codes
# ------------------------------------------------------------------------------------------------


def test_staffordshire_means_the_county_and_the_force_area_stays_reachable(con):
    county = ("county", STAFFORDSHIRE, "Staffordshire")
    force = ("pfa", STAFFORDSHIRE_PFA, "Staffordshire")
    assert geo.resolve_area(con, "Staffordshire") == county
    assert geo.resolve_area(con, " staffordshire ") == county
    assert geo.resolve_area(con, "E10000028") == county
    assert geo.resolve_area(con, "county:Staffordshire") == county
    assert geo.resolve_area(con, "pfa:Staffordshire") == force
    assert geo.resolve_area(con, "E23000015") == force
    # A CSP still wins over its district, and a district still over a county.
    assert geo.resolve_area(con, "Tamworth") == ("csp", "E22000271", "Tamworth")
    assert geo.resolve_area(con, "lad:Tamworth") == ("lad", "E07000199", "Tamworth")
    with pytest.raises(geo.AreaNotFoundError) as err:
        geo.resolve_area(con, "county:Stoke-on-Trent")
    assert "Stoke-on-Trent" in str(err.value)


# ------------------------------------------------------------------------------------------------
# Loading a county lookup given by the user
# ------------------------------------------------------------------------------------------------


@needs_shared
def test_the_ons_csv_can_replace_the_bundled_lookup(con):
    c = duckdb.connect()
    c.execute(schema.TABLES)
    c.execute(schema.VIEWS)
    summary = geo.load_geography(c, [COUNTY_CSV])
    assert summary["tables"]["ref_lad_county"] == 164
    assert (
        c.execute("SELECT * FROM ref_lad_county ORDER BY lad_code").fetchall()
        == con.execute("SELECT * FROM ref_lad_county ORDER BY lad_code").fetchall()
    )
    source = c.execute(
        "SELECT file_name, sha256 FROM ref_sources WHERE dataset = 'lad_cty'"
    ).fetchone()
    assert source == (str(COUNTY_CSV), geo.sha256_file(COUNTY_CSV))
    c.close()


def test_a_bad_county_lookup_is_refused_naming_the_file(con, tmp_path):
    before = con.execute("SELECT count(*), min(cty_code) FROM ref_lad_county").fetchone()
    unknown = tmp_path / "lad25_cty25.csv"
    unknown.write_text(
        "LAD25CD,LAD25NM,CTY25CD,CTY25NM\nE07000999,Nowhere,E10000028,Staffordshire\n"
    )
    with pytest.raises(geo.GeographyError, match=r"lad25_cty25\.csv: 1 districts are not in"):
        geo.load_geography(con, [unknown])
    bad_code = tmp_path / "bad.csv"
    bad_code.write_text("LAD24CD,LAD24NM,CTY24CD,CTY24NM\nE07000199,Tamworth,E23000015,Staffs\n")
    with pytest.raises(geo.GeographyError, match=r"bad\.csv: 1 values in cty_code are not county"):
        geo.load_geography(con, [bad_code])
    twice = tmp_path / "twice.csv"
    twice.write_text(
        "LAD24CD,LAD24NM,CTY24CD,CTY24NM\nE07000199,Tamworth,E10000028,Staffordshire\n"
        "E07000199,Tamworth,E10000031,Warwickshire\n"
    )
    with pytest.raises(geo.GeographyError, match=r"twice\.csv: 1 duplicated keys"):
        geo.load_geography(con, [twice])
    assert con.execute("SELECT count(*), min(cty_code) FROM ref_lad_county").fetchone() == before


# ------------------------------------------------------------------------------------------------
# The command line on the demo Staffordshire street data
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory) -> Path:
    from saferplaces.demo import write_demo_csvs
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    home = tmp_path_factory.mktemp("county-ws")
    files_dir = home / "files"
    files_dir.mkdir()
    con = connect(home / "warehouse.duckdb")
    try:
        geo.load_geography(con)
        report = load_police(con, write_demo_csvs(files_dir))
        assert not report.failed, [r.error for r in report.failed]
    finally:
        con.close()
    shutil.rmtree(files_dir)
    return home


def _run(home: Path, *args: str):
    from saferplaces.cli import app

    result = CliRunner().invoke(app, ["--workspace", str(home), *args])
    assert result.exit_code == 0, result.output
    return result


def test_areas_level_county_and_within_staffordshire(demo_workspace):
    counties = json.loads(_run(demo_workspace, "areas", "--level", "county", "--json").stdout)
    assert len(counties) == 21
    staffs = next(c for c in counties if c["code"] == STAFFORDSHIRE)
    assert (staffs["name"], staffs["population"], staffs["lsoa_count"]) == (
        "Staffordshire",
        876_118,
        534,
    )
    for level, index in (("lad", 0), ("csp", 1)):
        within = json.loads(
            _run(
                demo_workspace, "areas", "--level", level, "--within", "Staffordshire", "--json"
            ).stdout
        )
        expected = {code if index == 0 else csp for code, (_, csp) in DISTRICTS.items()}
        assert {a["code"] for a in within} == expected
        assert all(a["county_code"] == STAFFORDSHIRE for a in within)
    # The force area still holds nine CSPs, Stoke-on-Trent among them.
    force = json.loads(
        _run(
            demo_workspace, "areas", "--level", "csp", "--within", "pfa:Staffordshire", "--json"
        ).stdout
    )
    assert len(force) == 9 and STOKE_CSP in {a["code"] for a in force}
    table = _run(demo_workspace, "areas", "--level", "county").stdout
    assert "21 areas (county)" in table


def test_county_crimes_are_the_sum_of_its_eight_csps(demo_workspace):
    sql = (
        "SELECT (SELECT count(*) FROM crimes WHERE lsoa21_code IN (SELECT lsoa21_code FROM "
        "area_lsoas WHERE level = 'county' AND code = 'E10000028')) AS county, "
        "(SELECT count(*) FROM crimes WHERE csp_code IN ({})) AS csps, "
        "(SELECT count(*) FROM crimes WHERE csp_code = 'E22000270') AS stoke, "
        "(SELECT count(*) FROM crimes WHERE pfa_code = 'E23000015') AS force"
    ).format(", ".join(f"'{csp}'" for _, csp in DISTRICTS.values()))
    (row,) = json.loads(_run(demo_workspace, "query", sql, "--format", "json").stdout)
    assert row["county"] == row["csps"] > 50_000
    assert row["county"] + row["stoke"] == row["force"]
