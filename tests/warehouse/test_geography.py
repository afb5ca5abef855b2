"""Reference geography on the real data: the bundled Parquet, checked against the raw ONS files.

Expected figures are derived here from the raw CSVs in ``shared/data`` with the csv module, not
through the code under test. Set SAFERPLACES_SHARED_DATA to that folder (default
/work/shared/data); tests that need it skip when it is absent.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import numpy as np
import pytest
import shapely

from saferplaces.warehouse import geography as geo
from saferplaces.warehouse import schema

SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", "/work/shared/data"))
REPO = Path(__file__).resolve().parents[2]
needs_shared = pytest.mark.skipif(
    not (SHARED / "lookups" / "lad24_csp24_pfa24_ew.csv").is_file(),
    reason=f"shared data not found at {SHARED} (set SAFERPLACES_SHARED_DATA)",
)

STAFFORDSHIRE_PFA = "E23000015"
STAFFORDSHIRE_CSPS = [f"E22000{n}" for n in range(263, 272)]

# Former district -> CSP, written out by hand from the CSP names in the ONS LAD → CSP → PFA
# lookup: the independent expectation for every LSOA of the unitary LADs holding several CSPs.
FORMER_DISTRICT_CSP = {
    "Bournemouth": "E22000063",
    "Poole": "E22000067",
    "Christchurch": "E22000367",  # the "Dorset" CSP
    "Aylesbury Vale": "E22000303",
    "Chiltern": "E22000306",
    "South Bucks": "E22000311",
    "Wycombe": "E22000318",
    "Corby": "E22000233",
    "East Northamptonshire": "E22000235",
    "Kettering": "E22000236",
    "Wellingborough": "E22000239",
    "Northampton": "E22000237",
    "Daventry": "E22000357",
    "South Northamptonshire": "E22000357",
    "Allerdale": "E22000031",
    "Carlisle": "E22000033",
    "Copeland": "E22000034",
    "Barrow-in-Furness": "E22000032",
    "Eden": "E22000035",
    "South Lakeland": "E22000036",
    "Suffolk Coastal": "E22000274",
    "Waveney": "E22000278",
}
MULTI_CSP_LADS = {
    "E06000058", "E06000060", "E06000061", "E06000062", "E06000063", "E06000064", "E07000244",
}  # fmt: skip


def _rows(relative: str) -> list[dict]:
    path = SHARED / relative
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _new_con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(schema.TABLES)
    con.execute(schema.VIEWS)
    return con


@pytest.fixture(scope="module")
def con():
    c = _new_con()
    geo.load_geography(c)
    yield c
    c.close()


@pytest.fixture(scope="module")
def locator(con):
    return geo.LsoaLocator.from_connection(con)


def _snapshot(c: duckdb.DuckDBPyConnection) -> dict:
    """Enough of every ref table to tell whether anything changed."""
    return {
        "lsoa21": c.execute("SELECT * FROM ref_lsoa21 ORDER BY lsoa21_code").fetchall(),
        "l11": c.execute(
            "SELECT count(*), count(DISTINCT lsoa11_code) FROM ref_lsoa11_lsoa21"
        ).fetchall(),
        "dep": c.execute(
            "SELECT edition, count(*), sum(imd_rank), sum(crime_rank) FROM ref_deprivation "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall(),
        "bnd": c.execute(
            "SELECT level, count(*), sum(octet_length(geometry)) FROM ref_boundaries GROUP BY 1 ORDER BY 1"
        ).fetchall(),
        "src": c.execute(
            "SELECT dataset, title, file_name, sha256, rows FROM ref_sources ORDER BY 1"
        ).fetchall(),
    }


# ------------------------------------------------------------------------------------------------
# The LSOA table and its chain of areas
# ------------------------------------------------------------------------------------------------


def test_every_lsoa_of_england_and_wales_with_its_full_chain(con):
    total, england, wales = con.execute(
        "SELECT count(*), count(*) FILTER (country = 'E'), count(*) FILTER (country = 'W') "
        "FROM ref_lsoa21"
    ).fetchone()
    assert (total, england, wales) == (35_672, 33_755, 1_917)
    missing = con.execute(
        """SELECT count(*) FILTER (csp_code IS NULL), count(*) FILTER (pfa_code IS NULL),
                  count(*) FILTER (lad_code IS NULL), count(*) FILTER (ward_code IS NULL),
                  count(*) FILTER (population IS NULL), count(*) FILTER (ruc21_code IS NULL),
                  count(*) FILTER (area_km2 IS NULL OR area_km2 <= 0)
           FROM ref_lsoa21"""
    ).fetchone()
    assert missing == (0, 0, 0, 0, 0, 0, 0)
    assert con.execute("SELECT count(DISTINCT pfa_code) FROM ref_lsoa21").fetchone()[0] == 43
    assert con.execute("SELECT count(DISTINCT csp_code) FROM ref_lsoa21").fetchone()[0] == 314


@needs_shared
def test_population_total_matches_the_census_file(con):
    expected = sum(int(r["usual_residents_census2021"]) for r in _rows(
        "population/census2021_usual_residents_lsoa21.csv"))  # fmt: skip
    assert expected == 59_597_576
    assert con.execute("SELECT sum(population) FROM ref_lsoa21").fetchone()[0] == expected


@needs_shared
def test_staffordshire_pfa_has_nine_csps_with_census_population(con):
    # Independent: LAD -> CSP from the ONS lookup, LSOA -> LAD and population from the raw CSVs.
    lad_csp = {
        r["ltla24_code"]: r["csp24_code"]
        for r in _rows("lookups/lad24_csp24_pfa24_ew.csv")
        if r["pfa24_code"] == STAFFORDSHIRE_PFA
    }
    pop = {
        r["lsoa21_code"]: int(r["usual_residents_census2021"])
        for r in _rows("population/census2021_usual_residents_lsoa21.csv")
    }
    expected: Counter = Counter()
    lsoas: Counter = Counter()
    for r in _rows("lookups/lsoa21_ward24_lad24_ew.csv.gz"):
        if r["ltla24_code"] in lad_csp:
            expected[lad_csp[r["ltla24_code"]]] += pop[r["lsoa21_code"]]
            lsoas[lad_csp[r["ltla24_code"]]] += 1
    assert sorted(expected) == STAFFORDSHIRE_CSPS
    got = con.execute(
        "SELECT code, population, lsoa_count FROM areas WHERE level = 'csp' AND pfa_code = ? "
        "ORDER BY code",
        [STAFFORDSHIRE_PFA],
    ).fetchall()
    assert [g[0] for g in got] == STAFFORDSHIRE_CSPS
    assert {g[0]: g[1] for g in got} == dict(expected)
    assert {g[0]: g[2] for g in got} == dict(lsoas)
    # Published Census 2021 figures, as a sanity anchor for the derivation itself.
    assert expected["E22000271"] == 78_653  # Tamworth
    assert expected["E22000270"] == 258_383  # Stoke-on-Trent
    assert sum(lsoas.values()) == 697  # as stated for the Staffordshire-PFA boundary subset
    pfa_pop = con.execute(
        "SELECT population FROM areas WHERE level = 'pfa' AND code = ?", [STAFFORDSHIRE_PFA]
    ).fetchone()[0]
    assert pfa_pop == sum(expected.values())


def _former_districts() -> dict[str, list[str]]:
    """LSOA 2021 -> former districts of its LSOA 2011 parents, read from the names."""
    out: dict[str, list[str]] = defaultdict(list)
    for r in _rows("lookups/lsoa11_lsoa21_lad22_ew.csv.gz"):
        out[r["lsoa21_code"]].append(r["lsoa11_name"].rsplit(" ", 1)[0])
    return out


@needs_shared
def test_buckinghamshire_splits_into_its_four_former_district_csps(con):
    bucks = {
        r["lsoa21_code"]
        for r in _rows("lookups/lsoa21_ward24_lad24_ew.csv.gz")
        if r["ltla24_code"] == "E06000060"
    }
    districts = _former_districts()
    expected = Counter(districts[c][0] for c in bucks)
    assert all(len(set(districts[c])) == 1 for c in bucks)
    assert expected == {"Aylesbury Vale": 127, "Wycombe": 110, "Chiltern": 57, "South Bucks": 40}
    got = dict(
        con.execute(
            "SELECT csp_name, count(*) FROM ref_lsoa21 WHERE lad_code = 'E06000060' GROUP BY 1"
        ).fetchall()
    )
    assert got == dict(expected)
    methods = con.execute(
        "SELECT DISTINCT csp_method FROM ref_lsoa21 WHERE lad_code = 'E06000060'"
    ).fetchall()
    assert methods == [("former-district",)]


@needs_shared
def test_every_lsoa_of_a_multi_csp_lad_follows_its_former_district(con):
    districts = _former_districts()
    rows = con.execute(
        "SELECT lsoa21_code, lad_code, csp_code, csp_method FROM ref_lsoa21"
    ).fetchall()
    checked = 0
    for code, lad, csp, method in rows:
        if lad in MULTI_CSP_LADS:
            assert method == "former-district", code
            expected = {FORMER_DISTRICT_CSP[d] for d in districts[code]}
            assert expected == {csp}, (code, districts[code], csp)
            checked += 1
        else:
            assert method == "lad", code
    assert checked == 1_480


@needs_shared
def test_christchurch_goes_to_the_dorset_csp(con):
    christchurch = {c for c, ds in _former_districts().items() if "Christchurch" in ds}
    assert len(christchurch) == 31
    got = con.execute(
        "SELECT DISTINCT csp_code, csp_name, lad_code FROM ref_lsoa21 "
        "WHERE list_contains(?, lsoa21_code)",
        [sorted(christchurch)],
    ).fetchall()
    assert got == [("E22000367", "Dorset", "E06000058")]
    # The Dorset CSP spans two LADs, so the areas view gives it no single LAD.
    assert con.execute(
        "SELECT lad_code FROM areas WHERE level = 'csp' AND code = 'E22000367'"
    ).fetchone() == (None,)


def test_assign_csp_fails_loudly_when_a_district_has_no_csp():
    lad_csp = [
        {"lad_code": "L1", "lad_name": "Merged", "csp_code": "C1", "csp_name": "Alpha"},
        {"lad_code": "L1", "lad_name": "Merged", "csp_code": "C2", "csp_name": "Beta"},
    ]
    lookup = [
        {"lsoa11_code": "E01000001", "lsoa11_name": "Alpha 001A", "lsoa21_code": "E01000001"},
        {"lsoa11_code": "E01000002", "lsoa11_name": "Beta 001A", "lsoa21_code": "E01000002"},
        {"lsoa11_code": "E01000003", "lsoa11_name": "Gamma 001A", "lsoa21_code": "E01000003"},
    ]
    lsoa_lad = {"E01000001": "L1", "E01000002": "L1", "E01000003": "L1"}
    # Every CSP has its district, so Gamma has nowhere to go.
    with pytest.raises(geo.GeographyError, match="Gamma"):
        geo.assign_csp(lsoa_lad, lad_csp, lookup)
    # With Beta's LSOA gone, the one CSP left unmatched (Beta) takes Gamma: the Christchurch rule.
    del lsoa_lad["E01000002"]
    out, report = geo.assign_csp(lsoa_lad, lad_csp, lookup)
    assert out["E01000003"] == ("C2", "former-district")
    assert report.lads[0].rule == {"Alpha": "exact", "Gamma": "remainder"}
    # A LAD missing from the CSP lookup is an error too.
    with pytest.raises(geo.GeographyError, match="L9"):
        geo.assign_csp({"E01000001": "L9"}, lad_csp, lookup)


def test_assign_csp_majority_and_tie_rules():
    lad_csp = [
        {"lad_code": "L1", "lad_name": "Merged", "csp_code": "C1", "csp_name": "Alpha"},
        {"lad_code": "L1", "lad_name": "Merged", "csp_code": "C2", "csp_name": "Beta and Delta"},
    ]
    lookup = [
        # Majority: two Beta parents against one Alpha.
        {"lsoa11_code": "E01000001", "lsoa11_name": "Alpha 001A", "lsoa21_code": "E01000010"},
        {"lsoa11_code": "E01000002", "lsoa11_name": "Beta 001A", "lsoa21_code": "E01000010"},
        {"lsoa11_code": "E01000003", "lsoa11_name": "Beta 001B", "lsoa21_code": "E01000010"},
        # Tie: the lowest LSOA 2011 code (Delta's) wins.
        {"lsoa11_code": "E01000005", "lsoa11_name": "Alpha 002A", "lsoa21_code": "E01000011"},
        {"lsoa11_code": "E01000004", "lsoa11_name": "Delta 001A", "lsoa21_code": "E01000011"},
    ]
    out, report = geo.assign_csp({"E01000010": "L1", "E01000011": "L1"}, lad_csp, lookup)
    assert out == {"E01000010": ("C2", "former-district"), "E01000011": ("C2", "former-district")}
    assert report.ambiguous == 2
    assert report.lads[0].rule == {"Beta": "contains", "Delta": "contains"}


# ------------------------------------------------------------------------------------------------
# Deprivation, lookups, boundaries
# ------------------------------------------------------------------------------------------------


@needs_shared
def test_deprivation_both_editions_match_the_raw_files(con):
    counts = dict(
        con.execute("SELECT edition, count(*) FROM ref_deprivation GROUP BY 1").fetchall()
    )
    assert counts == {2019: 32_844, 2025: 33_755}
    raw = {r["lsoa21_code"]: r for r in _rows("imd/imd2025_england_lsoa21.csv.gz")}
    got = con.execute(
        "SELECT lsoa_code, imd_rank, imd_decile, crime_rank, crime_decile, imd_score "
        "FROM ref_deprivation WHERE edition = 2025 AND lsoa_vintage = 2021"
    ).fetchall()
    for code, rank, decile, crime_rank, crime_decile, score in got:
        r = raw[code]
        assert (rank, decile, crime_rank, crime_decile) == (
            int(r["IMD_rank"]), int(r["IMD_decile"]), int(r["Crime_rank"]), int(r["Crime_decile"])
        )  # fmt: skip
        assert score == pytest.approx(float(r["IMD_score"]))
    raw19 = {r["lsoa11_code"]: r for r in _rows("imd/imd2019_england_lsoa11.csv.gz")}
    code, rank, housing = con.execute(
        "SELECT lsoa_code, imd_rank, housing_rank FROM ref_deprivation "
        "WHERE edition = 2019 AND lsoa_code = 'E01000001'"
    ).fetchone()
    assert (rank, housing) == (
        int(raw19[code]["IMD_rank"]),
        int(raw19[code]["Housing_and_Access_rank"]),
    )
    # Every IoD2025 LSOA is an English LSOA 2021.
    assert (
        con.execute(
            "SELECT count(*) FROM ref_deprivation d ANTI JOIN ref_lsoa21 r "
            "ON r.lsoa21_code = d.lsoa_code WHERE d.edition = 2025"
        ).fetchone()[0]
        == 0
    )


@needs_shared
def test_lsoa11_lsoa21_lookup_is_the_official_one(con):
    raw = {(r["lsoa11_code"], r["lsoa21_code"], r["change_code"]) for r in _rows(
        "lookups/lsoa11_lsoa21_lad22_ew.csv.gz")}  # fmt: skip
    got = set(
        con.execute(
            "SELECT lsoa11_code, lsoa21_code, change_code FROM ref_lsoa11_lsoa21"
        ).fetchall()
    )
    assert got == raw
    assert len(got) == 35_795


def test_boundaries_are_valid_bng_and_cover_every_lsoa(con):
    rows = con.execute("SELECT level, code, geometry FROM ref_boundaries").fetchall()
    by_level = Counter(r[0] for r in rows)
    assert by_level == {"lsoa": 35_672, "ward": 7_665, "lad": 318, "pfa": 43}
    geoms = shapely.from_wkb([r[2] for r in rows])
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    # British National Grid extent of England and Wales, in metres.
    assert xmin > 80_000 and xmax < 660_000 and ymin > 0 and ymax < 660_000
    coords = shapely.get_coordinates(geoms[:2000])
    assert np.array_equal(coords, np.round(coords))  # on the 1 m grid
    lsoa_codes = {r[1] for r in rows if r[0] == "lsoa"}
    assert lsoa_codes == {
        r[0] for r in con.execute("SELECT lsoa21_code FROM ref_lsoa21").fetchall()
    }


def test_area_and_centroid_agree_with_the_boundary(con):
    rows = con.execute(
        "SELECT r.area_km2, r.easting, r.northing, b.geometry FROM ref_lsoa21 r "
        "JOIN ref_boundaries b ON b.level = 'lsoa' AND b.code = r.lsoa21_code"
    ).fetchall()
    geoms = shapely.from_wkb([r[3] for r in rows])
    area = np.array([r[0] for r in rows])
    # The stored boundary is on a 1 m grid, the area was measured before rounding.
    assert np.allclose(shapely.area(geoms) / 1e6, area, rtol=0.03, atol=1e-3)
    centroids = shapely.centroid(geoms)
    assert np.abs(shapely.get_x(centroids) - np.array([r[1] for r in rows])).max() < 5
    assert np.abs(shapely.get_y(centroids) - np.array([r[2] for r in rows])).max() < 5
    # England and Wales is about 151,000 km² (BSC boundaries are clipped to the coastline).
    assert 150_000 < area.sum() < 152_500


# ------------------------------------------------------------------------------------------------
# Coordinates and point in LSOA
# ------------------------------------------------------------------------------------------------


def test_to_bng_matches_published_national_grid_references():
    # Historic England Register, Skegness Esplanade and Tower Gardens: lat 53.143358,
    # lon 0.3457365, NGR TF 56991 63260.
    e, n = geo.to_bng(np.array([0.3457365]), np.array([53.143358]))
    assert abs(e[0] - 556_991) < 10 and abs(n[0] - 363_260) < 10
    # Historic England listing 1197020, Tamworth Castle: lat 52.6326, lon -1.6969
    # (4 decimals, so ±6 m), OS easting 420613, northing 303913.
    e, n = geo.to_bng(np.array([-1.6969]), np.array([52.6326]))
    assert abs(e[0] - 420_613) < 10 and abs(n[0] - 303_913) < 10


def test_to_bng_is_vectorised_and_handles_missing_values():
    lon = np.array([-1.6969, np.nan, 0.3457365, -2.0])
    lat = np.array([52.6326, 52.0, 53.143358, np.nan])
    e, n = geo.to_bng(lon, lat)
    assert e.shape == (4,) and n.shape == (4,)
    assert np.isnan(e[[1, 3]]).all() and np.isnan(n[[1, 3]]).all()
    assert np.isfinite(e[[0, 2]]).all()
    back_lon, back_lat = geo.to_wgs84(e, n)
    assert np.allclose(back_lon[[0, 2]], lon[[0, 2]], atol=1e-7)
    assert np.allclose(back_lat[[0, 2]], lat[[0, 2]], atol=1e-7)
    assert geo.to_bng(np.array([]), np.array([]))[0].shape == (0,)


def test_locator_puts_tamworth_castle_in_tamworth_castle_ward(con, locator):
    e, n = geo.to_bng(np.array([-1.6969]), np.array([52.6326]))
    (code,) = locator.locate(e, n)
    ward, lad, csp = con.execute(
        "SELECT ward_name, lad_name, csp_code FROM ref_lsoa21 WHERE lsoa21_code = ?", [code]
    ).fetchone()
    # The listing gives "Electoral Ward/Division: Castle", district Tamworth.
    assert (ward, lad, csp) == ("Castle", "Tamworth", "E22000271")


def test_locator_places_every_lsoa_interior_point_in_that_lsoa(con, locator):
    rows = con.execute(
        "SELECT code, geometry FROM ref_boundaries WHERE level = 'lsoa' ORDER BY code"
    ).fetchall()
    codes = np.array([r[0] for r in rows], dtype=object)
    inside = shapely.point_on_surface(shapely.from_wkb([r[1] for r in rows]))
    got = locator.locate(shapely.get_x(inside), shapely.get_y(inside))
    assert (got == codes).all()
    # And the stored centroid of a compact LSOA (City of London 001A) falls in it.
    e, n = con.execute(
        "SELECT easting, northing FROM ref_lsoa21 WHERE lsoa21_code = 'E01000001'"
    ).fetchone()
    assert locator.locate(np.array([e]), np.array([n]))[0] == "E01000001"


def test_locator_outside_and_missing_points(locator):
    # The North Sea, NaN, and a point in Edinburgh (no LSOA).
    got = locator.locate(
        np.array([700_000.0, np.nan, 325_000.0]), np.array([300_000.0, 1.0, 673_000.0])
    )
    assert list(got) == [None, None, None]


def test_locator_with_candidates_chooses_the_containing_or_nearest(con, locator):
    rows = con.execute(
        "SELECT code, geometry FROM ref_boundaries WHERE level = 'lsoa' AND code IN "
        "(SELECT lsoa21_code FROM ref_lsoa21 WHERE lad_code = 'E07000199') ORDER BY code"
    ).fetchall()
    codes = [r[0] for r in rows]
    geoms = shapely.from_wkb([r[1] for r in rows])
    pts = shapely.point_on_surface(geoms)
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    # Containing candidate among several.
    got = locator.locate(x[:3], y[:3], candidates=[codes[:5]] * 3)
    assert list(got) == codes[:3]
    # Not containing: the nearest candidate, checked against shapely directly.
    others = codes[10:20]
    dists = shapely.distance(geoms[10:20], pts[0])
    got = locator.locate(x[:1], y[:1], candidates=[others])
    assert got[0] == others[int(np.argmin(dists))]
    # An empty candidate list means unrestricted.
    assert locator.locate(x[:1], y[:1], candidates=[[]])[0] == codes[0]


def test_locator_is_fast_for_100k_points(con, locator):
    import time

    e, n = con.execute("SELECT list(easting), list(northing) FROM ref_lsoa21").fetchone()
    rng = np.random.default_rng(7)
    idx = rng.integers(0, len(e), 100_000)
    x = np.asarray(e)[idx] + rng.normal(0, 150, idx.size)
    y = np.asarray(n)[idx] + rng.normal(0, 150, idx.size)
    t = time.perf_counter()
    got = locator.locate(x, y)
    assert time.perf_counter() - t < 10
    assert sum(c is not None for c in got) > 99_000


# ------------------------------------------------------------------------------------------------
# Names and codes
# ------------------------------------------------------------------------------------------------


def test_resolve_area_by_code_and_name(con):
    assert geo.resolve_area(con, "Tamworth") == ("csp", "E22000271", "Tamworth")
    assert geo.resolve_area(con, "  TAMWORTH ") == ("csp", "E22000271", "Tamworth")
    assert geo.resolve_area(con, "e22000271") == ("csp", "E22000271", "Tamworth")
    assert geo.resolve_area(con, "E07000199") == ("lad", "E07000199", "Tamworth")
    assert geo.resolve_area(con, "lad:Tamworth") == ("lad", "E07000199", "Tamworth")
    # "Staffordshire" is the county (its 8 districts); the force area is asked for by level.
    assert geo.resolve_area(con, "Staffordshire") == ("county", "E10000028", "Staffordshire")
    assert geo.resolve_area(con, "pfa:Staffordshire") == ("pfa", "E23000015", "Staffordshire")
    assert geo.resolve_area(con, "Devon and Cornwall") == ("pfa", "E23000035", "Devon & Cornwall")
    assert geo.resolve_area(con, "Buckinghamshire") == ("lad", "E06000060", "Buckinghamshire")
    assert geo.resolve_area(con, "Tamworth 002A") == ("lsoa", "E01029835", "Tamworth 002A")


def test_resolve_area_unknown_lists_five_closest(con):
    with pytest.raises(geo.AreaNotFoundError) as err:
        geo.resolve_area(con, "Tamwort")
    assert len(err.value.suggestions) == 5
    assert err.value.suggestions[0] == ("csp", "E22000271", "Tamworth")
    assert "Tamworth" in str(err.value)
    with pytest.raises(geo.AreaNotFoundError) as err:
        geo.resolve_area(con, "E2200027")
    assert ("csp", "E22000270", "Stoke-on-Trent") in err.value.suggestions


def test_resolve_area_shared_ward_name_is_ambiguous(con):
    with pytest.raises(geo.AmbiguousAreaError) as err:
        geo.resolve_area(con, "Castle")
    assert len(err.value.matches) > 1
    assert all(m[0] == "ward" for m in err.value.matches)


# ------------------------------------------------------------------------------------------------
# Loading: idempotent, atomic, newer files
# ------------------------------------------------------------------------------------------------


def test_loading_twice_is_idempotent():
    c = _new_con()
    first = geo.load_geography(c)
    before = _snapshot(c)
    second = geo.load_geography(c)
    after = _snapshot(c)
    assert before == after
    assert first["tables"] == second["tables"]
    sources = {r[0] for r in before["src"]}
    assert {"lsoa21_ward_lad", "lad_csp_pfa", "imd2019", "imd2025", "boundaries_lsoa21"} <= sources
    licence, attribution = c.execute(
        "SELECT licence, attribution FROM ref_sources WHERE dataset = 'imd2019'"
    ).fetchone()
    assert "CC BY 4.0" in licence and "Open Government Licence v3.0" in attribution


def _write_csv(path: Path, header: list[str], rows: list[list], gz: bool = False) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    data = ("\ufeff" + buf.getvalue()).encode()
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def test_unrecognised_file_names_the_file_and_the_expected_columns(tmp_path):
    c = _new_con()
    geo.load_geography(c)
    before = _snapshot(c)
    bad = _write_csv(tmp_path / "mystery.csv", ["area", "value"], [["E01000001", 1]])
    with pytest.raises(geo.GeographyError) as err:
        geo.load_geography(c, [bad])
    assert "mystery.csv" in str(err.value)
    assert "LSOA21CD" in str(err.value) and "CSP24CD" in str(err.value)
    assert _snapshot(c) == before


@needs_shared
def test_bad_newer_lookup_leaves_the_previous_data(tmp_path):
    c = _new_con()
    geo.load_geography(c)
    before = _snapshot(c)
    # An ONS-style LSOA → ward → LAD lookup naming a LAD the CSP lookup does not know.
    rows = _rows("lookups/lsoa21_ward24_lad24_ew.csv.gz")
    out = [[r["lsoa21_code"], r["lsoa21_name"], r["ward24_code"], r["ward24_name"],
            r["ltla24_code"], r["ltla24_name"]] for r in rows]  # fmt: skip
    out[0][4] = "E06999999"
    bad = _write_csv(
        tmp_path / "LSOA21_WD25_LAD25_EW_LU.csv",
        ["LSOA21CD", "LSOA21NM", "WD25CD", "WD25NM", "LAD25CD", "LAD25NM"],
        out,
    )
    with pytest.raises(geo.GeographyError, match="E06999999"):
        geo.load_geography(c, [bad])
    assert _snapshot(c) == before


def test_failure_during_the_write_rolls_everything_back():
    c = _new_con()
    geo.load_geography(c)
    before = _snapshot(c)

    def explode(message: str) -> None:
        # ref_lsoa21 has been replaced inside the transaction by the time this is said.
        if message.startswith("ref_deprivation"):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        geo.load_geography(c, progress=explode)
    assert _snapshot(c) == before
    # The connection is usable afterwards (no transaction left open).
    geo.load_geography(c)
    assert _snapshot(c) == before


@needs_shared
def test_newer_ons_files_replace_their_part(tmp_path):
    c = _new_con()
    geo.load_geography(c)
    before = _snapshot(c)
    # ONS-style LSOA → ward (2025) → LAD (2025) lookup with one ward renamed.
    rows = _rows("lookups/lsoa21_ward24_lad24_ew.csv.gz")
    out = [[r["lsoa21_code"], r["lsoa21_name"], r["ward24_code"], r["ward24_name"],
            r["ltla24_code"], r["ltla24_name"]] for r in rows]  # fmt: skip
    target = next(o for o in out if o[0] == "E01029835")
    target[3] = "Castle and Town"
    ward_file = _write_csv(
        tmp_path / "LSOA21_WD25_LAD25_EW_LU.csv.gz",
        ["LSOA21CD", "LSOA21NM", "WD25CD", "WD25NM", "LAD25CD", "LAD25NM"],
        out,
        gz=True,
    )
    # Census 2021 TS001 layout (bulk download) with one value changed.
    pops = _rows("population/census2021_usual_residents_lsoa21.csv")
    ts001 = [["2021", r["lsoa21_code"], r["lsoa21_code"], r["usual_residents_census2021"], 0, 0]
             for r in pops]  # fmt: skip
    next(t for t in ts001 if t[1] == "E01029835")[3] = "1700"
    pop_file = _write_csv(
        tmp_path / "census2021-ts001-lsoa.csv",
        ["date", "geography", "geography code", "Residence type: Total; measures: Value",
         "Residence type: Lives in a household; measures: Value",
         "Residence type: Lives in a communal establishment; measures: Value"],
        ts001,
    )  # fmt: skip
    # ONS-style LAD → CSP → PFA lookup, same content: the CSPs must come out the same.
    lad = _rows("lookups/lad24_csp24_pfa24_ew.csv")
    lad_file = _write_csv(
        tmp_path / "LAD24_CSP24_PFA24_EW_LU.csv",
        ["LAD24CD", "LAD24NM", "CSP24CD", "CSP24NM", "PFA24CD", "PFA24NM", "ObjectId"],
        [[r["ltla24_code"], r["ltla24_name"], r["csp24_code"], r["csp24_name"],
          r["pfa24_code"], r["pfa24_name"], i] for i, r in enumerate(lad)],
    )  # fmt: skip
    summary = geo.load_geography(c, [ward_file, pop_file, lad_file])
    assert {o["kind"] for o in summary["overrides"]} == {
        "lsoa21_ward_lad", "census2021_population", "lad_csp_pfa",
    }  # fmt: skip
    ward, population = c.execute(
        "SELECT ward_name, population FROM ref_lsoa21 WHERE lsoa21_code = 'E01029835'"
    ).fetchone()
    assert (ward, population) == ("Castle and Town", 1700)
    after = _snapshot(c)
    changed = [(a, b) for a, b in zip(before["lsoa21"], after["lsoa21"], strict=True) if a != b]
    assert len(changed) == 1
    src = {r[0]: r for r in after["src"]}
    assert src["census2021_population"][2] == str(pop_file)
    assert src["census2021_population"][3] == hashlib.sha256(pop_file.read_bytes()).hexdigest()
    assert "2025" in src["lsoa21_ward_lad"][1]
    # Reloading the bundled data restores it exactly.
    geo.load_geography(c)
    assert _snapshot(c)["lsoa21"] == before["lsoa21"]


def test_imd_file7_layout_is_recognised(tmp_path):
    header = [
        "LSOA code (2021)", "LSOA name (2021)", "Local Authority District code (2024)",
        "Index of Multiple Deprivation (IMD) Score",
        "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
        "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)",
        "Income Score (rate)", "Income Rank (where 1 is most deprived)",
        "Income Deprivation Affecting Children Index (IDACI) Score (rate)",
        "Crime Score", "Crime Rank (where 1 is most deprived)",
        "Crime Decile (where 1 is most deprived 10% of LSOAs)",
        "Barriers to Housing and Services Rank (where 1 is most deprived)",
    ]  # fmt: skip
    path = _write_csv(
        tmp_path / "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv",
        header,
        [["E01000001", "City of London 001A", "E09000001", "8.742", "26,525", "8", "0.013",
          "33730", "0.02", "-2.22", "33698", "10", "29220"]],
    )  # fmt: skip
    ref = geo.read_reference_file(path)
    assert (ref.kind, ref.dataset) == ("imd", "imd2025")
    (row,) = ref.table.to_pylist()
    assert row["lsoa_vintage"] == 2021 and row["imd_rank"] == 26_525
    assert row["income_score"] == 0.013 and row["crime_decile"] == 10
    assert row["housing_rank"] == 29_220 and row["education_rank"] is None


# ------------------------------------------------------------------------------------------------
# The build
# ------------------------------------------------------------------------------------------------


@needs_shared
@pytest.mark.slow
def test_build_is_reproducible_and_matches_the_shipped_files(tmp_path):
    import pyarrow.parquet as pq

    # Two independent builds, side by side.
    builds = [
        subprocess.Popen(
            [
                sys.executable,
                str(REPO / "scripts" / "build_reference.py"),
                "--source",
                str(SHARED),
                "--out",
                str(tmp_path / out),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for out in ("a", "b")
    ]
    for b in builds:
        _, err = b.communicate(timeout=600)
        assert b.returncode == 0, err
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert "lsoa21.parquet" in names and "SOURCES.md" in names
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    shipped = geo.bundled_data_dir()
    for name in names:
        if name.endswith(".parquet"):
            assert pq.read_table(tmp_path / "a" / name).equals(pq.read_table(shipped / name)), (
                f"{name} differs from the shipped copy: run `make reference`"
            )
    total = sum((shipped / n).stat().st_size for n in names)
    assert total < 15_000_000
