"""The warehouse side of the scheduled monthly refresh: what is new, fetching it, partner files
dropped in a folder, one refresh at a time, and the read-only copy the web processes open.

Everything here works on the warehouse file alone (no Django); the workspace side (the run
record, indicators, emerging issues, telling people) is ``saferplaces.web.refresh.services``.

* **What is new.** For each force already in the warehouse, its latest street month is read
  from ``police_loads``. data.police.uk publishes one archive per month
  (``/data/archive/YYYY-MM.zip``, holding the 36 months to that month); the newest archive
  after the latest month loaded is found by asking for its first byte, newest month first, up
  to last month. A month not yet published answers 404.
* **One at a time.** :func:`refresh_lock` holds an exclusive ``flock`` on
  ``<warehouse>.refresh-lock``; a second refresh is refused with a plain message naming the
  process holding it. The kernel drops the lock when that process dies, so a killed refresh
  never leaves a stale lock behind.
* **Partner files by drop.** Files put in ``<workspace>/drop/measures/`` (a data file and its
  definition beside it, as for ``saferplaces load measure``) are loaded with
  :func:`saferplaces.warehouse.measures.load_measure`, then moved to ``done/``, or to
  ``failed/`` with ``<file>.error.txt`` holding the plain reason (file, line, field). Names
  starting with ``.`` or ending ``.part``/``.tmp`` are still being copied and are left alone:
  copy under such a name, then rename.
* **Read-only copy.** :func:`publish_read_copy` checkpoints the warehouse, copies it to a
  temporary file beside ``warehouse.read.duckdb``, checks the copy opens, then swaps it in with
  ``os.replace``. A web process that has the old copy open keeps reading the old file (POSIX
  keeps an open file alive after it is replaced); the next connection opens the new one. Web
  processes therefore never wait on the writer's lock and never see a half-written file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from saferplaces import __version__
from saferplaces.warehouse.fetch import (
    DEFAULT_BASE_URL,
    FetchError,
    _add_months,
    archive_url,
    fetch_police,
)
from saferplaces.warehouse.police import FileRefused
from saferplaces.warehouse.store import WarehouseError

READ_COPY_SUFFIX = ".read"  # warehouse.duckdb → warehouse.read.duckdb
DATA_SUFFIXES = (".csv", ".xlsx")
DEFINITION_SUFFIXES = (".toml", ".yaml", ".yml", ".json")


class RefreshBusy(WarehouseError):
    """Another refresh of the same warehouse is running."""


# --- one at a time ----------------------------------------------------------------------------


def lock_path(warehouse: Path) -> Path:
    return Path(warehouse).with_name(Path(warehouse).name + ".refresh-lock")


@contextlib.contextmanager
def refresh_lock(warehouse: Path) -> Iterator[None]:
    """Holds the refresh lock of ``warehouse`` for the block; RefreshBusy if another has it."""
    path = lock_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")  # noqa: SIM115 - held open for the whole block
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip()
            raise RefreshBusy(
                "A refresh of the police data is already running"
                + (f" ({holder})" if holder else "")
                + ". Only one runs at a time; this one has stopped without changing anything."
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"process {os.getpid()}, started {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
        fh.flush()
        yield
    finally:
        fh.close()  # closing drops the lock


# --- what is new --------------------------------------------------------------------------------


def latest_months(con: duckdb.DuckDBPyConnection) -> dict[str, date]:
    """Each force's latest street month in the warehouse (the data month shown on pages)."""
    rows = con.execute(
        "SELECT force, max(month) FROM loads WHERE is_current AND kind = 'street' "
        "GROUP BY force ORDER BY force"
    ).fetchall()
    return {force: m for force, m in rows}


def archive_published(base_url: str, month: date, timeout: float = 30.0) -> bool:
    """Whether data.police.uk has published the archive for ``month`` (asks for one byte)."""
    url = archive_url(base_url, month)
    request = urllib.request.Request(
        url, headers={"User-Agent": f"saferplaces/{__version__}", "Range": "bytes=0-0"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status in (200, 206)
    except urllib.error.HTTPError as exc:
        if exc.code in (403, 404, 410):
            return False
        raise FetchError(
            f"{url}: the server answered HTTP {exc.code} {exc.reason} when asked whether the "
            "month is published; the refresh will try again at its next run."
        ) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise FetchError(
            f"Could not reach {base_url} ({getattr(exc, 'reason', exc)}); the refresh will try "
            "again at its next run."
        ) from exc


@dataclass
class PoliceCheck:
    latest: dict[str, str]  # force → latest month loaded, before the refresh
    archive: str | None  # newest published archive month after those, if any
    new_months: list[str] = field(default_factory=list)  # months to fetch, oldest first
    kinds: list[str] = field(default_factory=list)  # the kinds of file already loaded

    @property
    def first(self) -> str | None:
        return self.new_months[0] if self.new_months else None


def check_police(
    con: duckdb.DuckDBPyConnection, base_url: str = DEFAULT_BASE_URL, today: date | None = None
) -> PoliceCheck:
    """The months data.police.uk has published since each force's latest month here."""
    latest = latest_months(con)
    # Only the kinds of file already kept (street only, say, stays street only).
    kinds = [r[0] for r in con.execute(
        "SELECT DISTINCT kind FROM loads WHERE is_current AND kind <> 'measure' ORDER BY 1"
    ).fetchall()]  # fmt: skip
    check = PoliceCheck({f: f"{m:%Y-%m}" for f, m in latest.items()}, None, kinds=kinds)
    if not latest:
        return check
    today = today or date.today()
    oldest = min(latest.values())
    newest_possible = _add_months(today.replace(day=1), -1)  # the current month is not over
    month = newest_possible
    while month > oldest:
        if archive_published(base_url, month):
            check.archive = f"{month:%Y-%m}"
            break
        month = _add_months(month, -1)
    if check.archive is None:
        return check
    m = _add_months(oldest, 1)
    while m <= month:
        check.new_months.append(f"{m:%Y-%m}")
        m = _add_months(m, 1)
    return check


def fetch_new(
    con: duckdb.DuckDBPyConnection,
    downloads: Path,
    check: PoliceCheck,
    base_url: str = DEFAULT_BASE_URL,
    today: date | None = None,
) -> list[str]:
    """Fetch and load the checked months for the forces in the warehouse; the months that had
    something new or replaced (a month already loaded unchanged is not counted)."""
    if not check.new_months or check.archive is None:
        return []
    report = fetch_police(
        con, downloads, sorted(check.latest), check.new_months[0], check.archive,
        kinds=check.kinds or None, base_url=base_url, today=today,
    )  # fmt: skip
    failed = [r for load in report.loads for r in load.failed]
    if failed:
        raise FetchError(
            "Some downloaded files could not be loaded: "
            + "; ".join(f"{r.file}: {r.error}" for r in failed[:3])
        )
    return sorted(
        {r.month for load in report.loads for r in load.results if r.action in ("new", "replaced")
         and r.month}
    )  # fmt: skip


# --- partner files dropped in a folder ----------------------------------------------------------


def drop_folder(workspace: Path) -> Path:
    return Path(workspace) / "drop" / "measures"


def waiting_files(folder: Path) -> list[Path]:
    """Data files in the drop folder ready to load (not ones still being copied)."""
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in DATA_SUFFIXES and not p.name.startswith(".")
    )  # fmt: skip


@dataclass
class DroppedFile:
    file: str
    loaded: bool
    measure_id: str = ""
    periods: list[str] = field(default_factory=list)
    error: str = ""
    moved_to: str = ""


def _move(path: Path, folder: Path, stamp: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():  # the same name dropped again later: keep both
        target = folder / f"{path.stem}.{stamp}{path.suffix}"
    os.replace(path, target)
    return target


def load_dropped_measures(
    con: duckdb.DuckDBPyConnection, folder: Path, today: date | None = None
) -> list[DroppedFile]:
    """Load each waiting partner file, then move it (and its definition) to done/ or failed/."""
    from saferplaces.warehouse.measures import MeasureError, load_measure

    out = []
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for path in waiting_files(folder):
        definitions = [path.with_suffix(s) for s in DEFINITION_SUFFIXES if path.with_suffix(s).is_file()]  # fmt: skip
        try:
            report = load_measure(con, path, today=today)
        except (FileRefused, MeasureError, WarehouseError) as exc:
            result = DroppedFile(path.name, False, error=str(exc).replace(str(path), path.name))
            where = folder / "failed"
        else:
            result = DroppedFile(path.name, True, report.measure_id,
                                 [p.period for p in report.periods])  # fmt: skip
            where = folder / "done"
        moved = _move(path, where, stamp)
        result.moved_to = str(moved)
        for d in definitions:
            _move(d, where, stamp)
        if not result.loaded:
            moved.with_name(moved.name + ".error.txt").write_text(result.error + "\n")
        out.append(result)
    return out


# --- the read-only copy -------------------------------------------------------------------------


def read_copy_path(warehouse: Path) -> Path:
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.stem + READ_COPY_SUFFIX + warehouse.suffix)


def publish_read_copy(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Path:
    """Publish a read-only copy of the warehouse, swapped in atomically.

    ``con`` is the writer's open connection to ``warehouse``: holding it keeps other writers
    out while the file is copied, and CHECKPOINT first puts every committed change in the file
    (nothing is left only in the write-ahead log).
    """
    warehouse = Path(warehouse)
    target = read_copy_path(warehouse)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    con.execute("CHECKPOINT")
    try:
        shutil.copyfile(warehouse, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        # Never publish a copy that does not open.
        check = duckdb.connect(str(tmp), read_only=True)
        try:
            check.execute("SELECT count(*) FROM police_loads").fetchone()
        finally:
            check.close()
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    # Make the rename itself durable.
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return target


__all__ = [
    "DroppedFile",
    "PoliceCheck",
    "RefreshBusy",
    "archive_published",
    "check_police",
    "drop_folder",
    "fetch_new",
    "latest_months",
    "load_dropped_measures",
    "lock_path",
    "publish_read_copy",
    "read_copy_path",
    "refresh_lock",
    "waiting_files",
]


def publish_now(warehouse: Path) -> Path:
    """Publish the read-only copy without a refresh (after loading data by hand), under the
    refresh lock. Raises RefreshBusy if a refresh is running (it publishes when it finishes)."""
    from saferplaces.warehouse.store import WarehouseError, connect

    warehouse = Path(warehouse)
    with refresh_lock(warehouse):
        if not warehouse.exists():
            raise WarehouseError(f"There is no warehouse at {warehouse} to publish.")
        con = connect(warehouse)
        try:
            return publish_read_copy(con, warehouse)
        finally:
            con.close()
