"""Build the illustrative partner measure shipped for `saferplaces demo`.

ILLUSTRATIVE, NOT REAL HEALTH DATA. Safer Places has no real A&E data (it is shared under
information sharing agreements, never published), so the demo shows a partner measure derived
from the real data.police.uk street records for Staffordshire (Open Government Licence v3.0):

    count(LSOA, quarter) = floor(0.1 * V + 0.5)

where V is the number of "Violence and sexual offences" street records published with that
LSOA 2021 code in the quarter's three months: one attendance for every ten police-recorded
violent or sexual offences, rounded to the nearest whole number (halves up). Only LSOAs in the
Staffordshire police force area (E23000015, per the shipped ONS lookup) are kept; rows whose
count is 0 are left out, as partners usually do. Quarters: 2024-Q1 and 2025-Q1 to 2025-Q4 (the
complete quarters of the shipped demo months; 2024-04 alone is not a quarter).

The ratio and the rounding are a stated transformation for demonstration only: they say
nothing about real A&E attendances. The definition beside the file says the same.

    python scripts/build_demo_measure.py --source ../shared/data --out src/saferplaces/data
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

RATIO = 0.1
PFA = "E23000015"  # Staffordshire
QUARTERS = {  # quarter label -> its months
    "2024-Q1": ("2024-01", "2024-02", "2024-03"),
    **{f"2025-Q{q}": tuple(f"2025-{m:02d}" for m in range(3 * q - 2, 3 * q + 1))
       for q in range(1, 5)},
}  # fmt: skip
NAME = "demo_ae_assault_staffordshire.csv"


def build(source: Path, out: Path) -> Path:
    lookup = pq.read_table(
        out / "lsoa21.parquet", columns=["lsoa21_code", "lsoa21_name", "pfa_code"]
    ).to_pylist()
    names = {r["lsoa21_code"]: r["lsoa21_name"] for r in lookup if r["pfa_code"] == PFA}
    counts: Counter[tuple[str, str]] = Counter()
    for quarter, months in QUARTERS.items():
        for month in months:
            path = source / "police_uk" / "staffordshire" / f"{month}-staffordshire-street.csv.gz"
            with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh):
                    code = row["LSOA code"]
                    if row["Crime type"] == "Violence and sexual offences" and code in names:
                        counts[(quarter, code)] += 1
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["area_code", "area_name", "period", "count"])
    for (quarter, code), violence in sorted(counts.items()):
        value = int(RATIO * violence + 0.5)
        if value:
            writer.writerow([code, names[code], quarter, value])
    path = out / NAME
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("src/saferplaces/data"))
    args = parser.parse_args()
    p = build(args.source, args.out)
    print(f"Wrote {p} ({p.stat().st_size:,} bytes)")
