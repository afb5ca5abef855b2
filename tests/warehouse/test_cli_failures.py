"""Warehouse writers fail honestly: a full disk, a held lock or a refused write is one plain
line naming the file and what to do, exit code 1, no traceback, and the data stored before is
intact. Each failure is real: a process whose file size limit is reached, a tmpfs that fills,
a second process holding the warehouse open, a file system mounted read-only."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", "/work/shared/data"))
STAFFS = SHARED / "police_uk" / "staffordshire"

pytestmark = pytest.mark.skipif(not STAFFS.is_dir(), reason=f"real data not found at {SHARED}")

FIRST = [STAFFS / f"2025-0{m}-staffordshire-street.csv.gz" for m in (1, 2)]


def cli(home: Path, *args: str, preexec_fn=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "saferplaces.cli", "--workspace", str(home), *args],
        capture_output=True, text=True, timeout=600, preexec_fn=preexec_fn,
        env={**os.environ, "COLUMNS": "80"},
    )  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A real warehouse: the shipped geography and Staffordshire's January and February 2025."""
    from saferplaces.warehouse.geography import load_geography
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    path = tmp_path_factory.mktemp("failures") / "warehouse.duckdb"
    con = connect(path)
    load_geography(con)
    assert not load_police(con, FIRST).failed
    con.close()
    return path


def _stored(warehouse: Path) -> tuple:
    """What was there before: the rows of the first loads, by a fresh connection."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "SELECT count(*), sum(hash(s)) FROM police_street s WHERE load_id IN "
            "(SELECT load_id FROM police_loads WHERE month IN ('2025-01-01', '2025-02-01'))"
        ).fetchone()
    finally:
        con.close()


def _one_plain_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "╭" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    return lines[0]


@pytest.fixture
def workspace(template, tmp_path) -> Path:
    home = tmp_path / "ws"
    home.mkdir()
    shutil.copy(template, home / "warehouse.duckdb")
    return home


def test_a_full_disk_during_load_police_is_one_line_and_the_data_is_intact(workspace):
    warehouse = workspace / "warehouse.duckdb"
    before = _stored(warehouse)
    assert before[0] == 14407
    limit = 2 * 1024**2  # no file this process writes may grow past 2 MiB: the log soon is

    def small_files() -> None:
        # Writes past the limit then fail with EFBIG instead of killing the process.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = cli(workspace, "load", "police", str(STAFFS), preexec_fn=small_files)
    line = _one_plain_line(done)
    assert "Could not write " + str(warehouse) in line
    assert "the file has reached the largest size this process may write" in line
    assert "Raise the file size limit" in line and "run the command again" in line
    assert _stored(warehouse) == before
    # And the advice works: without the limit the same command finishes the job.
    again = cli(workspace, "load", "police", str(STAFFS), "--json")
    assert again.returncode == 0, again.stderr
    assert _stored(warehouse) == before


@pytest.fixture
def small_disk(tmp_path, template):
    """A real file system with 4 MiB left after the warehouse, if this user may mount one."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root; the file size limit test covers the path")
    mnt = tmp_path / "small"
    mnt.mkdir()
    size = template.stat().st_size + 4 * 1024**2
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)],
                          capture_output=True, text=True)  # fmt: skip
    if made.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        shutil.copy(template, mnt / "warehouse.duckdb")
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_no_space_left_on_device_is_one_line_and_the_data_is_intact(small_disk):
    warehouse = small_disk / "warehouse.duckdb"
    before = _stored(warehouse)
    done = cli(small_disk, "load", "police", str(STAFFS))
    line = _one_plain_line(done)
    assert f"Could not write {small_disk}/warehouse.duckdb" in line and "the disk is full" in line
    assert "Free space on that disk" in line
    assert _stored(warehouse) == before


def test_a_warehouse_held_open_by_another_process_is_one_line(workspace):
    warehouse = workspace / "warehouse.duckdb"
    before = _stored(warehouse)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('open', flush=True); "
         "sys.stdin.read()", str(warehouse)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        for args in (("load", "police", str(FIRST[0])), ("load", "geography"),
                     ("locality", "add", "Abbey", "--lsoa", "E01014210"), ("status",),
                     ("query", "SELECT count(*) FROM crimes")):  # fmt: skip
            line = _one_plain_line(cli(workspace, *args))
            assert f"The warehouse {warehouse} is open for writing by another process " \
                   f"(process {holder.pid})" in line, (args, line)  # fmt: skip
            assert "Wait for it to finish and try again" in line
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert _stored(warehouse) == before


@pytest.fixture
def read_only_workspace(workspace):
    """The workspace folder as a file system this process cannot write: a read-only bind mount
    when running as root (root ignores file modes), otherwise the folder's modes."""
    if os.geteuid() == 0:
        made = subprocess.run(["mount", "--bind", str(workspace), str(workspace)],
                              capture_output=True, text=True)  # fmt: skip
        if made.returncode:
            pytest.skip(f"root, and cannot bind-mount read-only here: {made.stderr.strip()}")
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(workspace)], check=True)
            yield workspace, "the file system is read-only"
        finally:
            subprocess.run(["umount", str(workspace)], check=True)
    else:
        (workspace / "warehouse.duckdb").chmod(0o444)
        workspace.chmod(0o555)
        try:
            yield workspace, "permission denied"
        finally:
            workspace.chmod(0o755)
            (workspace / "warehouse.duckdb").chmod(0o644)


def test_a_read_only_warehouse_is_one_line_naming_the_file(read_only_workspace):
    home, reason = read_only_workspace
    warehouse = home / "warehouse.duckdb"
    before = _stored(warehouse)
    for args in (("load", "police", str(FIRST[0])), ("load", "geography"),
                 ("locality", "add", "Abbey", "--lsoa", "E01014210")):  # fmt: skip
        line = _one_plain_line(cli(home, *args))
        assert f"Could not write {warehouse}" in line and reason in line, (args, line)
        assert f"Give this user write access to {home}" in line
    # Reading still works.
    assert cli(home, "query", "SELECT count(*) FROM crimes").returncode == 0
    assert _stored(warehouse) == before
