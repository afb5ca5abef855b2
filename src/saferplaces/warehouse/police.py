"""Loading data.police.uk files into the warehouse.

The unit of loading is one (force, month, kind). Loading a unit again replaces the earlier copy
in one transaction (data.police.uk revises outcomes), so re-loading is idempotent, a file that
fails validation loads nothing, and a process killed mid-load leaves the warehouse as it was
before that unit.

Rows that fail a check are not dropped: they go to ``rejects`` with the file, line, field, value
and reason, and are counted in the load record. A file whose rows mostly fail is refused whole,
because a file like that is the wrong file, not a file with a few bad rows.

For speed, files of one kind are staged, checked and written in batches of up to
:data:`BATCH_FILES` files (:data:`BATCH_BYTES` of CSV text): one CSV scan into a temp table, the
checks as a view over it, one transaction. Each unit still replaces its earlier copy atomically
(a batch commits all its units or none), and a file refused by its checks is left out of the
batch's transaction without affecting the others. Every file's bytes are read once in Python
(decompressed, capped against bombs, hashed) and handed to DuckDB through an in-memory file
system, so zip members are never extracted to disk. During a load DuckDB's buffer pool is
capped (:data:`LOAD_MEMORY_LIMIT`) and the log is checkpointed once, at the end.

Line numbers are the file's own (the header is line 1), also when blank lines or quoted line
breaks make DuckDB's record numbers differ; rows DuckDB would silently lose (a quote never
closed swallows the rest of the file) make the file refused with the line named.

Normalisation (see README "How records are placed"):

* month becomes a DATE; the category is matched to the controlled vocabulary;
* British National Grid easting/northing are computed once per distinct published point
  (``police_points``), since data.police.uk snaps records to a fixed set of map points;
* LSOA codes are harmonised to 2021: a 2021 code is kept; a 2011 code that maps to one 2021
  LSOA (unchanged or merged) takes it from the official lookup; a 2011 code that was split (or
  changed irregularly) is placed by its coordinates among the lookup's candidate 2021 LSOAs, or,
  without coordinates, given the most populous candidate; a record with coordinates but no LSOA
  code is placed by its coordinates (or marked outside England and Wales, as Northern Ireland's
  are). ``lsoa_method`` records which: published-2021, lookup-2011, coordinates-2011-split,
  best-fit-2011-split, coordinates, outside-england-wales or none.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb
import numpy as np
import pyarrow as pa
from fsspec.implementations.memory import MemoryFile, MemoryFileSystem

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

TABLES = {"street": "police_street", "outcomes": "police_outcomes",
          "stop-and-search": "police_stop_search"}  # fmt: skip

FIRST_MONTH = date(2010, 12, 1)  # data.police.uk starts in December 2010
# Generous bounds around the UK including Northern Ireland, Scilly and Shetland.
UK_LON = (-8.75, 1.85)
UK_LAT = (49.8, 60.95)
# A file whose rows mostly fail is the wrong file; refuse it whole rather than keep a remnant.
MAX_REJECT_SHARE = 0.5
# Batches: big enough that per-statement overhead vanishes, small enough to stay well inside
# the memory budget (a batch's CSV text is held in memory, then staged as DuckDB columns).
BATCH_FILES = 64
BATCH_BYTES = 192 * 1024**2


# DuckDB keeps the pages it has written in its buffer pool up to its memory limit (80% of RAM
# by default), so a national load would hold the whole warehouse in memory. Written pages can be
# dropped, so a load caps the pool; temp tables spill to disk beyond it.
LOAD_MEMORY_LIMIT = 1536 * 1024**2


@contextlib.contextmanager
def _load_settings(con: duckdb.DuckDBPyConnection, memory_limit: int) -> Iterator[None]:
    """Settings for a load, restored afterwards: a capped buffer pool, and insertion order
    kept (staging relies on it for line numbers)."""
    memory, order, wal = con.execute(
        "SELECT current_setting('memory_limit'), current_setting('preserve_insertion_order'), "
        "current_setting('wal_autocheckpoint')"
    ).fetchone()
    if _bytes(memory) > memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit // 1024**2}MiB'")
    con.execute("SET preserve_insertion_order = true")
    # One checkpoint at the end instead of one after every batch's commit: big appends are
    # written to the database file as they happen, so the log stays small meanwhile.
    con.execute("SET wal_autocheckpoint = '1GiB'")
    try:
        yield
        # Write the loaded pages out now, under the cap, rather than when the caller closes.
        # Best effort: another open transaction on the same database makes DuckDB refuse, and
        # then the checkpoint simply happens later.
        with contextlib.suppress(duckdb.TransactionException):
            con.execute("CHECKPOINT")
    finally:
        con.execute(f"SET memory_limit = '{memory}'")
        con.execute(f"SET wal_autocheckpoint = '{wal}'")
        con.execute(f"SET preserve_insertion_order = {'true' if order else 'false'}")


def _bytes(text: str) -> float:
    """'18.7 GiB' -> bytes (DuckDB's way of printing sizes)."""
    units = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "KIB": 1024, "MIB": 1024**2,
             "GIB": 1024**3, "TIB": 1024**4}  # fmt: skip
    number, _, unit = text.strip().partition(" ")
    try:
        return float(number) * units.get(unit.strip().upper() or "B", 1)
    except ValueError:
        return float("inf")


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
    sha256: str | None = None


@dataclass
class LoadReport:
    results: list[FileResult]
    skipped: list[tuple[str, str]]
    not_selected: int = 0  # files left out by a force/month/kind selection (fetch)

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
Select = Callable[[PoliceFile], bool]


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
    if head.startswith(b"\x1f\x8b"):
        raise FileRefused(f"{name}: this is gzip-compressed; name it .csv.gz and load again.")
    if head.lstrip()[:15].lower().startswith((b"<!doctype", b"<html")):
        raise FileRefused(f"{name}: this is a web page, not a CSV (a failed download?).")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    first = re.split(rb"\r\n|\r|\n", head, maxsplit=1)[0]
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused(
            f"{name}: line 1 (the header) is not UTF-8 text; is this a data.police.uk CSV?"
        ) from None
    if not text.strip():
        raise FileRefused(f"{name}: line 1 is blank; expected the data.police.uk header.")
    try:
        columns = [c.strip() for c in next(csv.reader([text]))]
    except csv.Error as exc:
        raise FileRefused(f"{name}: line 1 (the header) cannot be read as CSV ({exc}).") from None
    for kind, expected in HEADERS.items():
        if columns == expected:
            if pf.name_kind and pf.name_kind != kind:
                raise FileRefused(
                    f"{name}: line 1: the file name says {pf.name_kind!r} but the header is that "
                    f"of a {kind!r} file."
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
    # A month is published about six weeks after it ends, so the current month cannot exist yet.
    if month >= today.replace(day=1):
        raise FileRefused(
            f"{name}: month {month:%Y-%m} is in the future or not yet over; data.police.uk "
            "publishes a month about six weeks after it ends. Check the file name and the Month "
            "column."
        )
    if month < FIRST_MONTH:
        raise FileRefused(f"{name}: month {month:%Y-%m} is before data.police.uk began (2010-12).")


# --- line numbers -----------------------------------------------------------------------------


MAX_RECORD_LINES = 5  # a quoted field may hold a line break or two; more is a broken quote


class Unreadable(Exception):
    """Records the CSV reader neither accepted nor rejected: the file cannot be trusted."""

    def __init__(self, line: int, lines: int) -> None:
        super().__init__(line, lines)
        self.line, self.lines = line, lines  # first line not read, lines from it to the end


def line_numbers(
    data: bytes, n_good: int, bad_records: list[int]
) -> tuple[np.ndarray | None, dict[int, int]]:
    """File line numbers of the rows DuckDB accepted, and of the records it rejected.

    DuckDB numbers records (the header is record 1; blank lines count) and reports them only
    for rejected rows. When every record is one line and there are no blank lines, record
    numbers are line numbers and accepted rows are the records not rejected (returns ``None``
    for the common case of no rejects at all). Otherwise the file is re-read with Python's CSV
    reader to find where each record starts; that only happens for unusual files.

    Raises :class:`Unreadable` when Python finds records DuckDB did not account for (a quote
    opened and never closed makes DuckDB drop the rest of the file): rows must never vanish.
    """
    bad = sorted(set(bad_records))
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    if n_lines == 1 + n_good + len(bad):
        if not bad:
            return None, {}
        good = np.setdiff1d(np.arange(2, n_lines + 1, dtype=np.int64), np.asarray(bad))
        return good[:n_good], {b: b for b in bad}
    text = data.decode("utf-8", errors="replace")
    # A swallowed file is one huge field: count it rather than fail on csv's size limit.
    limit = csv.field_size_limit(1 << 30)
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    bad_set = set(bad)
    good_lines: list[int] = []
    physical: dict[int, int] = {}
    record, previous = 0, 0
    try:
        for row in reader:
            record += 1
            start, previous = previous + 1, reader.line_num
            if previous - start >= MAX_RECORD_LINES:
                # No data.police.uk field holds line breaks; a record running over many lines
                # is an unclosed quote swallowing the rows after it.
                raise Unreadable(start, n_lines - start)
            if record == 1:
                continue
            if record in bad_set:
                physical[record] = start
            elif row:
                good_lines.append(start)
    except csv.Error:
        pass  # the rest is unparseable for Python too; keep what was placed
    finally:
        csv.field_size_limit(limit)
    if len(good_lines) > n_good:
        first = good_lines[n_good]
        raise Unreadable(first, max(0, n_lines - first))
    good = np.asarray(good_lines[:n_good], dtype=np.int64)
    if len(good) < n_good:  # should not happen; never leave a row without a line
        tail = np.arange(n_good - len(good), dtype=np.int64) + (good[-1] + 1 if len(good) else 2)
        good = np.concatenate([good, tail])
    return good, {b: physical.get(b, b) for b in bad}


class _StageFile(MemoryFile):
    # MemoryFile measures itself by copying its buffer; DuckDB asks for the size often.
    def __init__(self, fs: MemoryFileSystem, path: str, data: bytes) -> None:
        super().__init__(fs, path, data)
        self._size = len(data)

    @property
    def size(self) -> int:
        return self._size


class _StageFileSystem(MemoryFileSystem):
    """Where the loader hands CSV bytes to DuckDB: in memory, one folder per batch."""

    protocol = "saferplaces-stage"
    store: dict = {}  # noqa: RUF012 - shared by every instance on purpose (see _memory_path)
    pseudo_dirs = [""]  # noqa: RUF012

    @classmethod
    def _strip_protocol(cls, path):
        prefix = cls.protocol + "://"
        path = str(path)
        return super()._strip_protocol(path[len(prefix) :] if path.startswith(prefix) else path)

    def pipe_file(self, path: str, value: bytes, mode: str = "overwrite", **kwargs) -> None:
        path = self._strip_protocol(path)
        self.store[path] = _StageFile(self, path, value)

    def drop(self, tag: str) -> None:
        for key in [k for k in self.store if k.startswith(f"/{tag}/")]:
            del self.store[key]


# --- the loader ----------------------------------------------------------------------------------


@dataclass
class _Unit:
    pf: PoliceFile
    force: str
    month: date
    kind: str
    current: tuple | None  # (load_id, sha256) of the current copy, if any
    result: FileResult
    data: bytes | None = None
    position: int = 0  # index of the file in its batch
    reader_rejects: list = field(default_factory=list)  # (line, column, type, message, raw)
    checked_rejects: int = 0  # rows that failed a check (not the CSV reader)
    unreadable: str | None = None  # why the CSV reader's rows cannot be trusted


class PoliceLoader:
    """Loads police files into an open, writable warehouse connection."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        today: date | None = None,
        batch_files: int = BATCH_FILES,
        batch_bytes: int = BATCH_BYTES,
    ) -> None:
        self.con = con
        self.today = today or date.today()
        self.batch_files = batch_files
        self.batch_bytes = batch_bytes
        self._locator = None
        self._fs = None
        self._prepared = False
        self._fixed = False

    # Public entry point ----------------------------------------------------------------------

    def load(
        self,
        paths: list,
        force: str | None = None,
        month: str | None = None,
        progress: Progress | None = None,
        select: Select | None = None,
    ) -> LoadReport:
        self._require_geography()
        discovery = discover(paths)
        try:
            files = discovery.files
            not_selected = 0
            if select is not None:
                chosen = [f for f in files if select(f)]
                not_selected = len(files) - len(chosen)
                files = chosen
            if not files:
                if not_selected:
                    return LoadReport([], discovery.skipped, not_selected)
                raise SourceError(
                    "No data.police.uk CSV files found in "
                    + ", ".join(str(p) for p in paths)
                    + (
                        " (skipped: "
                        + "; ".join(f"{n}: {r}" for n, r in discovery.skipped[:5])
                        + ")"
                        if discovery.skipped
                        else ""
                    )
                )
            with _load_settings(self.con, LOAD_MEMORY_LIMIT):
                results = self._run(self._plan(files, force, month), progress)
        finally:
            discovery.close()
        return LoadReport(results, discovery.skipped, not_selected)

    # Planning: kinds, units and duplicates, before anything is written ------------------------

    def _plan(self, files: list[PoliceFile], force: str | None, month: str | None) -> list:
        plans: list[_Unit | FileResult] = []
        by_unit: dict[tuple, PoliceFile] = {}
        for pf in files:
            try:
                kind = check_header(pf)
                unit_force, unit_month = self._unit(pf, kind, force, month)
            except (FileRefused, SourceError) as exc:
                plans.append(FileResult(pf.display_name, error=str(exc)))
                continue
            key = (unit_force, unit_month, kind)
            result = FileResult(pf.display_name, unit_force, f"{unit_month:%Y-%m}", kind)
            if key in by_unit:
                first = by_unit[key]
                try:
                    same = first.sha256() == pf.sha256()
                except SourceError as exc:
                    result.error = str(exc)
                    plans.append(result)
                    continue
                if same:
                    result.action = "skipped"
                    result.error = f"identical to {first.display_name}, loaded once"
                    plans.append(result)
                    continue
                raise SourceError(
                    f"{first.display_name} and {pf.display_name} are both {unit_force} "
                    f"{unit_month:%Y-%m} {kind} but differ. Give one of them; nothing was loaded."
                )
            by_unit[key] = pf
            result.action = "pending"
            plans.append(_Unit(pf, unit_force, unit_month, kind, None, result))
        units = [p for p in plans if isinstance(p, _Unit)]
        if units:
            current = {
                (f, m, k): (load_id, sha)
                for load_id, sha, f, m, k in self.con.execute(
                    "SELECT load_id, sha256, force, month, kind FROM police_loads WHERE is_current"
                ).fetchall()
            }
            for u in units:
                u.current = current.get((u.force, u.month, u.kind))
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

    # Running: read ahead in a thread, then load batches of one kind ---------------------------

    def _run(self, plans: list, progress: Progress | None) -> list[FileResult]:
        total = len(plans)
        done = 0
        order = {id(p): i for i, p in enumerate(plans)}
        results: dict[int, FileResult] = {}

        def finish(item, result: FileResult) -> None:
            nonlocal done
            results[order[id(item)]] = result
            done += 1
            if progress:
                progress(result.file, done, total, result)

        for p in plans:
            if isinstance(p, FileResult):
                finish(p, p)
        units = [p for p in plans if isinstance(p, _Unit)]
        # Kinds have different columns, so a batch holds one kind; order within a kind is kept.
        units.sort(key=lambda u: list(HEADERS).index(u.kind))
        self._prepare()
        batch: list[_Unit] = []
        size = 0
        for unit in self._read_ahead(units):
            if unit.result.action == "failed":
                finish(unit, unit.result)
                continue
            if unit.current and unit.current[1] == unit.result.sha256:
                row = self.con.execute(
                    "SELECT rows_read, rows_accepted, rows_rejected FROM police_loads "
                    "WHERE load_id = ?",
                    [unit.current[0]],
                ).fetchone()
                unit.result.action = "unchanged"
                unit.result.load_id = unit.current[0]
                unit.result.rows_read, unit.result.rows_accepted, unit.result.rows_rejected = row
                unit.data = None
                finish(unit, unit.result)
                continue
            if batch and (
                batch[0].kind != unit.kind
                or len(batch) >= self.batch_files
                or size + len(unit.data) > self.batch_bytes
            ):
                for u in self._load_batch(batch):
                    finish(u, u.result)
                batch, size = [], 0
            batch.append(unit)
            size += len(unit.data)
        if batch:
            for u in self._load_batch(batch):
                finish(u, u.result)
        return [results[i] for i in range(total)]

    def _read_ahead(self, units: list[_Unit]) -> Iterator[_Unit]:
        """Units with their CSV bytes read (decompressed, hashed, size-capped).

        Read in the loader's own thread: on a two-core machine DuckDB keeps both cores busy,
        and a reading thread measured slower overall (it competes for the cores and the GIL).
        """
        for unit in units:
            try:
                unit.data = unit.pf.read_bytes()
                unit.result.sha256 = unit.pf.sha256()
            except SourceError as exc:
                unit.result.action, unit.result.error = "failed", str(exc)
            yield unit

    # Loading one batch of units of one kind ---------------------------------------------------

    def _load_batch(self, batch: list[_Unit]) -> list[_Unit]:
        try:
            self._load_batch_tx(batch)
        except (duckdb.Error, SourceError) as exc:
            if len(batch) > 1:
                # Something the checks did not foresee: isolate the culprit by loading singly.
                for unit in batch:
                    unit.result.action = "pending"
                    self._load_batch([unit])
            else:
                unit = batch[0]
                unit.result.action = "failed"
                unit.result.error = (
                    f"{unit.pf.display_name}: could not be loaded: {_first_line(exc)}"
                )
        for unit in batch:
            unit.data = None
        return batch

    def _load_batch_tx(self, batch: list[_Unit]) -> None:
        con = self.con
        kind = batch[0].kind
        tag = uuid.uuid4().hex[:12]
        started = datetime.now(UTC).replace(tzinfo=None)
        for i, unit in enumerate(batch):
            unit.position = i
        paths = [self._memory_path(tag, i, u.data) for i, u in enumerate(batch)]
        try:
            self._stage(batch, kind, tag, paths)
            accepted = self._check(batch, kind, tag)
            if not accepted:
                return
            with transaction(con):
                keep = [u.position for u in accepted]
                self._add_points(tag, keep)
                self._place(kind, tag, keep)
                self._write(accepted, kind, tag, started)
        finally:
            self._drop_stage(tag)
        for unit in accepted:
            unit.result.action = "replaced" if unit.current else "new"

    def _stage(self, batch: list[_Unit], kind: str, tag: str, paths: list[str]) -> None:
        """Read the batch's CSVs into one temp table of text columns (plus the file index and
        the parsed coordinates); malformed lines go to the reject tables. Then define the
        checking view: every row with its line in its file, normalised values and first
        problem. The view is computed where it is used, never materialised, so the CSV text
        is held once."""
        con = self.con
        columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in HEADERS[kind]) + "}"
        # Projections only (no joins) with insertion order kept, so rows keep file order and
        # a row's position in its file is its rowid less the file's first rowid.
        con.execute(
            f"""
            CREATE TEMP TABLE raw_{tag} AS
            SELECT CAST(split_part(parse_filename(filename), '.', 1) AS INTEGER) AS i,
                   TRY_CAST("Longitude" AS DOUBLE) AS lon, TRY_CAST("Latitude" AS DOUBLE) AS lat,
                   * EXCLUDE (filename)
            FROM read_csv(?, header = true, columns = {columns}, delim = ',',
                          quote = '"', escape = '"', compression = 'none', auto_detect = false,
                          filename = true, store_rejects = true, rejects_table = 'rej_err_{tag}',
                          rejects_scan = 'rej_scan_{tag}', rejects_limit = 0,
                          null_padding = false, strict_mode = true)
            """,
            [paths],
        )
        spans = {
            i: (first, n)
            for i, first, n in con.execute(
                f"SELECT i, min(rowid), count(*) FROM raw_{tag} GROUP BY i"
            ).fetchall()
        }
        rejects: dict[int, list] = {}
        for row in con.execute(
            f"""
            SELECT s.file_path, e.line, e.column_name, e.error_type, e.error_message, e.csv_line
            FROM rej_err_{tag} e JOIN rej_scan_{tag} s USING (scan_id, file_id)
            ORDER BY s.file_path, e.line
            """
        ).fetchall():
            i = int(row[0].rsplit("/", 1)[1].split(".")[0])
            rejects.setdefault(i, []).append(row[1:])
        maps = []
        for i, unit in enumerate(batch):
            first, n_good = spans.get(i, (0, 0))
            bad = rejects.get(i, [])
            try:
                good, physical = line_numbers(unit.data or b"", n_good, [b[0] for b in bad])
            except Unreadable as exc:
                unit.unreadable = (
                    f"{unit.pf.display_name}: line {exc.line}: this line and the {exc.lines:,} "
                    "after it cannot be read as CSV records; a quote opened there is probably "
                    "never closed. The file is refused whole; nothing was loaded."
                )
                good, physical = None, {b[0]: b[0] for b in bad}
            unit.reader_rejects = [
                (physical.get(line, line), column, etype, message, raw)
                for line, column, etype, message, raw in bad
            ]
            unit.result.rows_read = n_good + len({b[0] for b in bad})
            if good is not None:
                maps.append(
                    pa.table(
                        {
                            "rid": np.arange(len(good), dtype=np.int64) + first,
                            "line": good.astype(np.int64),
                        }
                    )
                )
        firsts = [spans.get(i, (0, 0))[0] for i in range(len(batch))]
        months = [f"{u.month:%Y-%m}" for u in batch]
        names = [(force_list.force_for(u.force) or force_list.FORCES[0]).name for u in batch]
        line = f"r.rowid - {_sql_list(firsts)}[r.i + 1] + 2"
        lines_join = ""
        if maps:
            # Only files with rejected or multi-line records need a line map.
            con.register(f"lines_arrow_{tag}", pa.concat_tables(maps))
            con.execute(f"CREATE TEMP TABLE lines_{tag} AS SELECT * FROM lines_arrow_{tag}")
            con.unregister(f"lines_arrow_{tag}")
            lines_join = f"LEFT JOIN lines_{tag} m ON m.rid = r.rowid"
            line = f"coalesce(m.line, {line})"
        base = f"""
            SELECT r.rowid AS rid, {line} AS line,
                   {_sql_list(months)}[r.i + 1] AS month_text,
                   {_sql_list(names)}[r.i + 1] AS force_name, r.*
            FROM raw_{tag} r {lines_join}
        """
        view = f"""
            SELECT r.rid, r.i, r.line, r.lon, r.lat, {_CHECK_SELECT[kind]},
                   r.* EXCLUDE (rid, i, line, lon, lat, month_text, force_name)
            FROM ({base}) r {_CHECK_JOINS[kind]}
        """
        if kind == "outcomes":
            partition = ", ".join(f"c.{_quoted(c)}" for c in HEADERS[kind])
            # Exact repeats carry no information and would double-count outcomes.
            view = f"""
                SELECT * EXCLUDE (first_line) REPLACE (coalesce(problem, CASE
                    WHEN first_line < line THEN 'row|exact repeat of line ' || first_line END)
                    AS problem)
                FROM (
                    SELECT c.*, min(c.line) FILTER (WHERE c.problem IS NULL)
                                OVER (PARTITION BY c.i, {partition}) AS first_line
                    FROM ({view}) c
                )
            """
        con.execute(f"CREATE TEMP VIEW chk_{tag} AS {view}")

    def _check(self, batch: list[_Unit], kind: str, tag: str) -> list[_Unit]:
        """Count each file's good and bad rows and refuse the files that fail whole. Returns
        the units still to be written."""
        con = self.con
        stats = {
            i: (good, bad, other_force)
            for i, good, bad, other_force in con.execute(
                f"""
                SELECT i, count(*) FILTER (WHERE problem IS NULL),
                       count(*) FILTER (WHERE problem IS NOT NULL),
                       count(*) FILTER (WHERE other_force)
                FROM chk_{tag} GROUP BY i
                """
            ).fetchall()
        }
        accepted = []
        for i, unit in enumerate(batch):
            good, bad, other_force = stats.get(i, (0, 0, 0))
            reader_bad = len({r[0] for r in unit.reader_rejects})
            result = unit.result
            result.rows_accepted = good
            result.rows_rejected = bad + reader_bad
            unit.checked_rejects = bad
            name = unit.pf.display_name
            total = good + bad + reader_bad
            try:
                if unit.unreadable:
                    raise FileRefused(unit.unreadable)
                if total == 0:
                    raise FileRefused(f"{name}: the file has a header but no data rows.")
                if other_force > total / 2:
                    who = con.execute(
                        f"""SELECT line, "Reported by" FROM chk_{tag}
                            WHERE i = ? AND other_force ORDER BY line LIMIT 1""",
                        [i],
                    ).fetchone()
                    raise FileRefused(
                        f"{name}: line {who[0]}, Reported by: the rows are reported by "
                        f"{who[1]!r}, but the file is for {unit.force!r} "
                        f"({other_force:,} of {total:,} rows). Is the file misnamed?"
                    )
                if good == 0 or result.rows_rejected > max(10, MAX_REJECT_SHARE * total):
                    sample = self._reject_rows(unit, i, kind, tag, limit=3)
                    share = (
                        "every row fails its checks"
                        if good == 0
                        else f"{result.rows_rejected:,} of {total:,} rows fail their checks"
                    )
                    raise FileRefused(
                        f"{name}: {share}, so the file is refused whole; nothing was loaded. "
                        "First problems: "
                        + "; ".join(f"line {r[2]}, {r[3]}: {r[5]}" for r in sample)
                    )
            except FileRefused as exc:
                result.action, result.error = "failed", str(exc)
                result.rows_accepted = 0
                continue
            accepted.append(unit)
        return accepted

    def _reject_rows(
        self, unit: _Unit, i: int, kind: str, tag: str, limit: int | None
    ) -> list[tuple]:
        """Rejected rows of one file as police_rejects tuples (load_id filled in later)."""
        name = unit.pf.display_name
        rows = []
        for line, column, etype, message, raw in unit.reader_rejects:
            rows.append((None, name, line, _reader_field(etype, column), None,
                         _reader_reason(etype, message), (raw or "").strip("\r\n")))  # fmt: skip
        if unit.checked_rejects:
            limit_sql = f"LIMIT {int(limit)}" if limit else ""
            checked = self.con.execute(
                f"""
                SELECT c.line, split_part(c.problem, '|', 1), {_field_value_sql(kind)},
                       substr(c.problem, strpos(c.problem, '|') + 1), {_raw_sql(kind)}
                FROM chk_{tag} c
                WHERE c.i = ? AND c.problem IS NOT NULL ORDER BY c.line {limit_sql}
                """,
                [i],
            ).fetchall()
            for line, field_name, value, reason, raw in checked:
                rows.append((None, name, line, field_name, value, reason, raw))
        rows.sort(key=lambda r: r[2] or 0)
        return rows[:limit] if limit else rows

    def _add_points(self, tag: str, keep: list[int]) -> None:
        """Project each new distinct published point to British National Grid, once."""
        from saferplaces.warehouse.geography import to_bng

        # A point of a row rejected for another reason is still a real published point.
        new = self.con.execute(
            f"""
            SELECT lon, lat FROM (
                SELECT DISTINCT lon, lat FROM raw_{tag}
                WHERE lon BETWEEN {UK_LON[0]} AND {UK_LON[1]}
                  AND lat BETWEEN {UK_LAT[0]} AND {UK_LAT[1]} AND i IN (SELECT unnest(?))
            ) c ANTI JOIN police_points p USING (lon, lat)
            """,
            [keep],
        ).fetchnumpy()
        if len(new["lon"]) == 0:
            return
        easting, northing = to_bng(np.asarray(new["lon"]), np.asarray(new["lat"]))
        points = pa.table(
            {"lon": new["lon"], "lat": new["lat"], "easting": easting, "northing": northing}
        )
        self.con.register(f"points_{tag}", points)
        try:
            self.con.execute(
                f"INSERT INTO police_points SELECT lon, lat, easting, northing FROM points_{tag}"
            )
        finally:
            self.con.unregister(f"points_{tag}")

    def _place(self, kind: str, tag: str, keep: list[int]) -> None:
        """Place by coordinates the rows the lookup cannot: split 2011 codes, rows with
        coordinates but no LSOA code, and every stop and search (which has no LSOA column)."""
        con = self.con
        if kind == "stop-and-search":
            need, candidates, splits = "c.lon IS NOT NULL", "NULL", ""
        else:
            need = (
                "(c.lsoa_method = '2011-split' OR (c.lsoa_method = 'none' AND c.lon IS NOT NULL))"
            )
            candidates = "s.candidates"
            splits = "LEFT JOIN _sp_splits s ON s.code = c.lsoa_pub"
        rows = con.execute(
            f"""
            SELECT c.rid, p.easting, p.northing, {candidates}
            FROM (SELECT * FROM chk_{tag} c WHERE c.problem IS NULL AND {need}
                  AND c.i IN (SELECT unnest(?))) c
            LEFT JOIN police_points p ON p.lon = c.lon AND p.lat = c.lat
            {splits}
            """,
            [keep],
        ).fetchall()
        if not rows:
            return
        located = [r for r in rows if r[1] is not None]
        codes: dict[int, str | None] = {}
        if located:
            found = self.locator().locate(
                np.array([r[1] for r in located], dtype=float),
                np.array([r[2] for r in located], dtype=float),
                candidates=[r[3] for r in located],
            )
            codes = {r[0]: c for r, c in zip(located, found, strict=True)}
        rids, code21, methods = [], [], []
        for rid, easting, _, cands in rows:
            rids.append(rid)
            if cands:  # a 2011 code split (or changed irregularly) in 2021
                if easting is not None:
                    code21.append(codes.get(rid))
                    methods.append("coordinates-2011-split")
                else:  # without coordinates, the most populous successor is the best guess
                    code21.append(cands[0])
                    methods.append("best-fit-2011-split")
            else:
                code = codes.get(rid)
                code21.append(code)
                methods.append("coordinates" if code else "outside-england-wales")
        fix = pa.table(
            {"rid": pa.array(rids, pa.int64()), "code21": pa.array(code21, pa.string()),
             "method": pa.array(methods, pa.string())}
        )  # fmt: skip
        con.register(f"fix_arrow_{tag}", fix)
        try:
            con.execute(f"CREATE TEMP TABLE fix_{tag} AS SELECT * FROM fix_arrow_{tag}")
        finally:
            con.unregister(f"fix_arrow_{tag}")
        self._fixed = True

    def _write(self, units: list[_Unit], kind: str, tag: str, started: datetime) -> None:
        con = self.con
        table = TABLES[kind]
        ids = [
            r[0]
            for r in con.execute(
                "SELECT nextval('load_ids') FROM range(?)", [len(units)]
            ).fetchall()
        ]
        by_unit = {id(u): load_id for u, load_id in zip(units, ids, strict=True)}
        con.register(
            f"units_arrow_{tag}",
            pa.table(
                {
                    "i": pa.array([u.position for u in units], pa.int32()),
                    "load_id": pa.array(ids, pa.int64()),
                    "force": [u.force for u in units],
                    "month": pa.array([u.month for u in units], pa.date32()),
                    "replacing": [u.current is not None for u in units],
                    "file_name": [u.pf.display_name for u in units],
                }
            ),
        )
        con.execute(f"CREATE TEMP TABLE units_{tag} AS SELECT * FROM units_arrow_{tag}")
        con.unregister(f"units_arrow_{tag}")
        replaced = [u.current[0] for u in units if u.current]
        if replaced:
            con.execute(
                f"""DELETE FROM {table} t USING units_{tag} u
                    WHERE u.replacing AND t.force = u.force AND t.month = u.month"""
            )
            con.execute(
                "UPDATE police_loads SET is_current = FALSE WHERE load_id IN (SELECT unnest(?))",
                [replaced],
            )
        code21, method, fix_join = "c.lsoa21_code", "c.lsoa_method", ""
        if self._fixed:
            code21 = "CASE WHEN f.rid IS NULL THEN c.lsoa21_code ELSE f.code21 END"
            method = "coalesce(f.method, c.lsoa_method)"
            fix_join = f"LEFT JOIN fix_{tag} f ON f.rid = c.rid"
        select = _INSERT_SELECT[kind].format(code21=code21, method=method)
        con.execute(
            f"""
            INSERT INTO {table} ({_INSERT_COLUMNS[kind]})
            SELECT u.load_id, c.line, u.force, u.month, {select}
            FROM chk_{tag} c JOIN units_{tag} u USING (i)
            LEFT JOIN police_points p ON p.lon = c.lon AND p.lat = c.lat
            {fix_join}
            WHERE c.problem IS NULL
            """
        )
        if any(u.checked_rejects for u in units):
            con.execute(
                f"""
                INSERT INTO police_rejects
                SELECT u.load_id, u.file_name, c.line, split_part(c.problem, '|', 1),
                       {_field_value_sql(kind)}, substr(c.problem, strpos(c.problem, '|') + 1),
                       {_raw_sql(kind)}
                FROM chk_{tag} c JOIN units_{tag} u USING (i)
                WHERE c.problem IS NOT NULL
                """
            )
        reader_rows = [
            (by_unit[id(u)], u.pf.display_name, line, _reader_field(etype, column), None,
             _reader_reason(etype, message), (raw or "").strip("\r\n"))
            for u in units
            for line, column, etype, message, raw in u.reader_rejects
        ]  # fmt: skip
        if reader_rows:
            con.executemany("INSERT INTO police_rejects VALUES (?, ?, ?, ?, ?, ?, ?)", reader_rows)
        methods: dict[int, dict[str, int]] = {}
        for load_id, m, n in con.execute(
            f"SELECT load_id, lsoa_method, count(*) FROM {table} "
            "WHERE load_id BETWEEN ? AND ? GROUP BY ALL ORDER BY ALL",
            [min(ids), max(ids)],
        ).fetchall():
            methods.setdefault(load_id, {})[m] = n
        finished = datetime.now(UTC).replace(tzinfo=None)
        loads = []
        for unit in units:
            load_id = by_unit[id(unit)]
            result = unit.result
            result.load_id = load_id
            result.lsoa_methods = methods.get(load_id, {})
            if result.rows_rejected:
                first = self._reject_rows(unit, unit.position, kind, tag, limit=5)
                result.first_rejects = [f"line {r[2]}, {r[3]}: {r[5]}" for r in first]
            loads.append(
                (
                    load_id, unit.pf.display_name, result.sha256, unit.force, unit.month,
                    unit.kind, result.rows_read, result.rows_accepted, result.rows_rejected,
                    "replaced" if unit.current else "new",
                    unit.current[0] if unit.current else None,
                    json.dumps(result.lsoa_methods, sort_keys=True), __version__, started,
                    finished,
                )
            )  # fmt: skip
        con.executemany(
            "INSERT INTO police_loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?, ?)",
            loads,
        )

    # Staging helpers --------------------------------------------------------------------------

    def _memory_path(self, tag: str, i: int, data: bytes | None) -> str:
        """Hand DuckDB the bytes through an in-memory file system: zip members and gzip files
        are never extracted to disk, and paths with glob characters cannot confuse the reader."""
        if self._fs is None:
            self._fs = _StageFileSystem()
            # The store is shared by every instance, so a file system already registered on
            # this connection (by an earlier loader) serves our files too.
            with contextlib.suppress(duckdb.Error):
                self.con.register_filesystem(self._fs)
        path = f"/{tag}/{i}.csv"
        self._fs.pipe_file(path, data or b"")
        return f"{_StageFileSystem.protocol}://{path}"

    def _drop_stage(self, tag: str) -> None:
        self.con.execute(f"DROP VIEW IF EXISTS chk_{tag}")
        for t in ("raw", "rej_err", "rej_scan", "lines", "units", "fix"):
            self.con.execute(f"DROP TABLE IF EXISTS {t}_{tag}")
        self._fixed = False
        if self._fs is not None:
            self._fs.drop(tag)

    def _prepare(self) -> None:
        """Lookup tables used by every batch, built once per load."""
        if self._prepared:
            return
        con = self.con
        con.execute("SET enable_progress_bar = false")
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _sp_codes AS
            SELECT lsoa21_code AS code, lsoa21_code AS code21, 'published-2021' AS method
            FROM ref_lsoa21
            UNION ALL
            SELECT lsoa11_code,
                   CASE WHEN count(DISTINCT lsoa21_code) = 1 THEN any_value(lsoa21_code) END,
                   CASE WHEN count(DISTINCT lsoa21_code) = 1 THEN 'lookup-2011'
                        ELSE '2011-split' END
            FROM ref_lsoa11_lsoa21
            WHERE lsoa11_code NOT IN (SELECT lsoa21_code FROM ref_lsoa21)
            GROUP BY lsoa11_code
            """
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _sp_splits AS
            SELECT m.lsoa11_code AS code,
                   list(m.lsoa21_code ORDER BY r.population DESC NULLS LAST, m.lsoa21_code)
                       AS candidates
            FROM (SELECT DISTINCT lsoa11_code, lsoa21_code FROM ref_lsoa11_lsoa21) m
            LEFT JOIN ref_lsoa21 r USING (lsoa21_code)
            WHERE m.lsoa11_code IN (SELECT code FROM _sp_codes WHERE method = '2011-split')
            GROUP BY m.lsoa11_code
            """
        )
        # Exact spelling first; lower and upper case too, so a re-typed file still matches.
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _sp_categories AS
            SELECT DISTINCT key, category FROM (
                SELECT category AS key, category FROM ref_categories
                UNION ALL SELECT lower(category), category FROM ref_categories
                UNION ALL SELECT upper(category), category FROM ref_categories)
            """
        )
        self._prepared = True

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


def _reader_field(etype: str, column: str | None) -> str:
    # A wrong column count is the row's fault, not the column DuckDB happened to be reading.
    if etype in ("MISSING COLUMNS", "TOO MANY COLUMNS", "LINE SIZE OVER MAXIMUM") or not column:
        return "row"
    return column


def _reader_reason(etype: str, message: str) -> str:
    if etype in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        # "Expected Number of Columns: 12 Found: 11"
        parts = message.replace(":", " ").split()
        numbers = [p for p in parts if p.isdigit()]
        if len(numbers) >= 2:
            return f"wrong number of columns: {numbers[1]} instead of {numbers[0]}"
        return "wrong number of columns"
    return {
        "INVALID ENCODING": "not UTF-8 text (is the file saved as Windows-1252?)",
        "INVALID UNICODE": "not UTF-8 text (is the file saved as Windows-1252?)",
        "UNQUOTED VALUE": "badly quoted value",
        "UNTERMINATED QUOTES": "a quote is opened but never closed",
        "LINE SIZE OVER MAXIMUM": "line too long",
    }.get(etype, message)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _field_value_sql(kind: str) -> str:
    """SQL giving the value of the field a problem names."""
    whens = " ".join(f"WHEN '{c}' THEN c.{_quoted(c)}" for c in HEADERS[kind])
    return f"CASE split_part(c.problem, '|', 1) {whens} END"


def _raw_sql(kind: str) -> str:
    """SQL rebuilding a row's text (unquoted) for the rejects table."""
    return (
        "concat_ws(',', " + ", ".join(f"coalesce(c.{_quoted(c)}, '')" for c in HEADERS[kind]) + ")"
    )


def _bool_sql(expr: str) -> str:
    return f"CASE lower(trim({expr})) WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE ELSE NULL END"


def _sql_list(values: list) -> str:
    """A SQL list literal of ints or strings (file facts indexed by the row's file)."""
    items = [str(int(v)) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"
             for v in values]  # fmt: skip
    return "[" + ", ".join(items) + "]"


# Row checks, in order: the first failing check names the field and the reason ("field|reason").
# The common case (a good row) is decided by cheap comparisons; regular expressions and string
# building run only for rows already known to be wrong.
_COORDS = f"""
    WHEN (r."Longitude" IS NULL) <> (r."Latitude" IS NULL)
        THEN CASE WHEN r."Longitude" IS NULL THEN 'Longitude|missing while Latitude is given'
                  ELSE 'Latitude|missing while Longitude is given' END
    WHEN r."Longitude" IS NOT NULL AND r.lon IS NULL
        THEN 'Longitude|not a number: ' || r."Longitude"
    WHEN r."Latitude" IS NOT NULL AND r.lat IS NULL
        THEN 'Latitude|not a number: ' || r."Latitude"
    WHEN r.lon IS NOT NULL AND NOT (r.lon BETWEEN {UK_LON[0]} AND {UK_LON[1]})
        THEN 'Longitude|' || r."Longitude" || ' (with latitude ' || r."Latitude"
             || ') is outside the UK'
    WHEN r.lat IS NOT NULL AND NOT (r.lat BETWEEN {UK_LAT[0]} AND {UK_LAT[1]})
        THEN 'Latitude|' || r."Latitude" || ' (with longitude ' || r."Longitude"
             || ') is outside the UK'
"""

_MONTH = """
    WHEN r."Month" IS NULL THEN 'Month|missing'
    WHEN r."Month" <> r.month_text AND trim(r."Month") <> r.month_text
        THEN CASE WHEN regexp_full_match(trim(r."Month"), '\\d{4}-\\d{2}')
                  THEN 'Month|' || trim(r."Month") || ' differs from the file''s month '
                       || r.month_text
                  ELSE 'Month|not a month (YYYY-MM): ' || r."Month" END
"""

_LSOA = """
    WHEN r."LSOA code" IS NOT NULL AND k.code IS NULL
        THEN CASE WHEN regexp_full_match(trim(r."LSOA code"), '[EW]01\\d{6}')
                  THEN 'LSOA code|' || trim(r."LSOA code") || ' is neither a 2011 nor a 2021 LSOA'
                  ELSE 'LSOA code|not an LSOA code: ' || r."LSOA code" END
"""

_PLACED = """
    r."Reported by" IS NOT NULL AND r."Reported by" <> r.force_name
        AND lower(trim(r."Reported by")) <> lower(r.force_name) AS other_force,
    k.code21 AS lsoa21_code,
    CASE WHEN r."LSOA code" IS NULL THEN 'none' ELSE k.method END AS lsoa_method,
    k.code AS lsoa_pub,
"""

_CHECK_SELECT = {
    "street": _PLACED + """
        cat.category,
        CASE """ + _MONTH + """
            WHEN r."Crime type" IS NULL THEN 'Crime type|missing'
            WHEN cat.category IS NULL THEN 'Crime type|unknown category: ' || r."Crime type"
        """ + _COORDS + _LSOA + " END AS problem",
    "outcomes": _PLACED + """
        CASE """ + _MONTH + """
            WHEN r."Crime ID" IS NULL THEN 'Crime ID|missing (an outcome needs the crime it closes)'
            WHEN r."Outcome type" IS NULL THEN 'Outcome type|missing'
        """ + _COORDS + _LSOA + " END AS problem",
    "stop-and-search": """
        FALSE AS other_force, NULL::VARCHAR AS lsoa21_code,
        CASE WHEN r.lon IS NULL THEN 'none' END AS lsoa_method, NULL::VARCHAR AS lsoa_pub,
        CASE
            WHEN r."Date" IS NULL THEN 'Date|missing'
            WHEN TRY_CAST(r."Date" AS TIMESTAMPTZ) IS NULL
                THEN 'Date|not a date and time: ' || r."Date"
            -- The month as written (local time), not as converted to UTC.
            WHEN left(trim(r."Date"), 7) <> r.month_text
                THEN 'Date|' || r."Date" || ' is outside the file''s month ' || r.month_text
        """ + _COORDS + " END AS problem",
}  # fmt: skip

_CHECK_JOINS = {
    "street": """
        LEFT JOIN _sp_codes k ON k.code = trim(r."LSOA code")
        LEFT JOIN _sp_categories cat ON cat.key = trim(r."Crime type")
    """,
    "outcomes": 'LEFT JOIN _sp_codes k ON k.code = trim(r."LSOA code")',
    "stop-and-search": "",
}

_INSERT_COLUMNS = {
    "street": "load_id, line, force, month, crime_id, reported_by, falls_within, lon, lat, "
    "easting, northing, location, lsoa_code_published, lsoa_name_published, lsoa21_code, "
    "lsoa_method, category, outcome, context",
    "outcomes": "load_id, line, force, month, crime_id, reported_by, falls_within, lon, lat, "
    "easting, northing, location, lsoa_code_published, lsoa_name_published, lsoa21_code, "
    "lsoa_method, outcome_type",
    "stop-and-search": "load_id, line, force, month, search_type, searched_at, "
    "part_of_operation, operation, lon, lat, easting, northing, lsoa21_code, lsoa_method, "
    "gender, age_range, self_defined_ethnicity, officer_defined_ethnicity, legislation, "
    "object_of_search, outcome, outcome_linked_to_object, removal_of_more_than_outer_clothing",
}

_INSERT_SELECT = {
    "street": 'c."Crime ID", c."Reported by", c."Falls within", c.lon, c.lat, p.easting, '
    'p.northing, c."Location", trim(c."LSOA code"), c."LSOA name", {code21}, {method}, '
    'c.category, c."Last outcome category", c."Context"',
    "outcomes": 'c."Crime ID", c."Reported by", c."Falls within", c.lon, c.lat, p.easting, '
    'p.northing, c."Location", trim(c."LSOA code"), c."LSOA name", {code21}, {method}, '
    'c."Outcome type"',
    "stop-and-search": 'c."Type", TRY_CAST(c."Date" AS TIMESTAMPTZ), '
    + _bool_sql('c."Part of a policing operation"')
    + ', c."Policing operation", c.lon, c.lat, p.easting, p.northing, {code21}, {method}, '
    'c."Gender", c."Age range", c."Self-defined ethnicity", c."Officer-defined ethnicity", '
    'c."Legislation", c."Object of search", c."Outcome", '
    + _bool_sql('c."Outcome linked to object of search"')
    + ", "
    + _bool_sql('c."Removal of more than just outer clothing"'),
}


def load_police(
    con: duckdb.DuckDBPyConnection,
    paths: list,
    force: str | None = None,
    month: str | None = None,
    progress: Progress | None = None,
    today: date | None = None,
    select: Select | None = None,
) -> LoadReport:
    """Load data.police.uk files (zips, folders, CSV/CSV.GZ) into the warehouse."""
    return PoliceLoader(con, today=today).load(
        paths, force=force, month=month, progress=progress, select=select
    )


__all__ = [
    "HEADERS",
    "FileRefused",
    "FileResult",
    "LoadReport",
    "PoliceLoader",
    "line_numbers",
    "load_police",
]
