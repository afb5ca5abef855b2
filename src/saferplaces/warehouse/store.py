"""Opening the warehouse: one DuckDB file, created on first use, read-mostly.

Writes happen in single transactions (a police file unit, a geography load), so a process killed
mid-write leaves the file as it was before that unit: DuckDB's write-ahead log only replays
committed transactions.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import duckdb

from saferplaces import __version__
from saferplaces.warehouse import schema


class WarehouseError(Exception):
    """A problem the user can act on; the message says what and where."""


class WarehouseBusy(WarehouseError):
    pass


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise _open_error(path, exc) from exc


def _open_error(path: Path, exc: duckdb.Error) -> WarehouseError:
    problem = storage_error(exc, path)
    if problem is not None:
        return problem
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return WarehouseError(f"Cannot open the warehouse {path}: {first}")


# errno → what it means for the person, and what they can do about it.
_FULL = "Free space on that disk (or use a workspace on another disk with --workspace) and run the command again."
_DENIED = (
    "Give this user write access to {folder}, or use a workspace you can write to (--workspace)."
)
_STORAGE = {
    errno.ENOSPC: ("the disk is full", _FULL),
    errno.EDQUOT: ("the disk quota is used up", _FULL),
    errno.EFBIG: (
        "the file has reached the largest size this process may write",
        "Raise the file size limit (`ulimit -f`) or free space, and run the command again.",
    ),
    errno.EACCES: ("permission denied", _DENIED),
    errno.EPERM: ("the operation is not permitted", _DENIED),
    errno.EROFS: ("the file system is read-only", _DENIED),
}


def storage_error(exc: BaseException, path: Path) -> WarehouseError | None:
    """A plain, one-line WarehouseError for a full disk, a refused write or a held lock found in
    ``exc`` (or what it wraps), naming the file and what to do; None for anything else.

    DuckDB reports these as text ("Could not write file "…": No space left on device"), often
    wrapped in a later "database has been invalidated" error, so the messages are read as well
    as the errno of a Python OSError.
    """
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        todo += [e.__cause__, e.__context__]
        text = str(e)
        if "Could not set lock on file" in text:
            pid = re.search(r"PID (\d+)", text)
            holder = f" (process {pid.group(1)})" if pid else ""
            return WarehouseBusy(
                f"The warehouse {path} is open for writing by another process{holder}: a load "
                "or fetch still running? Wait for it to finish and try again."
            )
        code = e.errno if isinstance(e, OSError) and e.errno in _STORAGE else None
        if code is None:
            code = next((c for c in _STORAGE if os.strerror(c) in text), None)
        if code is None:
            continue
        named = getattr(e, "filename", None) or _quoted_file(text) or path
        file = Path(named)
        reason, todo_text = _STORAGE[code]
        return WarehouseError(
            f"Could not write {file}: {reason}. "
            + todo_text.format(folder=file.parent)
            + " Data stored before is intact: only whole, committed loads are kept."
        )
    return None


def _raise_plain(exc: BaseException, path: Path) -> NoReturn:
    problem = storage_error(exc, path)
    if problem is None:
        raise exc
    raise problem from exc


def _quoted_file(text: str) -> str | None:
    found = re.search(r'(?:file|directory) "([^"]+)"', text)
    return found.group(1) if found else None


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and on first write, create) the warehouse at ``path``.

    Read-only connections need an existing file; they never alter it.
    """
    path = Path(path)
    if read_only:
        _require(path)
        return _open(path, read_only=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _raise_plain(exc, path)
    con = _open(path, read_only=False)
    try:
        ensure_schema(con)
    except (OSError, duckdb.Error) as exc:
        with contextlib.suppress(duckdb.Error):
            con.close()
        _raise_plain(exc, path)
    return con


def _require(path: Path) -> None:
    if not path.exists():
        raise WarehouseError(
            f"No warehouse at {path}. Load data first: `saferplaces load geography` then "
            "`saferplaces load police PATH`, or run `make demo`."
        )


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create tables and views if missing; refresh the views (they are code, not data)."""
    with transaction(con):
        con.execute(schema.TABLES)
        con.execute(schema.VIEWS)
        con.executemany(
            "INSERT INTO ref_categories VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            schema.CATEGORIES,
        )
        con.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?), ('software_version', ?)",
            [str(schema.SCHEMA_VERSION), __version__],
        )


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, rolling back on any exception."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]


# What each refused statement type does, in plain words; the key is DuckDB's own parse.
_REFUSED = {
    "INSERT": "INSERT (adding rows)",
    "UPDATE": "UPDATE (changing rows)",
    "DELETE": "DELETE or TRUNCATE (removing rows)",
    "MERGE_INTO": "MERGE (changing rows)",
    "CREATE": "CREATE (making tables, views, macros or secrets)",
    "CREATE_FUNC": "CREATE FUNCTION/MACRO",
    "DROP": "DROP or DEALLOCATE",
    "ALTER": "ALTER (changing tables)",
    "COPY": "COPY (reading or writing files)",
    "COPY_DATABASE": "COPY FROM DATABASE",
    "EXPORT": "EXPORT DATABASE (writing files)",
    "ATTACH": "ATTACH (opening another database)",
    "DETACH": "DETACH",
    "LOAD": "INSTALL or LOAD (DuckDB extensions)",
    "EXTENSION": "Managing DuckDB extensions",
    "SET": "SET, RESET or USE (changing settings)",
    "VARIABLE_SET": "SET VARIABLE",
    "PRAGMA": "PRAGMA (changing settings)",
    "CALL": "CALL or CHECKPOINT",
    "VACUUM": "VACUUM or ANALYZE",
    "TRANSACTION": "BEGIN, COMMIT or ROLLBACK",
    "EXPLAIN": "EXPLAIN (it can run the statement it explains)",
    "PREPARE": "PREPARE",
    "EXECUTE": "EXECUTE",
}

_SANDBOX_CONFIG = {
    # No file, network or extension access from user SQL; the warehouse file itself is already
    # open, so the views still read.
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    # No spilling to disk either: a query too big for memory fails with a plain message.
    "temp_directory": "",
}


def _views_hint() -> str:
    return (
        "Give one SELECT (or WITH … SELECT) over the views: " + ", ".join(schema.PUBLIC_VIEWS) + "."
    )


def sandbox(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection for SQL written by someone else: no files, settings or extensions.

    External access off still lets DuckDB touch the database's own files (it accepted a COPY
    into ``warehouse.duckdb.wal``), so the local file system is switched off as well, and then
    the configuration is locked so no statement can switch either back. The cost: a query too
    big for memory cannot spill to disk and fails instead.
    """
    path = Path(path)
    _require(path)
    try:
        con = duckdb.connect(str(path), read_only=True, config=_SANDBOX_CONFIG)
    except duckdb.Error as exc:
        raise _open_error(path, exc) from exc
    try:
        con.execute("SET disabled_filesystems = 'LocalFileSystem'")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def read_only_query(path: Path, sql: str) -> QueryResult:
    """Run one SELECT written by a person over the warehouse, in the sandbox; every row fetched.

    The one way user SQL reaches the warehouse. DuckDB's own parser (on the sandboxed
    connection: parsing ``IMPORT DATABASE`` reads files) decides what the text is; exactly one
    statement of type SELECT runs, as parsed. Refusals and failures are WarehouseError with a
    plain message.
    """
    con = sandbox(path)
    try:
        try:
            statements = con.extract_statements(sql)
        except duckdb.Error as exc:
            raise WarehouseError(_plain_error(exc)) from exc
        if len(statements) != 1:
            held = "no statement" if not statements else f"{len(statements)} statements"
            raise WarehouseError(
                f"Only one SELECT statement is allowed; this text holds {held}. " + _views_hint()
            )
        (statement,) = statements
        if statement.type != duckdb.StatementType.SELECT:
            what = _REFUSED.get(statement.type.name, "This kind of statement")
            raise WarehouseError(
                f"{what} is not allowed in `saferplaces query`, which only reads. " + _views_hint()
            )
        try:
            # execute(), not sql(): its errors quote the line and point at the culprit.
            rows = con.execute(statement).fetchall()
            return QueryResult([d[0] for d in con.description or []], rows)
        except duckdb.Error as exc:
            raise WarehouseError(_plain_error(exc)) from exc
    finally:
        con.close()


def _plain_error(exc: duckdb.Error) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    if isinstance(exc, duckdb.PermissionException):
        if "extension" in text.lower():
            return "Installing or loading DuckDB extensions is not allowed in `saferplaces query`."
        if "locked" in text:
            return "Changing settings is not allowed in `saferplaces query`."
        where = _pointed_at(text) or _quoted_file(text)
        return (
            "Reading or writing files is not allowed in `saferplaces query`"
            + (f": {where}" if where else "")
            + ". "
            + _views_hint()
        )
    if "configuration has been locked" in text:
        return "Changing settings is not allowed in `saferplaces query`."
    if isinstance(exc, duckdb.OutOfMemoryException):
        return (
            "The query needs more memory than DuckDB may use here (it may not spill to disk in "
            "`saferplaces query`). Narrow it: fewer columns, a WHERE, or count/group instead of "
            "listing rows."
        )
    if isinstance(exc, duckdb.ParserException):
        return f"The query could not be read: {first.removeprefix('Parser Error: ')}"
    if isinstance(exc, duckdb.CatalogException) and "does not exist" in text:
        return f"The query failed: {first} " + _views_hint()
    return f"The query failed: {first}"


def _pointed_at(text: str) -> str | None:
    # DuckDB quotes the offending line ("LINE 1: …") and puts a caret under the culprit.
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        found = re.match(r"LINE \d+: ", line)
        caret = lines[i + 1].find("^")
        if found and caret >= found.end():
            culprit = line[caret:].strip()
            return culprit if len(culprit) <= 60 else culprit[:57] + "…"
    return None
