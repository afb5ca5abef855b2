"""Builds a small, real warehouse for tests: the documented schema, Staffordshire LSOAs with
their parent areas and Census 2021 population, and real data.police.uk street records.

Uses the schema module only (not the loader, which is built separately), so these tests
depend on the public contract: the views.
"""

from __future__ import annotations

import csv
import gzip
import os
from pathlib import Path

SHARED = Path(
    os.environ.get(
        "SAFERPLACES_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"
    )
)
STAFFORDSHIRE_PFA = "E23000015"


def shared_available() -> bool:
    return (SHARED / "police_uk" / "staffordshire" / "2025-01-staffordshire-street.csv.gz").exists()


def _insert(con, table: str, rows: list[list]) -> None:
    """Bulk insert through Arrow: row-by-row executemany is far too slow in DuckDB."""
    import pyarrow as pa

    if not rows:
        return
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    data = pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)})
    con.register("_rows", data)
    con.execute(f"INSERT INTO {table} SELECT * FROM _rows")
    con.unregister("_rows")


def build(
    path: Path, months: list[str] | None = None, max_rows_per_month: int | None = None
) -> Path:
    import duckdb

    from saferplaces.warehouse import schema

    months = months or ["2025-01"]
    con = duckdb.connect(str(path))
    con.execute(schema.TABLES)
    con.execute(schema.VIEWS)
    con.executemany(
        "INSERT INTO ref_categories VALUES (?, ?, ?, ?)", [list(c) for c in schema.CATEGORIES]
    )

    lads: dict[str, tuple[str, str, str, str]] = {}
    with open(SHARED / "lookups" / "lad24_csp24_pfa24_ew.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            lads[r["ltla24_code"]] = (
                r["csp24_code"],
                r["csp24_name"],
                r["pfa24_code"],
                r["pfa24_name"],
            )
    pop: dict[str, int] = {}
    with open(SHARED / "population" / "census2021_usual_residents_lsoa21.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            pop[r["lsoa21_code"]] = int(r["usual_residents_census2021"])
    rows = []
    with gzip.open(SHARED / "lookups" / "lsoa21_ward24_lad24_ew.csv.gz", "rt", newline="") as fh:
        for r in csv.DictReader(fh):
            lad = lads.get(r["ltla24_code"])
            if not lad or lad[2] != STAFFORDSHIRE_PFA:
                continue
            rows.append(
                [
                    r["lsoa21_code"],
                    r["lsoa21_name"],
                    r["ward24_code"],
                    r["ward24_name"],
                    r["ltla24_code"],
                    r["ltla24_name"],
                    lad[0],
                    lad[1],
                    "lad",
                    lad[2],
                    lad[3],
                    "E",
                    None,
                    None,
                    None,
                    pop.get(r["lsoa21_code"]),
                    None,
                    None,
                    None,
                ]
            )
    _insert(con, "ref_lsoa21", rows)
    known = {r[0] for r in rows}

    street = []
    for month in months:
        f = SHARED / "police_uk" / "staffordshire" / f"{month}-staffordshire-street.csv.gz"
        with gzip.open(f, "rt", newline="") as fh:
            for i, r in enumerate(csv.DictReader(fh)):
                if max_rows_per_month and i >= max_rows_per_month:
                    break
                lsoa = r["LSOA code"] if r["LSOA code"] in known else None
                street.append(
                    [
                        1,
                        i + 1,
                        "staffordshire",
                        f"{month}-01",
                        r["Crime ID"] or None,
                        r["Reported by"],
                        r["Falls within"],
                        float(r["Longitude"]) if r["Longitude"] else None,
                        float(r["Latitude"]) if r["Latitude"] else None,
                        None,
                        None,
                        r["Location"],
                        r["LSOA code"] or None,
                        r["LSOA name"] or None,
                        lsoa,
                        "published" if lsoa else None,
                        r["Crime type"],
                        r["Last outcome category"] or None,
                        r["Context"] or None,
                    ]
                )
    _insert(con, "police_street", street)
    # What a load records: the months held for the force (the reference points' coverage), and
    # the county of each two-tier district (a district's parent area).
    con.executemany(
        "INSERT INTO police_loads VALUES (?, ?, 'test', 'staffordshire', ?, 'street', 0, 0, 0, "
        "'new', NULL, TRUE, NULL, 'test', now(), now())",
        [[i + 1, f"{m}-staffordshire-street.csv.gz", f"{m}-01"] for i, m in enumerate(months)],
    )
    with open(SHARED / "lookups" / "lad24_cty24_en.csv", newline="") as fh:
        counties = [
            [r["lad24_code"], r["lad24_name"], r["cty24_code"], r["cty24_name"]]
            for r in csv.DictReader(fh)
            if r["lad24_code"] in {row[4] for row in rows}
        ]
    _insert(con, "ref_lad_county", counties)
    con.close()
    return path
