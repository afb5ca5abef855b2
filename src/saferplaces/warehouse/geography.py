"""Reference geography: LSOAs and their parent areas, deprivation, boundaries, and lookups on them.

The product ships compact Parquet files in ``saferplaces/data`` (built by
``scripts/build_reference.py`` from ONS / MHCLG open data; ``data/SOURCES.md`` gives provenance).
:func:`load_geography` copies them into the ``ref_*`` tables in one transaction. Newer ONS files
of the same kinds (CSV or CSV.GZ) can be given to replace a part: the kind is recognised from
the header, and everything derived from it (the CSP of each LSOA) is recomputed.

**County of an LSOA.** In two-tier areas (Staffordshire's eight districts, …) the county is the
upper tier that agrees the Community Safety Agreement. ONS's LAD → county lookup
(``lad_cty.parquet``, ``ref_lad_county``) lists the non-metropolitan districts and their
county; an LSOA in one of them belongs to that county. Unitary councils, metropolitan
districts, London boroughs and Welsh areas are their own upper tier and have no county.

**CSP of an LSOA.** ONS publishes LAD → CSP → PFA, but no LSOA → CSP lookup, and some unitary
LADs hold several CSPs named after the districts they replaced (Buckinghamshire → Aylesbury
Vale, Chiltern, South Bucks, Wycombe; BCP → Bournemouth, Poole and the Christchurch part of the
Dorset CSP; …). :func:`assign_csp` resolves those through each LSOA 2021's parent LSOA 2011,
whose *name* ("Aylesbury Vale 012C") carries the former district. See its docstring.

**Coordinates.** Everything spatial is in British National Grid (EPSG:27700), metres.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import gzip
import hashlib
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import shapely
from pyproj import Transformer

Progress = Callable[[str], None]


class GeographyError(ValueError):
    """Reference data that cannot be used as given; the message names the file and the problem."""


class AreaNotFoundError(LookupError):
    """No area has this code or name. ``suggestions`` holds the closest (level, code, name)."""

    def __init__(self, message: str, suggestions: list[tuple[str, str, str]]):
        super().__init__(message)
        self.suggestions = suggestions


class AmbiguousAreaError(LookupError):
    """Several areas of the same level share this name. ``matches`` lists them."""

    def __init__(self, message: str, matches: list[tuple[str, str, str]]):
        super().__init__(message)
        self.matches = matches


# ------------------------------------------------------------------------------------------------
# Coordinates
# ------------------------------------------------------------------------------------------------

# WGS84 lon/lat -> OSGB36 British National Grid through the 7-parameter Helmert transformation
# EPSG:1314 ("OSGB36 to WGS 84 (6)", stated accuracy 2 m; a few metres in practice). PROJ would
# pick the OSTN15 grid (centimetre accuracy) when the grid file happens to be installed, so the
# pipeline is pinned: the same input gives the same output on every machine, which keeps the
# built Parquet byte-reproducible. A few metres is immaterial beside the ~150 m snapping of
# data.police.uk points and the generalisation of the BSC boundaries.
_BNG_PIPELINE = (
    "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step +proj=push +v_3 "
    "+step +proj=cart +ellps=WGS84 +step +inv +proj=helmert +x=446.448 +y=-125.157 "
    "+z=542.06 +rx=0.15 +ry=0.247 +rz=0.842 +s=-20.489 +convention=position_vector "
    "+step +inv +proj=cart +ellps=airy +step +proj=pop +v_3 +step +proj=tmerc +lat_0=49 "
    "+lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy"
)


@lru_cache(maxsize=1)
def _bng_transformer() -> Transformer:
    return Transformer.from_pipeline(_BNG_PIPELINE)


def to_bng(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 longitude/latitude (degrees) to British National Grid easting/northing (metres).

    Vectorised over numpy arrays (scalars are accepted and give 0-d arrays). NaN, infinite or
    missing input gives NaN output. Uses the Helmert transformation (no OSTN15 grid), accurate
    to a few metres: immaterial beside data.police.uk's ~150 m snapping.
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"lon and lat differ in shape: {x.shape} vs {y.shape}")
    ok = np.isfinite(x) & np.isfinite(y)
    e = np.full(x.shape, np.nan)
    n = np.full(x.shape, np.nan)
    if ok.any():
        ee, nn = _bng_transformer().transform(x[ok], y[ok])
        e[ok] = ee
        n[ok] = nn
    # PROJ returns inf for points it cannot project (far outside the projection's domain).
    bad = ~(np.isfinite(e) & np.isfinite(n))
    e[bad] = np.nan
    n[bad] = np.nan
    return e, n


def to_wgs84(easting, northing) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid easting/northing to WGS84 longitude/latitude; inverse of :func:`to_bng`."""
    x = np.asarray(easting, dtype=float)
    y = np.asarray(northing, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    lon = np.full(x.shape, np.nan)
    lat = np.full(x.shape, np.nan)
    if ok.any():
        lo, la = _bng_transformer().transform(x[ok], y[ok], direction="INVERSE")
        lon[ok] = lo
        lat[ok] = la
    return lon, lat


def project_to_bng(geometries: np.ndarray) -> np.ndarray:
    """Shapely geometries in WGS84 lon/lat to British National Grid."""

    def _xy(coords: np.ndarray) -> np.ndarray:
        e, n = to_bng(coords[:, 0], coords[:, 1])
        return np.column_stack([e, n])

    return shapely.transform(geometries, _xy)


# ------------------------------------------------------------------------------------------------
# Reading reference CSV files (ONS names and the humaniverse names used in shared/data)
# ------------------------------------------------------------------------------------------------

# Dataset kinds. Each names the columns it needs as regular expressions over the header,
# lower-cased and with a BOM and surrounding spaces removed; the first alternative is the ONS
# Open Geography Portal style, the second the humaniverse (geographr/IMD/demographr) style.
_CODE21 = r"lsoa21cd|lsoa21_code"
_LAD_CODE = r"lad\d\dcd|ltla\d\d_code|lad\d\d_code"
_LAD_NAME = r"lad\d\dnm|ltla\d\d_name|lad\d\d_name"

KINDS: dict[str, dict[str, str]] = {
    "lad_csp_pfa": {
        "lad_code": _LAD_CODE,
        "lad_name": _LAD_NAME,
        "csp_code": r"csp\d\dcd|csp\d\d_code",
        "csp_name": r"csp\d\dnm|csp\d\d_name",
        "pfa_code": r"pfa\d\dcd|pfa\d\d_code",
        "pfa_name": r"pfa\d\dnm|pfa\d\d_name",
    },
    "lad_cty": {
        "lad_code": _LAD_CODE,
        "lad_name": _LAD_NAME,
        "cty_code": r"cty\d\dcd|cty\d\d_code",
        "cty_name": r"cty\d\dnm|cty\d\d_name",
    },
    "lsoa11_lsoa21": {
        "lsoa11_code": r"lsoa11cd|lsoa11_code",
        "lsoa11_name": r"lsoa11nm|lsoa11_name",
        "change_code": r"chgind|change_code",
        "lsoa21_code": _CODE21,
    },
    "lsoa21_ward_lad": {
        "lsoa21_code": _CODE21,
        "lsoa21_name": r"lsoa21nm|lsoa21_name",
        "ward_code": r"wd\d\dcd|ward\d\d_code",
        "ward_name": r"wd\d\dnm|ward\d\d_name",
        "lad_code": _LAD_CODE,
        "lad_name": _LAD_NAME,
    },
    "ruc21": {
        "lsoa21_code": _CODE21,
        "ruc21_code": r"ruc21cd|ruc21_code",
        "ruc21_class": r"ruc21nm|classification",
        "urban_flag": r"urban_rural_flag|ruc",
    },
    "census2021_population": {
        "lsoa21_code": _CODE21 + r"|geography code|lower layer super output areas code",
        # Census 2021 TS001 (bulk or Nomis), or the humaniverse extract of TS021's total.
        "population": r"usual_residents_census2021|residence type: total; measures: value"
        r"|.*: total: all usual residents; measures: value|total_residents",
    },
    "imd": {
        "lsoa_code": r"lsoa(11|21)_code|lsoa code \((2011|2021)\)",
        "imd_rank": r"imd_rank|index of multiple deprivation \(imd\) rank.*",
        "imd_decile": r"imd_decile|index of multiple deprivation \(imd\) decile.*",
    },
}

# Columns a kind may use but does not need (every IMD domain is optional).
_IMD_DOMAINS = {
    "income": (r"income", r"income"),
    "employment": (r"employment", r"employment"),
    "education": (r"education", r"education, skills and training"),
    "health": (r"health", r"health deprivation and disability"),
    "crime": (r"crime", r"crime"),
    "housing": (r"housing_and_(?:services|access)", r"barriers to housing and services"),
    "environment": (r"environment", r"living environment"),
}
_OPTIONAL: dict[str, dict[str, str]] = {
    "imd": {
        "imd_score": r"imd_score|index of multiple deprivation \(imd\) score",
        **{
            f"{d}_{m}": rf"{hv}_{m}(?:_pct)?|{ons} {m}\b.*"
            for d, (hv, ons) in _IMD_DOMAINS.items()
            for m in ("score", "rank", "decile")
        },
    },
    "ruc21": {"urban_flag": KINDS["ruc21"]["urban_flag"]},
}
_REQUIRED_ONLY = {"ruc21": {"lsoa21_code", "ruc21_code", "ruc21_class"}}

DEPRIVATION_COLUMNS = [
    "edition", "lsoa_code", "lsoa_vintage", "imd_score", "imd_rank", "imd_decile",
    *[f"{d}_{m}" for d in _IMD_DOMAINS for m in ("score", "rank", "decile")],
]  # fmt: skip

# Titles and licences recorded in ref_sources for each dataset.
OGL = "Open Government Licence v3.0"
OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0."
)
OS_ATTRIBUTION = "Contains OS data © Crown copyright and database right {year}."
DATASETS: dict[str, dict[str, str]] = {
    "lsoa21_ward_lad": {
        "title": "LSOA (2021) to electoral ward to local authority district best-fit lookup, EW",
        "publisher": "Office for National Statistics",
    },
    "lad_csp_pfa": {
        "title": "Local authority district to community safety partnership to police force "
        "area lookup, EW",
        "publisher": "Office for National Statistics",
    },
    "lad_cty": {
        "title": "Local authority district to county lookup, England",
        "publisher": "Office for National Statistics",
    },
    "lsoa11_lsoa21": {
        "title": "LSOA (2011) to LSOA (2021) lookup, EW",
        "publisher": "Office for National Statistics",
    },
    "ruc21": {
        "title": "Rural-Urban Classification (2021) of LSOAs, EW",
        "publisher": "Office for National Statistics",
    },
    "census2021_population": {
        "title": "Census 2021 usual residents by LSOA (2021), EW",
        "publisher": "Office for National Statistics",
    },
    "imd": {
        "title": "English Indices of Deprivation {edition}, LSOA ({vintage})",
        "publisher": "Ministry of Housing, Communities and Local Government",
    },
}

_LSOA_CODE = re.compile(r"^[EW]01\d{6}$")
_LAD_CODE_RX = re.compile(r"^[EW]0[6-9]\d{6}$")
_COUNTY_CODE_RX = re.compile(r"^E10\d{6}$")
_EDITION_IN_NAME = re.compile(r"(?:iod|imd)[ _-]?(20\d\d)", re.IGNORECASE)
_DEFAULT_EDITION = {2011: 2019, 2021: 2025}


@dataclass
class ReferenceFile:
    """One reference CSV read into canonical columns."""

    path: Path
    kind: str  # a key of KINDS
    table: pa.Table
    sha256: str
    dataset: str  # the ref_sources key: the kind, or 'imd2025' etc.
    header: list[str]
    notes: dict = field(default_factory=dict)  # e.g. {"ward_vintage": "24"}

    @property
    def rows(self) -> int:
        return self.table.num_rows


def _open_text(path: Path) -> io.TextIOBase:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    # utf-8-sig drops the BOM ONS files start with.
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    return io.StringIO(text, newline="")


def _norm_header(h: str) -> str:
    return re.sub(r"\s+", " ", h.replace("\ufeff", "")).strip().lower()


def _match_columns(header: list[str], patterns: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    normed = [_norm_header(h) for h in header]
    for name, pattern in patterns.items():
        rx = re.compile(pattern)
        for i, h in enumerate(normed):
            if rx.fullmatch(h):
                found[name] = i
                break
    return found


def detect_kind(header: list[str]) -> tuple[str, dict[str, int]] | None:
    """The reference kind a CSV header belongs to, with the column index of each field."""
    for kind, patterns in KINDS.items():
        required = _REQUIRED_ONLY.get(kind, set(patterns))
        found = _match_columns(header, patterns)
        if required <= set(found):
            found.update(_match_columns(header, _OPTIONAL.get(kind, {})))
            return kind, found
    return None


def _expected_columns_text() -> str:
    examples = {
        "lsoa21_ward_lad": "LSOA21CD, LSOA21NM, WD25CD, WD25NM, LAD25CD, LAD25NM",
        "lad_csp_pfa": "LAD24CD, LAD24NM, CSP24CD, CSP24NM, PFA24CD, PFA24NM",
        "lad_cty": "LAD24CD, LAD24NM, CTY24CD, CTY24NM",
        "lsoa11_lsoa21": "LSOA11CD, LSOA11NM, CHGIND, LSOA21CD",
        "ruc21": "LSOA21CD, RUC21CD, RUC21NM[, Urban_rural_flag]",
        "census2021_population": "geography code (or LSOA21CD), "
        "'Residence type: Total; measures: Value' (Census 2021 TS001)",
        "imd": "'LSOA code (2021)', 'Index of Multiple Deprivation (IMD) Rank …', "
        "'… Decile …' (IoD File 7), or lsoa21_code, IMD_rank, IMD_decile",
    }
    return "; ".join(f"{k}: {v}" for k, v in examples.items())


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _int(value: str, where: str) -> int | None:
    v = value.strip().replace(",", "")
    if v == "" or v.upper() in ("NA", "NULL"):
        return None
    try:
        f = float(v)
    except ValueError:
        raise GeographyError(f"{where}: not a number: {value!r}") from None
    if f != int(f):
        raise GeographyError(f"{where}: not a whole number: {value!r}")
    return int(f)


def _float(value: str, where: str) -> float | None:
    v = value.strip().replace(",", "")
    if v == "" or v.upper() in ("NA", "NULL"):
        return None
    try:
        return float(v)
    except ValueError:
        raise GeographyError(f"{where}: not a number: {value!r}") from None


def read_reference_file(path: str | Path) -> ReferenceFile:
    """Read one reference CSV (or CSV.GZ), recognising its kind from the header.

    Raises :class:`GeographyError` naming the file for an unrecognised header, a malformed
    value, a duplicate or malformed code. Nothing is written anywhere.
    """
    path = Path(path)
    if not path.is_file():
        raise GeographyError(f"{path}: no such file")
    with _open_text(path) as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise GeographyError(f"{path}: the file is empty") from None
        detected = detect_kind(header)
        if detected is None:
            raise GeographyError(
                f"{path}: not a reference file this version recognises. Its columns are "
                f"{', '.join(h.strip() for h in header[:12])}{' …' if len(header) > 12 else ''}. "
                f"Expected the columns of one of: {_expected_columns_text()}."
            )
        kind, cols = detected
        rows = [r for r in reader if any(c.strip() for c in r)]
    width = max(cols.values()) + 1
    for lineno, r in enumerate(rows, start=2):
        if len(r) < width:
            raise GeographyError(f"{path}, line {lineno}: {len(r)} fields, expected {len(header)}")

    def col(name: str) -> list[str]:
        i = cols[name]
        return [r[i].strip() for r in rows]

    def where(name: str, k: int) -> str:
        return f"{path}, line {k + 2}, column {header[cols[name]].strip()!r}"

    notes: dict = {}
    dataset = kind
    if kind == "imd":
        table, notes = _imd_table(path, header, cols, col, where)
        dataset = f"imd{notes['edition']}"
    elif kind == "census2021_population":
        codes = col("lsoa21_code")
        keep = [k for k, c in enumerate(codes) if _LSOA_CODE.match(c)]
        # Nomis extracts can carry a total row for a larger area; only LSOAs are wanted.
        pops = col("population")
        table = pa.table(
            {
                "lsoa21_code": [codes[k] for k in keep],
                "population": pa.array(
                    [_int(pops[k], where("population", k)) for k in keep], pa.int32()
                ),
            }
        )
    elif kind == "ruc21":
        klass = col("ruc21_class")
        if "urban_flag" in cols:
            urban = [f.lower().startswith("urban") if f else None for f in col("urban_flag")]
        else:
            urban = [c.lower().startswith("urban") if c else None for c in klass]
        table = pa.table(
            {
                "lsoa21_code": col("lsoa21_code"),
                "ruc21_code": col("ruc21_code"),
                "ruc21_class": klass,
                "is_urban": pa.array(urban, pa.bool_()),
            }
        )
    else:
        table = pa.table({name: col(name) for name in KINDS[kind]})
        for name in ("ward_code", "lad_code", "csp_code", "pfa_code", "cty_code"):
            if name in cols:
                m = re.search(r"(\d\d)", _norm_header(header[cols[name]]))
                notes[name.replace("_code", "_vintage")] = f"20{m.group(1)}" if m else None
    _validate(path, kind, table)
    return ReferenceFile(
        path=path,
        kind=kind,
        table=table,
        sha256=sha256_file(path),
        dataset=dataset,
        header=[h.strip() for h in header],
        notes=notes,
    )


def _imd_table(path, header, cols, col, where) -> tuple[pa.Table, dict]:
    code_header = _norm_header(header[cols["lsoa_code"]])
    vintage = 2011 if re.search(r"lsoa11|\(2011\)", code_header) else 2021
    m = _EDITION_IN_NAME.search(path.name)
    edition = int(m.group(1)) if m else _DEFAULT_EDITION[vintage]
    codes = col("lsoa_code")
    n = len(codes)
    data: dict[str, pa.Array] = {
        "edition": pa.array([edition] * n, pa.int32()),
        "lsoa_code": pa.array(codes, pa.string()),
        "lsoa_vintage": pa.array([vintage] * n, pa.int32()),
    }
    for name in DEPRIVATION_COLUMNS[3:]:
        if name not in cols:
            typ = pa.float64() if name.endswith("score") else pa.int32()
            data[name] = pa.nulls(n, typ)
            continue
        values = col(name)
        if name.endswith("score"):
            parsed = [_float(v, where(name, k)) for k, v in enumerate(values)]
            if _norm_header(header[cols[name]]).endswith("_pct"):
                # mySociety's income/employment scores are percentages; IoD publishes rates.
                parsed = [None if v is None else round(v / 100, 6) for v in parsed]
            data[name] = pa.array(parsed, pa.float64())
        else:
            data[name] = pa.array(
                [_int(v, where(name, k)) for k, v in enumerate(values)], pa.int32()
            )
    return pa.table(data), {"edition": edition, "vintage": vintage}


def _validate(path: Path, kind: str, table: pa.Table) -> None:
    if table.num_rows == 0:
        raise GeographyError(f"{path}: no data rows")
    if kind == "lsoa11_lsoa21":
        keys = list(
            zip(table["lsoa11_code"].to_pylist(), table["lsoa21_code"].to_pylist(), strict=True)
        )
        code_cols = ["lsoa11_code", "lsoa21_code"]
        bad = sorted({c for c in table["change_code"].to_pylist() if c not in ("U", "S", "M", "X")})
        if bad:
            raise GeographyError(f"{path}: unknown change codes {bad} (expected U, S, M, X)")
    elif kind == "lad_csp_pfa":
        keys = list(zip(table["lad_code"].to_pylist(), table["csp_code"].to_pylist(), strict=True))
        code_cols = []
    elif kind == "lad_cty":
        # One county per district: a district listed twice would put its LSOAs in two counties.
        keys = table["lad_code"].to_pylist()
        code_cols = []
        for name, rx, what in (("lad_code", _LAD_CODE_RX, "district codes (E06–E09, W06)"),
                               ("cty_code", _COUNTY_CODE_RX, "county codes (E10)")):  # fmt: skip
            bad = [c for c in table[name].to_pylist() if not rx.match(c or "")]
            if bad:
                raise GeographyError(
                    f"{path}: {len(bad)} values in {name} are not {what}, e.g. {bad[:3]}"
                )
    elif kind == "imd":
        keys = table["lsoa_code"].to_pylist()
        code_cols = ["lsoa_code"]
        for name in ("imd_rank", "imd_decile"):
            if table[name].null_count:
                raise GeographyError(f"{path}: {table[name].null_count} rows without {name}")
        deciles = table["imd_decile"].to_pylist()
        if min(deciles) < 1 or max(deciles) > 10:
            raise GeographyError(f"{path}: IMD deciles outside 1–10")
    else:
        keys = table["lsoa21_code"].to_pylist()
        code_cols = ["lsoa21_code"]
    for name in code_cols:
        bad = [c for c in table[name].to_pylist() if not _LSOA_CODE.match(c or "")]
        if bad:
            raise GeographyError(
                f"{path}: {len(bad)} values in {name} are not LSOA codes, e.g. {bad[:3]}"
            )
    dupes = [k for k, n in Counter(keys).items() if n > 1]
    if dupes:
        raise GeographyError(f"{path}: {len(dupes)} duplicated keys, e.g. {dupes[:3]}")
    for name in table.column_names:
        if name.endswith("_code") and name != "ruc21_code" and table[name].null_count == 0:
            empty = sum(1 for c in table[name].to_pylist() if c == "")
            if empty:
                raise GeographyError(f"{path}: {empty} rows with an empty {name}")


# ------------------------------------------------------------------------------------------------
# LSOA -> CSP
# ------------------------------------------------------------------------------------------------

_LSOA_NAME = re.compile(r"^(?P<district>.+) \d{3}[A-Z]$")


def _name_key(name: str) -> str:
    # "Barrow-in-Furness" and "Barrow in Furness", "&" and "and" compare equal.
    return re.sub(r"[^a-z0-9]+", " ", name.casefold().replace("&", " and ")).strip()


@dataclass
class MultiCspLad:
    """How one LAD holding several CSPs was split."""

    lad_code: str
    lad_name: str
    district_to_csp: dict[str, str]  # former district -> CSP code
    rule: dict[str, str]  # former district -> 'exact' | 'contains' | 'remainder'
    lsoas_by_csp: dict[str, list[str]]
    csp_names: dict[str, str]
    mixed: list[str]  # LSOA 2021 whose LSOA 2011 parents lie in more than one district
    multi_parent: int  # LSOA 2021 with more than one LSOA 2011 parent


@dataclass
class CspReport:
    lads: list[MultiCspLad]

    @property
    def ambiguous(self) -> int:
        return sum(len(x.mixed) for x in self.lads)

    def to_dict(self) -> dict:
        return {
            x.lad_code: {
                "lad_name": x.lad_name,
                "csp_lsoas": {c: len(v) for c, v in sorted(x.lsoas_by_csp.items())},
                "districts": dict(sorted(x.district_to_csp.items())),
                "rule": dict(sorted(x.rule.items())),
                "mixed_parents": sorted(x.mixed),
                "multi_parent": x.multi_parent,
            }
            for x in self.lads
        }


def assign_csp(
    lsoa_lad: dict[str, str],
    lad_csp_rows: Iterable[dict],
    lsoa11_lsoa21_rows: Iterable[dict],
    lad_names: dict[str, str] | None = None,
) -> tuple[dict[str, tuple[str, str]], CspReport]:
    """The CSP of every LSOA 2021: ``{lsoa21_code: (csp_code, csp_method)}`` and a report.

    Rule (ONS publishes no LSOA → CSP lookup):

    * A LAD with one CSP in the LAD → CSP → PFA lookup: every LSOA in it gets that CSP
      (``csp_method = 'lad'``).
    * A LAD with several CSPs (unitary councils that kept their former districts' partnerships):
      each LSOA 2021's parent LSOA 2011 comes from the ONS LSOA 2011 → 2021 lookup; the LSOA 2011
      *name* is "<former district> 001A", which gives the former district. Each district is
      matched to one of the LAD's CSPs: the CSP of the same name, else the one CSP whose name
      contains the district's name ("Daventry" → "Daventry and South Northamptonshire"). If
      exactly one CSP of the LAD is left without a district, every unmatched district goes to it
      (Christchurch → the "Dorset" CSP). An LSOA 2021 with several LSOA 2011 parents takes the
      district of most parents (ties: the district of the lowest LSOA 2011 code).
      ``csp_method = 'former-district'``.

    Raises :class:`GeographyError` when any LSOA would be left without a CSP.
    """
    by_lad: dict[str, list[dict]] = defaultdict(list)
    for r in lad_csp_rows:
        by_lad[r["lad_code"]].append(r)
    parents: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in lsoa11_lsoa21_rows:
        parents[r["lsoa21_code"]].append((r["lsoa11_code"], r.get("lsoa11_name") or ""))
    lsoas_by_lad: dict[str, list[str]] = defaultdict(list)
    for code, lad in lsoa_lad.items():
        lsoas_by_lad[lad].append(code)

    missing = sorted(lad for lad in lsoas_by_lad if lad not in by_lad)
    if missing:
        raise GeographyError(
            f"{len(missing)} local authority districts have no CSP in the LAD → CSP → PFA "
            f"lookup: {', '.join(missing[:10])}. Give a LAD → CSP → PFA lookup of the same "
            "vintage as the LSOA → ward → LAD lookup."
        )
    out: dict[str, tuple[str, str]] = {}
    report: list[MultiCspLad] = []
    problems: list[str] = []
    for lad in sorted(lsoas_by_lad):
        csps = by_lad[lad]
        if len({r["csp_code"] for r in csps}) == 1:
            for code in lsoas_by_lad[lad]:
                out[code] = (csps[0]["csp_code"], "lad")
            continue
        csp_names = {r["csp_code"]: r["csp_name"] for r in csps}
        lad_name = (lad_names or {}).get(lad) or csps[0].get("lad_name") or lad
        # Former district of each LSOA 2021 in this LAD.
        lsoa_district: dict[str, str] = {}
        mixed: list[str] = []
        multi = 0
        for code in sorted(lsoas_by_lad[lad]):
            ps = sorted(parents.get(code, []))
            if not ps:
                problems.append(f"{code} ({lad_name}) has no LSOA 2011 parent in the lookup")
                continue
            districts = []
            for p_code, p_name in ps:
                m = _LSOA_NAME.match(p_name)
                if not m:
                    problems.append(
                        f"{code} ({lad_name}): the LSOA 2011 name {p_name!r} of {p_code} does "
                        "not end in a number and letter (e.g. 'Wycombe 012C')"
                    )
                    break
                districts.append(m.group("district"))
            else:
                multi += len(ps) > 1
                counts = Counter(districts)
                if len(counts) > 1:
                    mixed.append(code)
                top = max(counts.values())
                # ps is sorted by LSOA 2011 code, so the first tied district is the lowest code's.
                lsoa_district[code] = next(d for d in districts if counts[d] == top)
        # District -> CSP.
        mapping: dict[str, str] = {}
        rule: dict[str, str] = {}
        keys = {c: _name_key(n) for c, n in csp_names.items()}
        unmatched: list[str] = []
        for d in sorted(set(lsoa_district.values())):
            dk = _name_key(d)
            exact = [c for c, k in keys.items() if k == dk]
            contains = [c for c, k in keys.items() if re.search(rf"\b{re.escape(dk)}\b", k)]
            if len(exact) == 1:
                mapping[d], rule[d] = exact[0], "exact"
            elif len(contains) == 1:
                mapping[d], rule[d] = contains[0], "contains"
            elif len(contains) > 1:
                problems.append(
                    f"{lad_name}: former district {d!r} matches several CSPs "
                    f"{sorted(csp_names[c] for c in contains)}"
                )
            else:
                unmatched.append(d)
        if unmatched:
            spare = sorted(set(csp_names) - set(mapping.values()))
            if len(spare) == 1:
                for d in unmatched:
                    mapping[d], rule[d] = spare[0], "remainder"
            else:
                problems.append(
                    f"{lad_name}: former districts {unmatched} match no CSP of "
                    f"{sorted(csp_names.values())} and "
                    + ("no CSP is left" if not spare else "several CSPs are left")
                )
        by_csp: dict[str, list[str]] = {c: [] for c in csp_names}
        for code, d in lsoa_district.items():
            if d in mapping:
                out[code] = (mapping[d], "former-district")
                by_csp[mapping[d]].append(code)
        report.append(MultiCspLad(lad, lad_name, mapping, rule, by_csp, csp_names, mixed, multi))
    if problems:
        raise GeographyError(
            "Cannot give every LSOA a CSP:\n  "
            + "\n  ".join(problems[:20])
            + (f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else "")
        )
    left = sorted(set(lsoa_lad) - set(out))
    if left:
        raise GeographyError(f"{len(left)} LSOAs have no CSP, e.g. {left[:5]}")
    return out, CspReport(report)


LSOA21_COLUMNS = [
    "lsoa21_code", "lsoa21_name", "ward_code", "ward_name", "lad_code", "lad_name",
    "csp_code", "csp_name", "csp_method", "pfa_code", "pfa_name", "country", "ruc21_code",
    "ruc21_class", "is_urban", "population", "area_km2", "easting", "northing",
]  # fmt: skip


def build_lsoa21_table(
    ward_lad: pa.Table,
    lad_csp: pa.Table,
    lsoa11_lsoa21: pa.Table,
    ruc: pa.Table,
    population: pa.Table,
    shape: pa.Table,
) -> tuple[pa.Table, CspReport]:
    """One row per LSOA 2021 with its whole chain of areas (the ``ref_lsoa21`` columns).

    ``shape`` has ``lsoa21_code, area_km2, easting, northing``. Every input must cover exactly
    the LSOAs of ``ward_lad``; otherwise :class:`GeographyError` says which are missing or extra.
    """
    base = ward_lad.to_pylist()
    codes = [r["lsoa21_code"] for r in base]
    universe = set(codes)

    def keyed(table: pa.Table, what: str) -> dict[str, dict]:
        rows = {r["lsoa21_code"]: r for r in table.to_pylist()}
        missing = universe - set(rows)
        extra = set(rows) - universe
        if missing or extra:
            raise GeographyError(
                f"The {what} does not cover the same LSOAs as the LSOA → ward → LAD lookup: "
                f"{len(missing)} missing (e.g. {sorted(missing)[:3]}), "
                f"{len(extra)} extra (e.g. {sorted(extra)[:3]})"
            )
        return rows

    ruc_by = keyed(ruc, "rural-urban classification")
    pop_by = keyed(population, "population")
    shape_by = keyed(shape, "LSOA boundary file")
    lad_rows = lad_csp.to_pylist()
    csp_row = {r["csp_code"]: r for r in lad_rows}
    csp_of, report = assign_csp(
        {r["lsoa21_code"]: r["lad_code"] for r in base},
        lad_rows,
        lsoa11_lsoa21.to_pylist(),
        {r["lad_code"]: r["lad_name"] for r in base},
    )
    out: dict[str, list] = {c: [] for c in LSOA21_COLUMNS}
    for r in sorted(base, key=lambda r: r["lsoa21_code"]):
        code = r["lsoa21_code"]
        csp_code, method = csp_of[code]
        c = csp_row[csp_code]
        values = {
            **{
                k: r[k]
                for k in (
                    "lsoa21_code",
                    "lsoa21_name",
                    "ward_code",
                    "ward_name",
                    "lad_code",
                    "lad_name",
                )
            },
            "csp_code": csp_code,
            "csp_name": c["csp_name"],
            "csp_method": method,
            "pfa_code": c["pfa_code"],
            "pfa_name": c["pfa_name"],
            "country": code[0],
            "ruc21_code": ruc_by[code]["ruc21_code"],
            "ruc21_class": ruc_by[code]["ruc21_class"],
            "is_urban": ruc_by[code]["is_urban"],
            "population": pop_by[code]["population"],
            "area_km2": shape_by[code]["area_km2"],
            "easting": shape_by[code]["easting"],
            "northing": shape_by[code]["northing"],
        }
        for k in LSOA21_COLUMNS:
            out[k].append(values[k])
    schema = pa.schema(
        [
            (k, pa.bool_() if k == "is_urban" else pa.int32() if k == "population"
             else pa.float64() if k in ("area_km2", "easting", "northing") else pa.string())
            for k in LSOA21_COLUMNS
        ]
    )  # fmt: skip
    return pa.table(out, schema=schema), report


# ------------------------------------------------------------------------------------------------
# Loading into the warehouse
# ------------------------------------------------------------------------------------------------

# The Parquet files shipped in saferplaces/data, by role.
BUNDLE_FILES = {
    "lsoa21": "lsoa21.parquet",
    "lad_csp_pfa": "lad_csp_pfa.parquet",
    "lad_cty": "lad_cty.parquet",
    "lsoa11_lsoa21": "lsoa11_lsoa21.parquet",
    "deprivation": "deprivation.parquet",
    "boundaries_lsoa21": "boundaries_lsoa21.parquet",
    "boundaries_ward": "boundaries_ward.parquet",
    "boundaries_lad": "boundaries_lad.parquet",
    "boundaries_pfa": "boundaries_pfa.parquet",
}
METADATA_KEY = b"saferplaces"


def bundled_data_dir() -> Path:
    return Path(str(resources.files("saferplaces").joinpath("data")))


def parquet_metadata(path: Path) -> dict:
    """The provenance the build script stores in each Parquet file ({} if none)."""
    meta = pq.read_schema(path).metadata or {}
    raw = meta.get(METADATA_KEY)
    return json.loads(raw) if raw else {}


def _table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = current_schema() AND table_name = ? ORDER BY column_index",
        [table],
    ).fetchall()
    if not rows:
        raise GeographyError(f"The warehouse has no table {table}: create the schema first")
    return [r[0] for r in rows]


def _read_bundle(data_dir: Path) -> tuple[dict[str, pa.Table], dict[str, dict]]:
    tables: dict[str, pa.Table] = {}
    sources: dict[str, dict] = {}
    for role, name in BUNDLE_FILES.items():
        path = data_dir / name
        if not path.is_file():
            raise GeographyError(
                f"The bundled reference file {path} is missing: reinstall Safer Places or run "
                "`make reference`."
            )
        tables[role] = pq.read_table(path)
        for s in parquet_metadata(path).get("sources", []):
            sources[s["dataset"]] = {**s, "file_name": f"{s['file_name']} (bundled as {name})"}
    return tables, sources


def _override_source(ref: ReferenceFile, table_rows: int | None = None) -> dict:
    info = DATASETS[ref.kind]
    title = info["title"]
    if ref.kind == "imd":
        title = title.format(edition=ref.notes["edition"], vintage=ref.notes["vintage"])
    elif ref.notes:
        vintages = ", ".join(f"{k.split('_')[0]} {v}" for k, v in ref.notes.items() if v)
        title += f" ({vintages})" if vintages else ""
    return {
        "dataset": ref.dataset,
        "title": title,
        "publisher": info["publisher"],
        "licence": OGL,
        "attribution": OGL_ATTRIBUTION,
        "file_name": str(ref.path),
        "sha256": ref.sha256,
        "rows": table_rows if table_rows is not None else ref.rows,
    }


def compose_reference(
    paths: Sequence[str | Path] | None = None,
    data_dir: Path | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, pa.Table], dict[str, dict], dict]:
    """Everything :func:`load_geography` would write, without touching a database.

    Returns the tables by ``ref_*`` name, the ``ref_sources`` rows by dataset, and a summary.
    """
    say = progress or (lambda _msg: None)
    data_dir = data_dir or bundled_data_dir()
    bundle, sources = _read_bundle(data_dir)
    say(f"Read the bundled reference data from {data_dir}")
    refs: list[ReferenceFile] = []
    for p in paths or []:
        ref = read_reference_file(p)
        say(f"{p}: {ref.kind.replace('_', ' ')} ({ref.rows:,} rows)")
        refs.append(ref)
    kinds = Counter(r.dataset for r in refs)
    twice = [k for k, n in kinds.items() if n > 1]
    if twice:
        raise GeographyError(f"Several files of the same kind were given: {', '.join(twice)}")
    by_kind = {r.kind if r.kind != "imd" else r.dataset: r for r in refs}

    lsoa21 = bundle["lsoa21"]
    lad_csp = bundle["lad_csp_pfa"]
    l11 = bundle["lsoa11_lsoa21"]
    lad_cty = by_kind["lad_cty"].table if "lad_cty" in by_kind else bundle["lad_cty"]
    summary: dict = {
        "overrides": [{"file": str(r.path), "kind": r.dataset, "rows": r.rows} for r in refs]
    }
    touches_lsoa = {
        "lsoa21_ward_lad",
        "lad_csp_pfa",
        "lsoa11_lsoa21",
        "ruc21",
        "census2021_population",
    }
    if touches_lsoa & set(by_kind):
        ward_lad = lsoa21.select(list(KINDS["lsoa21_ward_lad"]))
        ruc = lsoa21.select(["lsoa21_code", "ruc21_code", "ruc21_class", "is_urban"])
        pop = lsoa21.select(["lsoa21_code", "population"])
        shape = lsoa21.select(["lsoa21_code", "area_km2", "easting", "northing"])
        if "lsoa21_ward_lad" in by_kind:
            ward_lad = by_kind["lsoa21_ward_lad"].table
        if "lad_csp_pfa" in by_kind:
            lad_csp = by_kind["lad_csp_pfa"].table
        if "lsoa11_lsoa21" in by_kind:
            l11 = by_kind["lsoa11_lsoa21"].table.select(
                ["lsoa11_code", "lsoa11_name", "change_code", "lsoa21_code"]
            )
        if "ruc21" in by_kind:
            ruc = by_kind["ruc21"].table
        if "census2021_population" in by_kind:
            pop = by_kind["census2021_population"].table
        lsoa21, report = build_lsoa21_table(ward_lad, lad_csp, l11, ruc, pop, shape)
        summary["csp_report"] = report.to_dict()
        say(f"Recomputed the CSP of {lsoa21.num_rows:,} LSOAs")
    dep = bundle["deprivation"]
    for ref in refs:
        if ref.kind != "imd":
            continue
        known = set(
            lsoa21["lsoa21_code"].to_pylist()
            if ref.notes["vintage"] == 2021
            else l11["lsoa11_code"].to_pylist()
        )
        unknown = [c for c in ref.table["lsoa_code"].to_pylist() if c not in known]
        if unknown:
            raise GeographyError(
                f"{ref.path}: {len(unknown)} LSOA codes are not {ref.notes['vintage']} LSOAs, "
                f"e.g. {unknown[:3]}"
            )
        keep = pc.not_equal(dep["edition"], ref.notes["edition"])
        new = ref.table.select(DEPRIVATION_COLUMNS).cast(dep.select(DEPRIVATION_COLUMNS).schema)
        dep = pa.concat_tables([dep.filter(keep).select(DEPRIVATION_COLUMNS), new])
    for ref in refs:
        sources[ref.dataset] = _override_source(ref)
    boundaries = pa.concat_tables(
        [bundle[k].select(["level", "code", "name", "vintage", "geometry"])
         for k in ("boundaries_lsoa21", "boundaries_ward", "boundaries_lad", "boundaries_pfa")]
    )  # fmt: skip
    lsoa_codes = set(lsoa21["lsoa21_code"].to_pylist())
    boundary_lsoas = {
        c for c, lvl in zip(boundaries["code"].to_pylist(), boundaries["level"].to_pylist(), strict=True)
        if lvl == "lsoa"
    }  # fmt: skip
    if boundary_lsoas != lsoa_codes:
        raise GeographyError(
            f"The LSOA boundaries ({len(boundary_lsoas):,}) and the LSOA table "
            f"({len(lsoa_codes):,}) do not hold the same LSOAs"
        )
    county = county_table(
        lad_cty, lsoa21, by_kind["lad_cty"].path if "lad_cty" in by_kind else None
    )
    tables = {
        "ref_lsoa21": lsoa21,
        "ref_lad_county": county,
        "ref_lsoa11_lsoa21": l11,
        "ref_deprivation": dep,
        "ref_boundaries": boundaries,
    }
    _check_chain(tables["ref_lsoa21"])
    # The police loader harmonises 2011 codes through this lookup, so it must lead into the
    # LSOA table and reach all of it.
    targets = set(l11["lsoa21_code"].to_pylist())
    if targets != lsoa_codes:
        raise GeographyError(
            "The LSOA 2011 → 2021 lookup and the LSOA table disagree: "
            f"{len(targets - lsoa_codes)} lookup targets are not in the table, "
            f"{len(lsoa_codes - targets)} LSOAs have no 2011 parent"
        )
    summary["tables"] = {k: v.num_rows for k, v in tables.items()}
    summary["csp_methods"] = dict(Counter(lsoa21["csp_method"].to_pylist()))
    return tables, sources, summary


COUNTY_COLUMNS = ["lad_code", "lad_name", "cty_code", "cty_name"]


def county_table(lad_cty: pa.Table, lsoa21: pa.Table, path: Path | None = None) -> pa.Table:
    """The ``ref_lad_county`` rows: each two-tier district with its county, sorted by district.

    Only non-metropolitan districts are listed; every other LAD (unitary, metropolitan, London,
    Wales) is its own upper tier and has no row. Every district listed must be a LAD of the
    LSOA table, so that a county is never smaller than its lookup says; otherwise
    :class:`GeographyError` names the districts and asks for lookups of the same vintage.
    """
    what = str(path) if path else "The bundled LAD → county lookup"
    lads = set(lsoa21["lad_code"].to_pylist())
    codes = lad_cty["lad_code"].to_pylist()
    unknown = sorted(set(codes) - lads)
    if unknown:
        raise GeographyError(
            f"{what}: {len(unknown)} districts are not in the LSOA → ward → LAD lookup "
            f"({', '.join(unknown[:10])}{' …' if len(unknown) > 10 else ''}). Give a LAD → "
            "county lookup of the same vintage as the LSOA → ward → LAD lookup."
        )
    return lad_cty.select(COUNTY_COLUMNS).sort_by([("lad_code", "ascending")])


def _check_chain(lsoa21: pa.Table) -> None:
    for name in ("lad_code", "csp_code", "pfa_code"):
        if lsoa21[name].null_count:
            raise GeographyError(f"{lsoa21[name].null_count} LSOAs have no {name}")
    codes = lsoa21["lsoa21_code"].to_pylist()
    if len(set(codes)) != len(codes):
        raise GeographyError("The LSOA table holds duplicated LSOA codes")


def load_geography(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path] | None = None,
    progress: Progress | None = None,
) -> dict:
    """Load the reference geography into the ``ref_*`` tables, replacing what was there.

    By default the Parquet files shipped with the package are loaded. ``paths`` may name newer
    ONS/MHCLG files of the same kinds (CSV or CSV.GZ; see :data:`KINDS`): an LSOA → ward → LAD
    lookup, a LAD → CSP → PFA lookup, a LAD → county lookup, the LSOA 2011 → 2021 lookup, the
    rural-urban classification, Census 2021 population, or an IoD file. Each replaces its part
    of the bundled data, and the CSP of every LSOA is recomputed when a lookup changes.

    All files are read and checked before the warehouse is touched, and the write is a single
    transaction: bad input or a failure part-way leaves the previous contents. Each dataset is
    recorded in ``ref_sources``. Returns a summary (rows per table, datasets, CSP methods).
    Call it outside any open transaction (it opens its own).
    """
    say = progress or (lambda _msg: None)
    tables, sources, summary = compose_reference(paths, progress=say)
    columns = {name: _table_columns(con, name) for name in [*tables, "ref_sources"]}
    loaded_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    con.execute("BEGIN TRANSACTION")
    try:
        for name, table in tables.items():
            cols = [c for c in columns[name] if c in table.column_names]
            view = f"_sp_geo_{name}"
            con.register(view, table)
            try:
                con.execute(f"DELETE FROM {name}")
                col_sql = ", ".join(f'"{c}"' for c in cols)
                con.execute(f"INSERT INTO {name} ({col_sql}) SELECT {col_sql} FROM {view}")
            finally:
                con.unregister(view)
            say(f"{name}: {table.num_rows:,} rows")
        # Only the datasets this loader owns are replaced; anything else is left alone.
        con.execute(
            "DELETE FROM ref_sources WHERE dataset IN (SELECT unnest(?)) "
            "OR regexp_full_match(dataset, 'imd\\d{4}')",
            [sorted({*_OWNED_DATASETS, *sources})],
        )
        con.executemany(
            "INSERT INTO ref_sources (dataset, title, publisher, licence, attribution, file_name, "
            "sha256, rows, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [s["dataset"], s.get("title"), s.get("publisher"), s.get("licence"),
                 s.get("attribution"), s.get("file_name"), s.get("sha256"), s.get("rows"),
                 loaded_at]
                for _, s in sorted(sources.items())
            ],
        )  # fmt: skip
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    summary["sources"] = sorted(sources)
    return summary


_OWNED_DATASETS = {
    "lsoa21_ward_lad", "lad_csp_pfa", "lad_cty", "lsoa11_lsoa21", "ruc21",
    "census2021_population", "boundaries_lsoa21", "boundaries_ward", "boundaries_lad",
    "boundaries_pfa",
}  # fmt: skip


# ------------------------------------------------------------------------------------------------
# Point in LSOA
# ------------------------------------------------------------------------------------------------


class LsoaLocator:
    """Finds the LSOA 2021 containing British National Grid points.

    Built from the generalised (BSC) LSOA boundaries in ``ref_boundaries``. Points on a shared
    edge go to the lower code, so the answer is deterministic.
    """

    def __init__(self, codes: Sequence[str], geometries: Sequence) -> None:
        order = np.argsort(np.asarray(codes, dtype=object).astype(str), kind="stable")
        self.codes = np.asarray(codes, dtype=object)[order]
        self.geometries = np.asarray(geometries, dtype=object)[order]
        # Prepared polygons make the point-in-polygon tests below fast.
        shapely.prepare(self.geometries)
        self._tree = shapely.STRtree(self.geometries)
        self._index = {c: i for i, c in enumerate(self.codes)}

    @classmethod
    def from_connection(cls, con: duckdb.DuckDBPyConnection) -> LsoaLocator:
        rows = con.execute(
            "SELECT code, geometry FROM ref_boundaries WHERE level = 'lsoa' ORDER BY code"
        ).fetchall()
        if not rows:
            raise GeographyError("No LSOA boundaries in the warehouse: load the geography first")
        return cls([r[0] for r in rows], shapely.from_wkb([r[1] for r in rows]))

    def __len__(self) -> int:
        return len(self.codes)

    def locate(
        self,
        easting: np.ndarray,
        northing: np.ndarray,
        candidates: Sequence[Sequence[str] | None] | None = None,
    ) -> np.ndarray:
        """LSOA 2021 code for each point (``None`` outside every LSOA or for NaN coordinates).

        With ``candidates`` (one list of LSOA 2021 codes per point) a point is placed among its
        candidates only: the one containing it, else the nearest, since a generalised boundary can
        leave a snapped point just outside its true LSOA. A point whose candidate list is empty or
        ``None`` is placed unrestricted.
        """
        x = np.asarray(easting, dtype=float).ravel()
        y = np.asarray(northing, dtype=float).ravel()
        if x.shape != y.shape:
            raise ValueError("easting and northing differ in length")
        out = np.full(x.shape[0], None, dtype=object)
        ok = np.isfinite(x) & np.isfinite(y)
        if candidates is None:
            free = np.flatnonzero(ok)
        else:
            if len(candidates) != x.shape[0]:
                raise ValueError("candidates must hold one list per point")
            pt_idx: list[int] = []
            geom_idx: list[int] = []
            free_list: list[int] = []
            for i, cands in enumerate(candidates):
                if not ok[i]:
                    continue
                cands = () if cands is None else cands
                known = [self._index[c] for c in cands if c in self._index]
                if not known:
                    free_list.append(i)
                    continue
                pt_idx.extend([i] * len(known))
                geom_idx.extend(known)
            free = np.asarray(free_list, dtype=np.intp)
            if pt_idx:
                self._place_among(x, y, np.asarray(pt_idx), np.asarray(geom_idx), out)
        if free.size:
            pts = shapely.points(x[free], y[free])
            # Bounding-box candidates from the tree, then exact tests on prepared polygons.
            p, g = self._tree.query(pts)
            hit = shapely.intersects_xy(self.geometries[g], x[free][p], y[free][p])
            p, g = p[hit], g[hit]
            # Lowest code first for points on a shared edge (geometries are sorted by code).
            order = np.lexsort((g, p))
            p, g = p[order], g[order]
            first = np.ones(p.shape[0], dtype=bool)
            first[1:] = p[1:] != p[:-1]
            out[free[p[first]]] = self.codes[g[first]]
        return out

    def _place_among(self, x, y, pi: np.ndarray, gi: np.ndarray, out: np.ndarray) -> None:
        inside = shapely.intersects_xy(self.geometries[gi], x[pi], y[pi])
        dist = np.where(
            inside, 0.0, shapely.distance(self.geometries[gi], shapely.points(x[pi], y[pi]))
        )
        # Per point: smallest distance, then lowest code.
        order = np.lexsort((gi, dist, pi))
        pi, gi = pi[order], gi[order]
        first = np.ones(pi.shape[0], dtype=bool)
        first[1:] = pi[1:] != pi[:-1]
        out[pi[first]] = self.codes[gi[first]]


# ------------------------------------------------------------------------------------------------
# Area names and codes
# ------------------------------------------------------------------------------------------------

# When one name belongs to areas of several levels ("Tamworth" is a LAD and a CSP), people
# running a partnership mean the partnership. "Staffordshire" is a county and a force area:
# partnerships mean the county, whose districts agree the Community Safety Agreement (the force
# area also holds Stoke-on-Trent); "pfa:Staffordshire" or the force's code picks the force area.
LEVEL_PREFERENCE = ("csp", "lad", "county", "pfa", "locality", "ward", "lsoa")
_LEVEL_PREFIX = re.compile(
    r"^\s*(lsoa|ward|lad|csp|county|pfa|locality)\s*:\s*(.+)$", re.IGNORECASE
)


def resolve_area(con: duckdb.DuckDBPyConnection, text: str) -> tuple[str, str, str]:
    """``(level, code, name)`` of the area a user typed: a code or a name, any level.

    Names are matched case-insensitively ("&" = "and", punctuation ignored). When a name
    belongs to several levels the CSP wins, then LAD, county, PFA, locality, ward, LSOA;
    "lad:Tamworth" or "pfa:Staffordshire" picks a level explicitly. Raises
    :class:`AmbiguousAreaError` when several areas of one level share the name (ward names
    often do), and :class:`AreaNotFoundError` listing the five closest matches when nothing
    matches.
    """
    query = (text or "").strip()
    if not query:
        raise AreaNotFoundError("No area given", [])
    level = None
    m = _LEVEL_PREFIX.match(query)
    if m:
        level, query = m.group(1).lower(), m.group(2).strip()
    level_sql = "AND level = ?" if level else ""
    extra = [level] if level else []
    rows = con.execute(
        f"SELECT level, code, name FROM areas WHERE upper(code) = upper(?) {level_sql}",
        [query, *extra],
    ).fetchall()
    if not rows:
        rows = con.execute(
            f"SELECT level, code, name FROM areas WHERE lower(name) = lower(?) {level_sql}",
            [query, *extra],
        ).fetchall()
    every: list[tuple[str, str, str]] | None = None
    if not rows:
        every = con.execute(
            f"SELECT level, code, name FROM areas WHERE name IS NOT NULL {level_sql}", extra
        ).fetchall()
        key = _name_key(query)
        rows = [r for r in every if _name_key(r[2]) == key]
    if rows:
        best = min(LEVEL_PREFERENCE.index(r[0]) for r in rows)
        chosen = sorted(
            {r for r in rows if LEVEL_PREFERENCE.index(r[0]) == best}, key=lambda r: r[1]
        )
        if len(chosen) == 1:
            lvl, code, name = chosen[0]
            return lvl, code, name
        listing = ", ".join(f"{c} ({n})" for _, c, n in chosen[:10])
        raise AmbiguousAreaError(
            f"{len(chosen)} areas of level {chosen[0][0]} are called {text.strip()!r}: "
            f"{listing}{' …' if len(chosen) > 10 else ''}. Give the code instead.",
            chosen,
        )
    suggestions = _closest(query, every or [])
    listing = "; ".join(f"{n} ({lvl} {c})" for lvl, c, n in suggestions)
    raise AreaNotFoundError(
        f"No area has the code or name {text.strip()!r}."
        + (f" Closest: {listing}." if suggestions else " (No geography loaded?)"),
        suggestions,
    )


def _closest(
    query: str, areas: list[tuple[str, str, str]], n: int = 5
) -> list[tuple[str, str, str]]:
    if re.match(r"^[A-Za-z]\d{2}", query) or query.upper().startswith("LOC:"):
        # Codes are read left to right: a shared prefix says more than shared characters.
        q = query.upper()

        def score(code: str) -> tuple[int, float]:
            prefix = len(_common_prefix(q, code.upper()))
            return prefix, difflib.SequenceMatcher(None, q, code.upper()).ratio()

        ranked = sorted(areas, key=lambda a: (*(-x for x in score(a[1])), a[1]))
        return ranked[:n]
    # LSOA names ("Tamworth 010G") would crowd out the areas people mean, unless asked for.
    with_lsoas = bool(re.search(r"\d", query))
    pool: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for a in areas:
        if a[0] != "lsoa" or with_lsoas:
            pool[_name_key(a[2])].append(a)
    key = _name_key(query)
    words = difflib.get_close_matches(key, list(pool), n=n, cutoff=0.6)
    if len(words) < n:
        more = difflib.get_close_matches(key, list(pool), n=n, cutoff=0.3)
        words += [w for w in more if w not in words]
    out: list[tuple[str, str, str]] = []
    for w in words:
        for a in sorted(pool[w], key=lambda a: (LEVEL_PREFERENCE.index(a[0]), a[1])):
            if len(out) < n:
                out.append(a)
    return out


def _common_prefix(a: str, b: str) -> str:
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return a[:i]


__all__ = [
    "AmbiguousAreaError",
    "AreaNotFoundError",
    "CspReport",
    "GeographyError",
    "LsoaLocator",
    "ReferenceFile",
    "assign_csp",
    "build_lsoa21_table",
    "compose_reference",
    "detect_kind",
    "load_geography",
    "read_reference_file",
    "resolve_area",
    "to_bng",
    "to_wgs84",
]
