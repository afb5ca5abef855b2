"""Where the workspace meets the rest of Safer Places: the warehouse and the assessment engine.

The warehouse is read only through its documented views (``crimes``, ``areas``,
``area_lsoas``), read-only, so a load running at the same time is never disturbed.
The assessment engine is imported lazily: the workspace runs without it and says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
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


class AssessmentFailed(RuntimeError):
    """The assessment did not finish; the message is one plain line (the engine's own refusal,
    such as an unknown area or missing months, or the plain reason the server failed)."""


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be read now; the message is one plain line for people."""


# One plain line for each failure people can act on. The detail (paths, process ids, the
# exception) goes to the server's log, never to a page: it helps nobody reading the page and
# tells an attacker about the server.
WAREHOUSE_BUSY = "The police data is being updated; try again in a few minutes"
DISK_FULL = "The server has run out of disk space. Tell your system administrator"
NO_PERMISSION = (
    "The workspace is not allowed to read the police data. Tell your system administrator"
)
NOT_A_WAREHOUSE = (
    "The police data file could not be read. It may be damaged: load the police data again"
)
ASSESSMENT_FAILED = (
    "The assessment could not be finished because of a problem on the server. "
    "The details are in the server's log"
)
SOMETHING_FAILED = "Something went wrong on the server. The details are in the server's log"


def plain_failure(exc: BaseException, default: str = SOMETHING_FAILED) -> str:
    """The one plain line to show for ``exc``: lock held, disk full, permission refused, or
    ``default``. A WarehouseUnavailable or AssessmentFailed already carries its plain line."""
    if isinstance(exc, WarehouseUnavailable | AssessmentFailed):
        return str(exc)
    text = str(exc)
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC or "No space left on device" in text or "disk is full" in text:
        return DISK_FULL
    if (
        isinstance(exc, PermissionError)
        or code in (errno.EACCES, errno.EPERM)
        or "Permission denied" in text
    ):
        return NO_PERMISSION
    if "Could not set lock" in text or "Conflicting lock" in text or "database is locked" in text:
        return WAREHOUSE_BUSY
    return default


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
    engine_error: type[BaseException] | None = None
    try:
        # The engine's names load lazily: a broken engine fails here, inside the try.
        engine_error = getattr(engine, "AssessmentError", None)
        assess = getattr(engine, "assess", None)
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
    except AssessmentEngineMissing:
        raise
    except WarehouseUnavailable as exc:
        raise AssessmentFailed(str(exc)) from exc
    except Exception as exc:
        if engine_error is not None and isinstance(exc, engine_error):
            raise AssessmentFailed(str(exc)) from exc
        log.exception("The assessment for %s, %s to %s failed", area_code, start, end)
        raise AssessmentFailed(plain_failure(exc, ASSESSMENT_FAILED)) from exc
    try:
        result = _to_dict(raw)
    except TypeError as exc:
        log.exception("The assessment engine's result could not be read")
        raise AssessmentFailed(ASSESSMENT_FAILED) from exc
    return AssessmentOutput(result=result, report_html=_render(engine, raw, result))


def check_assessment_json(result: Any, *, field: str = "The file") -> None:
    """Refuses an assessment's JSON (uploaded or sent to the API) that the workspace could not
    store or adopt: control characters or lone surrogates anywhere, an area code longer than a
    run keeps, or a recommendation named longer than the priority or locality it would become.
    Raises ValidationError with one plain line saying where."""
    from django.core.exceptions import ValidationError

    from saferplaces.web.core.text import check_json_text
    from saferplaces.web.plans.models import AssessmentRun, Priority, PriorityLocality
    from saferplaces.web.plans.services import read_recommendations

    check_json_text(result, field=field)
    if not isinstance(result, dict):
        return
    area = result.get("area_code")
    if not area and isinstance(result.get("area"), dict):
        area = result["area"].get("code")
    cap = AssessmentRun._meta.get_field("area_code").max_length
    if area is not None and len(str(area)) > cap:
        raise ValidationError(f"The area code must be {cap} characters or fewer (at area_code)")
    prios, locs, _ = read_recommendations(result)
    for key, recs, model, name in (
        ("recommended_priorities", prios, Priority, "title"),
        ("priority_localities", locs, PriorityLocality, "name"),
    ):
        cap = model._meta.get_field(name).max_length
        for r in recs:
            if len(r.name) > cap:
                raise ValidationError(
                    f"Each name must be {cap:,} characters or fewer (at {key}[{r.index}])"
                )
            if any(len(c) > 40 for c in r.area_codes):
                raise ValidationError(
                    f"Each area code must be 40 characters or fewer (at {key}[{r.index}])"
                )


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
    except (duckdb.Error, OSError) as exc:  # locked by a load, unreadable, or not a warehouse
        log.warning("Opening the warehouse %s failed: %s", p, exc)
        raise WarehouseUnavailable(plain_failure(exc, NOT_A_WAREHOUSE)) from exc


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
