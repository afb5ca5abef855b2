"""The warehouse commands of the `saferplaces` CLI, run in-process on a temporary workspace."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", "/work/shared/data"))
STAFFS = SHARED / "police_uk" / "staffordshire"

pytestmark = pytest.mark.skipif(not STAFFS.is_dir(), reason=f"real data not found at {SHARED}")


@pytest.fixture(scope="module")
def geo_template(tmp_path_factory) -> Path:
    geo = pytest.importorskip("saferplaces.warehouse.geography")
    from saferplaces.warehouse.store import connect

    path = tmp_path_factory.mktemp("geo") / "warehouse.duckdb"
    con = connect(path)
    geo.load_geography(con)
    con.close()
    return path


@pytest.fixture
def workspace(geo_template, tmp_path) -> Path:
    home = tmp_path / "ws"
    home.mkdir()
    shutil.copy(geo_template, home / "warehouse.duckdb")
    return home


def run(home: Path, *args: str):
    from saferplaces.cli import app

    return CliRunner().invoke(app, ["--workspace", str(home), *args])


def test_load_status_query_and_json(workspace):
    files = [str(STAFFS / f"2025-0{m}-staffordshire-street.csv.gz") for m in (1, 2)]
    result = run(workspace, "load", "police", *files, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["totals"]["loaded"] == 2 and report["totals"]["rows_accepted"] == 7522 + 6885

    status = json.loads(run(workspace, "status", "--json").stdout)
    (cov,) = status["coverage"]
    assert (cov["force"], cov["first_month"], cov["last_month"], cov["rows"]) == (
        "staffordshire", "2025-01", "2025-02", 14407,
    )  # fmt: skip
    assert status["totals"]["street"] == 14407

    out = run(workspace, "query", "SELECT csp_name, count(*) AS n FROM crimes "
              "WHERE csp_name = 'Tamworth' GROUP BY 1", "--format", "json")  # fmt: skip
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)[0]["n"] > 500

    table = run(workspace, "status")
    assert table.exit_code == 0 and "staffordshire" in table.stdout


def test_query_refuses_writes_and_reports_errors_plainly(workspace):
    refused = run(workspace, "query", "DELETE FROM police_street")
    assert refused.exit_code == 1 and "not allowed" in refused.output
    # An error only found while running (a bad cast) is reported, not a traceback.
    bad = run(workspace, "query", "SELECT CAST(lsoa21_name AS INTEGER) FROM areas")
    assert bad.exit_code == 1 and "The query failed" in bad.output
    assert bad.exception is None or isinstance(bad.exception, SystemExit)
    fmt = run(workspace, "query", "SELECT 1", "--format", "xml")
    assert fmt.exit_code == 1 and "--format must be" in fmt.output


def test_load_reports_a_refused_file_and_exits_1(workspace, tmp_path):
    bad = tmp_path / "2025-03-staffordshire-street.csv"
    bad.write_text("Crime ID;Month;Reported by\n")
    result = run(workspace, "load", "police", str(bad))
    assert result.exit_code == 1
    text = "".join(result.output.split())  # Rich wraps long lines
    assert "separatedbysemicolons" in text and bad.name in text


def test_locality_commands_and_areas(workspace, tmp_path):
    added = run(workspace, "locality", "add", "Burton Town & Uxbridge",
                "--ward", "E05014478", "--ward", "E05014487")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "LOC:burton-town-uxbridge" in added.stdout
    listed = json.loads(run(workspace, "locality", "list", "--json").stdout)
    assert [r["code"] for r in listed] == ["LOC:burton-town-uxbridge"]
    areas = json.loads(run(workspace, "areas", "--level", "locality", "--json").stdout)
    assert areas[0]["lsoa_count"] == listed[0]["lsoa_count"]
    within = json.loads(
        run(workspace, "areas", "--level", "csp", "--within", "pfa:Staffordshire", "--json").stdout
    )
    assert len(within) == 9
    dup = run(workspace, "locality", "add", "Burton Town & Uxbridge", "--lsoa", "E01014210")
    assert dup.exit_code == 1 and "already exists" in dup.output
    csv_file = tmp_path / "locs.csv"
    csv_file.write_text("locality,code\nAbbey,E01014210\n")
    assert run(workspace, "load", "localities", str(csv_file)).exit_code == 0
    removed = run(workspace, "locality", "remove", "Burton Town & Uxbridge")
    assert removed.exit_code == 0 and "Removed LOC:burton-town-uxbridge" in removed.stdout
    assert [r["name"] for r in json.loads(run(workspace, "locality", "list", "--json").stdout)] == [
        "Abbey"
    ]


def test_status_without_a_warehouse_says_what_to_do(tmp_path):
    result = run(tmp_path / "empty", "status")
    assert result.exit_code == 1 and "No warehouse" in result.output


def test_a_load_by_hand_is_published_to_the_web_pages_read_copy(workspace):
    """Once the web reads a published copy, `load police` publishes to it as well."""
    import duckdb

    from saferplaces.warehouse.refresh import read_copy_path

    jan, feb = (str(STAFFS / f"2025-0{m}-staffordshire-street.csv.gz") for m in (1, 2))
    assert run(workspace, "load", "police", jan).exit_code == 0
    copy = read_copy_path(workspace / "warehouse.duckdb")
    assert not copy.exists()  # no copy until someone publishes one
    result = run(workspace, "refresh", "--publish-only")
    assert result.exit_code == 0, result.output

    def count() -> int:
        con = duckdb.connect(str(copy), read_only=True)
        try:
            return con.execute("SELECT count(*) FROM crimes").fetchone()[0]
        finally:
            con.close()

    assert count() == 7522
    assert run(workspace, "load", "police", feb).exit_code == 0
    assert count() == 7522 + 6885
    # A read-only command publishes nothing and leaves the copy as it was.
    mtime = copy.stat().st_mtime_ns
    assert run(workspace, "status").exit_code == 0
    assert copy.stat().st_mtime_ns == mtime
