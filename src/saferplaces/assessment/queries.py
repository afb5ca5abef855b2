"""Every warehouse query the assessment makes, in one place.

Each method returns rows with named columns (``row.category``, ``row.n``) so the sections
read as arithmetic on named figures, not on positions. The area's records are read once into
the temp table ``a_street`` (see :meth:`Warehouse.select_area`); every later query about the
area reads that small table, never the national one again. Parent areas and England and
Wales are counted in one pass each and kept for as long as the warehouse holds the same loads.
"""

from __future__ import annotations

from collections import defaultdict, namedtuple
from datetime import date
from functools import cache
from typing import Any

import duckdb

from saferplaces.assessment.parameters import ASB, DEPRIVED_DECILE_MAX, IOD_EDITION

# The columns of a street record the assessment reads; fewer columns, faster area extracts.
RECORD_COLUMNS = (
    "category, month, lsoa21_code, easting, northing, lon, lat, outcome, force, lsoa_method, location"
)

# Category × month counts for parent areas and England and Wales, shared by the areas assessed
# in one process (a force's CSPs all compare with the same force area).
_PARENT_COUNTS: dict[tuple, Any] = {}

# National peer features per level, shared by the areas assessed in one process: they come
# from the reference tables alone, and building them costs more than the rest of a warm CSP.
_PEER_TABLES: dict[tuple, Any] = {}


@cache
def _row_type(names: str) -> type:
    return namedtuple("Row", names.split())


class Warehouse:
    """The queries, on one open warehouse connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._area_monthly: dict[tuple, dict[str, dict[date, int]]] = {}
        self._by_area: dict[tuple, tuple[set[str], list[Any]]] = {}

    def _rows(self, names: str, sql: str, params: list | None = None) -> list[Any]:
        row = _row_type(names)
        return [row(*r) for r in self.con.execute(sql, params or []).fetchall()]

    def _one(self, sql: str, params: list | None = None) -> tuple:
        return self.con.execute(sql, params or []).fetchone()

    # --- reference and coverage ------------------------------------------------------------

    def categories(self) -> list[Any]:
        return self._rows("category slug is_asb",
                          "SELECT category, slug, is_asb FROM ref_categories WHERE current "
                          "ORDER BY category")  # fmt: skip

    def loaded_months(self) -> dict[str, set[date]]:
        """Street months loaded per force."""
        out: dict[str, set[date]] = defaultdict(set)
        for force, month in self.con.execute(
            "SELECT force, month FROM police_loads WHERE is_current AND kind = 'street'"
        ).fetchall():
            out[force].add(month)
        return out

    def state(self) -> tuple:
        """What the warehouse holds now: a cache key that changes with every load."""
        return (
            self._one("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")[0],
            self._one("SELECT coalesce(max(load_id), 0), count(*) FROM police_loads WHERE is_current"),
        )

    def reference_state(self) -> tuple:
        """What the reference tables the peer features read hold now (a content hash: they
        change with ``load geography``, not with police loads)."""
        return (
            self._one("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")[0],
            self._one(
                "SELECT (SELECT count(*) || ':' || sum(hash(r)) FROM ref_lsoa21 r), "
                "(SELECT count(*) || ':' || sum(hash(d)) FROM ref_deprivation d), "
                "(SELECT count(*) || ':' || sum(hash(c)) FROM ref_lad_county c)"
            ),
        )

    def peer_table(self, level: str) -> Any:
        """The national peer features of every area of ``level``
        (:func:`~saferplaces.assessment.peer_features.national_peer_table`), built once per
        process for as long as the reference tables hold the same rows."""
        from saferplaces.assessment.peer_features import national_peer_table

        key = (self.reference_state(), level)
        if key not in _PEER_TABLES:
            if len(_PEER_TABLES) > 32:  # a long-running server must not grow without bound
                _PEER_TABLES.clear()
            _PEER_TABLES[key] = national_peer_table(self.con, level)
        return _PEER_TABLES[key]

    # --- the area ---------------------------------------------------------------------------

    def resolve(self, text: str) -> tuple[str, str, str]:
        from saferplaces.warehouse.geography import resolve_area

        return resolve_area(self.con, text)

    def select_area(self, level: str, code: str, table: str = "a_lsoa") -> None:
        """The area's LSOAs into ``table``; for the assessed area (``a_lsoa``) also its records
        into ``a_street``, read once: every later query about the area scans that."""
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT DISTINCT lsoa21_code "
            "FROM area_lsoas WHERE level = ? AND code = ?",
            [level, code],
        )
        if table == "a_lsoa":
            self._area_monthly.clear()
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE a_street AS SELECT {RECORD_COLUMNS} "
                f"FROM {self._force_records()} "
                "WHERE lsoa21_code IN (SELECT lsoa21_code FROM a_lsoa)"
            )

    def _force_records(self) -> str:
        """Where to read the area's records from: ``police_street``, or, when every LSOA of
        ``a_lsoa`` lies in one force area, that force area's records, kept on this connection
        (temp table ``f_street``) while the loads and the force area's LSOAs are unchanged.
        Reading the national table is most of a warm assessment's time, so the CSPs of a
        force, or an area assessed again, read it once between them; the rows are the same."""
        pfa, outside = self._one(
            "SELECT CASE WHEN count(DISTINCT r.pfa_code) = 1 THEN any_value(r.pfa_code) END, "
            "count(*) FILTER (WHERE r.pfa_code IS NULL) "
            "FROM a_lsoa a LEFT JOIN ref_lsoa21 r USING (lsoa21_code)"
        )
        if pfa is None or outside:
            return "police_street"
        key = repr((self.state(), pfa, self._one(
            "SELECT count(*), sum(hash(lsoa21_code)) FROM ref_lsoa21 WHERE pfa_code = ?", [pfa]
        )))  # fmt: skip
        kept = self._one("SELECT count(*) FROM duckdb_tables() "
                         "WHERE temporary AND table_name = 'f_street_key'")[0]  # fmt: skip
        if kept and self._one("SELECT key FROM f_street_key")[0] == key:
            return "f_street"
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE f_street AS SELECT {RECORD_COLUMNS} FROM police_street "
            "WHERE lsoa21_code IN (SELECT lsoa21_code FROM ref_lsoa21 WHERE pfa_code = ?)",
            [pfa],
        )
        self.con.execute("CREATE OR REPLACE TEMP TABLE f_street_key AS SELECT ?::VARCHAR AS key",
                         [key])  # fmt: skip
        return "f_street"

    def narrow_area(self, level: str, code: str) -> None:
        """Narrow ``a_lsoa``/``a_street`` to one part of the assessed area (a county's
        district) from the area's own extract, without reading ``police_street`` again;
        :meth:`restore_area` puts the whole area back."""
        if not self._one("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'c_street' AND temporary")[0]:
            self.con.execute("CREATE TEMP TABLE c_lsoa AS SELECT * FROM a_lsoa")
            self.con.execute("CREATE TEMP TABLE c_street AS SELECT * FROM a_street")
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE a_lsoa AS SELECT DISTINCT lsoa21_code FROM area_lsoas "
            "WHERE level = ? AND code = ? AND lsoa21_code IN (SELECT lsoa21_code FROM c_lsoa)",
            [level, code],
        )
        self.con.execute("CREATE OR REPLACE TEMP TABLE a_street AS SELECT * FROM c_street "
                         "WHERE lsoa21_code IN (SELECT lsoa21_code FROM a_lsoa)")  # fmt: skip
        self._area_monthly.clear()

    def restore_area(self) -> None:
        """Undo :meth:`narrow_area`: the assessed area's whole extract again."""
        self.con.execute("CREATE OR REPLACE TEMP TABLE a_lsoa AS SELECT * FROM c_lsoa")
        self.con.execute("CREATE OR REPLACE TEMP TABLE a_street AS SELECT * FROM c_street")
        self.con.execute("DROP TABLE c_lsoa")
        self.con.execute("DROP TABLE c_street")
        self._area_monthly.clear()

    def area_row(self, level: str, code: str) -> Any:
        rows = self._rows("population area_km2 lsoa_count",
                          "SELECT population, area_km2, lsoa_count FROM areas WHERE level = ? "
                          "AND code = ?", [level, code])  # fmt: skip
        return rows[0] if rows else _row_type("population area_km2 lsoa_count")(0, 0.0, 0)

    def area_name(self, level: str, code: str) -> str | None:
        row = self._one("SELECT name FROM areas WHERE level = ? AND code = ?", [level, code])
        return row[0] if row else None

    def population(self, level: str, code: str) -> int:
        row = self._one("SELECT population FROM areas WHERE level = ? AND code = ?", [level, code])
        return int((row[0] if row else 0) or 0)

    def england_wales_population(self) -> int:
        return int(self._one("SELECT sum(population) FROM ref_lsoa21")[0] or 0)

    def pfas_of(self, table: str) -> list[str]:
        return [r[0] for r in self.con.execute(
            f"SELECT DISTINCT r.pfa_code FROM ref_lsoa21 r JOIN {table} USING (lsoa21_code) ORDER BY 1"
        ).fetchall()]  # fmt: skip

    def single_parents(self) -> Any:
        """The ward, LAD, CSP, county and force area holding all the area's LSOAs (None if
        several, or for the county when the districts are unitary: they belong to none)."""
        return self._rows(
            "ward lad csp county pfa",
            """
            SELECT CASE WHEN count(DISTINCT r.ward_code) = 1 THEN any_value(r.ward_code) END,
                   CASE WHEN count(DISTINCT r.lad_code) = 1 THEN any_value(r.lad_code) END,
                   CASE WHEN count(DISTINCT r.csp_code) = 1 THEN any_value(r.csp_code) END,
                   CASE WHEN count(DISTINCT c.cty_code) = 1 AND count(c.cty_code) = count(*)
                        THEN any_value(c.cty_code) END,
                   CASE WHEN count(DISTINCT r.pfa_code) = 1 THEN any_value(r.pfa_code) END
            FROM ref_lsoa21 r JOIN a_lsoa USING (lsoa21_code)
            LEFT JOIN ref_lad_county c ON c.lad_code = r.lad_code
            """,
        )[0]

    def csps_in_lad(self, lad_code: str) -> int:
        return int(self._one("SELECT count(DISTINCT csp_code) FROM ref_lsoa21 WHERE lad_code = ?",
                             [lad_code])[0])  # fmt: skip

    def same_lsoas(self, table: str) -> bool:
        """Does ``table`` hold exactly the assessed area's LSOAs?"""
        return bool(self._one(
            f"SELECT (SELECT count(*) FROM {table}) = (SELECT count(*) FROM a_lsoa) AND NOT "
            f"EXISTS (SELECT lsoa21_code FROM a_lsoa EXCEPT SELECT lsoa21_code FROM {table})"
        )[0])  # fmt: skip

    # --- counts -----------------------------------------------------------------------------

    def area_monthly(self, months: list[date]) -> dict[str, dict[date, int]]:
        """The assessed area's records per category and month (from ``a_street``); the
        sections share one call over every month they need."""
        key = tuple(sorted(months))
        if key in self._area_monthly:
            return self._area_monthly[key]
        out: dict[str, dict[date, int]] = defaultdict(dict)
        self._area_monthly[key] = out
        if not months:
            return out
        for r in self._rows("category month n",
                            "SELECT category, month, count(*) FROM a_street "
                            "WHERE month IN (SELECT unnest(?::DATE[])) GROUP BY 1, 2 ORDER BY 1, 2",
                            [months]):  # fmt: skip
            out[r.category][r.month] = r.n
        return out

    def parent_monthly(self, key: tuple, table: str | None, months: list[date]) -> dict[str, dict[date, int]]:
        """Records per category and month for a parent area (LSOAs in ``table``) or, with
        ``table`` None, all of England and Wales; one pass over the records, cached."""
        cache_key = (self.state(), key, tuple(sorted(months)))
        if cache_key in _PARENT_COUNTS:
            return _PARENT_COUNTS[cache_key]
        where = (f"lsoa21_code IN (SELECT lsoa21_code FROM {table})" if table
                 else "lsoa21_code IS NOT NULL")  # fmt: skip
        out: dict[str, dict[date, int]] = defaultdict(dict)
        if months:
            for r in self._rows("category month n",
                                f"SELECT category, month, count(*) FROM police_street WHERE {where} "
                                "AND month IN (SELECT unnest(?::DATE[])) GROUP BY 1, 2 ORDER BY 1, 2",
                                [months]):  # fmt: skip
                out[r.category][r.month] = r.n
        if len(_PARENT_COUNTS) > 512:  # a long-running server must not grow without bound
            _PARENT_COUNTS.clear()
        _PARENT_COUNTS[cache_key] = out
        return out

    def force_monthly(self, forces: list[str], months: list[date]) -> dict[str, dict[date, int]]:
        """The forces' own records per category and month (seasonal reference years)."""
        out: dict[str, dict[date, int]] = defaultdict(dict)
        for r in self._rows("category month n",
                            "SELECT category, month, count(*) FROM police_street "
                            "WHERE force IN (SELECT unnest(?::VARCHAR[])) "
                            "AND month IN (SELECT unnest(?::DATE[])) GROUP BY 1, 2",
                            [forces, months]):  # fmt: skip
            out[r.category][r.month] = r.n
        return out

    def outcomes(self, months: list[date]) -> list[Any]:
        return self._rows(
            "category outcome n",
            """
            SELECT s.category, coalesce(s.outcome, 'No outcome recorded'), count(*)
            FROM a_street s
            WHERE s.month IN (SELECT unnest(?::DATE[])) AND s.category <> ?
            GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2
            """,
            [months, ASB],
        )

    # --- peers ------------------------------------------------------------------------------

    def crime_asb_by_area(self, level: str, codes: list[str], months: list[date]) -> list[Any]:
        """Crime (every category but ASB) and ASB per area, from :meth:`categories_by_area`:
        the peers section asks for both, and this way reads the national table once."""
        out: dict[str, list[int]] = {}
        for r in self.categories_by_area(level, codes, months):
            n = out.setdefault(r.code, [0, 0])
            if r.category == ASB:
                n[1] += r.n
            elif r.category is not None:
                n[0] += r.n
        row = _row_type("code crime asb")
        return [row(c, crime, asb) for c, (crime, asb) in out.items()]

    def populations(self, level: str, codes: list[str]) -> dict[str, int]:
        return dict(self.con.execute(
            "SELECT code, population FROM areas WHERE level = ? AND code IN (SELECT unnest(?::VARCHAR[]))",
            [level, codes],
        ).fetchall())  # fmt: skip

    def categories_by_area(self, level: str, codes: list[str], months: list[date]) -> list[Any]:
        """Records per area and category; kept for this assessment, so a later call for some
        of the same areas and months reads no records again."""
        key = (level, tuple(sorted(months)))
        kept = self._by_area.get(key)
        if kept is None or not set(codes) <= kept[0]:
            kept = (set(codes), self._rows(
                "code category n",
                """
                SELECT x.code, s.category, count(*) FROM police_street s JOIN area_lsoas x USING (lsoa21_code)
                WHERE x.level = ? AND x.code IN (SELECT unnest(?::VARCHAR[]))
                  AND s.month IN (SELECT unnest(?::DATE[]))
                GROUP BY 1, 2
                """,
                [level, codes, months],
            ))  # fmt: skip
            self._by_area[key] = kept
        wanted = set(codes)
        return [r for r in kept[1] if r.code in wanted]

    # --- places -----------------------------------------------------------------------------

    def place_rows(self, unit: str, now: list[date], compared: list[date], before: list[date]) -> list[Any]:
        """Per ward or LSOA: population, crime in the period, in the months compared and in
        their baseline months, ASB in the period, IMD."""
        key = "ward_code" if unit == "ward" else "lsoa21_code"
        name = "ward_name" if unit == "ward" else "lsoa21_name"
        return self._rows(
            "code name population now compared before asb imd_score imd_decile ward_code",
            f"""
            WITH c AS (
                SELECT s.lsoa21_code,
                       count(*) FILTER (WHERE s.category <> ? AND s.month IN (SELECT unnest(?::DATE[]))) AS now,
                       count(*) FILTER (WHERE s.category <> ? AND s.month IN (SELECT unnest(?::DATE[]))) AS compared,
                       count(*) FILTER (WHERE s.category <> ? AND s.month IN (SELECT unnest(?::DATE[]))) AS before,
                       count(*) FILTER (WHERE s.category = ? AND s.month IN (SELECT unnest(?::DATE[]))) AS asb
                FROM a_street s GROUP BY 1
            ), imd AS (SELECT lsoa_code, imd_score, imd_decile FROM ref_deprivation WHERE edition = {IOD_EDITION})
            SELECT r.{key}, any_value(r.{name}), sum(r.population)::INTEGER,
                   coalesce(sum(c.now), 0)::INTEGER, coalesce(sum(c.compared), 0)::INTEGER,
                   coalesce(sum(c.before), 0)::INTEGER,
                   coalesce(sum(c.asb), 0)::INTEGER,
                   sum(r.population * imd.imd_score) / nullif(sum(r.population) FILTER (WHERE imd.imd_score IS NOT NULL), 0),
                   any_value(imd.imd_decile), any_value(r.ward_code)
            FROM ref_lsoa21 r JOIN a_lsoa USING (lsoa21_code)
            LEFT JOIN c USING (lsoa21_code)
            LEFT JOIN imd ON imd.lsoa_code = r.lsoa21_code
            WHERE r.{key} IS NOT NULL
            GROUP BY r.{key} ORDER BY r.{key}
            """,
            [ASB, now, ASB, compared, ASB, before, ASB, now],
        )

    def imd_decile_cuts(self) -> list[float] | None:
        return self._one(
            "SELECT quantile_cont(imd_score, [0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9]) "
            f"FROM ref_deprivation WHERE edition = {IOD_EDITION}"
        )[0]

    def map_point_counts(self, months: list[date]) -> list[int]:
        """Crime per published map point seen in the area in any loaded month (zeros kept)."""
        return [r[0] for r in self.con.execute(
            """
            SELECT count(*) FILTER (WHERE s.category <> ? AND s.month IN (SELECT unnest(?::DATE[])))
            FROM a_street s
            WHERE s.lon IS NOT NULL GROUP BY s.lon, s.lat ORDER BY s.lon, s.lat
            """,
            [ASB, months],
        ).fetchall()]  # fmt: skip

    # --- hotspots ---------------------------------------------------------------------------

    def lsoa_boundaries(self) -> list[bytes]:
        return [r[0] for r in self.con.execute(
            "SELECT b.geometry FROM ref_boundaries b JOIN a_lsoa ON b.code = a_lsoa.lsoa21_code "
            "WHERE b.level = 'lsoa' ORDER BY b.code"
        ).fetchall()]  # fmt: skip

    def crime_points(self, months: list[date]) -> dict:
        """Easting, northing and month of each crime (numpy columns)."""
        return self.con.execute(
            """
            SELECT s.easting, s.northing, s.month FROM a_street s
            WHERE s.category <> ? AND s.month IN (SELECT unnest(?::DATE[]))
            """,
            [ASB, months],
        ).fetchnumpy()

    # --- priority localities and emerging issues --------------------------------------------

    def locality_rows(self, unit: str, months: list[date]) -> list[Any]:
        key = "lsoa21_code" if unit == "lsoa" else "ward_code"
        name_col = "lsoa21_name" if unit == "lsoa" else "ward_name"
        return self._rows(
            "code name pop imd category month n",
            f"""
            WITH imd AS (SELECT lsoa_code, imd_score FROM ref_deprivation WHERE edition = {IOD_EDITION}),
            pop AS (
                SELECT r.{key} AS code, any_value(r.{name_col}) AS name, sum(r.population) AS pop,
                       sum(r.population * imd.imd_score) / nullif(sum(r.population)
                           FILTER (WHERE imd.imd_score IS NOT NULL), 0) AS imd
                FROM ref_lsoa21 r JOIN a_lsoa USING (lsoa21_code)
                LEFT JOIN imd ON imd.lsoa_code = r.lsoa21_code
                WHERE r.{key} IS NOT NULL GROUP BY 1
            )
            SELECT p.code, p.name, p.pop, p.imd, s.category, s.month, count(s.month)
            FROM pop p
            LEFT JOIN ref_lsoa21 r ON r.{key} = p.code
            LEFT JOIN a_street s ON s.lsoa21_code = r.lsoa21_code
                 AND s.month IN (SELECT unnest(?::DATE[]))
            GROUP BY ALL ORDER BY p.code
            """,
            [months],
        )

    def locality_lsoas(self, unit: str) -> list[Any]:
        """Per LSOA of the area: its place (ward or LSOA), population and the IoD domain scores
        and ranks the priority-localities deprivation domain uses."""
        key = "lsoa21_code" if unit == "lsoa" else "ward_code"
        name_col = "lsoa21_name" if unit == "lsoa" else "ward_name"
        return self._rows(
            "lsoa place name pop income_score employment_score education_rank health_rank "
            "environment_rank",
            f"""
            SELECT r.lsoa21_code, r.{key}, r.{name_col}, r.population, d.income_score,
                   d.employment_score, d.education_rank, d.health_rank, d.environment_rank
            FROM ref_lsoa21 r JOIN a_lsoa USING (lsoa21_code)
            LEFT JOIN ref_deprivation d ON d.lsoa_code = r.lsoa21_code AND d.edition = {IOD_EDITION}
            WHERE r.{key} IS NOT NULL ORDER BY r.lsoa21_code
            """,
        )

    def iod_lsoa_count(self) -> int:
        """LSOAs ranked in the IoD edition used (England: 33,755 for IoD2025)."""
        return int(self._one(f"SELECT count(*) FROM ref_deprivation WHERE edition = {IOD_EDITION}")[0])

    def place_category_months(self, unit: str, months: list[date]) -> list[Any]:
        """Records per place (ward or LSOA), category and month, from ``a_street``."""
        key = "lsoa21_code" if unit == "lsoa" else "ward_code"
        return self._rows(
            "code category month n",
            f"""
            SELECT r.{key}, s.category, s.month, count(*) FROM a_street s
            JOIN ref_lsoa21 r USING (lsoa21_code)
            WHERE s.month IN (SELECT unnest(?::DATE[])) AND r.{key} IS NOT NULL
            GROUP BY ALL ORDER BY 1, 2, 3
            """,
            [months],
        )

    def facility_rows(self, unit: str, months: list[date], labels: list[str]) -> list[Any]:
        """Crime (not ASB) per place at each facility map point: place, the published location
        label, the map point and the category, for the labels given (prisons, hospitals…)."""
        key = "lsoa21_code" if unit == "lsoa" else "ward_code"
        return self._rows(
            "code location lon lat category month n",
            f"""
            SELECT r.{key}, s.location, s.lon, s.lat, s.category, s.month, count(*) FROM a_street s
            JOIN ref_lsoa21 r USING (lsoa21_code)
            WHERE s.month IN (SELECT unnest(?::DATE[])) AND s.category <> ?
              AND s.location IN (SELECT unnest(?::VARCHAR[])) AND r.{key} IS NOT NULL
            GROUP BY ALL ORDER BY 1, 2, 3, 4, 5, 6
            """,
            [months, ASB, labels],
        )

    def district_monthly(self, level: str, months: list[date]) -> list[Any]:
        """Records per district (``level`` lad or csp), category and month, from ``a_street``:
        a county's districts counted in one pass over its own records."""
        col = "csp_code" if level == "csp" else "lad_code"
        return self._rows(
            "code category month n",
            f"""
            SELECT r.{col}, s.category, s.month, count(*) FROM a_street s
            JOIN ref_lsoa21 r USING (lsoa21_code)
            WHERE s.month IN (SELECT unnest(?::DATE[])) GROUP BY ALL ORDER BY 1, 2, 3
            """,
            [months],
        )

    def county_districts(self, county_code: str) -> list[Any]:
        """The districts of a county (ONS LAD → county lookup) with their populations."""
        return self._rows(
            "code name population",
            """
            SELECT c.lad_code, coalesce(a.name, c.lad_name), coalesce(a.population, 0)
            FROM ref_lad_county c LEFT JOIN areas a ON a.level = 'lad' AND a.code = c.lad_code
            WHERE c.cty_code = ? ORDER BY 2
            """,
            [county_code],
        )

    def measure_ids(self) -> list[str]:
        """Partner measures loaded in the warehouse (none when the tables are absent)."""
        try:
            return [r[0] for r in self.con.execute(
                "SELECT measure_id FROM measure_definitions ORDER BY 1").fetchall()]  # fmt: skip
        except duckdb.CatalogException:
            return []

    def measure_periods(self, measure_id: str) -> list[Any]:
        """The periods a measure holds (for any area): start and end dates."""
        return self._rows("start end",
                          "SELECT DISTINCT period_start, period_end FROM measure_values "
                          "WHERE measure_id = ? ORDER BY 1", [measure_id])  # fmt: skip

    def ward_monthly(self, months: list[date]) -> list[Any]:
        return self._rows(
            "ward ward_name category month n",
            """
            SELECT r.ward_code, any_value(r.ward_name), s.category, s.month, count(*)
            FROM a_street s
            JOIN ref_lsoa21 r USING (lsoa21_code)
            WHERE s.month IN (SELECT unnest(?::DATE[])) AND r.ward_code IS NOT NULL
            GROUP BY r.ward_code, s.category, s.month
            """,
            [months],
        )

    # --- recommended priorities -------------------------------------------------------------

    def deprived_share_by_category(self, months: list[date]) -> list[Any]:
        return self._rows(
            "category deprived total",
            f"""
            WITH d AS (SELECT lsoa_code FROM ref_deprivation
                       WHERE edition = {IOD_EDITION} AND imd_decile <= {DEPRIVED_DECILE_MAX})
            SELECT s.category, count(*) FILTER (WHERE s.lsoa21_code IN (SELECT lsoa_code FROM d)),
                   count(*)
            FROM a_street s
            WHERE s.month IN (SELECT unnest(?::DATE[])) GROUP BY 1
            """,
            [months],
        )

    def deprived_population_share(self) -> float | None:
        return self._one(
            f"""
            SELECT sum(r.population) FILTER (WHERE d.imd_decile <= {DEPRIVED_DECILE_MAX}) / sum(r.population)
            FROM ref_lsoa21 r JOIN a_lsoa USING (lsoa21_code)
            LEFT JOIN ref_deprivation d ON d.lsoa_code = r.lsoa21_code AND d.edition = {IOD_EDITION}
            """
        )[0]

    def category_lsoa_counts(self, months: list[date]) -> list[Any]:
        return self._rows(
            "category lsoa n",
            """
            SELECT s.category, a_lsoa.lsoa21_code, count(s.category)
            FROM a_lsoa LEFT JOIN a_street s ON s.lsoa21_code = a_lsoa.lsoa21_code
                 AND s.month IN (SELECT unnest(?::DATE[]))
            GROUP BY 1, 2
            """,
            [months],
        )

    def lsoa_count(self) -> int:
        return int(self._one("SELECT count(*) FROM a_lsoa")[0])

    # --- quality and provenance -------------------------------------------------------------

    def area_quality(self, forces: list[str], months: list[date]) -> Any:
        return self._rows(
            "records cross_border harmonised_2011",
            """
            SELECT count(*), count(*) FILTER (WHERE s.force NOT IN (SELECT unnest(?::VARCHAR[]))),
                   count(*) FILTER (WHERE s.lsoa_method LIKE '%2011%')
            FROM a_street s
            WHERE s.month IN (SELECT unnest(?::DATE[]))
            """,
            [forces, months],
        )[0]

    def force_unplaced(self, forces: list[str], months: list[date]) -> Any:
        """The forces' records without a location and without an LSOA; a pass over the national
        table, so kept (like the parent counts) for the other areas of the same forces."""
        cache_key = ("unplaced", self.state(), tuple(sorted(forces)), tuple(sorted(months)))
        if cache_key not in _PARENT_COUNTS:
            if len(_PARENT_COUNTS) > 512:
                _PARENT_COUNTS.clear()
            _PARENT_COUNTS[cache_key] = self._rows(
                "without_location without_lsoa",
                """
                SELECT count(*) FILTER (WHERE lon IS NULL), count(*) FILTER (WHERE lsoa21_code IS NULL)
                FROM police_street WHERE force IN (SELECT unnest(?::VARCHAR[]))
                  AND month IN (SELECT unnest(?::DATE[]))
                """,
                [forces, months],
            )[0]
        return _PARENT_COUNTS[cache_key]

    def rejected_rows(self, forces: list[str], months: list[date]) -> int:
        return int(self._one(
            """
            SELECT coalesce(sum(rows_rejected), 0) FROM police_loads
            WHERE is_current AND kind = 'street' AND force IN (SELECT unnest(?::VARCHAR[]))
              AND month IN (SELECT unnest(?::DATE[]))
            """,
            [forces, months],
        )[0])  # fmt: skip

    def lsoa_methods(self, months: list[date]) -> dict[str, int]:
        return {k: int(v) for k, v in self.con.execute(
            """
            SELECT s.lsoa_method, count(*) FROM a_street s
            WHERE s.month IN (SELECT unnest(?::DATE[])) GROUP BY 1 ORDER BY 1
            """,
            [months],
        ).fetchall()}  # fmt: skip

    def loads(self, months: list[date]) -> list[Any]:
        return self._rows(
            "load_id file_name sha256 force month kind",
            """
            SELECT DISTINCT l.load_id, l.file_name, l.sha256, l.force, strftime(l.month, '%Y-%m'), l.kind
            FROM police_loads l
            WHERE l.is_current AND l.kind = 'street' AND l.month IN (SELECT unnest(?::DATE[]))
              AND l.force IN (SELECT DISTINCT s.force FROM a_street s
                              WHERE s.month IN (SELECT unnest(?::DATE[])))
            ORDER BY l.force, 5
            """,
            [months, months],
        )

    def reference_sources(self) -> list[Any]:
        return self._rows("dataset title licence sha256 rows",
                          "SELECT dataset, title, licence, sha256, rows FROM ref_sources ORDER BY dataset")  # fmt: skip

    def schema_version(self) -> str:
        return str(self._one("SELECT value FROM meta WHERE key = 'schema_version'")[0])
