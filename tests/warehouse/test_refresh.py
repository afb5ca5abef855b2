"""The warehouse side of the scheduled refresh, offline: the local archive server that
`fetch police` is tested with (tests/warehouse/test_fetch.py, reused here) serves a real
archive for 2025-12; the warehouse holds real Staffordshire months loaded before it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", "/work/shared/data"))
STAFFS = SHARED / "police_uk" / "staffordshire"

pytestmark = pytest.mark.skipif(not STAFFS.is_dir(), reason=f"real data not found at {SHARED}")

# The archive server and its fixtures, as `fetch police` is tested with them.
_spec = importlib.util.spec_from_file_location(
    "sp_fetch_tests", Path(__file__).with_name("test_fetch.py")
)
fetch_tests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fetch_tests)
archive = fetch_tests.archive
server = fetch_tests.server
geo_template = fetch_tests.geo_template
warehouse = fetch_tests.warehouse

TODAY = date(2026, 3, 1)
DATA = Path(__file__).resolve().parents[2] / "src" / "saferplaces" / "data"


def _load_months(con, months: list[str]) -> None:
    from saferplaces.warehouse.police import load_police

    files = [STAFFS / f"{m}-staffordshire-street.csv.gz" for m in months]
    report = load_police(con, files, today=TODAY)
    assert not report.failed


def _crimes(con, month: str) -> int:
    return con.execute(
        "SELECT count(*) FROM crimes WHERE month = ?", [date.fromisoformat(month + "-01")]
    ).fetchone()[0]


def test_check_finds_the_newest_archive_and_fetch_loads_only_the_new_months(
    warehouse, server, tmp_path
):
    from saferplaces.warehouse.refresh import check_police, fetch_new, latest_months

    _load_months(warehouse, ["2025-10"])
    assert latest_months(warehouse) == {"staffordshire": date(2025, 10, 1)}
    check = check_police(warehouse, server.base_url, TODAY)
    assert check.latest == {"staffordshire": "2025-10"}
    assert check.archive == "2025-12"
    assert check.new_months == ["2025-11", "2025-12"]
    assert check.kinds == ["street"]  # only what the warehouse already keeps
    # Newest first, one byte each: February and January 2026 are not published (404).
    assert [p for p, _ in server.requests] == [
        "/data/archive/2026-02.zip",
        "/data/archive/2026-01.zip",
        "/data/archive/2025-12.zip",
    ]
    assert all(r == "bytes=0-0" for _, r in server.requests)
    loaded = fetch_new(warehouse, tmp_path / "downloads", check, server.base_url, TODAY)
    assert loaded == ["2025-11", "2025-12"]
    # Real counts: the same as `fetch police` loads (test_fetch.py), Surrey left out.
    assert (_crimes(warehouse, "2025-11"), _crimes(warehouse, "2025-12")) == (7921, 8611)
    assert warehouse.execute("SELECT DISTINCT force FROM crimes").fetchall() == [("staffordshire",)]
    again = check_police(warehouse, server.base_url, TODAY)
    assert again.archive is None and again.new_months == []


def test_only_one_refresh_at_a_time(tmp_path):
    from saferplaces.warehouse.refresh import RefreshBusy, refresh_lock

    path = tmp_path / "warehouse.duckdb"
    with refresh_lock(path):
        busy = pytest.raises(RefreshBusy, match=r"already running \(process \d+, started")
        with busy, refresh_lock(path):
            pass
        # Another process is refused too.
        code = (
            "import sys\nfrom saferplaces.warehouse.refresh import refresh_lock, RefreshBusy\n"
            "try:\n    with refresh_lock(sys.argv[1]): print('ran')\n"
            "except RefreshBusy as e: print(e)\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
        ).stdout
        assert out.startswith("A refresh of the police data is already running")
    with refresh_lock(path):  # released when the block ends
        pass


def test_dropped_partner_files_are_loaded_or_refused_and_moved(warehouse, tmp_path):
    from saferplaces.warehouse.refresh import drop_folder, load_dropped_measures, waiting_files

    drop = drop_folder(tmp_path)
    drop.mkdir(parents=True)
    shutil.copy(DATA / "demo_ae_assault_staffordshire.csv", drop / "ae.csv")
    shutil.copy(DATA / "demo_ae_assault_staffordshire.yaml", drop / "ae.yaml")
    # A second file with a negative count on its third data row (line 4).
    lines = (DATA / "demo_ae_assault_staffordshire.csv").read_text().splitlines()
    cells = lines[3].split(",")
    lines[3] = ",".join([*cells[:-1], "-3"])
    (drop / "bad.csv").write_text("\n".join(lines) + "\n")
    shutil.copy(DATA / "demo_ae_assault_staffordshire.yaml", drop / "bad.yaml")
    (drop / "still-copying.csv.part").write_text("area_code,period,count\n")
    assert [p.name for p in waiting_files(drop)] == ["ae.csv", "bad.csv"]

    results = load_dropped_measures(warehouse, drop, today=TODAY)
    by_name = {r.file: r for r in results}
    ok, bad = by_name["ae.csv"], by_name["bad.csv"]
    assert ok.loaded and ok.measure_id == "demo-ae-assault-illustrative"
    assert ok.periods[0] == "2024-Q1" and len(ok.periods) == len(set(ok.periods))
    rows = warehouse.execute(
        "SELECT count(*) FROM measure_values WHERE measure_id = 'demo-ae-assault-illustrative'"
    ).fetchone()[0]
    assert rows == 2951  # every data row of the file
    assert not bad.loaded
    assert bad.error.startswith("bad.csv: line 4, count '-3'")
    assert "nothing was loaded" in bad.error
    assert sorted(p.name for p in (drop / "done").iterdir()) == ["ae.csv", "ae.yaml"]
    assert sorted(p.name for p in (drop / "failed").iterdir()) == [
        "bad.csv", "bad.csv.error.txt", "bad.yaml"
    ]  # fmt: skip
    assert (drop / "failed" / "bad.csv.error.txt").read_text().strip() == bad.error
    assert [p.name for p in drop.iterdir() if p.is_file()] == ["still-copying.csv.part"]
    assert load_dropped_measures(warehouse, drop, today=TODAY) == []


READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("SELECT count(*) FROM crimes").fetchone()[0])
"""


def test_the_read_copy_is_swapped_whole_and_an_open_reader_keeps_its_copy(warehouse, tmp_path):
    from saferplaces.warehouse.refresh import publish_read_copy, read_copy_path

    main = tmp_path / "warehouse.duckdb"
    _load_months(warehouse, ["2025-10"])
    first = publish_read_copy(warehouse, main)
    assert first == read_copy_path(main) == tmp_path / "warehouse.read.duckdb"
    reader = duckdb.connect(str(first), read_only=True)
    before = reader.execute("SELECT count(*) FROM crimes").fetchone()[0]
    assert before == _crimes(warehouse, "2025-10") > 0

    _load_months(warehouse, ["2025-11"])  # the writer goes on; the reader is not blocked
    assert reader.execute("SELECT count(*) FROM crimes").fetchone()[0] == before
    publish_read_copy(warehouse, main)
    # The reader that had the old copy open keeps reading it, whole, after the swap ...
    assert reader.execute("SELECT count(*) FROM crimes").fetchone()[0] == before
    assert reader.execute(
        "SELECT count(DISTINCT month) FROM crimes WHERE csp_name = 'Tamworth'"
    ).fetchone() == (1,)
    # ... while a process opening it now gets the new copy, with November's 7,921 records.
    out = subprocess.run(
        [sys.executable, "-c", READER, str(first)], capture_output=True, text=True, check=True
    )
    assert int(out.stdout) == before + 7921
    reader.close()
    # No half-written files are left beside it, and the copy is read-only on disk.
    assert sorted(p.name for p in tmp_path.iterdir() if "read" in p.name) == [
        "warehouse.read.duckdb"
    ]
    assert not os.access(first, os.W_OK) or os.geteuid() == 0
