"""Boundaries for the maps, read-only, from the warehouse or the packaged reference data.

The assessment model names the area's LSOAs (``places.lsoas``) and the grid cell centres, but
carries no polygons. The renderer asks for the LSOA 2021 polygons (British National Grid) and
the LSOA → 2024 ward best-fit lookup here. Ward shapes are made by joining LSOAs: the 2022
ward boundaries shipped with Safer Places do not cover every 2024 ward (see
``saferplaces/data/SOURCES.md``), while every LSOA has a 2024 ward in the ONS lookup.

Nothing here writes anything: the warehouse is opened read-only, and if it is missing, locked
by a running load, or lacks the boundaries, the packaged Parquet files are used instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

import duckdb
import shapely
from shapely.geometry.base import BaseGeometry

LSOA_ATTRIBUTION = (
    "Contains OS data © Crown copyright and database right 2021. Source: Office for National "
    "Statistics, LSOA (December 2021) boundaries, licensed under the Open Government Licence v3.0."
)
WARD_NOTE = (
    "Ward shapes are the LSOA 2021 boundaries joined by the ONS best-fit lookup of LSOA 2021 to "
    "2024 wards, because the 2022 ward boundary set does not cover every 2024 ward; edges can "
    "differ slightly from the official ward boundaries."
)


@dataclass
class AreaGeometry:
    """LSOA polygons of one area and the wards they belong to."""

    lsoas: dict[str, BaseGeometry]
    lsoa_ward: dict[str, tuple[str, str]]
    source: str
    missing: list[str] = field(default_factory=list)

    @cached_property
    def simplified(self) -> dict[str, BaseGeometry]:
        """Shared edges simplified together, so neighbouring shapes still meet exactly.

        Tolerance is about a third of a pixel on a 640-pixel-wide map: invisible, but it cuts
        the SVG for a force area to a fraction of its size.
        """
        codes = sorted(self.lsoas)
        geoms = [self.lsoas[c] for c in codes]
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        tol = max(x1 - x0, y1 - y0) / 2000
        try:
            simple = shapely.coverage_simplify(geoms, tol)
        except Exception:  # an invalid coverage (overlaps in the source) – simplify one by one
            simple = shapely.simplify(geoms, tol, preserve_topology=True)
        return dict(zip(codes, simple, strict=True))

    @cached_property
    def wards(self) -> dict[str, tuple[str, BaseGeometry]]:
        """ward code → (name, polygon) by joining the area's LSOAs."""
        groups: dict[str, list[BaseGeometry]] = {}
        names: dict[str, str] = {}
        for code, geom in self.simplified.items():
            ward = self.lsoa_ward.get(code)
            if ward is None:
                continue
            groups.setdefault(ward[0], []).append(geom)
            names[ward[0]] = ward[1]
        out = {}
        for w in sorted(groups):
            out[w] = (names[w], _dissolve(groups[w]))
        return out

    @cached_property
    def outline(self) -> BaseGeometry:
        return _dissolve(list(self.simplified.values()))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return tuple(shapely.total_bounds(list(self.simplified.values())))  # type: ignore[return-value]


def _dissolve(geoms: list[BaseGeometry]) -> BaseGeometry:
    try:
        return shapely.coverage_union_all(geoms)
    except Exception:
        return shapely.union_all(geoms)


def _packaged(name: str) -> Path:
    return Path(str(resources.files("saferplaces") / "data" / name))


def _from_warehouse(path: Path, codes: list[str]) -> AreaGeometry | None:
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None  # locked by a writer, or not a DuckDB file: use the packaged copy
    try:
        rows = con.execute(
            "SELECT code, geometry FROM ref_boundaries WHERE level = 'lsoa' "
            "AND code IN (SELECT unnest(?::VARCHAR[]))",
            [codes],
        ).fetchall()
        wards = con.execute(
            "SELECT lsoa21_code, ward_code, ward_name FROM ref_lsoa21 "
            "WHERE lsoa21_code IN (SELECT unnest(?::VARCHAR[]))",
            [codes],
        ).fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()
    if not rows:
        return None
    return _build(rows, wards, codes, f"warehouse {path}")


def _from_package(codes: list[str]) -> AreaGeometry | None:
    lsoa_file, lookup_file = _packaged("boundaries_lsoa21.parquet"), _packaged("lsoa21.parquet")
    if not lsoa_file.exists():
        return None
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT code, geometry FROM read_parquet(?) WHERE code IN (SELECT unnest(?::VARCHAR[]))",
            [str(lsoa_file), codes],
        ).fetchall()
        wards = (
            con.execute(
                "SELECT lsoa21_code, ward_code, ward_name FROM read_parquet(?) "
                "WHERE lsoa21_code IN (SELECT unnest(?::VARCHAR[]))",
                [str(lookup_file), codes],
            ).fetchall()
            if lookup_file.exists()
            else []
        )
    finally:
        con.close()
    if not rows:
        return None
    return _build(rows, wards, codes, "packaged reference data")


def _build(rows, wards, codes: list[str], source: str) -> AreaGeometry:
    geoms = dict(zip([r[0] for r in rows], shapely.from_wkb([bytes(r[1]) for r in rows]),
                     strict=True))  # fmt: skip
    lookup = {r[0]: (r[1], r[2] or r[1]) for r in wards if r[1]}
    return AreaGeometry(lsoas=geoms, lsoa_ward=lookup, source=source,
                        missing=sorted(set(codes) - set(geoms)))  # fmt: skip


def load_area_geometry(lsoa_codes: list[str], workspace: Path | None = None) -> AreaGeometry | None:
    """Polygons for ``lsoa_codes``: the workspace's warehouse first, else the packaged copy.

    Returns None when neither has them (the documents then say the maps are unavailable).
    """
    codes = sorted(set(lsoa_codes))
    if not codes:
        return None
    geo = None
    if workspace is not None:
        from saferplaces.config import Workspace

        geo = _from_warehouse(Workspace.resolve(workspace).warehouse_path, codes)
    if geo is None or geo.missing:
        packaged = _from_package(codes)
        if packaged is not None and (geo is None or len(packaged.missing) < len(geo.missing)):
            geo = packaged
    return geo
