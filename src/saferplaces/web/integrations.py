"""Where the workspace meets the rest of Safer Places: the warehouse and the assessment engine.

The warehouse is read only through its documented views (``crimes``, ``areas``,
``area_lsoas``), read-only, so a load running at the same time is never disturbed.
The assessment engine is imported lazily: the workspace runs without it and says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

log = logging.getLogger(__name__)

NO_WAREHOUSE = "No warehouse data loaded"


class AssessmentEngineMissing(RuntimeError):
    """The assessment engine (``saferplaces.assessment``) is not installed."""


class WarehouseUnavailable(RuntimeError):
    pass


# Assessment engine --------------------------------------------------------------------------


@dataclass
class AssessmentOutput:
    result: dict[str, Any]
    report_html: str = ""


def _to_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    to_json = getattr(obj, "to_json", None)
    if callable(to_json):
        import json

        return json.loads(to_json())
    for attr in ("to_dict", "as_dict", "model_dump", "dict"):
        fn = getattr(obj, attr, None)
        if callable(fn):
            out = fn()
            if isinstance(out, dict):
                return out
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    raise TypeError(f"The assessment engine returned {type(obj).__name__}, not a JSON object")


class AssessmentFailed(RuntimeError):
    """The engine refused the request with a plain message (unknown area, missing months...)."""


def run_assessment(
    area_code: str, start: dt.date, end: dt.date, *, allow_gaps: bool = False
) -> AssessmentOutput:
    """Runs the strategic assessment for one area and period, and renders its report.

    Uses ``saferplaces.assessment.assess(area, "YYYY-MM", "YYYY-MM", con=...)`` on a read-only
    connection to the workspace warehouse (older engines offering ``run_assessment`` or ``run``
    are called as ``fn(area_code, start, end)``). The result is the assessment JSON, whose
    ``recommended_priorities`` and ``priority_localities`` the adoption service reads. The HTML
    report comes from ``saferplaces.reports`` when that is installed.
    """
    try:
        engine = importlib.import_module("saferplaces.assessment")
    except ImportError as exc:
        raise AssessmentEngineMissing(
            "The assessment engine is not installed, so an assessment cannot be run here. "
            "You can still import an assessment's JSON file."
        ) from exc
    engine_error = getattr(engine, "AssessmentError", None)
    assess = getattr(engine, "assess", None)
    try:
        if callable(assess):
            con = connect()
            try:
                raw = assess(
                    area_code, f"{start:%Y-%m}", f"{end:%Y-%m}", con=con, allow_gaps=allow_gaps
                )
            finally:
                con.close()
        else:
            fn = getattr(engine, "run_assessment", None) or getattr(engine, "run", None)
            if not callable(fn):
                raise AssessmentEngineMissing(
                    "The assessment engine is installed but offers no way to run an assessment"
                )
            raw = fn(area_code, start, end)
    except WarehouseUnavailable as exc:
        raise AssessmentFailed(str(exc)) from exc
    except Exception as exc:
        if engine_error is not None and isinstance(exc, engine_error):
            raise AssessmentFailed(str(exc)) from exc
        raise
    result = _to_dict(raw)
    return AssessmentOutput(result=result, report_html=_render(engine, raw, result))


def _render(engine: Any, raw: Any, result: dict[str, Any]) -> str:
    """The report as one HTML page, or "" if no renderer is installed or it fails."""
    try:
        render = getattr(engine, "render_html", None)
        if callable(render):
            return str(render(raw))
        if isinstance(result.get("report_html"), str):
            return result["report_html"]
        from saferplaces.reports import content
        from saferplaces.reports.html import render_html

        try:
            from saferplaces.reports.boundaries import load_area_geometry

            lsoas = [p["code"] for p in (result.get("places") or {}).get("lsoas", [])]
            geo = load_area_geometry(lsoas, settings.WORKSPACE.home)
        except Exception:  # maps are optional; the figures are not
            geo = None
        return render_html(content.build(raw, geo))
    except ImportError:
        return ""
    except Exception:  # the figures matter more than the rendering
        log.exception("Rendering the assessment report failed")
        return ""


# Warehouse ----------------------------------------------------------------------------------


def warehouse_path() -> Path:
    return Path(settings.SAFERPLACES_WAREHOUSE_PATH)


def warehouse_stamp(path: Path | None = None) -> str | None:
    """Changes whenever the warehouse file does; None if there is no warehouse."""
    p = path or warehouse_path()
    try:
        st = p.stat()
    except FileNotFoundError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}"


def connect(path: Path | None = None):  # -> duckdb.DuckDBPyConnection
    import duckdb

    p = path or warehouse_path()
    if not p.exists():
        raise WarehouseUnavailable(NO_WAREHOUSE)
    try:
        return duckdb.connect(str(p), read_only=True)
    except duckdb.Error as exc:  # locked by a writer, or not a warehouse
        raise WarehouseUnavailable(f"The warehouse could not be opened: {exc}") from exc


def _category_clause(category: str) -> tuple[str, list[Any]]:
    if not category:
        return "NOT is_asb", []
    return "category = ?", [category]


def harm_weights(con) -> dict[str, float] | None:
    """Category weights for the harm measure: a ``harm_weights`` view in the warehouse if there is
    one, else the assessment engine's documented weights; None if neither is available."""
    try:
        rows = con.execute("SELECT category, weight FROM harm_weights").fetchall()
        if rows:
            return {c: float(w) for c, w in rows}
    except Exception:  # the view is optional
        pass
    try:
        # The same weights the strategic assessment uses (and documents in its method appendix).
        from saferplaces.assessment.inputs import load_harm_weights

        hw = load_harm_weights()
        return {c: float(w) for c, w in hw.weights.items() if w is not None}
    except Exception:  # engine not installed, or its weights file unreadable
        return None


@dataclass
class Series:
    values: dict[dt.date, float]
    reference: dict[dt.date, float]
    reference_label: str
    note: str = ""


def _lsoas_sql(n: int) -> str:
    marks = ",".join("?" * n)
    return f"SELECT lsoa21_code FROM area_lsoas WHERE code IN ({marks})"


def _population(con, codes: list[str]) -> float | None:
    row = con.execute(
        f"SELECT sum(population) FROM areas WHERE level = 'lsoa' AND code IN ({_lsoas_sql(len(codes))})",
        codes,
    ).fetchone()
    return float(row[0]) if row and row[0] else None


def _monthly(
    con,
    where_area: str,
    area_params: list[Any],
    measure: str,
    category: str,
    weights: dict[str, float] | None,
) -> dict[dt.date, float]:
    cat_sql, cat_params = _category_clause(category)
    if measure == "harm":
        if not weights:
            return {}
        case = "CASE category " + " ".join("WHEN ? THEN ?" for _ in weights) + " ELSE 0 END"
        wparams: list[Any] = [v for kv in weights.items() for v in kv]
        sql = (
            f"SELECT month, sum({case}) FROM crimes WHERE {where_area} AND {cat_sql} GROUP BY month"
        )
        rows = con.execute(sql, wparams + area_params + cat_params).fetchall()
    else:
        sql = f"SELECT month, count(*) FROM crimes WHERE {where_area} AND {cat_sql} GROUP BY month"
        rows = con.execute(sql, area_params + cat_params).fetchall()
    return {
        (m if isinstance(m, dt.date) else dt.date.fromisoformat(str(m)[:10])).replace(day=1): float(
            v
        )
        for m, v in rows
    }


def measure_series(con, area_codes: Iterable[str], measure: str, category: str = "") -> Series:
    """Monthly values of one measure for a set of areas, with a reference point.

    The reference is England and Wales when the warehouse holds every force for the month,
    otherwise the rest of the police force area the areas sit in (rate and harm are per 1,000
    residents so they compare across areas of different size; counts get no reference).
    """
    codes = [c for c in area_codes if c]
    if not codes:
        return Series({}, {}, "", "The partnership has no warehouse area")
    weights = harm_weights(con) if measure == "harm" else None
    if measure == "harm" and not weights:
        return Series({}, {}, "", "No harm weights in the warehouse")
    where = f"lsoa21_code IN ({_lsoas_sql(len(codes))})"
    counts = _monthly(con, where, codes, measure, category, weights)
    if measure == "count":
        return Series(counts, {}, "")
    pop = _population(con, codes)
    if not pop:
        return Series({}, {}, "", "No population figures for the area in the warehouse")
    values = {m: v / pop * 1000 for m, v in counts.items()}
    # Reference point: what the warehouse allows.
    forces = con.execute(
        "SELECT count(DISTINCT pfa_code) FROM crimes WHERE pfa_code LIKE 'E23%' OR pfa_code LIKE 'W15%'"
    ).fetchone()[0]
    if forces and forces >= 42:
        ref_where, ref_params, label = "pfa_code IS NOT NULL", [], "England and Wales"
        ref_pop_row = con.execute(
            "SELECT sum(population) FROM areas WHERE level = 'pfa'"
        ).fetchone()
    else:
        pfa = con.execute(
            f"SELECT pfa_code, count(*) n FROM areas WHERE level = 'lsoa' AND code IN ({_lsoas_sql(len(codes))}) GROUP BY 1 ORDER BY n DESC LIMIT 1",
            codes,
        ).fetchone()
        if not pfa or not pfa[0]:
            return Series(values, {}, "")
        name_row = con.execute(
            "SELECT name FROM areas WHERE level = 'pfa' AND code = ?", [pfa[0]]
        ).fetchone()
        label = f"Rest of {name_row[0] if name_row and name_row[0] else pfa[0]} police force area"
        ref_where = f"pfa_code = ? AND lsoa21_code NOT IN ({_lsoas_sql(len(codes))})"
        ref_params = [pfa[0], *codes]
        ref_pop_row = con.execute(
            f"SELECT sum(population) FROM areas WHERE level = 'lsoa' AND pfa_code = ? AND code NOT IN ({_lsoas_sql(len(codes))})",
            [pfa[0], *codes],
        ).fetchone()
    ref_pop = float(ref_pop_row[0]) if ref_pop_row and ref_pop_row[0] else None
    if not ref_pop:
        return Series(values, {}, "")
    ref_counts = _monthly(con, ref_where, ref_params, measure, category, weights)
    reference = {m: v / ref_pop * 1000 for m, v in ref_counts.items() if m in values}
    return Series(values, reference, label)


def warehouse_categories() -> list[str]:
    from saferplaces.warehouse.schema import CATEGORIES

    return [c for c, _slug, _asb, current in CATEGORIES if current]


def wards_within(codes: list[str]) -> list[tuple[str, str]]:
    """Wards whose LSOAs lie in the given areas, by name: the choices for a priority locality.
    Empty when there is no warehouse to ask."""
    codes = [c for c in codes if c]
    if not codes:
        return []
    try:
        con = connect()
    except WarehouseUnavailable:
        return []
    try:
        marks = ",".join("?" * len(codes))
        rows = con.execute(
            "SELECT DISTINCT w.code, w.name FROM areas w WHERE w.level = 'ward' AND w.code IN ("
            " SELECT l.parent_code FROM areas l WHERE l.level = 'lsoa' AND l.code IN ("
            f"  SELECT lsoa21_code FROM area_lsoas WHERE code IN ({marks}))) ORDER BY w.name",
            codes,
        ).fetchall()
        return [(c, n or c) for c, n in rows]
    except Exception:  # an older or partial warehouse: fall back to typed codes
        log.exception("Listing wards from the warehouse failed")
        return []
    finally:
        con.close()


def area_names(codes: list[str]) -> dict[str, str]:
    """Names of warehouse areas, where the warehouse is there to ask."""
    if not codes:
        return {}
    try:
        con = connect()
    except WarehouseUnavailable:
        return {}
    try:
        rows = con.execute(
            f"SELECT code, any_value(name) FROM areas WHERE code IN ({','.join('?' * len(codes))}) GROUP BY code",
            codes,
        ).fetchall()
        return {c: n for c, n in rows}
    except Exception:
        return {}
    finally:
        con.close()
