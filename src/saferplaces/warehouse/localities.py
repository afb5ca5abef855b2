"""User-defined localities: named groups of LSOAs, usable wherever an area is.

A partnership's priority localities ("Burton Town & Uxbridge") rarely match an official area.
A locality is stored as its LSOA 2021 members; its code is ``LOC:<slug>`` and it appears in the
``areas`` and ``area_lsoas`` views at level ``locality``, so every command that takes an area
takes a locality too.

Ways to define one:

* the CLI: ``saferplaces locality add NAME --lsoa CODE … --ward CODE …`` (a ward stands for the
  LSOAs the official best-fit lookup puts in it);
* a CSV with columns ``locality,code`` (one row per member; ``code`` an LSOA 2021 or a ward
  code; an optional ``description`` column);
* a GeoJSON FeatureCollection of polygons in WGS84 longitude/latitude (as RFC 7946 requires),
  named by a ``name`` or ``locality`` property: the members are the LSOAs whose centroid
  (``ref_lsoa21.easting/northing``) falls inside.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import shapely

from saferplaces.warehouse.store import WarehouseError, transaction

PREFIX = "LOC:"
_LSOA = re.compile(r"^[EW]01\d{6}$")
_WARD = re.compile(r"^[EW]05\d{6}$")


class LocalityError(WarehouseError):
    pass


@dataclass
class Locality:
    name: str
    code: str
    lsoas: list[str]
    description: str | None = None
    source: str | None = None


def slugify(name: str) -> str:
    """'Burton Town & Uxbridge' -> 'burton-town-uxbridge'."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower().replace("&", " ")).strip("-")
    if not slug:
        raise LocalityError(f"{name!r} cannot be a locality name: it needs letters or digits.")
    return slug


def code_for(name: str) -> str:
    return PREFIX + slugify(name)


def resolve_members(
    con: duckdb.DuckDBPyConnection,
    lsoas: Sequence[str] = (),
    wards: Sequence[str] = (),
    where: str = "",
) -> list[str]:
    """LSOA 2021 codes for the given LSOA and ward codes; unknown codes raise a plain error."""
    lsoas = [c.strip().upper() for c in lsoas if c and c.strip()]
    wards = [c.strip().upper() for c in wards if c and c.strip()]
    found = set()
    if lsoas:
        known = {
            r[0]
            for r in con.execute(
                "SELECT lsoa21_code FROM ref_lsoa21 WHERE lsoa21_code IN (SELECT unnest(?))",
                [lsoas],
            ).fetchall()
        }
        missing = [c for c in lsoas if c not in known]
        if missing:
            old = {
                r[0]
                for r in con.execute(
                    "SELECT lsoa11_code FROM ref_lsoa11_lsoa21 "
                    "WHERE lsoa11_code IN (SELECT unnest(?))",
                    [missing],
                ).fetchall()
            }
            detail = "; ".join(
                f"{c} is a 2011 LSOA code (use its 2021 successors)" if c in old else
                f"{c} is not an LSOA 2021 code" for c in missing[:5]
            )  # fmt: skip
            raise LocalityError(f"{where}{detail}.")
        found |= known
    if wards:
        rows = con.execute(
            "SELECT ward_code, lsoa21_code FROM ref_lsoa21 WHERE ward_code IN (SELECT unnest(?))",
            [wards],
        ).fetchall()
        seen = {r[0] for r in rows}
        missing = [c for c in wards if c not in seen]
        if missing:
            raise LocalityError(
                f"{where}"
                + "; ".join(
                    f"{c} is not a ward code in the geography (wards of 2024)" for c in missing[:5]
                )
                + "."
            )
        found |= {r[1] for r in rows}
    return sorted(found)


def add_locality(
    con: duckdb.DuckDBPyConnection,
    name: str,
    lsoas: Sequence[str] = (),
    wards: Sequence[str] = (),
    description: str | None = None,
    source: str = "cli",
    replace: bool = False,
) -> Locality:
    """Create (or with ``replace``, redefine) one locality from LSOA and ward codes."""
    name = name.strip()
    members = resolve_members(con, lsoas, wards, where=f"Locality {name!r}: ")
    if not members:
        raise LocalityError(f"Locality {name!r}: give at least one --lsoa or --ward code.")
    loc = Locality(name, code_for(name), members, description, source)
    with transaction(con):
        _store(con, loc, replace)
    return loc


def _store(con: duckdb.DuckDBPyConnection, loc: Locality, replace: bool) -> None:
    existing = con.execute(
        "SELECT locality_id, name FROM localities WHERE code = ? OR lower(name) = lower(?)",
        [loc.code, loc.name],
    ).fetchall()
    if existing and not replace:
        raise LocalityError(
            f"A locality called {existing[0][1]!r} ({loc.code}) already exists. Remove it first "
            "(`saferplaces locality remove`) or use --replace."
        )
    for locality_id, _ in existing:
        con.execute("DELETE FROM locality_members WHERE locality_id = ?", [locality_id])
        con.execute("DELETE FROM localities WHERE locality_id = ?", [locality_id])
    locality_id = con.execute(
        "SELECT coalesce(max(locality_id), 0) + 1 FROM localities"
    ).fetchone()[0]
    con.execute(
        "INSERT INTO localities VALUES (?, ?, ?, ?, ?, ?)",
        [locality_id, loc.name, loc.code, loc.description, loc.source,
         datetime.now(UTC).replace(tzinfo=None)],
    )  # fmt: skip
    con.executemany(
        "INSERT INTO locality_members VALUES (?, ?)", [(locality_id, c) for c in loc.lsoas]
    )


def remove_locality(con: duckdb.DuckDBPyConnection, name_or_code: str) -> str:
    """Delete a locality by name or code; returns its code."""
    text = name_or_code.strip()
    row = con.execute(
        "SELECT locality_id, code FROM localities WHERE upper(code) = upper(?) "
        "OR lower(name) = lower(?) OR code = ?",
        [text, text, code_for(text) if re.search(r"[A-Za-z0-9]", text) else text],
    ).fetchone()
    if row is None:
        names = [r[0] for r in con.execute("SELECT name FROM localities ORDER BY name").fetchall()]
        raise LocalityError(
            f"No locality called {text!r}."
            + (f" Localities: {', '.join(names)}." if names else " There are none yet.")
        )
    with transaction(con):
        con.execute("DELETE FROM locality_members WHERE locality_id = ?", [row[0]])
        con.execute("DELETE FROM localities WHERE locality_id = ?", [row[0]])
    return row[1]


def list_localities(con: duckdb.DuckDBPyConnection) -> list[dict]:
    rows = con.execute(
        """
        SELECT l.code, l.name, l.description, l.source, count(m.lsoa21_code),
               sum(r.population), round(sum(r.area_km2), 2),
               string_agg(DISTINCT r.lad_name, ', ' ORDER BY r.lad_name)
        FROM localities l
        LEFT JOIN locality_members m USING (locality_id)
        LEFT JOIN ref_lsoa21 r USING (lsoa21_code)
        GROUP BY ALL ORDER BY l.name
        """
    ).fetchall()
    keys = ("code", "name", "description", "source", "lsoa_count", "population", "area_km2",
            "districts")  # fmt: skip
    return [dict(zip(keys, r, strict=True)) for r in rows]


# --- files -------------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LocalityError(f"{path}: not UTF-8 text; save it as UTF-8 and try again.") from None


def load_localities(
    con: duckdb.DuckDBPyConnection, path: str | Path, replace: bool = False
) -> list[Locality]:
    """Define localities from a CSV (locality,code) or a GeoJSON of polygons; all or nothing."""
    path = Path(path)
    if not path.is_file():
        raise LocalityError(f"{path}: no such file.")
    text = _read_text(path)
    lower = path.name.lower()
    if lower.endswith((".geojson", ".json", ".geojson.gz", ".json.gz")) or text.lstrip()[:1] == "{":
        locs = _from_geojson(con, path, text)
    else:
        locs = _from_csv(con, path, text)
    if not locs:
        raise LocalityError(f"{path}: no localities found.")
    with transaction(con):
        for loc in locs:
            _store(con, loc, replace)
    return locs


def _from_csv(con: duckdb.DuckDBPyConnection, path: Path, text: str) -> list[Locality]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]
    if "locality" not in header or "code" not in header:
        raise LocalityError(
            f"{path}: line 1: the header must name the columns 'locality' and 'code' "
            f"(found: {', '.join(header) or 'nothing'})."
        )
    i_name, i_code = header.index("locality"), header.index("code")
    i_desc = header.index("description") if "description" in header else None
    groups: dict[str, dict] = {}
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise LocalityError(
                f"{path}: line {line}: {len(row)} fields where the header has {len(header)}."
            )
        name, code = row[i_name].strip(), row[i_code].strip().upper()
        if not name:
            raise LocalityError(f"{path}: line {line}, locality: empty.")
        if _LSOA.match(code):
            what = "lsoas"
        elif _WARD.match(code):
            what = "wards"
        else:
            raise LocalityError(
                f"{path}: line {line}, code: {code!r} is neither an LSOA 2021 code (E01…/W01…) "
                "nor a ward code (E05…/W05…)."
            )
        g = groups.setdefault(name, {"lsoas": [], "wards": [], "lines": [], "description": None})
        g[what].append(code)
        g["lines"].append((line, code))
        if i_desc is not None and row[i_desc].strip():
            g["description"] = row[i_desc].strip()
    locs = []
    for name, g in groups.items():
        for line, code in g["lines"]:
            try:
                resolve_members(con, *(([code], []) if _LSOA.match(code) else ([], [code])))
            except LocalityError as exc:
                raise LocalityError(f"{path}: line {line}, code: {exc}") from None
        members = resolve_members(con, g["lsoas"], g["wards"])
        locs.append(Locality(name, code_for(name), members, g["description"], path.name))
    return locs


def _from_geojson(con: duckdb.DuckDBPyConnection, path: Path, text: str) -> list[Locality]:
    from saferplaces.warehouse.geography import project_to_bng

    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LocalityError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg}).") from None
    features = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
    crs = json.dumps(doc.get("crs") or {})
    bng = "27700" in crs
    centroids = con.execute(
        "SELECT lsoa21_code, easting, northing FROM ref_lsoa21 WHERE easting IS NOT NULL"
    ).fetchnumpy()
    if len(centroids["lsoa21_code"]) == 0:
        raise LocalityError("No LSOA centroids in the warehouse: load the geography first.")
    codes = np.asarray(centroids["lsoa21_code"], dtype=object)
    ex, ny = np.asarray(centroids["easting"]), np.asarray(centroids["northing"])
    locs: dict[str, Locality] = {}
    for n, feature in enumerate(features or [], start=1):
        props = feature.get("properties") or {}
        name = next(
            (str(props[k]).strip() for k in ("name", "locality", "Name", "NAME", "LOCALITY")
             if props.get(k)),
            None,
        )  # fmt: skip
        if not name:
            raise LocalityError(
                f"{path}: feature {n}: no 'name' (or 'locality') property to name the locality."
            )
        try:
            geom = shapely.geometry.shape(feature.get("geometry") or {})
        except (AttributeError, ValueError, TypeError, KeyError) as exc:
            raise LocalityError(f"{path}: feature {n} ({name}): bad geometry ({exc}).") from None
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise LocalityError(
                f"{path}: feature {n} ({name}): a {geom.geom_type}; a locality needs a polygon."
            )
        minx, miny, maxx, maxy = geom.bounds
        if not bng:
            if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
                raise LocalityError(
                    f"{path}: feature {n} ({name}): coordinates like ({minx:.0f}, {miny:.0f}) are "
                    "not longitude/latitude. GeoJSON must be in WGS84 (EPSG:4326); re-export it, "
                    "or declare British National Grid with a crs member naming EPSG:27700."
                )
            geom = project_to_bng(np.array([geom]))[0]
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        inside = shapely.contains_xy(geom, ex, ny)
        members = sorted(codes[inside].tolist())
        if not members:
            raise LocalityError(
                f"{path}: feature {n} ({name}): no LSOA centroid falls inside the polygon. Is it "
                "in England or Wales, and in longitude/latitude order?"
            )
        if name in locs:
            locs[name].lsoas = sorted(set(locs[name].lsoas) | set(members))
        else:
            desc = props.get("description")
            locs[name] = Locality(name, code_for(name), members, desc, path.name)
    return list(locs.values())


__all__ = [
    "Locality",
    "LocalityError",
    "add_locality",
    "code_for",
    "list_localities",
    "load_localities",
    "remove_locality",
    "resolve_members",
    "slugify",
]
