"""What the warehouse holds: coverage by force × month × kind, gaps, totals, areas.

Reads only; every function returns plain data (dicts and lists) that the CLI prints as a table
or as JSON.
"""

from __future__ import annotations

from datetime import date

import duckdb

# A month with fewer rows than this share of the force's median month is flagged as partial:
# real monthly volumes vary by about ±20%, so half the median means rows are missing.
PARTIAL_SHARE = 0.5


def _months_between(first: date, last: date) -> list[date]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def coverage(con: duckdb.DuckDBPyConnection) -> dict:
    """Coverage matrix, gaps and partial months, totals and the latest loads."""
    rows = con.execute(
        """
        SELECT force, month, kind, rows_accepted, rows_rejected, load_id
        FROM police_loads WHERE is_current ORDER BY force, kind, month
        """
    ).fetchall()
    forces: dict[tuple[str, str], dict] = {}
    for force, month, kind, accepted, rejected, load_id in rows:
        entry = forces.setdefault((force, kind), {"force": force, "kind": kind, "months": {}})
        entry["months"][month] = {"rows": accepted, "rejected": rejected, "load_id": load_id}
    matrix = []
    for (force, kind), entry in sorted(forces.items()):
        months = sorted(entry["months"])
        span = _months_between(months[0], months[-1])
        volumes = sorted(v["rows"] for v in entry["months"].values())
        median = volumes[len(volumes) // 2]
        partial = [
            f"{m:%Y-%m}"
            for m, v in sorted(entry["months"].items())
            if len(volumes) >= 3 and v["rows"] < PARTIAL_SHARE * median
        ]
        matrix.append(
            {
                "force": force,
                "kind": kind,
                "first_month": f"{months[0]:%Y-%m}",
                "last_month": f"{months[-1]:%Y-%m}",
                "months_loaded": len(months),
                "missing_months": [f"{m:%Y-%m}" for m in span if m not in entry["months"]],
                "partial_months": partial,
                "rows": sum(v["rows"] for v in entry["months"].values()),
                "rejected": sum(v["rejected"] for v in entry["months"].values()),
                "by_month": {f"{m:%Y-%m}": v["rows"] for m, v in sorted(entry["months"].items())},
            }
        )
    totals = dict(
        zip(
            ("street", "outcomes", "stop_search", "rejects", "loads", "no_location", "no_lsoa"),
            con.execute(
                """
                SELECT (SELECT count(*) FROM police_street),
                       (SELECT count(*) FROM police_outcomes),
                       (SELECT count(*) FROM police_stop_search),
                       (SELECT count(*) FROM police_rejects r JOIN police_loads l USING (load_id)
                        WHERE l.is_current),
                       (SELECT count(*) FROM police_loads),
                       (SELECT count(*) FROM police_street WHERE lon IS NULL),
                       (SELECT count(*) FROM police_street WHERE lsoa21_code IS NULL)
                """
            ).fetchone(),
            strict=True,
        )
    )
    latest = [
        dict(zip(("load_id", "file", "force", "month", "kind", "action", "accepted",
                  "rejected", "finished_at"), r, strict=True))
        for r in con.execute(
            """
            SELECT load_id, file_name, force, strftime(month, '%Y-%m'), kind, action,
                   rows_accepted, rows_rejected, strftime(finished_at, '%Y-%m-%d %H:%M:%S')
            FROM police_loads ORDER BY load_id DESC LIMIT 10
            """
        ).fetchall()
    ]  # fmt: skip
    geography = con.execute(
        "SELECT dataset, rows, strftime(loaded_at, '%Y-%m-%d %H:%M') FROM ref_sources "
        "ORDER BY dataset"
    ).fetchall()
    return {
        "coverage": matrix,
        "totals": totals,
        "latest_loads": latest,
        "reference_data": [{"dataset": d, "rows": n, "loaded_at": t} for d, n, t in geography],
    }


LEVELS = ("lsoa", "ward", "lad", "csp", "county", "pfa", "locality")


def list_areas(
    con: duckdb.DuckDBPyConnection, level: str = "csp", within: str | None = None
) -> list[dict]:
    """Areas of one level, optionally only those inside another area (code or name)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    params: list = [level]
    where = "a.level = ?"
    if within:
        from saferplaces.warehouse.geography import resolve_area

        w_level, w_code, _ = resolve_area(con, within)
        # An area is inside another when all its LSOAs are.
        where += """ AND a.code IN (
            SELECT x.code FROM area_lsoas x
            LEFT JOIN (SELECT lsoa21_code FROM area_lsoas WHERE level = ? AND code = ?) y
                   USING (lsoa21_code)
            WHERE x.level = ? GROUP BY x.code HAVING count(*) = count(y.lsoa21_code))"""
        params += [w_level, w_code, level]
    rows = con.execute(
        f"""
        SELECT a.level, a.code, a.name, a.lad_code, a.csp_code, a.pfa_code, a.population,
               round(a.area_km2, 2), a.lsoa_count, a.county_code
        FROM areas a WHERE {where} ORDER BY a.name, a.code
        """,
        params,
    ).fetchall()
    keys = ("level", "code", "name", "lad_code", "csp_code", "pfa_code", "population",
            "area_km2", "lsoa_count", "county_code")  # fmt: skip
    return [dict(zip(keys, r, strict=True)) for r in rows]
