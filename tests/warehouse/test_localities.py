"""User-defined localities on the real geography.

Expected memberships come from the shared ONS files (the LSOA → ward lookup and the
Staffordshire LSOA boundaries), read here with the csv/json modules, not from the code under
test.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import shutil
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", "/work/shared/data"))
BOUNDARIES = SHARED / "boundaries" / "lsoa21_staffordshire_pfa_bsc.geojson"
LOOKUP = SHARED / "lookups" / "lsoa21_ward24_lad24_ew.csv.gz"

pytestmark = pytest.mark.skipif(not BOUNDARIES.is_file(), reason=f"real data not found at {SHARED}")

# East Staffordshire wards: "Burton & Eton" and "Town" (the town centre).
BURTON = "E05014478"
TOWN = "E05014487"


def _ward_lsoas(ward: str) -> list[str]:
    with gzip.open(LOOKUP, "rt", newline="") as fh:
        return sorted(r["lsoa21_code"] for r in csv.DictReader(fh) if r["ward24_code"] == ward)


@pytest.fixture(scope="module")
def geo_template(tmp_path_factory) -> Path:
    geo = pytest.importorskip("saferplaces.warehouse.geography")
    from saferplaces.warehouse.store import connect

    path = tmp_path_factory.mktemp("geo") / "template.duckdb"
    con = connect(path)
    geo.load_geography(con)
    con.close()
    return path


@pytest.fixture
def con(geo_template, tmp_path):
    from saferplaces.warehouse.store import connect

    path = tmp_path / "warehouse.duckdb"
    shutil.copy(geo_template, path)
    c = connect(path)
    yield c
    c.close()


def test_add_from_wards_and_lsoas_is_an_area_everywhere(con):
    from saferplaces.warehouse.geography import resolve_area
    from saferplaces.warehouse.inventory import list_areas
    from saferplaces.warehouse.localities import add_locality

    extra = _ward_lsoas("E05014555")[0]  # one LSOA of Abbey Hulton (Stoke-on-Trent)
    loc = add_locality(con, "Burton Town & Uxbridge", wards=[BURTON, TOWN], lsoas=[extra],
                       description="Priority locality 2025-28")  # fmt: skip
    expected = sorted({*_ward_lsoas(BURTON), *_ward_lsoas(TOWN), extra})
    assert loc.code == "LOC:burton-town-uxbridge" and loc.lsoas == expected
    assert resolve_area(con, "Burton Town & Uxbridge") == (
        "locality",
        "LOC:burton-town-uxbridge",
        "Burton Town & Uxbridge",
    )
    assert resolve_area(con, "loc:burton-town-uxbridge")[1] == "LOC:burton-town-uxbridge"
    members = [r[0] for r in con.execute(
        "SELECT lsoa21_code FROM area_lsoas WHERE code = 'LOC:burton-town-uxbridge' ORDER BY 1"
    ).fetchall()]  # fmt: skip
    assert members == expected
    (area,) = list_areas(con, "locality")
    population = con.execute(
        "SELECT sum(population) FROM ref_lsoa21 WHERE lsoa21_code IN (SELECT unnest(?))",
        [expected],
    ).fetchone()[0]
    assert area["population"] == population and area["lsoa_count"] == len(expected)
    assert area["lad_code"] is None  # spans East Staffordshire and Stoke-on-Trent
    # Localities inside another area are found by `areas --within`.
    assert [a["code"] for a in list_areas(con, "locality", within="pfa:Staffordshire")] == [loc.code]


def test_names_clash_and_bad_codes_are_refused_with_the_reason(con):
    from saferplaces.warehouse.localities import LocalityError, add_locality, remove_locality

    add_locality(con, "Burton", wards=[BURTON])
    with pytest.raises(LocalityError, match="already exists"):
        add_locality(con, "burton", wards=[TOWN])
    assert add_locality(con, "Burton", wards=[TOWN], replace=True).lsoas == _ward_lsoas(TOWN)
    with pytest.raises(LocalityError, match="E01999999 is not an LSOA 2021 code"):
        add_locality(con, "Nowhere", lsoas=["E01999999"])
    with pytest.raises(LocalityError, match="is a 2011 LSOA code"):
        # A 2011 code that is not also a 2021 code, found from the official lookup.
        old = con.execute(
            "SELECT lsoa11_code FROM ref_lsoa11_lsoa21 WHERE lsoa11_code NOT IN "
            "(SELECT lsoa21_code FROM ref_lsoa21) LIMIT 1"
        ).fetchone()[0]
        add_locality(con, "Old", lsoas=[old])
    with pytest.raises(LocalityError, match="E05999999 is not a ward code"):
        add_locality(con, "Nowhere", wards=["E05999999"])
    with pytest.raises(LocalityError, match="at least one"):
        add_locality(con, "Empty")
    assert remove_locality(con, "LOC:burton") == "LOC:burton"
    with pytest.raises(LocalityError, match="No locality called 'Burton'"):
        remove_locality(con, "Burton")
    assert con.execute("SELECT count(*) FROM locality_members").fetchone()[0] == 0


def test_csv_file_of_lsoas_and_wards(con, tmp_path):
    from saferplaces.warehouse.localities import LocalityError, list_localities, load_localities

    lsoas = _ward_lsoas("E05014555")
    path = tmp_path / "localities.csv"
    path.write_text(
        "locality,code,description\n"
        f"Burton Town,{BURTON},Town centre\n"
        f"Burton Town,{TOWN},\n" + "".join(f"Abbey Hulton,{c},\n" for c in lsoas)
    )
    locs = load_localities(con, path)
    assert [(loc.name, loc.lsoas) for loc in locs] == [
        ("Burton Town", sorted({*_ward_lsoas(BURTON), *_ward_lsoas(TOWN)})),
        ("Abbey Hulton", lsoas),
    ]
    listed = {r["name"]: r for r in list_localities(con)}
    assert listed["Burton Town"]["description"] == "Town centre"
    assert listed["Abbey Hulton"]["districts"] == "Stoke-on-Trent"

    bad = tmp_path / "bad.csv"
    bad.write_text(f"locality,code\nA,{BURTON}\nB,E01999999\n")
    with pytest.raises(LocalityError, match=r"bad.csv: line 3, code: .*E01999999"):
        load_localities(con, bad, replace=True)
    bad.write_text("name,lsoa\nA,E01014210\n")
    with pytest.raises(LocalityError, match=r"line 1: the header must name"):
        load_localities(con, bad)
    bad.write_text("locality,code\nA,Tamworth\n")
    with pytest.raises(LocalityError, match=r"line 2, code: 'TAMWORTH' is neither"):
        load_localities(con, bad)
    # A failed file changes nothing.
    assert len(list_localities(con)) == 2


def test_geojson_polygons_take_the_lsoas_whose_centroid_is_inside(con, tmp_path):
    import shapely
    from shapely.geometry import mapping, shape

    from saferplaces.warehouse.localities import LocalityError, load_localities

    doc = json.loads(BOUNDARIES.read_text())
    wanted = {BURTON, TOWN}
    parts = [shape(f["geometry"]) for f in doc["features"]
             if f["properties"]["ward24_code"] in wanted]  # fmt: skip
    expected = sorted(f["properties"]["lsoa21_code"] for f in doc["features"]
                      if f["properties"]["ward24_code"] in wanted)  # fmt: skip
    polygon = shapely.union_all(parts)
    path = tmp_path / "localities.geojson"
    path.write_text(json.dumps({
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"name": "Burton Town & Uxbridge"},
                      "geometry": mapping(polygon)}],
    }))  # fmt: skip
    (loc,) = load_localities(con, path)
    assert loc.lsoas == expected

    # British National Grid coordinates without a crs member are refused with the reason.
    bng = tmp_path / "bng.geojson"
    bng.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "X"},
        "geometry": {"type": "Polygon", "coordinates": [[[420000, 300000], [430000, 300000],
                                                         [430000, 310000], [420000, 300000]]]}}]}))  # fmt: skip
    with pytest.raises(LocalityError, match="not longitude/latitude"):
        load_localities(con, bng)
    sea = tmp_path / "sea.geojson"
    sea.write_text(json.dumps({"type": "Feature", "properties": {"name": "Sea"}, "geometry": {
        "type": "Polygon", "coordinates": [[[-30, 40], [-29, 40], [-29, 41], [-30, 40]]]}}))  # fmt: skip
    with pytest.raises(LocalityError, match="no LSOA centroid falls inside"):
        load_localities(con, sea)
    unnamed = tmp_path / "unnamed.geojson"
    unnamed.write_text(
        json.dumps({"type": "Feature", "properties": {}, "geometry": mapping(polygon)})
    )
    with pytest.raises(LocalityError, match="feature 1: no 'name'"):
        load_localities(con, unnamed)
