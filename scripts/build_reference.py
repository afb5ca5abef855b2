#!/usr/bin/env python3
"""Build the reference data shipped in ``src/saferplaces/data`` from the real open-data files.

    python scripts/build_reference.py --source ../shared/data --out src/saferplaces/data

Reads the ONS / MHCLG files in ``--source`` (layout and provenance: ``shared/data/SOURCES.md``)
and writes compact zstd Parquet files plus ``SOURCES.md`` (attribution, licences, rows and the
SHA-256 of every input). The output is reproducible: the same inputs and library versions give
byte-identical files (no timestamps, sorted rows, fixed Parquet options, a pinned coordinate
transformation).

Outputs
    lsoa21.parquet              one row per LSOA 2021 in England and Wales (35,672) with every
                                ``ref_lsoa21`` column
    lad_csp_pfa.parquet         the LAD → CSP → PFA lookup it was built from
    lad_cty.parquet             two-tier districts and their county (ONS LAD → county, 2024)
    lsoa11_lsoa21.parquet       LSOA 2011 → 2021 (lsoa11_code, lsoa11_name, change_code, lsoa21_code)
    deprivation.parquet         IoD 2019 (LSOA 2011) and IoD 2025 (LSOA 2021), long by edition
    boundaries_*.parquet        LSOA 2021 BSC, wards 2022, LAD 2024 BUC, PFA 2020; WKB in British
                                National Grid, coordinates on a 1 m grid, valid geometries
    population_mid2020_lsoa11.parquet   ONS mid-2020 population by LSOA 2011 (not loaded yet)

CSP of each LSOA (ONS publishes no LSOA → CSP lookup)
    ``lookups/lad24_csp24_pfa24_ew.csv`` maps LAD → CSP → PFA. A LAD with one CSP gives it to all
    its LSOAs (``csp_method = 'lad'``). Some unitary LADs hold several CSPs named after the
    districts they replaced (Buckinghamshire → Aylesbury Vale, Chiltern, South Bucks, Wycombe;
    BCP → Bournemouth, Poole, Dorset; North and West Northamptonshire; Cumberland; Westmorland
    and Furness; East Suffolk → Suffolk Coastal, Waveney). For those, each LSOA 2021's parent
    LSOA 2011 comes from ``lookups/lsoa11_lsoa21_lad22_ew.csv.gz``; the LSOA 2011 *name*
    ("Wycombe 012C") gives the former district, which is matched to the LAD's CSP of that name,
    else to the one CSP whose name contains it ("Daventry" → "Daventry and South
    Northamptonshire"); if exactly one CSP of the LAD is left unmatched, the unmatched districts
    go to it (Christchurch → "Dorset"). An LSOA 2021 with several LSOA 2011 parents takes the
    majority district (ties: the lowest LSOA 2011 code). ``csp_method = 'former-district'``.
    The build fails if any LSOA ends without a CSP. The rule lives in
    ``saferplaces.warehouse.geography.assign_csp`` so that loading newer lookups applies the same.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from saferplaces.warehouse import geography as geo

HUMANIVERSE_GEOGRAPHR = "humaniverse/geographr @ c026be5cc76cb576358082b53f1f13d69ab577ae"
HUMANIVERSE_IMD = "humaniverse/IMD @ 2f6c9050afee99a40041eb63b02b6b0c58850704"
HUMANIVERSE_DEMOGRAPHR = "humaniverse/demographr @ d0417101e5cad5fe1eca059ac60859e9157a29d2"
MYSOCIETY_IMD = "mysociety/composite_uk_imd @ af4866b06fe603b65beced39ec120b5217b1b754"
ONS = "Office for National Statistics"
MHCLG = "Ministry of Housing, Communities and Local Government"

# dataset -> (input file, ONS/MHCLG product, origin of the copy, publisher, expected kind)
INPUTS: dict[str, dict] = {
    "lsoa21_ward_lad": {
        "file": "lookups/lsoa21_ward24_lad24_ew.csv.gz",
        "title": "LSOA (2021) to Electoral Ward (2024) to LAD (2024) Best Fit Lookup in EW "
        "(LSOA21_WD24_LAD24_EW_LU)",
        "origin": HUMANIVERSE_GEOGRAPHR,
        "publisher": ONS,
    },
    "lad_csp_pfa": {
        "file": "lookups/lad24_csp24_pfa24_ew.csv",
        "title": "LAD (December 2024) to Community Safety Partnership to Police Force Area "
        "Lookup in EW (LAD24_CSP24_PFA24_EW_LU)",
        "origin": HUMANIVERSE_GEOGRAPHR,
        "publisher": ONS,
    },
    "lad_cty": {
        "file": "lookups/lad24_cty24_en.csv",
        "title": "Local Authority District to County (April 2024) Lookup in EN (LAD24_CTY24_EN_LU)",
        "origin": "tompickup23/ukdemographics @ 9a560169e38cb4cb862d51fd4640ca4ce69cff71 "
        "(src/data/lookups/district-to-utla.json, from the ONS Open Geography Portal)",
        "publisher": ONS,
    },
    "lsoa11_lsoa21": {
        "file": "lookups/lsoa11_lsoa21_lad22_ew.csv.gz",
        "title": "LSOA (2011) to LSOA (2021) to LAD (2022) Lookup in EW (LSOA11_LSOA21_LAD22_EW_LU)",
        "origin": HUMANIVERSE_GEOGRAPHR,
        "publisher": ONS,
    },
    "ruc21": {
        "file": "lookups/lsoa21_ruc21_ew.csv.gz",
        "title": "Rural Urban Classification (2021) of LSOAs in EW",
        "origin": HUMANIVERSE_GEOGRAPHR,
        "publisher": ONS,
    },
    "census2021_population": {
        "file": "population/census2021_usual_residents_lsoa21.csv",
        "title": "Census 2021 usual residents by LSOA (2021), total of table TS021",
        "origin": HUMANIVERSE_DEMOGRAPHR,
        "publisher": ONS,
    },
    "imd2025": {
        "file": "imd/imd2025_england_lsoa21.csv.gz",
        "title": "English Indices of Deprivation 2025, File 7 (ranks, scores, deciles), LSOA (2021)",
        "origin": HUMANIVERSE_IMD,
        "publisher": MHCLG,
    },
    "imd2019": {
        "file": "imd/imd2019_england_lsoa11.csv.gz",
        "title": "English Indices of Deprivation 2019, File 7 ranks and deciles, LSOA (2011); "
        "IMD, income and employment scores from mySociety's composite UK IMD",
        "origin": f"{HUMANIVERSE_IMD} (ranks, deciles); {MYSOCIETY_IMD} (scores)",
        "publisher": f"{MHCLG}; mySociety (score columns)",
        "licence": f"{geo.OGL}; IMD_score, Income_score_pct, Employment_score_pct: CC BY 4.0 "
        "(mySociety, derived from OGL data)",
        "attribution": geo.OGL_ATTRIBUTION + " IMD 2019 scores © mySociety, CC BY 4.0.",
    },
    "boundaries_lsoa21": {
        "file": "boundaries/lsoa21_ew_bsc.geojson.gz",
        "title": "Lower layer Super Output Areas (December 2021) Boundaries EW BSC V4",
        "origin": HUMANIVERSE_GEOGRAPHR,
        "publisher": ONS,
        "year": 2021,
        "level": "lsoa",
        "vintage": "LSOA 2021 BSC",
        "props": ("lsoa21_code", "lsoa21_name"),
    },
    "boundaries_ward": {
        "file": "boundaries/wards22_uk_bsc_simplified.geojson.gz",
        "title": "Wards (December 2022) Boundaries UK BSC, further simplified by the package "
        "(ms_simplify keep = 0.605); England and Wales kept",
        "origin": HUMANIVERSE_GEOGRAPHR,
        "publisher": ONS,
        "year": 2022,
        "level": "ward",
        "vintage": "Wards 2022 BSC (simplified)",
        "props": ("ward22_code", "ward22_name"),
    },
    "boundaries_lad": {
        "file": "boundaries/lad24_uk_buc.geojson.gz",
        "title": "Local Authority Districts (May 2024) Boundaries UK BUC; England and Wales kept",
        "origin": HUMANIVERSE_GEOGRAPHR,
        "publisher": ONS,
        "year": 2024,
        "level": "lad",
        "vintage": "LAD 2024 BUC",
        "props": ("ltla24_code", "ltla24_name"),
    },
    "boundaries_pfa": {
        "file": "boundaries/pfa20_ew.geojson",
        "title": "Police Force Areas (December 2020) Boundaries EW",
        "origin": HUMANIVERSE_GEOGRAPHR,
        "publisher": ONS,
        "year": 2020,
        "level": "pfa",
        "vintage": "PFA 2020",
        "props": ("pfa20_code", "pfa20_name"),
    },
    "population_mid2020_lsoa11": {
        "file": "population/mid2020_population_lsoa11_sya.csv.gz",
        "title": "Lower layer Super Output Area population estimates, mid-2020 (SAPE23DT2), "
        "persons, total only",
        "origin": HUMANIVERSE_DEMOGRAPHR,
        "publisher": ONS,
    },
}

EXPECTED_LSOA21 = 35_672
EXPECTED_COUNTIES = (164, 21)  # districts, counties
HAND_MARKER = "<!-- Everything below this line is kept as is by build_reference.py. -->"
PARQUET_OPTIONS = {
    "compression": "zstd",
    # Level 19 saves 1.5% for three times the build time.
    "compression_level": 9,
    "use_dictionary": True,
    "write_statistics": True,
    "row_group_size": 1 << 20,
    "data_page_version": "2.0",
}


def fail(message: str) -> None:
    print(f"build_reference: {message}", file=sys.stderr)
    raise SystemExit(1)


def source_record(dataset: str, source: Path, rows: int, rows_in: int | None = None) -> dict:
    spec = INPUTS[dataset]
    attribution = spec.get("attribution", geo.OGL_ATTRIBUTION)
    if "year" in spec:
        attribution += " " + geo.OS_ATTRIBUTION.format(year=spec["year"])
    return {
        "dataset": dataset,
        "title": spec["title"],
        "publisher": spec["publisher"],
        "licence": spec.get("licence", geo.OGL),
        "attribution": attribution,
        "file_name": spec["file"],
        "sha256": geo.sha256_file(source / spec["file"]),
        "rows": rows,
        "rows_in": rows if rows_in is None else rows_in,
        "origin": spec["origin"],
    }


def write_parquet(table: pa.Table, path: Path, kind: str, sources: list[dict], notes: dict) -> None:
    meta = {"kind": kind, "sources": sources, "notes": notes}
    table = table.replace_schema_metadata(
        {geo.METADATA_KEY: json.dumps(meta, sort_keys=True, ensure_ascii=False).encode()}
    )
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp, **PARQUET_OPTIONS)
    tmp.replace(path)


# ------------------------------------------------------------------------------------------------
# Boundaries
# ------------------------------------------------------------------------------------------------


def read_geojson(
    path: Path, code_prop: str, name_prop: str
) -> tuple[list[str], list[str], np.ndarray]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    feats = data["features"]
    codes = [f["properties"][code_prop] for f in feats]
    names = [f["properties"][name_prop] for f in feats]
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in feats])
    return codes, names, geoms


def _polygonal(g):
    parts = [p for p in shapely.get_parts(g) if shapely.get_type_id(p) in (3, 6)]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def to_grid(geoms_bng: np.ndarray, what: str) -> tuple[np.ndarray, int]:
    """Coordinates on a 1 m grid, keeping every geometry valid and polygonal."""
    # GEOS's precision reducer snaps to the grid and repairs what snapping breaks.
    out = shapely.set_precision(geoms_bng, 1.0)
    repaired = 0
    bad = np.flatnonzero(~shapely.is_valid(out) | ~np.isin(shapely.get_type_id(out), [3, 6]))
    for i in bad:
        out[i] = _polygonal(shapely.make_valid(out[i]))
        repaired += 1
    empty = np.flatnonzero(shapely.is_empty(out) | ~shapely.is_valid(out))
    if empty.size:
        fail(f"{what}: {empty.size} geometries are empty or invalid after rounding to 1 m")
    return out, repaired


def boundary_table(source: Path, dataset: str, keep_prefixes: tuple[str, ...] = ("E", "W")):
    spec = INPUTS[dataset]
    codes, names, geoms = read_geojson(source / spec["file"], *spec["props"])
    geoms_in = geoms
    keep = [i for i, c in enumerate(codes) if c.startswith(keep_prefixes)]
    # A code split over several features (one 2022 ward is) becomes one geometry.
    parts: dict[str, list[int]] = defaultdict(list)
    for i in keep:
        parts[codes[i]].append(i)
    merged = sorted(c for c, ix in parts.items() if len(ix) > 1)
    names = [names[ix[0]] for ix in parts.values()]
    geoms = np.array(
        [geoms[ix[0]] if len(ix) == 1 else shapely.union_all(geoms[ix]) for ix in parts.values()],
        dtype=object,
    )
    codes = list(parts)
    exact = geo.project_to_bng(geoms)
    rounded, repaired = to_grid(exact, spec["file"])
    order = np.argsort(np.asarray(codes))
    table = pa.table(
        {
            "level": pa.array([spec["level"]] * len(codes), pa.string()),
            "code": pa.array([codes[i] for i in order], pa.string()),
            "name": pa.array([names[i] for i in order], pa.string()),
            "vintage": pa.array([spec["vintage"]] * len(codes), pa.string()),
            "geometry": pa.array(
                list(shapely.to_wkb(rounded[order], output_dimension=2, byte_order=1)), pa.binary()
            ),
        }
    )
    return table, exact[order], {"repaired": repaired, "merged": merged, "features": len(geoms_in)}


# ------------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, required=True, help="the shared/data folder")
    ap.add_argument("--out", type=Path, required=True, help="where to write (src/saferplaces/data)")
    args = ap.parse_args(argv)
    source: Path = args.source
    out: Path = args.out
    missing = [s["file"] for s in INPUTS.values() if not (source / s["file"]).is_file()]
    if missing:
        fail(f"missing inputs in {source}: {', '.join(missing)}")
    out.mkdir(parents=True, exist_ok=True)

    # Lookups, classification, population, deprivation: through the same reader the loader uses,
    # so the humaniverse column names are recognised exactly as a user's newer file would be.
    refs: dict[str, geo.ReferenceFile] = {}
    for dataset in ("lsoa21_ward_lad", "lad_csp_pfa", "lad_cty", "lsoa11_lsoa21", "ruc21",
                    "census2021_population", "imd2025", "imd2019"):  # fmt: skip
        ref = geo.read_reference_file(source / INPUTS[dataset]["file"])
        if ref.dataset != dataset:
            fail(f"{INPUTS[dataset]['file']} was read as {ref.dataset}, expected {dataset}")
        refs[dataset] = ref
        print(f"read {INPUTS[dataset]['file']}: {ref.rows:,} rows ({ref.dataset})")

    # LSOA boundaries give area and centroid (from the exact projected shape, before rounding).
    b_lsoa, exact_lsoa, rep_lsoa = boundary_table(source, "boundaries_lsoa21")
    centroids = shapely.centroid(exact_lsoa)
    shape = pa.table(
        {
            "lsoa21_code": b_lsoa["code"],
            "area_km2": pa.array(np.round(shapely.area(exact_lsoa) / 1e6, 6)),
            "easting": pa.array(np.round(shapely.get_x(centroids))),
            "northing": pa.array(np.round(shapely.get_y(centroids))),
        }
    )
    lsoa21, report = geo.build_lsoa21_table(
        refs["lsoa21_ward_lad"].table,
        refs["lad_csp_pfa"].table,
        refs["lsoa11_lsoa21"].table,
        refs["ruc21"].table,
        refs["census2021_population"].table,
        shape,
    )
    if lsoa21.num_rows != EXPECTED_LSOA21:
        fail(f"{lsoa21.num_rows} LSOAs, expected {EXPECTED_LSOA21}")
    for col in ("csp_code", "pfa_code", "lad_code", "ward_code", "population", "ruc21_code"):
        if lsoa21[col].null_count:
            fail(f"{lsoa21[col].null_count} LSOAs have no {col}")

    pop = dict(
        zip(lsoa21["lsoa21_code"].to_pylist(), lsoa21["population"].to_pylist(), strict=True)
    )
    # Two-tier districts and their county; checked against the LADs of the LSOA table.
    lad_cty = geo.county_table(refs["lad_cty"].table, lsoa21, source / INPUTS["lad_cty"]["file"])
    counts = (lad_cty.num_rows, len(set(lad_cty["cty_code"].to_pylist())))
    if counts != EXPECTED_COUNTIES:
        fail(f"{counts[0]} districts in {counts[1]} counties, expected {EXPECTED_COUNTIES}")
    if any(not c.startswith("E07") for c in lad_cty["lad_code"].to_pylist()):
        fail("the LAD → county lookup lists districts that are not non-metropolitan (E07)")
    summary_lines = print_csp_summary(report, pop)

    b_ward, _, rep_ward = boundary_table(source, "boundaries_ward")
    b_lad, _, rep_lad = boundary_table(source, "boundaries_lad")
    b_pfa, _, rep_pfa = boundary_table(source, "boundaries_pfa")
    lad_codes = set(lsoa21["lad_code"].to_pylist())
    if set(b_lad["code"].to_pylist()) != lad_codes:
        fail("the LAD boundaries do not match the LADs of the LSOA lookup")
    if set(b_pfa["code"].to_pylist()) != set(lsoa21["pfa_code"].to_pylist()):
        fail("the PFA boundaries do not match the PFAs of the LAD → CSP → PFA lookup")
    ward_polys = set(b_ward["code"].to_pylist())
    wards24 = set(lsoa21["ward_code"].to_pylist())
    staffs = {w for w, p in zip(lsoa21["ward_code"].to_pylist(), lsoa21["pfa_code"].to_pylist(), strict=True)
              if p == "E23000015"}  # fmt: skip
    ward_note = {
        "ward_2024_codes": len(wards24),
        "ward_2024_codes_with_2022_polygon": len(wards24 & ward_polys),
        "staffordshire_pfa_ward_2024_codes": len(staffs),
        "staffordshire_pfa_with_2022_polygon": len(staffs & ward_polys),
    }
    repairs = {"lsoa": rep_lsoa, "ward": rep_ward, "lad": rep_lad, "pfa": rep_pfa}

    l11 = refs["lsoa11_lsoa21"].table.select(
        ["lsoa11_code", "lsoa11_name", "change_code", "lsoa21_code"]
    )
    l11 = l11.sort_by([("lsoa11_code", "ascending"), ("lsoa21_code", "ascending")])
    lad_csp = refs["lad_csp_pfa"].table.sort_by(
        [("lad_code", "ascending"), ("csp_code", "ascending")]
    )
    dep = pa.concat_tables(
        [refs["imd2019"].table.select(geo.DEPRIVATION_COLUMNS),
         refs["imd2025"].table.select(geo.DEPRIVATION_COLUMNS)]
    ).sort_by([("edition", "ascending"), ("lsoa_code", "ascending")])  # fmt: skip
    mid2020 = read_mid2020(source)

    src = {d: source_record(d, source, r.rows) for d, r in refs.items()}
    for d, t, r in (("boundaries_lsoa21", b_lsoa, rep_lsoa), ("boundaries_ward", b_ward, rep_ward),
                    ("boundaries_lad", b_lad, rep_lad), ("boundaries_pfa", b_pfa, rep_pfa)):  # fmt: skip
        src[d] = source_record(d, source, t.num_rows, r["features"])
    src["population_mid2020_lsoa11"] = source_record(
        "population_mid2020_lsoa11", source, mid2020.num_rows
    )
    csp_notes = {
        "method_counts": dict(sorted(Counter(lsoa21["csp_method"].to_pylist()).items())),
        "multi_csp_lads": report.to_dict(),
        "ambiguous_lsoas": report.ambiguous,
    }
    outputs = [
        ("lsoa21.parquet", lsoa21, "lsoa21",
         ["lsoa21_ward_lad", "lad_csp_pfa", "lsoa11_lsoa21", "ruc21", "census2021_population",
          "boundaries_lsoa21"], {"csp": csp_notes}),
        ("lad_csp_pfa.parquet", lad_csp, "lad_csp_pfa", ["lad_csp_pfa"], {}),
        ("lad_cty.parquet", lad_cty, "lad_cty", ["lad_cty"], {}),
        ("lsoa11_lsoa21.parquet", l11, "lsoa11_lsoa21", ["lsoa11_lsoa21"], {}),
        ("deprivation.parquet", dep, "deprivation", ["imd2019", "imd2025"], {}),
        ("boundaries_lsoa21.parquet", b_lsoa, "boundaries_lsoa21", ["boundaries_lsoa21"], {}),
        ("boundaries_ward.parquet", b_ward, "boundaries_ward", ["boundaries_ward"],
         {"coverage": ward_note}),
        ("boundaries_lad.parquet", b_lad, "boundaries_lad", ["boundaries_lad"], {}),
        ("boundaries_pfa.parquet", b_pfa, "boundaries_pfa", ["boundaries_pfa"], {}),
        ("population_mid2020_lsoa11.parquet", mid2020, "population_mid2020_lsoa11",
         ["population_mid2020_lsoa11"], {}),
    ]  # fmt: skip
    sizes = {}
    for name, table, kind, datasets, notes in outputs:
        clean = [
            {k: v for k, v in src[d].items() if k not in ("origin", "rows_in")} for d in datasets
        ]
        write_parquet(table, out / name, kind, clean, notes)
        sizes[name] = (out / name).stat().st_size
        print(f"wrote {name}: {table.num_rows:,} rows, {sizes[name]:,} bytes")
    total = sum(sizes.values())
    print(f"total {total / 1e6:.1f} MB")
    write_sources_md(out / "SOURCES.md", outputs, src, sizes, csp_notes, summary_lines,
                     ward_note, repairs, lsoa21)  # fmt: skip
    print(f"wrote {out / 'SOURCES.md'}")
    return 0


def read_mid2020(source: Path) -> pa.Table:
    path = source / INPUTS["population_mid2020_lsoa11"]["file"]
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows.sort(key=lambda r: r["lsoa11_code"])
    table = pa.table(
        {
            "lsoa11_code": [r["lsoa11_code"] for r in rows],
            "population": pa.array([int(r["total_population"]) for r in rows], pa.int32()),
        }
    )
    return table


def print_csp_summary(report: geo.CspReport, pop: dict[str, int]) -> list[str]:
    lines = []
    for lad in report.lads:
        lines.append(f"{lad.lad_name} ({lad.lad_code})")
        district_of = defaultdict(list)
        for d, c in lad.district_to_csp.items():
            district_of[c].append(f"{d} [{lad.rule[d]}]")
        for csp, codes in sorted(lad.lsoas_by_csp.items(), key=lambda kv: lad.csp_names[kv[0]]):
            people = sum(pop[c] for c in codes)
            lines.append(
                f"  {lad.csp_names[csp]} ({csp}): {len(codes):,} LSOAs, {people:,} residents "
                f"<- {', '.join(sorted(district_of[csp])) or 'no district'}"
            )
        lines.append(
            f"  LSOAs with several LSOA 2011 parents: {lad.multi_parent}; "
            f"parents in different districts (ambiguous): {len(lad.mixed)}"
        )
    lines.append(f"Ambiguous LSOAs (parents in more than one former district): {report.ambiguous}")
    print("CSP by former district:")
    for line in lines:
        print("  " + line)
    return lines


def write_sources_md(path, outputs, src, sizes, csp_notes, summary_lines, ward_note, repairs,
                     lsoa21) -> None:  # fmt: skip
    import pyproj

    L = []
    L.append("# Reference data shipped with Safer Places: sources and licences\n")
    L.append(
        "Built by `scripts/build_reference.py` from the files in `shared/data/` (see its "
        "`SOURCES.md` for how those were obtained). Rebuild with `make reference`; the same inputs "
        "and library versions give byte-identical files.\n"
    )
    L.append("## Licences and attribution\n")
    L.append(
        "* All data: **Open Government Licence v3.0** "
        "(<https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/>). "
        'Attribution: "Contains public sector information licensed under the Open Government '
        'Licence v3.0."\n'
        '* Boundaries also: "Contains OS data © Crown copyright and database right" (the year '
        "of each boundary set is given below).\n"
        "* IoD 2019 `imd_score`, `income_score` and `employment_score` come from mySociety's "
        "composite UK IMD and are **CC BY 4.0** (mySociety), derived from OGL data. "
        "Ranks and deciles are MHCLG's (OGL).\n"
        "* The copies used were taken from the R packages humaniverse/geographr, humaniverse/IMD "
        "and humaniverse/demographr (MIT for their packaging; the data is OGL v3.0).\n"
    )
    L.append("## Files\n")
    L.append("| file | rows | bytes | made from |")
    L.append("|---|---:|---:|---|")
    for name, table, _kind, datasets, _notes in outputs:
        L.append(f"| `{name}` | {table.num_rows:,} | {sizes[name]:,} | "
                 + ", ".join(f"`{d}`" for d in datasets) + " |")  # fmt: skip
    L.append(f"\nTotal: {sum(sizes.values()):,} bytes.\n")
    L.append("## Inputs\n")
    L.append(
        "| dataset | input file (in `shared/data/`) | rows (input → kept) | sha256 | source product | publisher | origin of the copy | attribution |"
    )
    L.append("|---|---|---:|---|---|---|---|---|")
    for d, s in src.items():
        L.append(
            f"| `{d}` | `{s['file_name']}` | {s['rows_in']:,} → {s['rows']:,} | `{s['sha256']}` | {s['title']} | "
            f"{s['publisher']} | {s['origin']} | {s['attribution']} |"
        )
    L.append("")
    L.append("## How the CSP of each LSOA is decided\n")
    L.append(
        "ONS publishes LAD → CSP → PFA (`lad24_csp24_pfa24_ew.csv`) but no LSOA → CSP lookup. "
        "A LAD with one CSP gives it to all its LSOAs (`csp_method = 'lad'`). Some unitary LADs "
        "contain several CSPs named after the districts they replaced. For those, each LSOA "
        "2021's parent LSOA 2011 is taken from the ONS LSOA 2011 → 2021 lookup; the LSOA 2011 "
        'name ("Wycombe 012C") gives the former district; the district is matched to the LAD\'s '
        "CSP of the same name [exact], else to the one CSP whose name contains it [contains] "
        '("Daventry" → "Daventry and South Northamptonshire"); when exactly one CSP of the LAD '
        "is left unmatched, the remaining districts go to it [remainder] (Christchurch → "
        '"Dorset"). An LSOA 2021 with several LSOA 2011 parents takes the majority district '
        "(ties: the lowest LSOA 2011 code). `csp_method = 'former-district'`. The build stops if "
        "any LSOA is left without a CSP.\n"
    )
    counts = csp_notes["method_counts"]
    L.append("Result: " + ", ".join(f"{n:,} LSOAs by `{m}`" for m, n in counts.items()) + ".\n")
    L.append("```")
    L.extend(summary_lines)
    L.append("```\n")
    L.append("## Boundaries\n")
    L.append(
        "GeoJSON (WGS84) → British National Grid (EPSG:27700) with the Helmert transformation "
        'EPSG:1314 ("OSGB36 to WGS 84 (6)", about 2–5 m; pinned so that builds do not depend on '
        "whether the OSTN15 grid is installed) → coordinates snapped to a 1 m grid with GEOS's "
        "precision reducer (`shapely.set_precision`), which keeps polygons valid → WKB (2D, "
        "little-endian). England and Wales only. `area_km2` and the centroid in `lsoa21.parquet` "
        "are computed from the projected boundary before rounding; the centroid is rounded to "
        "1 m and can fall outside a strongly concave LSOA.\n"
    )
    L.append("| level | vintage | OS copyright year | geometries repaired after rounding |")
    L.append("|---|---|---|---:|")
    for d, lvl in (("boundaries_lsoa21", "lsoa"), ("boundaries_ward", "ward"),
                   ("boundaries_lad", "lad"), ("boundaries_pfa", "pfa")):  # fmt: skip
        r = repairs[lvl]
        merged = (
            f"; features merged into one per code: {', '.join(r['merged'])}" if r["merged"] else ""
        )
        L.append(
            f"| {lvl} | {INPUTS[d]['vintage']} | {INPUTS[d]['year']} | {r['repaired']}{merged} |"
        )
    L.append("")
    L.append(
        f"**Ward coverage.** `ref_lsoa21.ward_code` uses 2024 wards; the only ward polygons "
        f"available are December 2022. {ward_note['ward_2024_codes_with_2022_polygon']:,} of the "
        f"{ward_note['ward_2024_codes']:,} ward-2024 codes used by LSOAs have a 2022 polygon with "
        f"the same code (Staffordshire PFA: {ward_note['staffordshire_pfa_with_2022_polygon']} of "
        f"{ward_note['staffordshire_pfa_ward_2024_codes']}, after its districts' ward reviews). "
        "Ward maps are therefore incomplete; ward figures themselves come from LSOAs and are "
        "complete.\n"
    )
    L.append("## Other notes\n")
    total_pop = sum(lsoa21["population"].to_pylist())
    lad_cty = next(t for n, t, *_ in outputs if n == "lad_cty.parquet")
    L.append(
        f"* Population in `lsoa21.parquet` is Census 2021 usual residents (total {total_pop:,}).\n"
        "* `deprivation.parquet` is long by edition: IoD2019 on LSOA 2011 codes, IoD2025 on LSOA "
        "2021 codes; 1 = most deprived. Columns `<domain>_score/_rank/_decile` for income, "
        "employment, education, health, crime, housing (barriers to housing and services), "
        "environment (living environment). Income and employment scores are rates (0.07 = 7%); "
        "IoD2019 has no domain scores other than income and employment, and no population "
        "denominators.\n"
        "* `population_mid2020_lsoa11.parquet` (ONS mid-2020 estimates on LSOA 2011) is shipped "
        "for rates on 2011 geography; the warehouse has no table for it yet.\n"
        f"* `lad_cty.parquet` lists the {lad_cty.num_rows} non-metropolitan districts (E07) of "
        f"England with their county (E10; {len(set(lad_cty['cty_code'].to_pylist()))} "
        "counties), loaded as `ref_lad_county`: an LSOA of such a district belongs to that "
        "county. Unitary councils, metropolitan districts, London boroughs and Welsh areas "
        "are their own upper tier and have no county. No county boundaries are shipped: a "
        "county is the union of its districts' LSOAs.\n"
        f"* Built with pyarrow {pa.__version__}, shapely {shapely.__version__} "
        f"(GEOS {shapely.geos_version_string}), pyproj {pyproj.__version__} "
        f"(PROJ {pyproj.proj_version_str}).\n"
    )
    # Other files in the data folder (the demo extract) document themselves below this marker;
    # keep whatever is there so rebuilding the reference data does not drop it.
    previous = path.read_text(encoding="utf-8") if path.exists() else ""
    if HAND_MARKER in previous:
        L.append(previous[previous.index(HAND_MARKER) :].rstrip("\n") + "\n")
    else:
        L.append(f"{HAND_MARKER}\n")
    path.write_text("\n".join(L), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
