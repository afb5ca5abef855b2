"""`saferplaces backup` and `saferplaces restore` on a real workspace: the demo partnerships
loaded over a warehouse built from ../shared/data, a stored paper, restored into a fresh
workspace and compared table by table, on SQLite and on PostgreSQL.

Everything runs through the command line in subprocesses, as an operator would run it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "web"))

import sp_web_warehouse

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
SEED_PAPER = sorted((sp_web_warehouse.SHARED.parent / "seeds").glob("*.txt"))


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SAFERPLACES_WAREHOUSE", "SAFERPLACES_MEDIA_ROOT",
                     "SAFERPLACES_HOME", "DJANGO_SETTINGS_MODULE"}
    }  # fmt: skip
    env["SECRET_KEY"] = "backup-tests-only-secret-key-0123456789-abcdefghij"
    env.update(extra)
    return env


def _cli(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "saferplaces.cli", *args],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def _populate(home: Path, env: dict[str, str]) -> str:
    """The real demo over a real warehouse, and one stored paper; returns the paper's path."""
    home.mkdir(parents=True)
    sp_web_warehouse.build(home / "warehouse.duckdb", months=["2025-01", "2025-02"])
    code = (
        "import sys; from pathlib import Path\n"
        "from saferplaces.web.commands import load_demo\n"
        f"load_demo(workspace={str(home)!r}, quiet=True)\n"
        "from saferplaces.web.meetings.storage import store\n"
        f"print(store(Path({str(SEED_PAPER[0])!r}).read_bytes(), 'txt')[0])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _model_tables(env: dict[str, str], home: Path) -> set[str]:
    code = (
        "import json\n"
        "from saferplaces.web.commands import setup\n"
        f"setup({str(home)!r})\n"
        "from django.apps import apps\n"
        "print(json.dumps(sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout))


def _sqlite_rows(path: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]  # fmt: skip
        out = {}
        for t in names:
            n = len(con.execute(f'SELECT * FROM "{t}" LIMIT 0').description)
            order = ", ".join(str(i) for i in range(1, n + 1))
            out[t] = con.execute(f'SELECT * FROM "{t}" ORDER BY {order}').fetchall()
        return out
    finally:
        con.close()


def _warehouse_tables(path: Path) -> dict[str, tuple[int, str]]:
    """Row count and an MD5 of the sorted rows of every warehouse table (not the module's hash)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()]  # fmt: skip
        return {
            t: con.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR), '')) "
                f'FROM "{t}" t'
            ).fetchone()
            for t in names
        }
    finally:
        con.close()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def sqlite_workspace(tmp_path_factory):
    if not sp_web_warehouse.shared_available():
        pytest.skip("shared/data police files are not available (set SAFERPLACES_SHARED_DATA)")
    root = tmp_path_factory.mktemp("backup-sqlite")
    home = root / "workspace"
    paper = _populate(home, _env())
    return home, paper


@pytest.fixture(scope="module")
def sqlite_archive(sqlite_workspace, tmp_path_factory):
    home, _ = sqlite_workspace
    out = tmp_path_factory.mktemp("archives")
    done = _cli("-w", str(home), "backup", "--to", str(out), env=_env())
    archives = list(out.glob("saferplaces-backup-*.tar"))
    assert len(archives) == 1, done.stdout
    return archives[0]


def test_sqlite_backup_restores_every_table_into_a_fresh_workspace(
    sqlite_workspace, sqlite_archive, tmp_path
):
    home, paper = sqlite_workspace
    with tarfile.open(sqlite_archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "manifest.json"
    assert {"workspace.sqlite3", "warehouse.duckdb", f"media/{paper}"} <= set(names)
    assert manifest["workspace_database"]["engine"] == "sqlite"
    assert "0001_initial" in manifest["workspace_database"]["migrations"]["plans"]
    assert manifest["members"][f"media/{paper}"]["sha256"] == _sha(SEED_PAPER[0])
    # The demo's eight districts and the county agreement.
    assert manifest["workspace_database"]["tables"]["partnerships_partnership"] == 9
    assert oct(sqlite_archive.stat().st_mode & 0o777) == "0o600"

    fresh = tmp_path / "restored"
    done = _cli("restore", str(sqlite_archive), "--workspace", str(fresh), env=_env())
    assert "Every table matches the backup" in done.stdout

    before, after = _sqlite_rows(home / "workspace.sqlite3"), _sqlite_rows(fresh / "workspace.sqlite3")
    models = _model_tables(_env(), fresh)
    assert models <= set(before), models - set(before)  # every model's table was compared
    assert set(before) == set(after)
    for table in before:
        assert before[table] == after[table], table
    for table, rows in before.items():  # the manifest's counts are the database's
        assert manifest["workspace_database"]["tables"][table] == len(rows), table
    assert len(before["plans_action"]) >= 20
    assert len(before["audit_auditevent"]) == len(after["audit_auditevent"]) > 0

    wh_before = _warehouse_tables(home / "warehouse.duckdb")
    assert wh_before == _warehouse_tables(fresh / "warehouse.duckdb")
    # Two real months of Staffordshire street records.
    assert wh_before["police_street"][0] == manifest["warehouse"]["tables"]["police_street"]["rows"]
    assert wh_before["police_street"][0] > 10_000
    assert _sha(fresh / "media" / paper) == _sha(SEED_PAPER[0])
    assert not (fresh / "secret_key.txt").exists()


def test_restore_refuses_a_workspace_with_data_unless_replace(sqlite_archive, tmp_path):
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("kept")
    done = _cli("restore", str(sqlite_archive), "-w", str(target), env=_env(), check=False)
    assert done.returncode == 1
    assert "is not empty (it holds notes.txt)" in done.stderr
    assert (target / "notes.txt").read_text() == "kept"

    _cli("restore", str(sqlite_archive), "-w", str(target), "--replace", env=_env())
    assert not (target / "notes.txt").exists()
    assert (target / "workspace.sqlite3").exists()
    # Nothing left beside it: the previous files went once the restore had succeeded.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]


def _corrupt_copy(archive: Path, dest: Path, member: str) -> Path:
    shutil.copy(archive, dest)
    with tarfile.open(dest) as tar:
        offset = tar.getmember(member).offset_data + 4096
    with open(dest, "r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([byte[0] ^ 0xFF]))
    return dest


def test_a_corrupt_or_truncated_archive_is_refused_naming_the_member(sqlite_archive, tmp_path):
    bad = _corrupt_copy(sqlite_archive, tmp_path / "bad.tar", "warehouse.duckdb")
    done = _cli("restore", str(bad), "-w", str(tmp_path / "a"), env=_env(), check=False)
    assert done.returncode == 1
    assert "member warehouse.duckdb does not match its checksum" in done.stderr
    assert not (tmp_path / "a").exists() or not any((tmp_path / "a").iterdir())

    with tarfile.open(sqlite_archive) as tar:
        cut = tar.getmember("warehouse.duckdb").offset_data + 1000
    short = tmp_path / "short.tar"
    short.write_bytes(sqlite_archive.read_bytes()[:cut])
    done = _cli("restore", str(short), "-w", str(tmp_path / "b"), env=_env(), check=False)
    assert done.returncode == 1
    assert "member warehouse.duckdb" in done.stderr and "truncated" in done.stderr
    assert not (tmp_path / "b").exists() or not any((tmp_path / "b").iterdir())

    notes = tmp_path / "notes.tar"
    notes.write_bytes(b"not an archive at all" * 100)
    done = _cli("restore", str(notes), "-w", str(tmp_path / "c"), env=_env(), check=False)
    assert "is not a Safer Places backup" in done.stderr


def test_a_backup_killed_mid_way_leaves_no_archive_and_waits_for_a_load(
    sqlite_workspace, tmp_path
):
    home = tmp_path / "workspace"
    shutil.copytree(sqlite_workspace[0], home)
    before = {p.name: _sha(p) for p in home.iterdir() if p.is_file()}
    out = tmp_path / "out"
    out.mkdir()
    target = out / "killed.tar"

    # A load in progress: this process holds the warehouse open for writing.
    writer = duckdb.connect(str(home / "warehouse.duckdb"))
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "saferplaces.cli", "-w", str(home), "backup",
             "--to", str(target)],
            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if "Waiting for the warehouse load" in line:
                break
        assert any("Waiting for the warehouse load" in s for s in seen), seen
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        writer.close()
    assert not target.exists()
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == []
    assert {p.name: _sha(p) for p in home.iterdir() if p.is_file()} == before
    con = sqlite3.connect(home / "workspace.sqlite3")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()

    # The next backup waits for a load to commit, copies what it committed, and clears the
    # folder the killed one left.
    writer = duckdb.connect(str(home / "warehouse.duckdb"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "saferplaces.cli", "-w", str(home), "backup", "--to", str(target)],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for line in proc.stderr:
            if "Waiting for the warehouse load" in line:
                break
        writer.execute("CREATE TABLE loaded_during_backup AS SELECT 42 AS answer")
    finally:
        writer.close()
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert sorted(p.name for p in out.iterdir()) == ["killed.tar"]
    with tarfile.open(target) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["warehouse"]["tables"]["loaded_during_backup"]["rows"] == 1


def _pg_available() -> bool:
    try:
        import psycopg

        psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3).close()
        return True
    except Exception:
        return False


def _pg_rows(url: str) -> dict[str, list[tuple]]:
    import psycopg

    with psycopg.connect(url) as con:
        names = [r[0] for r in con.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]  # fmt: skip
        out = {}
        for t in names:
            cur = con.execute(f'SELECT * FROM "{t}" LIMIT 0')
            order = ", ".join(str(i) for i in range(1, len(cur.description) + 1))
            out[t] = con.execute(f'SELECT * FROM "{t}" ORDER BY {order}').fetchall()
        return out


def test_postgresql_backup_restores_into_a_second_database(tmp_path):
    if not _pg_available():
        pytest.skip("no PostgreSQL answering on 127.0.0.1:5432")
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not on PATH")
    if not sp_web_warehouse.shared_available():
        pytest.skip("shared/data police files are not available (set SAFERPLACES_SHARED_DATA)")
    import psycopg

    name = f"backuptest_{uuid.uuid4().hex[:10]}"
    source, copy = f"{PG_SERVER}/{name}", f"{PG_SERVER}/{name}_r"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        home = tmp_path / "workspace"
        _populate(home, _env(DATABASE_URL=source))
        archive = tmp_path / "pg.tar"
        _cli("-w", str(home), "backup", "--to", str(archive), env=_env(DATABASE_URL=source))
        with tarfile.open(archive) as tar:
            assert "workspace.pgdump" in tar.getnames()
        fresh = tmp_path / "restored"
        _cli("restore", str(archive), "-w", str(fresh), env=_env(DATABASE_URL=copy))

        before, after = _pg_rows(source), _pg_rows(copy)
        models = _model_tables(_env(DATABASE_URL=copy), fresh)
        assert models <= set(before), models - set(before)
        assert set(before) == set(after)
        for table in before:
            assert before[table] == after[table], table
        assert len(before["partnerships_partnership"]) == 9
        assert _warehouse_tables(home / "warehouse.duckdb") == _warehouse_tables(
            fresh / "warehouse.duckdb"
        )
        # A second restore into the same (now populated) database is refused.
        again = _cli("restore", str(archive), "-w", str(tmp_path / "again"),
                     env=_env(DATABASE_URL=copy), check=False)  # fmt: skip
        assert again.returncode == 1 and "already holds tables" in again.stderr
        # --replace restores beside it, swaps the names, and drops the previous database.
        with psycopg.connect(copy, autocommit=True) as con:
            con.execute("CREATE TABLE scratch_from_before (x int)")
        _cli("restore", str(archive), "-w", str(tmp_path / "again"), "--replace",
             env=_env(DATABASE_URL=copy))  # fmt: skip
        assert _pg_rows(copy) == before
        with psycopg.connect(f"{PG_SERVER}/postgres") as admin:
            left = admin.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{name}%"]
            ).fetchall()
        assert sorted(r[0] for r in left) == [name, f"{name}_r"]
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            for db in (name, f"{name}_r"):
                admin.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


def test_an_archive_from_a_newer_version_is_refused(sqlite_archive, tmp_path):
    """Migrations this version does not know: restoring would leave a database it cannot run."""
    newer = tmp_path / "newer.tar"
    with tarfile.open(sqlite_archive) as src, tarfile.open(newer, "w") as dst:
        for info in src:
            data = src.extractfile(info).read()
            if info.name == "manifest.json":
                manifest = json.loads(data)
                manifest["workspace_database"]["migrations"]["plans"].append("9999_from_the_future")
                data = json.dumps(manifest).encode()
                info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    done = _cli("restore", str(newer), "-w", str(tmp_path / "w"), env=_env(), check=False)
    assert done.returncode == 1
    assert "does not know migration plans 9999_from_the_future" in done.stderr
    assert not (tmp_path / "w").exists() or not any((tmp_path / "w").iterdir())
