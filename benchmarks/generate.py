"""A national-size set of data.police.uk street files for the load benchmark.

Derived from the real files in ``shared/data/police_uk`` by resampling, so values, spelling,
snap points and the mix of categories are real; nothing is invented:

* **forces relabelled**: each of the 43 territorial forces gets rows drawn (with replacement)
  from its own real December 2025 file; the three forces missing from the shared data
  (Metropolitan, West Midlands, West Yorkshire) draw from the other forces' rows and are
  relabelled ("Reported by"/"Falls within" set to their own name);
* **months shifted**: every row's Month is set to the target month; for months before 2024 the
  LSOA 2021 code is swapped for its 2011 predecessor from the official lookup, as the real
  archive has 2011 codes until 2023 (so split 2011 codes must be placed by coordinates);
* **points kept**: coordinates, location text, LSOA, category and outcome stay as drawn.

Monthly volumes per force follow the force's real December 2025 volume (an estimate for the
three missing forces), scaled so the whole set has about ``--rows`` rows, with ±8% noise per
month. Files are plain CSV in the archive layout ``YYYY-MM/YYYY-MM-<force>-street.csv``.

    python -m benchmarks.generate [--rows 20000000] [--months 36] [--out DIR]

The output is cached under ``benchmarks/.cache/`` (gitignored) and rebuilt only when the
parameters change.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", HERE.parents[1] / "shared" / "data"))
LAST_MONTH = date(2025, 12, 1)
# Approximate monthly street records (crime + ASB) for the forces absent from shared/data.
MISSING = {"metropolitan": 95_000, "west-midlands": 30_000, "west-yorkshire": 32_000}
COLUMNS = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
           "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
           "Context"]  # fmt: skip


def _months(n: int) -> list[date]:
    out = []
    y, m = LAST_MONTH.year, LAST_MONTH.month
    for _ in range(n):
        out.append(date(y, m, 1))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def _read(path: Path) -> pa.Table:
    opts = pacsv.ConvertOptions(column_types={c: pa.string() for c in COLUMNS},
                                strings_can_be_null=True)  # fmt: skip
    with gzip.open(path, "rb") as fh:
        return pacsv.read_csv(fh, convert_options=opts)


def _predecessors(shared: Path) -> dict[str, str]:
    """LSOA 2021 code -> one LSOA 2011 code it came from (official best-fit lookup)."""
    import csv

    out: dict[str, str] = {}
    with gzip.open(shared / "lookups" / "lsoa11_lsoa21_lad22_ew.csv.gz", "rt", newline="") as fh:
        for r in csv.DictReader(fh):
            out.setdefault(r["lsoa21_code"], r["lsoa11_code"])
    return out


def generate(
    rows: int = 20_000_000,
    months: int = 36,
    out: Path | None = None,
    forces: list[str] | None = None,
    seed: int = 20251201,
    shared: Path = SHARED,
) -> Path:
    """Build (or reuse) the set; returns its folder."""
    from saferplaces.warehouse.forces import FORCES

    territorial = [f for f in FORCES if f.pfa_code]  # the 43 forces of England and Wales
    chosen = [f for f in territorial if forces is None or f.slug in forces]
    params = {"rows": rows, "months": months, "forces": [f.slug for f in chosen], "seed": seed,
              "version": 2}  # fmt: skip
    out = Path(out or CACHE / f"national-{rows}-{months}m-{len(chosen)}f")
    marker = out / "PARAMS.json"
    if marker.exists() and json.loads(marker.read_text()) == params:
        return out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    started = time.perf_counter()
    national = shared / "police_uk" / "national-2025-12"
    pools: dict[str, pa.Table] = {}
    for f in chosen:
        path = national / f"2025-12-{f.slug}-street.csv.gz"
        if path.exists():
            pools[f.slug] = _read(path)
    donors = pa.concat_tables([t for s, t in pools.items() if s != "northern-ireland"])
    volume = {f.slug: pools[f.slug].num_rows if f.slug in pools else MISSING.get(f.slug, 20_000)
              for f in chosen}  # fmt: skip
    scale = rows / (sum(volume.values()) * months)
    old_code = _predecessors(shared)
    rng = np.random.default_rng(seed)
    con = duckdb.connect()
    written = 0
    for month in _months(months):
        folder = out / f"{month:%Y-%m}"
        folder.mkdir()
        for f in chosen:
            pool = pools.get(f.slug, donors)
            n = max(1, int(volume[f.slug] * scale * rng.uniform(0.92, 1.08)))
            table = pool.take(pa.array(rng.integers(0, pool.num_rows, n)))
            table = table.set_column(1, "Month", pa.array([f"{month:%Y-%m}"] * n))
            if f.slug not in pools:
                name = pa.array([f.name] * n)
                table = table.set_column(2, "Reported by", name).set_column(3, "Falls within", name)
            if month < date(2024, 1, 1):
                codes = table.column("LSOA code").to_pylist()
                table = table.set_column(
                    7, "LSOA code", pa.array([old_code.get(c, c) if c else c for c in codes])
                )
            # DuckDB writes as data.police.uk does: empty fields bare, quotes only where needed.
            con.register("batch", table)
            target = folder / f"{month:%Y-%m}-{f.slug}-street.csv"
            con.execute(f"COPY batch TO '{target}' (HEADER, DELIMITER ',')")
            con.unregister("batch")
            written += n
    (out / "ROWS").write_text(str(written))
    (out / "BUILD.json").write_text(
        json.dumps({"rows_written": written, "seconds": round(time.perf_counter() - started, 1)})
    )
    marker.write_text(json.dumps(params, indent=2))  # last: marks the set complete
    return out


def files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*/*-street.csv"))


def rows_in(folder: Path) -> int:
    return int((folder / "ROWS").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    folder = generate(args.rows, args.months, args.out)
    print(f"{folder}: {rows_in(folder):,} rows in {len(files(folder)):,} files")


if __name__ == "__main__":
    main()
