"""A load killed with SIGKILL part-way leaves the warehouse exactly as it was before that unit.

A child process loads a big file (the real Staffordshire 2025-01 rows repeated to ~680,000
rows) that replaces a unit already in the warehouse. The child reports when the load's write
transaction has begun; the parent kills it either a moment later (while it writes) or once the
rows are written but not committed (the child then waits before committing). The parent then
opens the warehouse and compares it with what it held before, and loads the file again.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", "/work/shared/data"))
STAFFS = SHARED / "police_uk" / "staffordshire"

pytestmark = [
    pytest.mark.skipif(not STAFFS.is_dir(), reason=f"real data not found at {SHARED}"),
    pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX"),
]

CHILD = textwrap.dedent(
    """
    import sys
    import time
    from saferplaces.warehouse import store
    from saferplaces.warehouse.police import load_police

    class Announcing:
        # Passes everything through; says on stdout when a write transaction begins, and in
        # "pause" mode stops after writing the street rows, before the commit.
        def __init__(self, con, pause):
            self._con = con
            self._pause = pause
        def execute(self, sql, *args):
            result = self._con.execute(sql, *args)
            if sql.strip().upper().startswith("BEGIN"):
                print("BEGIN", flush=True)
            if self._pause and sql.strip().startswith("INSERT INTO police_street"):
                print("WRITTEN", flush=True)
                time.sleep(120)
            return result
        def __getattr__(self, name):
            return getattr(self._con, name)

    con = store.connect(sys.argv[1])
    load_police(Announcing(con, sys.argv[3] == "pause"), [sys.argv[2]])
    print("DONE", flush=True)
    """
)

STATE = [
    "SELECT count(*), sum(hash(load_id, line, crime_id, lon, lat, lsoa21_code, category)) "
    "FROM police_street",
    "SELECT count(*), sum(hash(load_id, sha256, is_current, action)) FROM police_loads",
    "SELECT count(*) FROM police_rejects",
    "SELECT count(*) FROM police_points",
]


def _state(path: Path) -> list:
    from saferplaces.warehouse.store import connect

    con = connect(path, read_only=True)
    try:
        return [con.execute(q).fetchone() for q in STATE]
    finally:
        con.close()


@pytest.mark.slow
@pytest.mark.parametrize("when", ["during the write", "after the write, before the commit"])
def test_sigkill_mid_load_leaves_the_warehouse_as_it_was(tmp_path: Path, when: str):
    geo = pytest.importorskip("saferplaces.warehouse.geography")
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    warehouse = tmp_path / "warehouse.duckdb"
    con = connect(warehouse)
    geo.load_geography(con)
    original = STAFFS / "2025-01-staffordshire-street.csv.gz"
    assert load_police(con, [original]).results[0].action == "new"
    con.close()
    before = _state(warehouse)

    # Same unit, 80 times the rows (a bigger, valid file whose write takes a few seconds).
    lines = gzip.decompress(original.read_bytes()).decode().splitlines(keepends=True)
    big = tmp_path / "2025-01-staffordshire-street.csv"
    with open(big, "w") as fh:
        fh.write(lines[0])
        for _ in range(80):
            fh.writelines(lines[1:])

    pause = when.startswith("after")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(warehouse), str(big), "pause" if pause else "go"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline().strip()
        assert line == "BEGIN", f"the child never began its transaction (said {line!r})"
        if pause:
            # The rows are in the database file (DuckDB writes big appends as it goes) but
            # not committed.
            assert child.stdout.readline().strip() == "WRITTEN"
        else:
            time.sleep(0.3)
        assert child.poll() is None, "the load finished before it could be killed; use more rows"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    assert _state(warehouse) == before
    # And the warehouse is usable: the same load now completes.
    con = connect(warehouse)
    try:
        report = load_police(con, [big])
        assert report.results[0].action == "replaced"
        assert con.execute("SELECT count(*) FROM crimes").fetchone()[0] == 80 * (len(lines) - 1)
    finally:
        con.close()
