"""Loading data.police.uk files into the warehouse.

The unit of loading is one (force, month, kind). Loading a unit again replaces the earlier copy
in one transaction (data.police.uk revises outcomes), so re-loading is idempotent, a file that
fails validation loads nothing, and a process killed mid-load leaves the warehouse as it was
before that unit.

Rows that fail a check are not dropped: they go to ``rejects`` with the file, line, field, value
and reason, and are counted in the load record. A file whose rows mostly fail is refused whole,
because a file like that is the wrong file, not a file with a few bad rows.

Normalisation (see README "How records are placed"):

* month becomes a DATE; the category is matched to the controlled vocabulary;
* British National Grid easting/northing are computed once per distinct published point
  (``police_points``), since data.police.uk snaps records to a fixed set of map points;
* LSOA codes are harmonised to 2021: a 2021 code is kept; a 2011 code that maps to one 2021
  LSOA (unchanged or merged) takes it from the official lookup; a 2011 code that was split (or
  changed irregularly) is placed by its coordinates among the lookup's candidate 2021 LSOAs, or,
  without coordinates, given the most populous candidate. ``lsoa_method`` records which.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb
import numpy as np
import pyarrow as pa

from saferplaces import __version__
from saferplaces.warehouse import forces as force_list
from saferplaces.warehouse.sources import PoliceFile, SourceError, discover
from saferplaces.warehouse.store import WarehouseError, transaction

HEADERS: dict[str, list[str]] = {
    "street": [
        "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
        "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
    ],
    "outcomes": [
        "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
        "LSOA code", "LSOA name", "Outcome type",
    ],
    "stop-and-search": [
        "Type", "Date", "Part of a policing operation", "Policing operation", "Latitude",
        "Longitude", "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity",
        "Legislation", "Object of search", "Outcome", "Outcome linked to object of search",
        "Removal of more than just outer clothing",
    ],
}  # fmt: skip

FIRST_MONTH = date(2010, 12, 1)  # data.police.uk starts in December 2010
# Generous bounds around the UK including Northern Ireland, Scilly and Shetland.
UK_LON = (-8.75, 1.85)
UK_LAT = (49.8, 60.95)
# A file whose rows mostly fail is the wrong file; refuse it whole rather than keep a remnant.
MAX_REJECT_SHARE = 0.5


class FileRefused(WarehouseError):
    """The whole file was refused; nothing of it was loaded."""


@dataclass
class FileResult:
    file: str
    force: str | None = None
    month: str | None = None
    kind: str | None = None
    action: str = "failed"  # new | replaced | unchanged | failed | skipped
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    load_id: int | None = None
    error: str | None = None
    lsoa_methods: dict[str, int] = field(default_factory=dict)
    first_rejects: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    results: list[FileResult]
    skipped: list[tuple[str, str]]

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.action == "failed"]

    def totals(self) -> dict[str, int]:
        ok = [r for r in self.results if r.action in ("new", "replaced")]
        return {
            "files": len(self.results),
            "loaded": len(ok),
            "unchanged": sum(r.action == "unchanged" for r in self.results),
            "failed": len(self.failed),
            "rows_accepted": sum(r.rows_accepted for r in ok),
            "rows_rejected": sum(r.rows_rejected for r in ok),
        }


Progress = Callable[[str, int, int, FileResult | None], None]


# --- header and unit checks -------------------------------------------------------------------


def check_header(pf: PoliceFile) -> str:
    """The kind of file, from its header (and its name); raises FileRefused with a diagnosis."""
    head = pf.head()
    name = pf.display_name
    if not head:
        raise FileRefused(f"{name}: the file is empty (0 bytes).")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(f"{name}: the file is UTF-16 text; save it as UTF-8 CSV and load again.")
    if head.startswith(b"PK\x03\x04"):
        raise FileRefused(f"{name}: this is a zip file with a .csv name; give the .zip itself.")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused(
            f"{name}: line 1 (the header) is not UTF-8 text; is this a data.police.uk CSV?"
        ) from None
    if not text.strip():
        raise FileRefused(f"{name}: line 1 is blank; expected the data.police.uk header.")
    columns = [c.strip() for c in next(csv.reader([text]))]
    for kind, expected in HEADERS.items():
        if columns == expected:
            if pf.name_kind and pf.name_kind != kind:
                raise FileRefused(
                    f"{name}: the file name says {pf.name_kind!r} but the header is that of "
                    f"a {kind!r} file."
                )
            return kind
    wanted = HEADERS.get(pf.name_kind or "street", HEADERS["street"])
    if len(columns) == 1:
        for delim, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if delim in text:
                raise FileRefused(
                    f"{name}: line 1: the columns are separated by {label}, not commas. "
                    "data.police.uk files are comma-separated; re-export the file as CSV."
                )
    missing = [c for c in wanted if c not in columns]
    extra = [c for c in columns if c not in wanted]
    detail = []
    if missing:
        detail.append("missing column(s): " + ", ".join(repr(c) for c in missing))
    if extra:
        detail.append("unexpected column(s): " + ", ".join(repr(c) for c in extra))
    if not detail:
        detail.append("the columns are in a different order")
    raise FileRefused(
        f"{name}: line 1 (header) is not a data.police.uk {pf.name_kind or 'street'} header: "
        + "; ".join(detail)
        + ". Expected: "
        + ",".join(wanted)
    )


def _month_date(text: str, name: str) -> date:
    try:
        year, month = (int(x) for x in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise FileRefused(f"{name}: {text!r} is not a month (YYYY-MM).") from None


def _check_month(month: date, name: str, today: date) -> None:
    if month > today.replace(day=1):
        raise FileRefused(
            f"{name}: month {month:%Y-%m} is in the future; data.police.uk publishes a month "
            "about six weeks after it ends. Check the file name and the Month column."
        )
    if month < FIRST_MONTH:
        raise FileRefused(f"{name}: month {month:%Y-%m} is before data.police.uk began (2010-12).")


# --- the loader ----------------------------------------------------------------------------------


class PoliceLoader:
    """Loads police files into an open, writable warehouse connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, today: date | None = None) -> None:
        self.con = con
        self.today = today or date.today()
        self._locator = None
        self._fs = None

    # Public entry point ----------------------------------------------------------------------

    def load(
        self,
        paths: list,
        force: str | None = None,
        month: str | None = None,
        progress: Progress | None = None,
    ) -> LoadReport:
        self._require_geography()
        discovery = discover(paths)
        files = discovery.files
        if not files:
            raise SourceError(
                "No data.police.uk CSV files found in "
                + ", ".join(str(p) for p in paths)
                + (
                    " (skipped: " + "; ".join(f"{n}: {r}" for n, r in discovery.skipped[:5]) + ")"
                    if discovery.skipped
                    else ""
                )
            )
        plans = self._plan(files, force, month)
        results: list[FileResult] = []
        for i, (pf, unit_or_error) in enumerate(plans):
            if progress:
                progress(pf.display_name, i, len(plans), None)
            if isinstance(unit_or_error, FileResult):
                result = unit_or_error
            else:
                result = self._load_one(pf, *unit_or_error)
            results.append(result)
            if progress:
                progress(pf.display_name, i + 1, len(plans), result)
        return LoadReport(results, discovery.skipped)

    # Planning: kinds, units and duplicates, before anything is written ------------------------

    def _plan(self, files: list[PoliceFile], force: str | None, month: str | None):
        plans: list[tuple[PoliceFile, tuple | FileResult]] = []
        by_unit: dict[tuple, PoliceFile] = {}
        for pf in files:
            try:
                kind = check_header(pf)
                unit_force, unit_month = self._unit(pf, kind, force, month)
            except (FileRefused, SourceError) as exc:
                plans.append((pf, FileResult(pf.display_name, error=str(exc))))
                continue
            key = (unit_force, unit_month, kind)
            if key in by_unit:
                first = by_unit[key]
                if first.sha256() == pf.sha256():
                    plans.append(
                        (
                            pf,
                            FileResult(
                                pf.display_name, unit_force, f"{unit_month:%Y-%m}", kind,
                                action="skipped",
                                error=f"identical to {first.display_name}, loaded once",
                            ),
                        )
                    )  # fmt: skip
                    continue
                raise SourceError(
                    f"{first.display_name} and {pf.display_name} are both {unit_force} "
                    f"{unit_month:%Y-%m} {kind} but differ. Give one of them; nothing was loaded."
                )
            by_unit[key] = pf
            plans.append((pf, (unit_force, unit_month, kind)))
        return plans

    def _unit(
        self, pf: PoliceFile, kind: str, force: str | None, month: str | None
    ) -> tuple[str, date]:
        name = pf.display_name
        slug = force or pf.name_force
        text_month = month or pf.name_month
        if (slug is None or text_month is None) and kind != "stop-and-search":
            found_force, found_month = self._peek_force_month(pf)
            slug = slug or found_force
            text_month = text_month or found_month
        if slug is None or text_month is None:
            raise FileRefused(
                f"{name}: cannot tell the force and month. Name it "
                f"YYYY-MM-<force>-{kind}.csv as data.police.uk does, or give --force and --month."
            )
        known = force_list.force_for(slug)
        if known is None:
            raise FileRefused(
                f"{name}: {slug!r} is not a data.police.uk force. Known forces: "
                + ", ".join(f.slug for f in force_list.FORCES)
            )
        unit_month = _month_date(text_month, name)
        _check_month(unit_month, name, self.today)
        return known.slug, unit_month

    def _peek_force_month(self, pf: PoliceFile) -> tuple[str | None, str | None]:
        lines = pf.head(1 << 20).decode("utf-8", "replace").lstrip("\ufeff").splitlines()
        rows = list(csv.DictReader(lines[:-1] if len(lines) > 2 else lines))
        months = {r.get("Month") for r in rows if r.get("Month")}
        names = {r.get("Falls within") for r in rows if r.get("Falls within")}
        found = [force_list.force_for(n) for n in names]
        slug = found[0].slug if len(found) == 1 and found[0] else None
        return slug, (months.pop() if len(months) == 1 else None)

    # Loading one unit ----------------------------------------------------------------------------

    def _load_one(self, pf: PoliceFile, slug: str, unit_month: date, kind: str) -> FileResult:
        result = FileResult(pf.display_name, slug, f"{unit_month:%Y-%m}", kind)
        started = datetime.now(UTC).replace(tzinfo=None)
        try:
            sha = pf.sha256()
            current = self.con.execute(
                "SELECT load_id, sha256, rows_read, rows_accepted, rows_rejected FROM police_loads "
                "WHERE force = ? AND month = ? AND kind = ? AND is_current",
                [slug, unit_month, kind],
            ).fetchone()
            if current and current[1] == sha:
                result.action = "unchanged"
                result.load_id = current[0]
                result.rows_read, result.rows_accepted, result.rows_rejected = current[2:5]
                return result
            tag = uuid.uuid4().hex[:12]
            try:
                self._stage(pf, kind, tag)
                self._check_rows(pf, kind, unit_month, slug, tag, result)
                with transaction(self.con):
                    load_id = self.con.execute("SELECT nextval('load_ids')").fetchone()[0]
                    self._write(pf, kind, tag, slug, unit_month, load_id, current, result)
                    self.con.execute(
                        "INSERT INTO police_loads VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?, ?)",
                        [
                            load_id, pf.display_name, sha, slug, unit_month, kind,
                            result.rows_read, result.rows_accepted, result.rows_rejected,
                            "replaced" if current else "new", current[0] if current else None,
                            json.dumps(result.lsoa_methods, sort_keys=True), __version__,
                            started, datetime.now(UTC).replace(tzinfo=None),
                        ],
                    )  # fmt: skip
                result.action = "replaced" if current else "new"
                result.load_id = load_id
            finally:
                self._drop_stage(tag)
        except (FileRefused, SourceError) as exc:
            result.action, result.error = "failed", str(exc)
        except duckdb.Error as exc:
            result.action = "failed"
            result.error = f"{pf.display_name}: could not be read as CSV: {_first_line(exc)}"
        return result

    def _drop_stage(self, tag: str) -> None:
        for t in ("raw", "rej_err", "rej_scan", "chk", "lines"):
            self.con.execute(f"DROP TABLE IF EXISTS {t}_{tag}")
        if self._fs is not None:
            self._fs.store.pop(f"/stage/{tag}.csv", None)

    def _stage(self, pf: PoliceFile, kind: str, tag: str) -> None:
        """Read the CSV into a temp table of text columns; malformed lines go to reject tables."""
        columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in HEADERS[kind]) + "}"
        source = self._memory_path(tag, pf.read_bytes()) if pf.is_zip_member else str(pf.path)
        compression = "gzip" if pf.is_gzip else "none"
        self.con.execute(
            f"""
            CREATE TEMP TABLE raw_{tag} AS
            SELECT row_number() OVER () AS rn, *
            FROM read_csv(?, header = true, columns = {columns}, delim = ',', quote = '"',
                          escape = '"', compression = '{compression}', auto_detect = false,
                          store_rejects = true, rejects_table = 'rej_err_{tag}',
                          rejects_scan = 'rej_scan_{tag}', rejects_limit = 0,
                          null_padding = false, strict_mode = true)
            """,
            [source],
        )

    def _memory_path(self, tag: str, data: bytes) -> str:
        if self._fs is None:
            from fsspec.implementations.memory import MemoryFileSystem

            self._fs = MemoryFileSystem()
            self.con.register_filesystem(self._fs)
        self._fs.pipe(f"/stage/{tag}.csv", data)
        return f"memory:///stage/{tag}.csv"

    def _check_rows(
        self, pf: PoliceFile, kind: str, unit_month: date, slug: str, tag: str, result: FileResult
    ) -> None:
        """Attach a line number and the first problem (if any) to every staged row."""
        con = self.con
        reader_rejects = con.execute(
            f"SELECT line, column_name, error_type, error_message, csv_line "
            f"FROM rej_err_{tag} ORDER BY line"
        ).fetchall()
        accepted = con.execute(f"SELECT count(*) FROM raw_{tag}").fetchone()[0]
        total = accepted + len(reader_rejects)
        if total == 0:
            raise FileRefused(f"{pf.display_name}: the file has a header but no data rows.")
        # Line numbers of accepted rows: the header is line 1; skip lines the reader rejected.
        bad_lines = np.array(sorted({r[0] for r in reader_rejects}), dtype=np.int64)
        all_lines = np.arange(2, total + 2, dtype=np.int64)
        good_lines = np.setdiff1d(all_lines, bad_lines, assume_unique=True)[:accepted]
        lines = pa.table(
            {"rn": np.arange(1, accepted + 1, dtype=np.int64), "line": good_lines}
        )
        con.register(f"lines_arrow_{tag}", lines)
        con.execute(f"CREATE TEMP TABLE lines_{tag} AS SELECT * FROM lines_arrow_{tag}")
        con.unregister(f"lines_arrow_{tag}")

        problem = _PROBLEMS[kind].format(month=f"{unit_month:%Y-%m}")
        con.execute(
            f"""
            CREATE TEMP TABLE chk_{tag} AS
            SELECT l.line, r.*, {problem} AS problem
            FROM raw_{tag} r JOIN lines_{tag} l USING (rn)
            {_PROBLEM_JOINS[kind]}
            """
        )
        if kind == "outcomes":
            partition = ", ".join(_quoted(c) for c in HEADERS[kind])
            # Exact repeats carry no information and would double-count outcomes.
            con.execute(
                f"""
                UPDATE chk_{tag} SET problem = 'row|duplicate of line ' || d.first_line
                FROM (
                    SELECT line, min(line) OVER (PARTITION BY {partition}) AS first_line
                    FROM chk_{tag}
                ) d
                WHERE chk_{tag}.line = d.line AND d.first_line < d.line
                  AND chk_{tag}.problem IS NULL
                """
            )
        counts = con.execute(
            f"SELECT count(*) FILTER (WHERE problem IS NULL), count(*) FILTER "
            f"(WHERE problem IS NOT NULL) FROM chk_{tag}"
        ).fetchone()
        result.rows_read = total
        result.rows_accepted = counts[0]
        result.rows_rejected = counts[1] + len(reader_rejects)
        if counts[0] == 0 and counts[1] > 0:
            only = con.execute(
                f"SELECT problem, count(*) FROM chk_{tag} GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
            ).fetchone()
            field_name, reason = only[0].split("|", 1)
            raise FileRefused(
                f"{pf.display_name}: every row fails ({field_name}: {reason}); nothing was loaded."
            )
        if result.rows_rejected > max(10, MAX_REJECT_SHARE * total):
            sample = self._reject_rows(pf, kind, tag, reader_rejects, limit=3)
            raise FileRefused(
                f"{pf.display_name}: {result.rows_rejected:,} of {total:,} rows fail their checks, "
                "so the file is refused whole; nothing was loaded. First problems: "
                + "; ".join(f"line {r[2]}, {r[3]}: {r[5]}" for r in sample)
            )

    def _reject_rows(
        self, pf: PoliceFile, kind: str, tag: str, reader_rejects: list, limit: int | None
    ):
        """Rejected rows as police_rejects tuples (load_id filled later)."""
        rows = []
        for line, column, etype, message, raw in reader_rejects:
            reason = {
                "TOO MANY COLUMNS": "too many columns",
                "TOO FEW COLUMNS": "too few columns",
                "INVALID UNICODE": "not UTF-8 text (is the file saved as Windows-1252?)",
                "UNQUOTED VALUE": "badly quoted value",
                "LINE SIZE OVER MAXIMUM": "line too long",
            }.get(etype, message)
            rows.append((None, pf.display_name, line, column or "row", None, reason, raw))
        limit_sql = f"LIMIT {limit}" if limit else ""
        checked = self.con.execute(
            f"""
            SELECT line, split_part(problem, '|', 1), {_field_value_sql(kind)},
                   split_part(problem, '|', 2), {_raw_sql(kind)}
            FROM chk_{tag} WHERE problem IS NOT NULL ORDER BY line {limit_sql}
            """
        ).fetchall()
        for line, field_name, value, reason, raw in checked:
            rows.append((None, pf.display_name, line, field_name, value, reason, raw))
        rows.sort(key=lambda r: r[2] or 0)
        return rows[:limit] if limit else rows

    def _write(
        self,
        pf: PoliceFile,
        kind: str,
        tag: str,
        slug: str,
        unit_month: date,
        load_id: int,
        current: tuple | None,
        result: FileResult,
    ) -> None:
        con = self.con
        table = {"street": "police_street", "outcomes": "police_outcomes"}.get(
            kind, "police_stop_search"
        )
        if current:
            con.execute(f"DELETE FROM {table} WHERE force = ? AND month = ?", [slug, unit_month])
            con.execute("UPDATE police_loads SET is_current = FALSE WHERE load_id = ?", [current[0]])
        self._add_points(tag)
        if kind == "stop-and-search":
            self._write_stop_search(tag, slug, unit_month, load_id, result)
        else:
            self._place_lsoas(tag, kind, slug, unit_month, load_id, table, result)
        rejects = self._reject_rows(pf, kind, tag, self._reader_rejects(tag), limit=None)
        if rejects:
            con.executemany(
                "INSERT INTO police_rejects VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(load_id, *r[1:]) for r in rejects],
            )
            result.first_rejects = [f"line {r[2]}, {r[3]}: {r[5]}" for r in rejects[:5]]

    def _reader_rejects(self, tag: str) -> list:
        return self.con.execute(
            f"SELECT line, column_name, error_type, error_message, csv_line "
            f"FROM rej_err_{tag} ORDER BY line"
        ).fetchall()

    def _add_points(self, tag: str) -> None:
        """Project each new distinct published point to British National Grid, once."""
        from saferplaces.warehouse.geography import to_bng

        new = self.con.execute(
            f"""
            SELECT DISTINCT c.lon, c.lat FROM (
                SELECT TRY_CAST("Longitude" AS DOUBLE) AS lon, TRY_CAST("Latitude" AS DOUBLE) AS lat
                FROM chk_{tag} WHERE problem IS NULL
            ) c ANTI JOIN police_points p ON c.lon = p.lon AND c.lat = p.lat
            WHERE c.lon IS NOT NULL AND c.lat IS NOT NULL
            """
        ).fetchnumpy()
        if len(new["lon"]) == 0:
            return
        easting, northing = to_bng(np.asarray(new["lon"]), np.asarray(new["lat"]))
        points = pa.table(
            {"lon": new["lon"], "lat": new["lat"], "easting": easting, "northing": northing}
        )
        self.con.register(f"points_{tag}", points)
        self.con.execute(f"INSERT INTO police_points SELECT * FROM points_{tag}")
        self.con.unregister(f"points_{tag}")

    def _place_lsoas(
        self,
        tag: str,
        kind: str,
        slug: str,
        unit_month: date,
        load_id: int,
        table: str,
        result: FileResult,
    ) -> None:
        con = self.con
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE placed_{tag} AS
            WITH rows AS (
                SELECT line, TRIM("LSOA code") AS code,
                       TRY_CAST("Longitude" AS DOUBLE) AS lon, TRY_CAST("Latitude" AS DOUBLE) AS lat
                FROM chk_{tag} WHERE problem IS NULL
            ),
            targets AS (
                SELECT lsoa11_code, count(*) AS n, any_value(lsoa21_code) AS only_code
                FROM ref_lsoa11_lsoa21 GROUP BY lsoa11_code
            )
            SELECT r.line, r.code, p.easting, p.northing,
                   CASE WHEN r.code IS NULL THEN NULL
                        WHEN l21.lsoa21_code IS NOT NULL THEN r.code
                        WHEN t.n = 1 THEN t.only_code END AS lsoa21_code,
                   CASE WHEN r.code IS NULL THEN 'none'
                        WHEN l21.lsoa21_code IS NOT NULL THEN 'published-2021'
                        WHEN t.n = 1 THEN 'lookup-2011'
                        WHEN p.easting IS NOT NULL THEN 'coordinates-2011-split'
                        ELSE 'best-fit-2011-split' END AS lsoa_method
            FROM rows r
            LEFT JOIN ref_lsoa21 l21 ON l21.lsoa21_code = r.code
            LEFT JOIN targets t ON t.lsoa11_code = r.code
            LEFT JOIN police_points p ON p.lon = r.lon AND p.lat = r.lat
            """
        )
        self._resolve_splits(tag)
        columns = {
            "street": (
                '"Crime ID", "Reported by", "Falls within"',
                'cat.category, "Last outcome category", "Context"',
                "LEFT JOIN ref_categories cat ON lower(cat.category) = lower(trim(c.\"Crime type\"))",
            ),
            "outcomes": ('"Crime ID", "Reported by", "Falls within"', '"Outcome type"', ""),
        }[kind]
        con.execute(
            f"""
            INSERT INTO {table}
            SELECT {load_id}, c.line, '{slug}', DATE '{unit_month:%Y-%m-%d}',
                   {columns[0]},
                   TRY_CAST("Longitude" AS DOUBLE), TRY_CAST("Latitude" AS DOUBLE),
                   p.easting, p.northing, "Location", p.code, "LSOA name",
                   p.lsoa21_code, p.lsoa_method, {columns[1]}
            FROM chk_{tag} c JOIN placed_{tag} p USING (line)
            {columns[2]}
            WHERE c.problem IS NULL
            ORDER BY c.line
            """
        )
        result.lsoa_methods = dict(
            con.execute(
                f"SELECT lsoa_method, count(*) FROM placed_{tag} GROUP BY 1 ORDER BY 1"
            ).fetchall()
        )
        con.execute(f"DROP TABLE placed_{tag}")

    def _resolve_splits(self, tag: str) -> None:
        """Place records with a split or irregular 2011 code among its 2021 successors."""
        con = self.con
        rows = con.execute(
            f"""
            SELECT p.line, p.easting, p.northing, list(m.lsoa21_code ORDER BY r.population DESC,
                   m.lsoa21_code) AS candidates
            FROM placed_{tag} p
            JOIN ref_lsoa11_lsoa21 m ON m.lsoa11_code = p.code
            LEFT JOIN ref_lsoa21 r ON r.lsoa21_code = m.lsoa21_code
            WHERE p.lsoa21_code IS NULL AND p.lsoa_method LIKE '%split'
            GROUP BY p.line, p.easting, p.northing
            """
        ).fetchall()
        if not rows:
            return
        chosen: list[tuple[int, str]] = []
        located = [r for r in rows if r[1] is not None]
        if located:
            codes = self.locator().locate(
                np.array([r[1] for r in located]),
                np.array([r[2] for r in located]),
                candidates=[r[3] for r in located],
            )
            chosen.extend((r[0], code) for r, code in zip(located, codes, strict=True))
        # Without coordinates, the most populous successor is the best single guess.
        chosen.extend((r[0], r[3][0]) for r in rows if r[1] is None)
        fix = pa.table({"line": [c[0] for c in chosen], "code21": [c[1] for c in chosen]})
        con.register(f"fix_{tag}", fix)
        con.execute(
            f"UPDATE placed_{tag} SET lsoa21_code = f.code21 FROM fix_{tag} f "
            f"WHERE placed_{tag}.line = f.line"
        )
        con.unregister(f"fix_{tag}")

    def _write_stop_search(
        self, tag: str, slug: str, unit_month: date, load_id: int, result: FileResult
    ) -> None:
        con = self.con
        pts = con.execute(
            f"""
            SELECT c.line, p.easting, p.northing FROM chk_{tag} c
            JOIN police_points p ON p.lon = TRY_CAST(c."Longitude" AS DOUBLE)
                                AND p.lat = TRY_CAST(c."Latitude" AS DOUBLE)
            WHERE c.problem IS NULL
            """
        ).fetchnumpy()
        codes = (
            self.locator().locate(np.asarray(pts["easting"]), np.asarray(pts["northing"]))
            if len(pts["line"])
            else np.array([], dtype=object)
        )
        placed = pa.table(
            {"line": pts["line"], "lsoa21_code": pa.array(list(codes), type=pa.string())}
        )
        con.register(f"ss_{tag}", placed)
        con.execute(
            f"""
            INSERT INTO police_stop_search
            SELECT {load_id}, c.line, '{slug}', DATE '{unit_month:%Y-%m-%d}', c."Type",
                   TRY_CAST(c."Date" AS TIMESTAMPTZ),
                   {_bool('c."Part of a policing operation"')}, c."Policing operation",
                   TRY_CAST(c."Longitude" AS DOUBLE), TRY_CAST(c."Latitude" AS DOUBLE),
                   p.easting, p.northing, s.lsoa21_code,
                   CASE WHEN s.lsoa21_code IS NOT NULL THEN 'coordinates'
                        WHEN p.easting IS NOT NULL THEN 'outside-england-wales' ELSE 'none' END,
                   c."Gender", c."Age range", c."Self-defined ethnicity",
                   c."Officer-defined ethnicity", c."Legislation", c."Object of search",
                   c."Outcome", {_bool('c."Outcome linked to object of search"')},
                   {_bool('c."Removal of more than just outer clothing"')}
            FROM chk_{tag} c
            LEFT JOIN police_points p ON p.lon = TRY_CAST(c."Longitude" AS DOUBLE)
                                     AND p.lat = TRY_CAST(c."Latitude" AS DOUBLE)
            LEFT JOIN ss_{tag} s USING (line)
            WHERE c.problem IS NULL
            ORDER BY c.line
            """
        )
        con.unregister(f"ss_{tag}")
        result.lsoa_methods = dict(
            con.execute(
                "SELECT lsoa_method, count(*) FROM police_stop_search WHERE load_id = ? "
                "GROUP BY 1 ORDER BY 1",
                [load_id],
            ).fetchall()
        )

    # Helpers ----------------------------------------------------------------------------------

    def locator(self):
        if self._locator is None:
            from saferplaces.warehouse.geography import LsoaLocator

            self._locator = LsoaLocator.from_connection(self.con)
        return self._locator

    def _require_geography(self) -> None:
        n = self.con.execute("SELECT count(*) FROM ref_lsoa21").fetchone()[0]
        if n == 0:
            from saferplaces.warehouse.geography import load_geography

            load_geography(self.con)


def _bool(expr: str) -> str:
    return (
        f"CASE lower(trim({expr})) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE ELSE NULL END"
    )


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _field_value_sql(kind: str) -> str:
    """SQL giving the value of the field a problem names."""
    whens = " ".join(
        f"WHEN '{c}' THEN {_quoted(c)}" for c in HEADERS[kind]
    )
    return f"CASE split_part(problem, '|', 1) {whens} END"


def _raw_sql(kind: str) -> str:
    """SQL rebuilding a row's text (unquoted) for the rejects table."""
    return "concat_ws(',', " + ", ".join(f"coalesce({_quoted(c)}, '')" for c in HEADERS[kind]) + ")"


# Row checks, in order: the first failing check names the field and the reason ("field|reason").
_COORDS = f"""
    WHEN ("Longitude" IS NULL) <> ("Latitude" IS NULL)
        THEN CASE WHEN "Longitude" IS NULL THEN 'Longitude|missing while Latitude is given'
                  ELSE 'Latitude|missing while Longitude is given' END
    WHEN "Longitude" IS NOT NULL AND TRY_CAST("Longitude" AS DOUBLE) IS NULL
        THEN 'Longitude|not a number: ' || "Longitude"
    WHEN "Latitude" IS NOT NULL AND TRY_CAST("Latitude" AS DOUBLE) IS NULL
        THEN 'Latitude|not a number: ' || "Latitude"
    WHEN "Longitude" IS NOT NULL AND NOT (
            TRY_CAST("Longitude" AS DOUBLE) BETWEEN {UK_LON[0]} AND {UK_LON[1]}
        AND TRY_CAST("Latitude" AS DOUBLE) BETWEEN {UK_LAT[0]} AND {UK_LAT[1]})
        THEN 'Longitude|' || "Longitude" || ', ' || "Latitude" || ' is outside the UK'
"""

_MONTH = """
    WHEN "Month" IS NULL THEN 'Month|missing'
    WHEN NOT regexp_full_match(trim("Month"), '\\d{{4}}-\\d{{2}}')
        THEN 'Month|not a month (YYYY-MM): ' || "Month"
    WHEN trim("Month") <> '{month}'
        THEN 'Month|' || trim("Month") || ' differs from the file''s month {month}'
"""

_LSOA = """
    WHEN "LSOA code" IS NOT NULL AND NOT regexp_full_match(trim("LSOA code"), '[EW]01\\d{{6}}')
        THEN 'LSOA code|not an LSOA code: ' || "LSOA code"
    WHEN "LSOA code" IS NOT NULL AND known_lsoa.code IS NULL
        THEN 'LSOA code|' || trim("LSOA code") || ' is neither a 2011 nor a 2021 LSOA'
"""

_PROBLEMS = {
    "street": "CASE" + _MONTH + """
        WHEN "Crime type" IS NULL THEN 'Crime type|missing'
        WHEN cat_check.category IS NULL THEN 'Crime type|unknown category: ' || "Crime type"
    """ + _COORDS + _LSOA + " END",
    "outcomes": "CASE" + _MONTH + """
        WHEN "Crime ID" IS NULL THEN 'Crime ID|missing (an outcome needs the crime it closes)'
        WHEN "Outcome type" IS NULL THEN 'Outcome type|missing'
    """ + _COORDS + _LSOA + " END",
    "stop-and-search": """CASE
        WHEN "Date" IS NULL THEN 'Date|missing'
        WHEN TRY_CAST("Date" AS TIMESTAMPTZ) IS NULL THEN 'Date|not a date and time: ' || "Date"
        WHEN strftime(TRY_CAST("Date" AS TIMESTAMPTZ) AT TIME ZONE 'UTC', '%Y-%m') <> '{month}'
            THEN 'Date|' || "Date" || ' is outside the file''s month {month}'
    """ + _COORDS + " END",
}

_KNOWN_LSOA_JOIN = """
    LEFT JOIN (SELECT lsoa21_code AS code FROM ref_lsoa21
               UNION SELECT lsoa11_code FROM ref_lsoa11_lsoa21) known_lsoa
           ON known_lsoa.code = trim(r."LSOA code")
"""
_PROBLEM_JOINS = {
    "street": _KNOWN_LSOA_JOIN
    + """LEFT JOIN ref_categories cat_check
           ON lower(cat_check.category) = lower(trim(r."Crime type"))""",
    "outcomes": _KNOWN_LSOA_JOIN,
    "stop-and-search": "",
}


def load_police(
    con: duckdb.DuckDBPyConnection,
    paths: list,
    force: str | None = None,
    month: str | None = None,
    progress: Progress | None = None,
    today: date | None = None,
) -> LoadReport:
    """Load data.police.uk files (zips, folders, CSV/CSV.GZ) into the warehouse."""
    return PoliceLoader(con, today=today).load(paths, force=force, month=month, progress=progress)


__all__ = [
    "HEADERS",
    "FileRefused",
    "FileResult",
    "LoadReport",
    "PoliceLoader",
    "load_police",
]
