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
    area_code: str,
    start: dt.date,
    end: dt.date,
    *,
    allow_gaps: bool = False,
    priority_inputs: Path | None = None,
) -> AssessmentOutput:
    """Runs the strategic assessment for one area and period, and renders its report.

    Uses ``saferplaces.assessment.assess(area, "YYYY-MM", "YYYY-MM", con=...)`` on a read-only
    connection to the workspace warehouse (older engines offering ``run_assessment`` or ``run``
    are called as ``fn(area_code, start, end)``). The result is the assessment JSON, whose
    ``recommended_priorities`` and ``priority_localities`` the adoption service reads. The HTML
    report comes from ``saferplaces.reports`` when that is installed. ``priority_inputs`` is
    the engine's priority-inputs file (e.g. public concern from a consultation).
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
                extra = {"priority_inputs": priority_inputs} if priority_inputs else {}
                raw = assess(
                    area_code, f"{start:%Y-%m}", f"{end:%Y-%m}", con=con, allow_gaps=allow_gaps,
                    **extra,
                )  # fmt: skip
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
    """The main warehouse file: written by loads and the refresh, read here only as a fallback."""
    return Path(settings.SAFERPLACES_WAREHOUSE_PATH)


def read_path() -> Path:
    """The file web processes read: the read-only copy the refresh publishes (swapped in whole,
    so never half-written and never locked by the writer), else the main file."""
    from saferplaces.warehouse.refresh import read_copy_path

    main = warehouse_path()
    copy = read_copy_path(main)
    return copy if copy.exists() else main


def warehouse_stamp(path: Path | None = None) -> str | None:
    """Changes whenever the warehouse file read does; None if there is no warehouse."""
    p = path or read_path()
    try:
        st = p.stat()
    except FileNotFoundError:
        return None
    return f"{st.st_size}:{st.st_mtime_ns}"


def connect(path: Path | None = None):  # -> duckdb.DuckDBPyConnection
    import duckdb

    p = path or read_path()
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


# The reference points beside every figure. Each is a rate per 1,000 residents in the month, so
# areas of different sizes compare; where one cannot be given, the reason in words instead.
EW_NOT_LOADED = "England and Wales: not all forces are loaded for these months"
EW_NOT_HELD = "England and Wales: partner data is held only for the areas that shared it"
PEERS_NOT_ONE_AREA = "Similar areas: found only for a partnership of one area"
PEERS_UNAVAILABLE = "Similar areas: the warehouse's reference geography is incomplete"
PEERS_NOT_COUNTY = "Similar areas: compared for districts and partnerships, not for a county"
PEER_COUNT = 5


@dataclass
class Series:
    """Monthly values of one indicator, with its reference points.

    ``reference``/``reference_label`` are the parent area's rate (the main reference point);
    ``rates`` the area's own rate per 1,000 residents (for counts); ``points`` every reference
    point by month: dicts with ``kind`` (parent, peers, england_wales), ``label``, ``value``
    (per 1,000 residents, or None) and ``reason`` (why there is no value).
    """

    values: dict[dt.date, float]
    reference: dict[dt.date, float]
    reference_label: str
    note: str = ""
    rates: dict[dt.date, float] = dataclasses.field(default_factory=dict)
    points: dict[dt.date, list[dict[str, Any]]] = dataclasses.field(default_factory=dict)
    definition: Any = None  # a partner measure's MeasureDefinition


def _lsoas_sql(n: int) -> str:
    marks = ",".join("?" * n)
    return f"SELECT lsoa21_code FROM area_lsoas WHERE code IN ({marks})"


def _population(con, codes: list[str]) -> float | None:
    row = con.execute(
        f"SELECT sum(population) FROM areas WHERE level = 'lsoa' AND code IN ({_lsoas_sql(len(codes))})",
        codes,
    ).fetchone()
    return float(row[0]) if row and row[0] else None


def _as_month(m: Any) -> dt.date:
    return (m if isinstance(m, dt.date) else dt.date.fromisoformat(str(m)[:10])).replace(day=1)


def _monthly_by(
    con,
    where_area: str,
    area_params: list[Any],
    measure: str,
    category: str,
    weights: dict[str, float] | None,
    key: str = "NULL",
) -> dict[Any, dict[dt.date, float]]:
    """Records (or harm) per ``key`` and month for the rows ``where_area`` selects."""
    cat_sql, cat_params = _category_clause(category)
    if measure == "harm":
        if not weights:
            return {}
        case = "CASE category " + " ".join("WHEN ? THEN ?" for _ in weights) + " ELSE 0 END"
        wparams: list[Any] = [v for kv in weights.items() for v in kv]
        sql = f"SELECT {key}, month, sum({case}) FROM crimes WHERE {where_area} AND {cat_sql} GROUP BY ALL"
        rows = con.execute(sql, wparams + area_params + cat_params).fetchall()
    else:
        sql = f"SELECT {key}, month, count(*) FROM crimes WHERE {where_area} AND {cat_sql} GROUP BY ALL"
        rows = con.execute(sql, area_params + cat_params).fetchall()
    out: dict[Any, dict[dt.date, float]] = {}
    for k, m, v in rows:
        out.setdefault(k, {})[_as_month(m)] = float(v)
    return out


def _monthly(con, where_area, area_params, measure, category, weights) -> dict[dt.date, float]:
    return _monthly_by(con, where_area, area_params, measure, category, weights).get(None, {})


def area_counts(
    con, codes: list[str], start: dt.date, end: dt.date
) -> tuple[float | None, dict[dt.date, float], dict[dt.date, float]]:
    """The population of the areas ``codes`` and their monthly police-recorded crime (ASB
    excluded) and anti-social behaviour for the months ``start``..``end``, read as the
    indicators read them (for callers outside this module, such as a fund's formula)."""
    from saferplaces.assessment.parameters import ASB

    where = f"lsoa21_code IN ({_lsoas_sql(len(codes))}) AND month BETWEEN ? AND ?"
    params = [*codes, start, end]
    crime = _monthly(con, where, params, "count", "", None)
    asb = _monthly(con, where, params, "count", ASB, None)
    return _population(con, codes), crime, asb


# Peer features cover every LSOA of England and Wales: read once per warehouse state.
_PEER_TABLES: dict[tuple[str | None, str], Any] = {}


class ReferenceData:
    """What the reference points need from the warehouse, read once per sync: the months each
    force is loaded for, England and Wales's population and counts, and the peer features."""

    def __init__(self, con) -> None:
        self.con = con
        self._loaded: dict[str, set[dt.date]] | None = None
        self._ew: dict[tuple, dict[dt.date, float]] = {}

    def loaded(self) -> dict[str, set[dt.date]]:
        """Street months loaded per force (the engine's rule: the current loads)."""
        if self._loaded is None:
            out: dict[str, set[dt.date]] = {}
            rows = self.con.execute(
                "SELECT force, month FROM police_loads WHERE is_current AND kind = 'street'"
            ).fetchall()
            for force, month in rows:
                out.setdefault(force, set()).add(_as_month(month))
            self._loaded = out
        return self._loaded

    def months_for_pfas(self, pfas: Iterable[str]) -> set[dt.date] | None:
        """Months every force of these force areas is loaded for; None if a force is unknown."""
        from saferplaces.warehouse.forces import BY_PFA

        sets = []
        for code in pfas:
            force = BY_PFA.get(code)
            if force is None:
                return None
            sets.append(self.loaded().get(force.slug, set()))
        return set.intersection(*sets) if sets else None

    def peer_table(self, level: str):
        from saferplaces.assessment.peer_features import national_peer_table

        key = (warehouse_stamp(), level)
        if key not in _PEER_TABLES:
            _PEER_TABLES.clear()
            _PEER_TABLES[key] = national_peer_table(self.con, level)
        return _PEER_TABLES[key]

    def england_and_wales(
        self, measure: str, category: str, weights, months: list[dt.date]
    ) -> dict[dt.date, float | None]:
        """England and Wales's rate per 1,000 residents for each month every force is loaded
        for (:func:`saferplaces.analysis.reference.england_and_wales_rate`); None otherwise."""
        from saferplaces.analysis.reference import ENGLAND_AND_WALES_FORCES, england_and_wales_rate

        pop_row = self.con.execute("SELECT sum(population) FROM ref_lsoa21").fetchone()
        population = float(pop_row[0]) if pop_row and pop_row[0] else 0.0
        if not months or population <= 0:
            return dict.fromkeys(months)
        loaded = self.loaded()
        # Which months are usable is the engine's rule; national records are read only for them.
        usable = england_and_wales_rate({}, loaded, months, population).months_used
        counts: dict[dt.date, float] = {}
        if usable:
            key = (measure, category, tuple(usable))
            if key not in self._ew:
                forces = list(ENGLAND_AND_WALES_FORCES)
                marks, mmarks = ",".join("?" * len(forces)), ",".join("?" * len(usable))
                self._ew[key] = _monthly(
                    self.con,
                    f"force IN ({marks}) AND month IN ({mmarks})",
                    [*forces, *usable],
                    measure,
                    category,
                    weights,
                )
            counts = self._ew[key]
        ref = england_and_wales_rate(counts, loaded, months, population)
        return {m: ref.monthly.get(m) for m in months}


def _area_row(con, code: str) -> tuple | None:
    """(level, name, pfa_code, county_code, population) of a warehouse area; districts and
    partnerships before wards, so a code is read at its own level."""
    return con.execute(
        "SELECT level, name, pfa_code, county_code, population FROM areas WHERE code = ? "
        "ORDER BY CASE level WHEN 'csp' THEN 0 WHEN 'lad' THEN 1 WHEN 'county' THEN 2 "
        "WHEN 'pfa' THEN 3 ELSE 4 END LIMIT 1",
        [code],
    ).fetchone()


def _parent(
    con, data: ReferenceData, codes: list[str], months: set[dt.date]
) -> tuple[str, str, str] | None:
    """(level, code, label) of the area to compare with: the county for a two-tier district
    when its police data is loaded, else the police force area."""
    rows = [r for r in (_area_row(con, c) for c in codes) if r]
    if not rows:
        return None
    candidates = []
    counties = {r[3] for r in rows}
    if len(counties) == 1 and None not in counties and all(r[0] in ("csp", "lad") for r in rows):
        county = next(iter(counties))
        crow = con.execute(
            "SELECT name, (SELECT list(DISTINCT pfa_code) FROM areas WHERE level = 'lsoa' "
            "AND county_code = ?) FROM areas WHERE level = 'county' AND code = ?",
            [county, county],
        ).fetchone()
        if crow:
            candidates.append(("county", county, f"{crow[0]} (county)", list(crow[1] or [])))
    pfas = {r[2] for r in rows}
    if len(pfas) == 1 and None not in pfas and not all(r[0] == "pfa" for r in rows):
        pfa = next(iter(pfas))
        prow = con.execute(
            "SELECT name FROM areas WHERE level = 'pfa' AND code = ?", [pfa]
        ).fetchone()
        candidates.append(("pfa", pfa, f"{prow[0] if prow else pfa} police force area", [pfa]))
    for level, code, label, parent_pfas in candidates:
        have = data.months_for_pfas(parent_pfas)
        if have is not None and months <= have:
            return level, code, label
    return candidates[-1][:3] if candidates else None


def _ratio_words(value: float | None, ref: float | None, label: str) -> str:
    from saferplaces.assessment.statements import times

    if value is None or not ref:
        return ""
    return f"{times(value / ref)} {label}"


def _point(kind: str, label: str, value: float | None, reason: str = "") -> dict[str, Any]:
    return {
        "kind": kind,
        "label": label,
        "value": round(value, 4) if value is not None else None,
        "reason": "" if value is not None else reason,
    }


def measure_series(
    con,
    area_codes: Iterable[str],
    measure: str,
    category: str = "",
    data: ReferenceData | None = None,
) -> Series:
    """Monthly values of one measure for a set of areas, with their reference points.

    Every month gets the area's rate per 1,000 residents and, beside it, the parent area's
    (the county for a two-tier district, else the police force area), the median of its
    national peers' (:func:`saferplaces.analysis.peers.national_peers`, those with police data
    for the month) and England and Wales's (only for months every force is loaded, by
    :func:`saferplaces.analysis.reference.england_and_wales_rate`). A reference that cannot be
    given carries the reason in words.
    """
    data = data or ReferenceData(con)
    codes = [c for c in area_codes if c]
    if not codes:
        return Series({}, {}, "", "The partnership has no warehouse area")
    weights = harm_weights(con) if measure == "harm" else None
    if measure == "harm" and not weights:
        return Series({}, {}, "", "No harm weights in the warehouse")
    where = f"lsoa21_code IN ({_lsoas_sql(len(codes))})"
    counts = _monthly(con, where, codes, measure, category, weights)
    pop = _population(con, codes)
    if not pop:
        if measure == "count":
            return Series(counts, {}, "", "No population figures for the area in the warehouse")
        return Series({}, {}, "", "No population figures for the area in the warehouse")
    rates = {m: v / pop * 1000 for m, v in counts.items()}
    values = counts if measure == "count" else rates
    months = sorted(values)
    points: dict[dt.date, list[dict[str, Any]]] = {m: [] for m in months}
    reference: dict[dt.date, float] = {}
    label = ""

    parent = _parent(con, data, codes, set(months))
    if parent is not None:
        level, code, label = parent
        prow = con.execute(
            "SELECT population FROM areas WHERE level = ? AND code = ?", [level, code]
        ).fetchone()
        ppop = float(prow[0]) if prow and prow[0] else None
        prow_pfas = con.execute(
            "SELECT list(DISTINCT pfa_code) FROM areas WHERE level = 'lsoa' AND code IN "
            "(SELECT lsoa21_code FROM area_lsoas WHERE level = ? AND code = ?)",
            [level, code],
        ).fetchone()
        have = data.months_for_pfas(prow_pfas[0] or []) or set()
        pcounts = _monthly(
            con,
            "lsoa21_code IN (SELECT lsoa21_code FROM area_lsoas WHERE level = ? AND code = ?)",
            [level, code],
            measure,
            category,
            weights,
        )
        for m in months:
            if ppop and m in have:
                reference[m] = pcounts.get(m, 0.0) / ppop * 1000
                points[m].append(_point("parent", label, reference[m]))
            else:
                points[m].append(
                    _point(
                        "parent",
                        label,
                        None,
                        f"{label}: its police data is not loaded for this month",
                    )
                )
    _peer_points(con, data, codes, measure, category, weights, months, points)
    ew = data.england_and_wales(measure, category, weights, months)
    for m in months:
        points[m].append(_point("england_wales", "England and Wales", ew.get(m), EW_NOT_LOADED))
    # A rate or harm figure is already per 1,000 residents; only a count gets one beside it.
    return Series(
        values,
        reference,
        label if reference else "",
        rates=rates if measure == "count" else {},
        points=points,
    )


def _peer_points(con, data, codes, measure, category, weights, months, points) -> None:
    from statistics import median

    from saferplaces.analysis.peers import national_peers, peers_with_data

    if len(codes) != 1:
        for m in months:
            points[m].append(_point("peers", "Similar areas", None, PEERS_NOT_ONE_AREA))
        return
    row = _area_row(con, codes[0])
    level = row[0] if row else None
    try:
        if level not in ("csp", "lad", "county", "pfa"):
            raise ValueError(level)
        table = data.peer_table(level)
        found = national_peers(table, codes[0], k=PEER_COUNT)
    except (ValueError, KeyError, TypeError):  # no peer geography (a partial warehouse)
        for m in months:
            points[m].append(_point("peers", "Similar areas", None, PEERS_UNAVAILABLE))
        return
    if level == "county":  # crimes carry no county code; counties are compared as parents
        for m in months:
            points[m].append(_point("peers", "Similar areas", None, PEERS_NOT_COUNTY))
        return
    peer_codes = [p.code for p in found.peers]
    marks = ",".join("?" * len(peer_codes))
    by_peer = _monthly_by(
        con,
        f"lsoa21_code IN (SELECT lsoa21_code FROM area_lsoas WHERE level = ? AND code IN ({marks}))",
        [level, *peer_codes],
        measure,
        category,
        weights,
        key={"csp": "csp_code", "lad": "lad_code"}.get(level, "pfa_code"),
    )
    pops = {c: float(table.population[table.index(c)]) for c in peer_codes}
    for m in months:
        comparison = peers_with_data(
            found, lambda p, m=m: m in (data.months_for_pfas(p.pfas) or set()), f"{m:%B %Y}"
        )
        rates = [
            by_peer.get(p.code, {}).get(m, 0.0) / pops[p.code] * 1000 for p in comparison.compare_on
        ]
        if rates:
            n = len(rates)
            points[m].append(
                _point("peers", f"Median of {n} similar area{'s' if n != 1 else ''}", median(rates))
                | {"note": comparison.statement}
            )
        else:
            points[m].append(_point("peers", "Similar areas", None, comparison.statement))


def partner_series(
    con, area_codes: Iterable[str], measure_id: str, data: ReferenceData | None = None
) -> Series:
    """A partner measure (:mod:`saferplaces.warehouse.measures`) summed to the partnership's
    areas for each period (month or quarter), with the rate per 1,000 residents beside it and
    the parent area's rate from the same measure."""
    from saferplaces.warehouse import measures

    data = data or ReferenceData(con)
    codes = [c for c in area_codes if c]
    if not codes:
        return Series({}, {}, "", "The partnership has no warehouse area")
    defn = measures.get_definition(con, measure_id)
    values: dict[dt.date, float] = {}
    for code in codes:
        row = _area_row(con, code)
        level = row[0] if row else "csp"
        for r in measures.aggregate(con, measure_id, level, [code]):
            d = _as_month(r["period_start"])
            values[d] = values.get(d, 0.0) + float(r["value"] or 0)
    pop = _population(con, codes)
    rates = {m: v / pop * 1000 for m, v in values.items()} if pop else {}
    months = sorted(values)
    points: dict[dt.date, list[dict[str, Any]]] = {m: [] for m in months}
    reference: dict[dt.date, float] = {}
    parent = _parent(con, data, codes, set())
    label = ""
    if parent is not None:
        level, code, label = parent
        prow = con.execute(
            "SELECT population FROM areas WHERE level = ? AND code = ?", [level, code]
        ).fetchone()
        ppop = float(prow[0]) if prow and prow[0] else None
        pvals = {
            _as_month(r["period_start"]): float(r["value"] or 0)
            for r in measures.aggregate(con, measure_id, level, [code])
        }
        for m in months:
            if ppop and m in pvals:
                reference[m] = pvals[m] / ppop * 1000
                points[m].append(_point("parent", label, reference[m]))
            else:
                points[m].append(
                    _point(
                        "parent",
                        label,
                        None,
                        f"{label}: the measure does not cover it for this period",
                    )
                )
    for m in months:
        points[m].append(
            _point(
                "peers",
                "Similar areas",
                None,
                "Similar areas: partner data is shared only for this area",
            )
        )
        points[m].append(_point("england_wales", "England and Wales", None, EW_NOT_HELD))
    return Series(
        values, reference, label if reference else "", rates=rates, points=points, definition=defn
    )


def warehouse_categories() -> list[str]:
    from saferplaces.warehouse.schema import CATEGORIES

    return [c for c, _slug, _asb, current in CATEGORIES if current]


def partner_measures() -> dict[str, str] | None:
    """Partner measures in the warehouse (id → title); None when there is no warehouse to ask."""
    try:
        con = connect()
    except WarehouseUnavailable:
        return None
    try:
        from saferplaces.warehouse.measures import list_measures

        return {m["measure_id"]: m["title"] for m in list_measures(con)}
    except Exception:  # an older warehouse without measures
        log.exception("Listing partner measures failed")
        return {}
    finally:
        con.close()


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
