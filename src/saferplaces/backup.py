"""Backing up and restoring a Safer Places installation: one archive holding the workspace
database, the warehouse and the stored meeting papers.

The archive is a plain tar file. Its first member, ``manifest.json``, says what made it and
when, which migrations the database had, how many rows each table held, and the SHA-256 of
every other member, so a restore checks the whole archive before it writes anything.

Consistency while the app runs:

- **SQLite** workspace: SQLite's online backup API copies a consistent snapshot while web
  processes keep reading and writing (WAL). Row counts are read from that copy.
- **PostgreSQL** workspace: ``pg_dump --format=custom`` run inside a snapshot exported by a
  read-only repeatable-read transaction, the same one the row counts are read in, so the counts
  describe exactly what was dumped.
- **Warehouse** (DuckDB): the file is copied while this process holds a read-only DuckDB
  connection on it. DuckDB locks the file (shared for readers, exclusive for a writer), so a
  load in progress makes the backup wait until the load has committed and closed, and no load
  can start while the bytes are copied: the copy is never torn. Row counts and a hash of each
  table's rows are computed on the same connection and checked again after a restore.

The archive is built in a hidden folder next to it and renamed into place only when complete,
so an error or a killed process never leaves a partial archive under the archive's name; a
folder left by a killed process is removed by the next backup. The secret key is not in the
archive (set ``SECRET_KEY`` as before, or people sign in again), nor is the key that encrypts
statutory review case details (``field_key.txt`` or ``SAFERPLACES_FIELD_KEY``): an archive
handed to someone discloses no case detail, so that key is kept apart and put back by hand.

This module knows nothing of Django: it is given the database settings (Django's
``DATABASES["default"]`` dict) and the paths.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from saferplaces import __version__

FORMAT = "saferplaces-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "workspace.sqlite3"
PG_MEMBER = "workspace.pgdump"
WAREHOUSE_MEMBER = "warehouse.duckdb"
WAREHOUSE_WAL_MEMBER = "warehouse.duckdb.wal"
MEDIA_PREFIX = "media/"
STAGING_PREFIX = ".saferplaces-backup-"
CHUNK = 1024 * 1024

Say = Callable[[str], None]


class BackupError(Exception):
    """A problem the person can act on; the message names the file, member or table."""


def _quiet(_: str) -> None:
    pass


def engine_of(database: dict[str, Any]) -> str:
    engine = str(database.get("ENGINE", ""))
    if engine.endswith("postgresql"):
        return "postgresql"
    if engine.endswith("sqlite3"):
        return "sqlite"
    raise BackupError(f"Backups support SQLite and PostgreSQL workspaces, not {engine}")


def default_name(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return f"saferplaces-backup-{now:%Y%m%dT%H%M%SZ}.tar"


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_staging(folder: Path) -> None:
    """Folders left by a backup or restore process that was killed (its process id is gone)."""
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        if not child.name.startswith(STAGING_PREFIX) or not child.is_dir():
            continue
        try:
            pid = int(child.name.removeprefix(STAGING_PREFIX).split("-", 1)[0])
        except ValueError:
            continue
        if pid != os.getpid() and not _pid_alive(pid):
            shutil.rmtree(child, ignore_errors=True)


@contextlib.contextmanager
def _staging(folder: Path) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_staging(folder)
    tmp = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=folder))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- the workspace database ---------------------------------------------------------------


def _sqlite_tables(con: sqlite3.Connection) -> list[str]:
    rows = con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows]


def _migrations(rows: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for app, name in rows:
        out.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(out.items())}


def sqlite_summary(path: Path) -> dict[str, Any]:
    """Row counts per table and applied migrations of a SQLite workspace file."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = _sqlite_tables(con)
        counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
        migrations: list[tuple[str, str]] = []
        if "django_migrations" in tables:
            migrations = con.execute("SELECT app, name FROM django_migrations").fetchall()
        return {"tables": counts, "migrations": _migrations(migrations)}
    finally:
        con.close()


def _backup_sqlite(source: Path, dest: Path) -> dict[str, Any]:
    if not source.exists():
        raise BackupError(f"The workspace database {source} does not exist")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(dest)
    try:
        # The online backup API: a consistent snapshot even while others write.
        src.backup(dst)
        # One standalone file (the source runs in WAL mode); the server turns WAL back on.
        dst.execute("PRAGMA journal_mode=DELETE")
        check = dst.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"The workspace database {source} is damaged: {check}")
    finally:
        dst.close()
        src.close()
    return sqlite_summary(dest)


def _pg_params(database: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"dbname": name or database.get("NAME") or "postgres"}
    for key, field in (("user", "USER"), ("password", "PASSWORD"), ("host", "HOST"), ("port", "PORT")):
        if database.get(field):
            params[key] = str(database[field])
    return params


def _pg_env(database: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])  # never on the command line
    return env


def _pg_args(database: dict[str, Any], name: str) -> list[str]:
    args = []
    if database.get("HOST"):
        args += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        args += ["--port", str(database["PORT"])]
    if database.get("USER"):
        args += ["--username", str(database["USER"])]
    return [*args, "--dbname", name, "--no-password"]


def _pg_where(database: dict[str, Any], name: str | None = None) -> str:
    host = database.get("HOST") or "the local socket"
    return f"database {name or database.get('NAME')} on {host}"


def _pg_connect(database: dict[str, Any], name: str | None = None, autocommit: bool = False):
    import psycopg

    try:
        return psycopg.connect(**_pg_params(database, name), autocommit=autocommit, connect_timeout=10)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise BackupError(f"Cannot connect to the {_pg_where(database, name)}: {first}") from exc


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not on PATH: install the PostgreSQL client tools (the same major "
            "version as the server or newer) to back up or restore a PostgreSQL workspace"
        )
    return found


def _pg_user_tables(cur) -> list[str]:
    cur.execute(
        "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
    )
    return [r[0] for r in cur.fetchall()]


def pg_summary(database: dict[str, Any], name: str | None = None, cur=None) -> dict[str, Any]:
    """Row counts per table and applied migrations of a PostgreSQL workspace database."""
    own = None
    if cur is None:
        own = _pg_connect(database, name)
        cur = own.cursor()
    try:
        tables = _pg_user_tables(cur)
        counts = {}
        for t in tables:
            cur.execute(f"SELECT count(*) FROM {t}")
            counts[t.removeprefix("public.")] = cur.fetchone()[0]
        migrations: list[tuple[str, str]] = []
        if "django_migrations" in counts:
            cur.execute("SELECT app, name FROM django_migrations")
            migrations = cur.fetchall()
        return {"tables": counts, "migrations": _migrations(migrations)}
    finally:
        if own is not None:
            own.close()


def _backup_pg(database: dict[str, Any], dest: Path) -> dict[str, Any]:
    pg_dump = _pg_tool("pg_dump")
    # Autocommit, so that this BEGIN (not one psycopg would issue) sets the isolation level.
    con = _pg_connect(database, autocommit=True)
    try:
        cur = con.cursor()
        cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cur.execute("SELECT pg_export_snapshot()")
        snapshot = cur.fetchone()[0]
        summary = pg_summary(database, cur=cur)
        # pg_dump sees the same snapshot as the counts above, however busy the server.
        done = subprocess.run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--file", str(dest),
             *_pg_args(database, str(database["NAME"]))],
            env=_pg_env(database), capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise BackupError(
                f"pg_dump could not back up the {_pg_where(database)}: "
                + (done.stderr.strip().splitlines() or ["no message"])[-1]
            )
        cur.execute("ROLLBACK")
    finally:
        con.close()
    return summary


# --- the warehouse -------------------------------------------------------------------------


def warehouse_summary(con) -> dict[str, dict[str, Any]]:
    """Rows and an order-independent hash of every row, per table (views are derived)."""
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() AND NOT internal ORDER BY 1, 2"
    ).fetchall()
    out = {}
    for schema_name, table in tables:
        label = table if schema_name == "main" else f"{schema_name}.{table}"
        rows, digest = con.execute(
            f'SELECT count(*), coalesce(sum(hash(t)), 0)::VARCHAR FROM "{schema_name}"."{table}" t'
        ).fetchone()
        out[label] = {"rows": rows, "hash": digest}
    return out


def _open_warehouse_read_only(path: Path, wait: float, say: Say):
    import duckdb

    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            if "lock" not in str(exc).lower():
                raise BackupError(f"Cannot open the warehouse {path}: {str(exc).splitlines()[0]}") from exc
            if time.monotonic() >= deadline:
                raise BackupError(
                    f"The warehouse {path} stayed open for writing (a load or refresh) for "
                    f"{wait:.0f} seconds; try again when it has finished"
                ) from exc
            if not told:
                say("Waiting for the warehouse load in progress to finish")
                told = True
            time.sleep(0.5)


def _copy_hashing(source: Path, dest: Path) -> str:
    h = hashlib.sha256()
    with open(source, "rb") as src, open(dest, "wb") as dst:
        while chunk := src.read(CHUNK):
            h.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return h.hexdigest()


def _backup_warehouse(path: Path, staging: Path, wait: float, say: Say) -> dict[str, Any]:
    con = _open_warehouse_read_only(path, wait, say)
    try:
        # While this read-only connection is open no writer can open the file.
        say("Copying the warehouse")
        _copy_hashing(path, staging / WAREHOUSE_MEMBER)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            _copy_hashing(wal, staging / WAREHOUSE_WAL_MEMBER)
        tables = warehouse_summary(con)
    finally:
        con.close()
    return {"tables": tables}


# --- writing the archive -------------------------------------------------------------------


def _media_files(root: Path | None) -> list[tuple[str, Path]]:
    if root is None or not root.is_dir():
        return []
    out = []
    for path in sorted(root.rglob("*")):
        # Half-written uploads (".upload-…") are not papers yet.
        if path.is_file() and not path.name.startswith("."):
            out.append((MEDIA_PREFIX + path.relative_to(root).as_posix(), path))
    return out


def _tar_add(tar: tarfile.TarFile, name: str, path: Path) -> None:
    info = tarfile.TarInfo(name)
    info.size = path.stat().st_size
    info.mtime = int(path.stat().st_mtime)
    info.mode = 0o600
    with open(path, "rb") as fh:
        tar.addfile(info, fh)


def backup(
    target: Path,
    database: dict[str, Any],
    warehouse: Path | None,
    media: Path | None,
    *,
    wait: float = 600.0,
    say: Say = _quiet,
) -> dict[str, Any]:
    """Writes the archive to ``target`` (atomically) and returns its manifest."""
    target = Path(target).resolve()
    # A folder (made if need be) gets a dated name; an archive's own name ends in .tar.
    if target.is_dir() or (not target.exists() and target.suffix != ".tar"):
        target = target / default_name()
    if target.exists():
        raise BackupError(f"{target} already exists: choose another name (--to)")
    engine = engine_of(database)
    with _staging(target.parent) as staging:
        say("Copying the workspace database")
        if engine == "sqlite":
            member = SQLITE_MEMBER
            summary = _backup_sqlite(Path(database["NAME"]), staging / member)
        else:
            member = PG_MEMBER
            summary = _backup_pg(database, staging / member)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "saferplaces_version": __version__,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "workspace_database": {"engine": engine, "member": member, **summary},
            "warehouse": None,
            "members": {},
        }
        staged = [(member, staging / member)]
        if warehouse is not None and Path(warehouse).exists():
            manifest["warehouse"] = _backup_warehouse(Path(warehouse), staging, wait, say)
            staged.append((WAREHOUSE_MEMBER, staging / WAREHOUSE_MEMBER))
            if (staging / WAREHOUSE_WAL_MEMBER).exists():
                staged.append((WAREHOUSE_WAL_MEMBER, staging / WAREHOUSE_WAL_MEMBER))
        files = staged + _media_files(Path(media) if media else None)
        say(f"Writing {len(files)} files to the archive")
        for name, path in files:
            manifest["members"][name] = {"sha256": _sha256_file(path), "size": path.stat().st_size}
        manifest["media_files"] = sum(1 for n, _ in files if n.startswith(MEDIA_PREFIX))

        part = staging / (target.name + ".part")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(time.time())
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
            for name, path in files:
                _tar_add(tar, name, path)
            tar.close()
            raw.flush()
            os.fsync(raw.fileno())
        # The archive holds personal data (people's e-mail addresses): owner-only.
        os.replace(part, target)
    manifest["archive"] = str(target)
    manifest["archive_size"] = target.stat().st_size
    return manifest


# --- reading and checking an archive -------------------------------------------------------


def _safe_member(name: str) -> PurePosixPath:
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or not p.parts:
        raise BackupError(f"The archive member {name!r} has an unsafe name")
    return p


def _open_archive(archive: Path) -> tarfile.TarFile:
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file")
    try:
        return tarfile.open(archive, mode="r:")
    except tarfile.TarError as exc:
        raise BackupError(f"{archive} is not a Safer Places backup (not a tar archive)") from exc


def _read_manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    try:
        first = tar.next()
    except tarfile.TarError as exc:
        raise BackupError(f"{archive} is damaged: its first member cannot be read") from exc
    if first is None or first.name != MANIFEST:
        raise BackupError(f"{archive} is not a Safer Places backup: it has no {MANIFEST} first")
    fh = tar.extractfile(first)
    try:
        manifest = json.loads(fh.read())
    except (tarfile.TarError, ValueError) as exc:
        raise BackupError(f"{archive} is damaged: {MANIFEST} cannot be read") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a Safer Places backup ({MANIFEST} says otherwise)")
    if manifest.get("format_version", 0) > FORMAT_VERSION:
        raise BackupError(
            f"{archive} was written by a newer Safer Places ({manifest.get('saferplaces_version')}); "
            "upgrade before restoring it"
        )
    return manifest


def _members(
    archive: Path, on_member: Callable[[str, tarfile.TarFile, tarfile.TarInfo], str] | None = None
) -> dict[str, Any]:
    """Reads the whole archive, checking each member's checksum against the manifest.

    ``on_member(name, tar, info)`` may consume the member (e.g. write it out) and must return
    its SHA-256; by default the member is only hashed.
    """
    with _open_archive(archive) as tar:
        manifest = _read_manifest(tar, archive)
        expected: dict[str, dict[str, Any]] = manifest.get("members") or {}
        seen: set[str] = set()
        last = MANIFEST
        while True:
            try:
                info = tar.next()
            except tarfile.TarError as exc:
                raise BackupError(
                    f"{archive} is damaged after member {last}: {exc}"
                ) from exc
            if info is None:
                break
            name = info.name
            _safe_member(name)
            if name not in expected:
                raise BackupError(f"{archive} holds {name}, which its manifest does not list")
            if not info.isfile():
                raise BackupError(f"{archive}: member {name} is not a file")
            try:
                if on_member is not None:
                    digest = on_member(name, tar, info)
                else:
                    h = hashlib.sha256()
                    fh = tar.extractfile(info)
                    while chunk := fh.read(CHUNK):
                        h.update(chunk)
                    digest = h.hexdigest()
            except (tarfile.TarError, EOFError) as exc:
                raise BackupError(f"{archive} is truncated: member {name} ends early") from exc
            if digest != expected[name]["sha256"]:
                raise BackupError(
                    f"{archive} is damaged: member {name} does not match its checksum"
                )
            seen.add(name)
            last = name
        missing = sorted(set(expected) - seen)
        if missing:
            raise BackupError(
                f"{archive} is incomplete (truncated?): member {missing[0]} is missing"
                + (f" and {len(missing) - 1} more" if len(missing) > 1 else "")
            )
    return manifest


def verify(archive: Path) -> dict[str, Any]:
    """Checks every member against the manifest's checksums; returns the manifest."""
    return _members(Path(archive))


# --- restoring ----------------------------------------------------------------------------


def _is_empty(folder: Path) -> bool:
    return not folder.exists() or (folder.is_dir() and not any(folder.iterdir()))


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def _compare(what: str, expected: dict[str, Any], got: dict[str, Any]) -> None:
    for table, want in sorted(expected.items()):
        have = got.get(table)
        if have != want:
            raise BackupError(
                f"After restoring, {what} table {table} has {have} where the backup recorded {want}"
            )


def _pg_is_fresh(database: dict[str, Any], name: str) -> bool:
    con = _pg_connect(database, name)
    try:
        return not _pg_user_tables(con.cursor())
    finally:
        con.close()


def _pg_exists(database: dict[str, Any], name: str) -> bool:
    con = _pg_connect(database, "postgres", autocommit=True)
    try:
        return con.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
    finally:
        con.close()


def _pg_admin(database: dict[str, Any], sql: str) -> None:
    con = _pg_connect(database, "postgres", autocommit=True)
    try:
        con.execute(sql)
    finally:
        con.close()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_restore_into(database: dict[str, Any], name: str, dump: Path, expected: dict) -> None:
    pg_restore = _pg_tool("pg_restore")
    done = subprocess.run(
        [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         *_pg_args(database, name), str(dump)],
        env=_pg_env(database), capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(
            f"pg_restore could not restore into the {_pg_where(database, name)}: "
            + (done.stderr.strip().splitlines() or ["no message"])[-1]
        )
    _compare("workspace database", expected, pg_summary(database, name)["tables"])


def restore(
    archive: Path,
    workspace: Path,
    database: dict[str, Any],
    *,
    warehouse: Path | None = None,
    media: Path | None = None,
    replace: bool = False,
    known_migrations: set[tuple[str, str]] | None = None,
    say: Say = _quiet,
) -> dict[str, Any]:
    """Restores ``archive`` into ``workspace`` (and the PostgreSQL database, if one is named).

    The workspace must be empty or new unless ``replace``; then its files are moved aside and
    removed only once the restore has succeeded (put back if it fails). The archive is checked
    whole before anything is written, and the restored data are checked against the row counts
    and hashes recorded at backup time.
    """
    archive = Path(archive).resolve()
    workspace = Path(workspace).resolve()
    warehouse = Path(warehouse) if warehouse else workspace / WAREHOUSE_MEMBER
    media = Path(media) if media else workspace / "media"
    engine = engine_of(database)

    say("Checking the archive")
    manifest = verify(archive)
    db_part = manifest["workspace_database"]
    if db_part["engine"] != engine:
        raise BackupError(
            f"{archive} holds a {db_part['engine']} workspace database, but this installation "
            f"uses {engine} (DATABASE_URL): restore it into a {db_part['engine']} installation"
        )
    if known_migrations is not None:
        ours = {app for app, _ in known_migrations}
        unknown = sorted(
            f"{app} {name}"
            for app, names in db_part["migrations"].items()
            if app in ours
            for name in names
            if (app, name) not in known_migrations
        )
        if unknown:
            raise BackupError(
                f"{archive} was made by a newer Safer Places ({manifest.get('saferplaces_version')}): "
                f"this version does not know migration {unknown[0]}; upgrade, then restore"
            )
    if engine == "sqlite" and not _inside(Path(database["NAME"]), workspace):
        raise BackupError(
            "The SQLite database named by DATABASE_URL is outside the workspace folder: unset "
            "DATABASE_URL so the restore writes workspace.sqlite3 in the workspace"
        )
    for what, path in (("SAFERPLACES_WAREHOUSE", warehouse), ("SAFERPLACES_MEDIA_ROOT", media)):
        if not _inside(path, workspace):
            raise BackupError(
                f"{what} points outside the workspace folder; unset it for the restore, which "
                "puts everything in the workspace"
            )
    if workspace.exists() and not workspace.is_dir():
        raise BackupError(f"{workspace} is a file, not a workspace folder")
    if not _is_empty(workspace) and not replace:
        found = sorted(p.name for p in workspace.iterdir())
        raise BackupError(
            f"The workspace {workspace} is not empty (it holds {', '.join(found[:4])}"
            + (" …" if len(found) > 4 else "")
            + "): restore into a new folder, or pass --replace to replace it"
        )

    pg_name = str(database.get("NAME") or "") if engine == "postgresql" else ""
    pg_target = pg_name
    pg_swap = False
    if engine == "postgresql":
        _pg_tool("pg_restore")
        if not _pg_exists(database, pg_name):
            say(f"Creating the database {pg_name}")
            _pg_admin(database, f"CREATE DATABASE {_ident(pg_name)}")
        elif not _pg_is_fresh(database, pg_name):
            if not replace:
                raise BackupError(
                    f"The {_pg_where(database)} already holds tables: name a new database in "
                    "DATABASE_URL, or pass --replace to replace it"
                )
            pg_target = f"{pg_name}_restoring_{os.getpid()}"[:63]
            pg_swap = True
            _pg_admin(database, f"DROP DATABASE IF EXISTS {_ident(pg_target)}")
            _pg_admin(database, f"CREATE DATABASE {_ident(pg_target)}")

    parent = workspace.parent
    with _staging(parent) as staging:
        new = staging / "workspace"
        new.mkdir()
        extracted: dict[str, Path] = {}

        def write_member(name: str, tar: tarfile.TarFile, info: tarfile.TarInfo) -> str:
            rel = _safe_member(name)
            if name.startswith(MEDIA_PREFIX):
                dest = new / media.resolve().relative_to(workspace) / PurePosixPath(*rel.parts[1:])
            elif name in (WAREHOUSE_MEMBER, WAREHOUSE_WAL_MEMBER):
                dest = new / warehouse.resolve().relative_to(workspace)
                if name == WAREHOUSE_WAL_MEMBER:
                    dest = dest.with_name(dest.name + ".wal")
            elif name == SQLITE_MEMBER:
                dest = new / Path(database["NAME"]).resolve().relative_to(workspace)
            else:
                dest = staging / name  # the PostgreSQL dump, restored below
            dest.parent.mkdir(parents=True, exist_ok=True)
            extracted[name] = dest
            return _copy_hashing_from(tar.extractfile(info), dest)

        say("Unpacking the archive")
        _members(archive, write_member)

        try:
            if engine == "sqlite":
                got = sqlite_summary(extracted[SQLITE_MEMBER])
                _compare("workspace database", db_part["tables"], got["tables"])
            else:
                say(f"Restoring the workspace database into {pg_target}")
                _pg_restore_into(database, pg_target, extracted[PG_MEMBER], db_part["tables"])
            if manifest.get("warehouse"):
                import duckdb

                path = extracted[WAREHOUSE_MEMBER]
                con = duckdb.connect(str(path), read_only=True)
                try:
                    _compare("warehouse", manifest["warehouse"]["tables"], warehouse_summary(con))
                finally:
                    con.close()
        except BaseException:
            if pg_swap:
                with contextlib.suppress(BackupError):
                    _pg_admin(database, f"DROP DATABASE IF EXISTS {_ident(pg_target)}")
            raise

        aside = None
        if workspace.exists():
            aside = staging / "previous"
            os.replace(workspace, aside)
        try:
            os.replace(new, workspace)
            if pg_swap:
                old = f"{pg_name}_before_restore_{os.getpid()}"[:63]
                try:
                    _pg_admin(database, f"ALTER DATABASE {_ident(pg_name)} RENAME TO {_ident(old)}")
                except Exception as exc:
                    raise BackupError(
                        f"Could not set the {_pg_where(database)} aside ({exc}): stop the web "
                        "processes and workers that use it, then restore again"
                    ) from exc
                _pg_admin(database, f"ALTER DATABASE {_ident(pg_target)} RENAME TO {_ident(pg_name)}")
                _pg_admin(database, f"DROP DATABASE {_ident(old)}")
        except BaseException:
            if aside is not None:
                if workspace.exists():
                    shutil.rmtree(workspace, ignore_errors=True)
                os.replace(aside, workspace)
            if pg_swap:
                with contextlib.suppress(BackupError):
                    _pg_admin(database, f"DROP DATABASE IF EXISTS {_ident(pg_target)}")
            raise
    return manifest


def _copy_hashing_from(src, dest: Path) -> str:
    h = hashlib.sha256()
    with open(dest, "wb") as dst:
        while chunk := src.read(CHUNK):
            h.update(chunk)
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return h.hexdigest()
