"""Build the demo police data shipped inside the package.

The demo set is the real data.police.uk street files for Staffordshire in ../shared/data
(2024-01…04 and 2025-01…12, Open Government Licence v3.0), stored as one Parquet file that
keeps every CSV cell as published (text, empty cells as empty strings) with its file name, so
`saferplaces demo` can give the loader byte-for-byte the same CSV files and the loader's own
checks run on them. Nothing is synthesised.

    python scripts/build_demo.py --source ../shared/data --out src/saferplaces/data
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def build(source: Path, out: Path) -> Path:
    files = sorted((source / "police_uk" / "staffordshire").glob("*-street.csv.gz"))
    if not files:
        raise SystemExit(f"No Staffordshire street files under {source}/police_uk/staffordshire")
    names, header, rows, digests = [], None, [], []
    for f in files:
        raw = gzip.decompress(f.read_bytes())
        digests.append(f"{f.name[:-3]} {hashlib.sha256(raw).hexdigest()}")
        reader = csv.reader(raw.decode("utf-8").splitlines())
        h = next(reader)
        header = header or h
        if h != header:
            raise SystemExit(f"{f}: header differs from the first file's")
        for r in reader:
            names.append(f.name[: -len(".gz")])
            rows.append(r)
    columns = {"file_name": names}
    for i, col in enumerate(header):
        columns[col] = [r[i] for r in rows]
    table = pa.table(columns)
    table = table.replace_schema_metadata(
        {
            "source": "data.police.uk street-level crime, Staffordshire Police",
            "licence": "Open Government Licence v3.0",
            "attribution": "Contains public sector information licensed under the Open "
            "Government Licence v3.0.",
            "csv_sha256": "\n".join(digests),
        }
    )
    path = out / "demo_staffordshire_street.parquet"
    pq.write_table(table, path, compression="zstd", compression_level=19, use_dictionary=True)
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("src/saferplaces/data"))
    args = parser.parse_args()
    p = build(args.source, args.out)
    print(f"Wrote {p} ({p.stat().st_size / 1e6:.1f} MB)")
