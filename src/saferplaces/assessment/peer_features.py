"""Read the national peer features from the warehouse's reference tables.

The statistics live in :mod:`saferplaces.analysis.peers` (pure); this module only fetches the
LSOA rows they need from ``ref_lsoa21`` and ``ref_deprivation`` (IoD2025), which the warehouse
holds for all of England and Wales whatever police data is loaded.
"""

from __future__ import annotations

import duckdb

from saferplaces.analysis.peers import PeerFeatureTable, build_peer_features

__all__ = ["national_peer_table", "peer_reference_rows"]

#: The levels peers are found for (one list: the peers section reads it too).
LEVELS = ("csp", "lad", "county", "pfa", "ward")


def peer_reference_rows(con: duckdb.DuckDBPyConnection, level: str = "csp") -> list[dict]:
    """One dict per LSOA 2021: ``{level}_code``, ``{level}_name``, ``pfa_code``, ``population``,
    ``area_km2``, ``is_urban`` and ``imd_score`` (IoD2025; ``None`` in Wales)."""
    if level not in LEVELS:
        raise ValueError(f"peers are found for {', '.join(LEVELS)}, not {level!r}")
    if level == "county":
        # A county's peers are the other counties of England's two-tier areas (ONS LAD →
        # county lookup). Unitary, metropolitan and London councils are single-tier: they hold
        # no districts and agree no county-wide Community Safety Agreement, so they are not
        # like for like; their LSOAs have no county and are skipped by the peer builder.
        cur = con.execute(
            """
            SELECT r.lsoa21_code, c.cty_code, c.cty_name, r.pfa_code, r.population,
                   r.area_km2, r.is_urban, d.imd_score
            FROM ref_lsoa21 r
            LEFT JOIN ref_lad_county c ON c.lad_code = r.lad_code
            LEFT JOIN ref_deprivation d ON d.lsoa_code = r.lsoa21_code AND d.edition = 2025
            ORDER BY r.lsoa21_code
            """
        )
        cols = ["lsoa21_code", "county_code", "county_name", "pfa_code", "population",
                "area_km2", "is_urban", "imd_score"]  # fmt: skip
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    cur = con.execute(
        f"""
        SELECT r.lsoa21_code, r.{level}_code, r.{level}_name, r.pfa_code, r.population,
               r.area_km2, r.is_urban, d.imd_score
        FROM ref_lsoa21 r
        LEFT JOIN ref_deprivation d ON d.lsoa_code = r.lsoa21_code AND d.edition = 2025
        ORDER BY r.lsoa21_code
        """
    )
    cols = ["lsoa21_code", f"{level}_code", f"{level}_name", "pfa_code", "population",
            "area_km2", "is_urban", "imd_score"]  # fmt: skip
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


def national_peer_table(con: duckdb.DuckDBPyConnection, level: str = "csp") -> PeerFeatureTable:
    """The peer features of every area of ``level`` in England and Wales."""
    return build_peer_features(peer_reference_rows(con, level), level)
