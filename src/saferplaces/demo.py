"""The demo: real Staffordshire data, loaded and assessed, ready to look at.

The police data is the real data.police.uk street files for Staffordshire (2024-01…04 and
2025-01…12) shipped in ``data/demo_staffordshire_street.parquet``; see scripts/build_demo.py.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

from saferplaces import atomic

DEMO_PARQUET = Path(__file__).parent / "data" / "demo_staffordshire_street.parquet"
DEMO_AREA = "Tamworth"
DEMO_PERIOD = ("2025-01", "2025-12")


def write_demo_csvs(folder: Path) -> list[Path]:
    """Write the shipped demo rows back out as the data.police.uk CSV files they came from."""
    table = pq.read_table(DEMO_PARQUET)
    columns = [c for c in table.column_names if c != "file_name"]
    data = table.to_pydict()
    by_file: dict[str, list[int]] = {}
    for i, name in enumerate(data["file_name"]):
        by_file.setdefault(name, []).append(i)
    written = []
    for name, idx in sorted(by_file.items()):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        for i in idx:
            writer.writerow([data[c][i] for c in columns])
        path = folder / name
        path.write_text(buf.getvalue(), encoding="utf-8")
        written.append(path)
    return written


def run_demo(home: Path, say: Callable[[str], None] = print) -> dict:
    """Load the demo data into the workspace at ``home`` and produce the demo assessment."""
    from saferplaces.assessment import assess
    from saferplaces.warehouse.geography import load_geography
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    home.mkdir(parents=True, exist_ok=True)
    con = connect(home / "warehouse.duckdb")
    try:
        if con.execute("SELECT count(*) FROM ref_lsoa21").fetchone()[0] == 0:
            say("Loading reference data (lookups, deprivation, population, boundaries)…")
            load_geography(con)
        with tempfile.TemporaryDirectory() as tmp:
            files = write_demo_csvs(Path(tmp))
            say(f"Loading {len(files)} real Staffordshire street files from data.police.uk…")
            report = load_police(con, files)
        totals = report.totals()
        say(
            f"  {totals['loaded']} loaded, {totals['unchanged']} already there; "
            f"{totals['rows_accepted']:,} records accepted, {totals['rows_rejected']:,} rejected."
        )
        say(f"Assessing {DEMO_AREA}, {DEMO_PERIOD[0]} to {DEMO_PERIOD[1]}…")
        result = assess(DEMO_AREA, *DEMO_PERIOD, "previous-year", con=con, allow_gaps=True)
    finally:
        con.close()
    out = home / "demo" / "tamworth"
    out.mkdir(parents=True, exist_ok=True)
    atomic.write_text(out / "assessment.json", result.to_json())
    return {"assessment": out / "assessment.json", "out": out, "result": result}
