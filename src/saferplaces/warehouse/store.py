"""Opening the warehouse: one DuckDB file, created on first use, read-mostly.

Writes happen in single transactions (a police file unit, a geography load), so a process killed
mid-write leaves the file as it was before that unit: DuckDB's write-ahead log only replays
committed transactions.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

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
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(
                f"The warehouse {path} is open for writing by another process "
                "(a load or fetch still running?). Wait for it to finish and try again."
            ) from exc
        raise WarehouseError(f"Cannot open the warehouse {path}: {exc}") from exc


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (and on first write, create) the warehouse at ``path``.

    Read-only connections need an existing file; they never alter it.
    """
    path = Path(path)
    if read_only:
        if not path.exists():
            raise WarehouseError(
                f"No warehouse at {path}. Load data first: `saferplaces load geography` then "
                "`saferplaces load police PATH`, or run `make demo`."
            )
        return _open(path, read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only=False)
    ensure_schema(con)
    return con


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


_WRITE_WORDS = re.compile(
    r"^\s*(insert|update|delete|create|drop|alter|attach|detach|copy|export|import|install|load|"
    r"pragma|set|reset|call|checkpoint|vacuum|begin|commit|rollback|truncate|use|merge|grant)\b",
    re.IGNORECASE,
)


def read_only_query(
    path: Path, sql: str, params: list | None = None
) -> tuple[duckdb.DuckDBPyRelation, duckdb.DuckDBPyConnection]:
    """Run one read-only statement over the documented views; the caller closes the connection.

    Two locks: the connection is opened read-only (DuckDB refuses writes), and statements that
    start with a write keyword are refused up front with a plain message rather than DuckDB's.
    """
    statements = [s for s in _split_statements(sql) if s.strip()]
    if len(statements) != 1:
        raise WarehouseError("Give exactly one SQL statement (a SELECT over the documented views).")
    stmt = statements[0]
    match = _WRITE_WORDS.match(stmt)
    if match:
        raise WarehouseError(
            f"`{match.group(1).upper()}` is not allowed: `saferplaces query` is read-only. "
            "Use SELECT (or WITH … SELECT) over the views: " + ", ".join(schema.PUBLIC_VIEWS) + "."
        )
    con = connect(path, read_only=True)
    try:
        return con.sql(stmt, params=params), con
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(f"The query failed: {exc}") from exc


def _split_statements(sql: str) -> list[str]:
    # Semicolons inside quotes do not end a statement.
    out, buf, quote = [], [], None
    for ch in sql:
        if quote:
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
        elif ch == ";":
            out.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    out.append("".join(buf))
    return out
