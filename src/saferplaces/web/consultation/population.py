"""Population margins to weight a consultation to: age band and area (ward), and sex when given.

* **Area**: Census 2021 usual residents by ward, summed from LSOA 2021 (``lsoa21.parquet`` in
  the packaged reference data; wards as of 2024).
* **Age**: ONS mid-2020 LSOA population estimates by single year of age (SAPE23DT2), summed to
  local authority districts and to the bands below, for people aged 16 and over. The packaged
  ``population_mid2020_lsoa11.parquet`` holds totals only, so the banded table is kept beside
  this module (``data/age_bands_lad_mid2020.csv``), made by :func:`build_age_table` from
  ``population/mid2020_population_lsoa11_sya.csv.gz`` in the shared reference data (LSOA 2011
  mapped to its district through ``lsoa11_lsoa21.parquet`` and ``lsoa21.parquet``).
* **Sex**: the reference data has no population by sex. A consultation may record the area's
  female and male shares with their source (e.g. Census 2021 table TS008); without them the
  weighting uses age and area only, and says so.
"""

from __future__ import annotations

import csv
import gzip
from functools import lru_cache
from pathlib import Path

AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
AGE_TABLE = Path(__file__).with_name("data") / "age_bands_lad_mid2020.csv"
AGE_SOURCE = "ONS mid-2020 population estimates by single year of age (SAPE23DT2), aged 16+"
AREA_SOURCE = "Census 2021 usual residents (TS001), by ward"


def band_of(age: int) -> str | None:
    if age < 16:
        return None
    for band in AGE_BANDS[:-1]:
        lo, hi = (int(x) for x in band.split("-"))
        if lo <= age <= hi:
            return band
    return "75+"


def _data_dir() -> Path:
    from saferplaces.warehouse.geography import bundled_data_dir

    return bundled_data_dir()


@lru_cache(maxsize=1)
def _lsoa21():
    import pandas as pd

    return pd.read_parquet(
        _data_dir() / "lsoa21.parquet",
        columns=["lsoa21_code", "ward_code", "ward_name", "lad_code", "lad_name", "csp_code",
                 "population"],
    )  # fmt: skip


def _lads(codes: list[str]) -> list[str]:
    d = _lsoa21()
    mask = d.lad_code.isin(codes) | d.csp_code.isin(codes) | d.ward_code.isin(codes)
    return sorted(d[mask].lad_code.unique())


def wards(codes: list[str]) -> dict[str, tuple[str, int]]:
    """{ward code: (ward name, Census 2021 usual residents)} for the partnership's areas."""
    d = _lsoa21()
    lads = _lads(codes)
    sub = d[d.lad_code.isin(lads)]
    g = sub.groupby(["ward_code", "ward_name"], as_index=False).population.sum()
    return {r.ward_code: (r.ward_name, int(r.population)) for r in g.itertuples()}


@lru_cache(maxsize=1)
def _age_table() -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    with AGE_TABLE.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out[row["lad_code"]] = {b: int(row[b]) for b in AGE_BANDS}
    return out


def ages(codes: list[str]) -> dict[str, int]:
    """Residents aged 16+ by age band (mid-2020) in the districts covering ``codes``."""
    table = _age_table()
    total = dict.fromkeys(AGE_BANDS, 0)
    for lad in _lads(codes):
        for b, n in table.get(lad, {}).items():
            total[b] += n
    return total


def build_age_table(sya_csv_gz: Path, out: Path = AGE_TABLE) -> int:
    """Writes the banded district table from the shared SYA file; returns the districts written."""
    import pandas as pd

    look = pd.read_parquet(
        _data_dir() / "lsoa11_lsoa21.parquet", columns=["lsoa11_code", "lsoa21_code"]
    )
    lad = _lsoa21()[["lsoa21_code", "lad_code"]]
    # An LSOA 2011 split into several 2021 LSOAs stays in one district: take the first.
    m = look.merge(lad, on="lsoa21_code").drop_duplicates("lsoa11_code").set_index("lsoa11_code")
    totals: dict[str, list[int]] = {}
    with gzip.open(sya_csv_gz, "rt", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        for row in reader:
            code = row["lsoa11_code"]
            if code not in m.index:
                continue
            t = totals.setdefault(m.at[code, "lad_code"], [0] * len(AGE_BANDS))
            for age in range(16, 91):
                n = int(row["90+" if age == 90 else str(age)] or 0)
                t[AGE_BANDS.index(band_of(age))] += n
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["lad_code", *AGE_BANDS])
        for code in sorted(totals):
            w.writerow([code, *totals[code]])
    return len(totals)
