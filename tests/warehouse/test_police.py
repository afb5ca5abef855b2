"""The police loader on the real data.police.uk files.

Expected figures are computed here from the raw .csv.gz files with Python's csv module and the
official lookups in shared/data/lookups, never through the code under test. Tests skip when
SAFERPLACES_SHARED_DATA (default /work/shared/data) is absent.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import shutil
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", "/work/shared/data"))
POLICE = SHARED / "police_uk"
LOOKUPS = SHARED / "lookups"

pytestmark = pytest.mark.skipif(
    not (POLICE / "staffordshire").is_dir(),
    reason=f"real data not found at {SHARED} (set SAFERPLACES_SHARED_DATA)",
)


def _geo():
    return pytest.importorskip(
        "saferplaces.warehouse.geography", reason="geography.py is not there yet"
    )


@pytest.fixture(scope="module")
def geo_template(tmp_path_factory) -> Path:
    """An empty warehouse with the packaged reference geography loaded once."""
    geo = _geo()
    from saferplaces.warehouse.store import connect

    path = tmp_path_factory.mktemp("geo") / "template.duckdb"
    con = connect(path)
    geo.load_geography(con)
    con.close()
    return path


@pytest.fixture
def warehouse(geo_template: Path, tmp_path: Path):
    from saferplaces.warehouse.store import connect

    path = tmp_path / "warehouse.duckdb"
    shutil.copy(geo_template, path)
    con = connect(path)
    yield con
    con.close()


def _load(con, paths, **kw):
    from saferplaces.warehouse.police import load_police

    return load_police(con, [str(p) for p in paths], **kw)


def _rows(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --- the independent count --------------------------------------------------------------------


def _lookups():
    with gzip.open(LOOKUPS / "lsoa21_ward24_lad24_ew.csv.gz", "rt", newline="") as fh:
        lsoa_lad = {r["lsoa21_code"]: r["ltla24_code"] for r in csv.DictReader(fh)}
    lad_csps: dict[str, set[str]] = defaultdict(set)
    with open(LOOKUPS / "lad24_csp24_pfa24_ew.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            lad_csps[r["ltla24_code"]].add(r["csp24_code"])
    targets: dict[str, set[str]] = defaultdict(set)
    with gzip.open(LOOKUPS / "lsoa11_lsoa21_lad22_ew.csv.gz", "rt", newline="") as fh:
        for r in csv.DictReader(fh):
            targets[r["lsoa11_code"]].add(r["lsoa21_code"])
    return lsoa_lad, lad_csps, targets


@pytest.mark.slow
def test_counts_by_csp_category_month_match_an_independent_count(warehouse):
    """CSP × category × month from the warehouse equals a count from the raw CSVs + lookups.

    Rows in a district that holds several CSPs (after reorganisation) are compared at district
    level, since the official lookups alone cannot split them; rows the loader had to place by
    coordinates (no LSOA code, or a 2011 code that was split) are counted separately.
    """
    forces = ["staffordshire", "surrey", "west-mercia"]
    files = sorted(f for force in forces for f in (POLICE / force).glob("*-street.csv.gz"))
    report = _load(warehouse, files)
    assert not report.failed, [r.error for r in report.failed]
    assert report.totals()["rows_rejected"] == 0

    lsoa_lad, lad_csps, targets = _lookups()
    expected: Counter = Counter()
    expected_lad: Counter = Counter()
    placed_by_coordinates = 0
    total = 0
    for path in files:
        for row in _rows(path):
            total += 1
            code = row["LSOA code"].strip()
            if not code:
                if row["Longitude"]:
                    placed_by_coordinates += 1
                    continue
                lsoa21 = None
            elif code in lsoa_lad:
                lsoa21 = code
            elif len(targets.get(code, ())) == 1:
                lsoa21 = next(iter(targets[code]))
            else:
                placed_by_coordinates += 1
                continue
            lad = lsoa_lad.get(lsoa21) if lsoa21 else None
            csps = lad_csps.get(lad, set())
            key_tail = (row["Crime type"], row["Month"])
            if lad is None or len(csps) == 1:
                expected[(next(iter(csps)) if csps else None, *key_tail)] += 1
            else:
                expected_lad[(lad, *key_tail)] += 1

    methods = "('published-2021', 'lookup-2011', 'none')"
    got = Counter(
        {
            (csp, cat, f"{month:%Y-%m}"): n
            for csp, cat, month, n in warehouse.execute(
                f"""SELECT csp_code, category, month, count(*) FROM crimes
                    WHERE lsoa_method IN {methods}
                      AND (lad_code IS NULL OR lad_code NOT IN (
                          SELECT lad_code FROM ref_lsoa21 GROUP BY lad_code
                          HAVING count(DISTINCT csp_code) > 1))
                    GROUP BY ALL"""
            ).fetchall()
        }
    )
    got_lad = Counter(
        {
            (lad, cat, f"{month:%Y-%m}"): n
            for lad, cat, month, n in warehouse.execute(
                f"""SELECT lad_code, category, month, count(*) FROM crimes
                    WHERE lsoa_method IN {methods} AND lad_code IN (
                          SELECT lad_code FROM ref_lsoa21 GROUP BY lad_code
                          HAVING count(DISTINCT csp_code) > 1)
                    GROUP BY ALL"""
            ).fetchall()
        }
    )
    assert got == expected
    assert got_lad == expected_lad
    others = warehouse.execute(
        f"SELECT count(*) FROM crimes WHERE lsoa_method NOT IN {methods}"
    ).fetchone()[0]
    assert others == placed_by_coordinates
    assert warehouse.execute("SELECT count(*) FROM crimes").fetchone()[0] == total
    # Staffordshire's nine CSPs are all there, with the published monthly totals.
    staffs = dict(
        warehouse.execute(
            "SELECT strftime(month, '%Y-%m'), count(*) FROM crimes WHERE force = 'staffordshire' "
            "GROUP BY 1"
        ).fetchall()
    )
    assert staffs["2024-01"] == 8515 and staffs["2025-12"] == 8611


def test_load_record_names_file_hash_unit_rows_version_and_time(warehouse):
    from saferplaces import __version__

    path = POLICE / "staffordshire" / "2025-03-staffordshire-street.csv.gz"
    report = _load(warehouse, [path])
    (result,) = report.results
    assert result.action == "new" and result.rows_accepted == 8527
    row = warehouse.execute(
        "SELECT file_name, sha256, force, strftime(month, '%Y-%m'), kind, rows_read, "
        "rows_accepted, rows_rejected, action, is_current, software_version, started_at, "
        "finished_at FROM loads"
    ).fetchone()
    assert row[0] == str(path)
    assert row[1] == hashlib.sha256(gzip.decompress(path.read_bytes())).hexdigest()
    assert row[2:10] == ("staffordshire", "2025-03", "street", 8527, 8527, 0, "new", True)
    assert row[10] == __version__
    assert row[11] <= row[12]


def test_reloading_is_idempotent_and_a_changed_file_replaces_the_unit(warehouse, tmp_path):
    src = POLICE / "surrey" / "2025-05-surrey-street.csv.gz"
    first = _load(warehouse, [src]).results[0]
    assert first.action == "new"
    # The same content as plain CSV hashes the same: nothing to do.
    plain = tmp_path / "2025-05-surrey-street.csv"
    plain.write_bytes(gzip.decompress(src.read_bytes()))
    again = _load(warehouse, [plain]).results[0]
    assert again.action == "unchanged" and again.load_id == first.load_id
    assert warehouse.execute("SELECT count(*) FROM crimes").fetchone()[0] == 8136

    # A revised file (outcomes updated, one row dropped) replaces the unit, never adds to it.
    lines = plain.read_text().splitlines(keepends=True)
    revised = tmp_path / "revised" / "2025-05-surrey-street.csv"
    revised.parent.mkdir()
    revised.write_text(
        "".join(lines[:-1]).replace("Under investigation", "Court result unavailable")
    )
    replaced = _load(warehouse, [revised]).results[0]
    assert replaced.action == "replaced"
    assert warehouse.execute("SELECT count(*) FROM crimes").fetchone()[0] == 8135
    assert (
        warehouse.execute(
            "SELECT count(*) FROM crimes WHERE outcome = 'Under investigation'"
        ).fetchone()[0]
        == 0
    )
    loads = warehouse.execute(
        "SELECT load_id, action, is_current, replaced_load_id FROM loads ORDER BY load_id"
    ).fetchall()
    assert loads == [(first.load_id, "new", False, None),
                     (replaced.load_id, "replaced", True, first.load_id)]  # fmt: skip


def test_a_download_zip_in_the_archive_layout_streams_and_skips_junk(warehouse, tmp_path):
    archive = tmp_path / "download.zip"
    months = ["2025-01", "2025-02"]
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for m in months:
            for force in ("staffordshire", "west-mercia"):
                src = POLICE / force / f"{m}-{force}-street.csv.gz"
                zf.writestr(f"{m}/{m}-{force}-street.csv", gzip.decompress(src.read_bytes()))
        zf.writestr("__MACOSX/2025-01/._2025-01-staffordshire-street.csv", b"\x00\x05junk")
        zf.writestr("notes/readme.txt", "not data")
        zf.writestr("2025-01/", "")
    report = _load(warehouse, [archive])
    assert [r.action for r in report.results] == ["new"] * 4
    assert {n.split("!")[1] for n, _ in report.skipped} == {
        "__MACOSX/2025-01/._2025-01-staffordshire-street.csv",
        "notes/readme.txt",
    }
    counts = dict(
        warehouse.execute(
            "SELECT force || ' ' || strftime(month, '%Y-%m'), count(*) FROM crimes GROUP BY 1"
        ).fetchall()
    )
    assert counts == {
        "staffordshire 2025-01": 7522,
        "staffordshire 2025-02": 6885,
        "west-mercia 2025-01": 7913,
        "west-mercia 2025-02": 7387,
    }
    # The member's hash is that of its CSV text, the same as the .csv.gz it came from.
    sha = warehouse.execute(
        "SELECT sha256 FROM loads WHERE force = 'staffordshire' AND month = DATE '2025-01-01'"
    ).fetchone()[0]
    raw = gzip.decompress(
        (POLICE / "staffordshire/2025-01-staffordshire-street.csv.gz").read_bytes()
    )
    assert sha == hashlib.sha256(raw).hexdigest()


def test_outcomes_and_stop_and_search_load_with_repeats_quarantined(warehouse):
    report = _load(
        warehouse,
        [
            POLICE / "city-of-london" / "2024-10-city-of-london-outcomes.csv.gz",
            POLICE / "city-of-london" / "2024-11-city-of-london-outcomes.csv.gz",
            POLICE / "staffordshire" / "2024-11-staffordshire-stop-and-search.csv.gz",
            POLICE / "staffordshire" / "2024-12-staffordshire-stop-and-search.csv.gz",
        ],
    )
    assert not report.failed
    by_name = {Path(r.file).name: r for r in report.results}
    oct_ = by_name["2024-10-city-of-london-outcomes.csv.gz"]
    # SOURCES.md: 10 (2024-10) and 22 (2024-11) rows are exact repeats of another row.
    assert (oct_.rows_read, oct_.rows_accepted, oct_.rows_rejected) == (1319, 1309, 10)
    nov = by_name["2024-11-city-of-london-outcomes.csv.gz"]
    assert (nov.rows_read, nov.rows_rejected) == (821, 22)
    # An independent check of the first repeat: the same text on two lines of the file.
    lines = (
        gzip.decompress(
            (POLICE / "city-of-london" / "2024-10-city-of-london-outcomes.csv.gz").read_bytes()
        )
        .decode()
        .splitlines()
    )
    line, field, reason = warehouse.execute(
        "SELECT line, field, reason FROM rejects WHERE file_name LIKE '%2024-10-city%' "
        "ORDER BY line LIMIT 1"
    ).fetchone()
    first_line = int(reason.rsplit(" ", 1)[1])
    assert field == "row" and lines[line - 1] == lines[first_line - 1] and first_line < line
    searches = dict(
        warehouse.execute(
            "SELECT strftime(month, '%Y-%m'), count(*) FROM stop_search GROUP BY 1"
        ).fetchall()
    )
    assert searches == {"2024-11": 510, "2024-12": 616}
    # 12 and 54 searches have no coordinates (SOURCES.md); every other one is placed in an LSOA.
    assert warehouse.execute(
        "SELECT count(*) FILTER (WHERE lon IS NULL), count(*) FILTER (WHERE lsoa21_code IS NULL "
        "AND lon IS NOT NULL) FROM stop_search"
    ).fetchone() == (66, 0)
    assert (
        warehouse.execute(
            "SELECT count(*) FROM stop_search WHERE csp_code BETWEEN 'E22000263' AND 'E22000271'"
        ).fetchone()[0]
        > 1000
    )


def test_2011_codes_are_harmonised_and_split_codes_placed_among_their_successors(warehouse):
    files = sorted((POLICE / "city-of-london").glob("2022-*-street.csv.gz"))
    report = _load(warehouse, files)
    assert not report.failed
    _, _, targets = _lookups()
    rows = warehouse.execute(
        "SELECT lsoa_code_published, lsoa21_code, lsoa_method FROM crimes "
        "WHERE lsoa_method LIKE '%2011%'"
    ).fetchall()
    assert rows, "the 2022 City of London files carry 2011 codes"
    for published, placed, method in rows:
        assert placed in targets[published]
        if method == "lookup-2011":
            assert len(targets[published]) == 1
        else:
            assert method == "coordinates-2011-split" and len(targets[published]) > 1


def test_a_folder_load_is_one_command_and_reports_every_file(warehouse):
    report = _load(warehouse, [POLICE / "city-of-london"])
    assert report.totals()["files"] == 41 and not report.failed
    # A second run finds every unit unchanged.
    again = _load(warehouse, [POLICE / "city-of-london"])
    assert {r.action for r in again.results} == {"unchanged"}


def test_line_numbers_survive_blank_lines_and_quoted_newlines():
    from saferplaces.warehouse.police import line_numbers

    data = b'h1,h2\n1,2\n\n"a\nb",3\nbad\n4,5\n'
    # DuckDB numbers records: header 1, "1,2" 2, blank 3, quoted 4, "bad" 5, "4,5" 6.
    good, bad = line_numbers(data, 3, [5])
    assert list(good) == [2, 4, 7] and bad == {5: 6}
    assert line_numbers(b"h\n1\n2\n", 2, []) == (None, {})
    good, bad = line_numbers(b"h\n1\nx\n2\n", 2, [3])
    assert list(good) == [2, 4] and bad == {3: 3}


def test_csv_bytes_hash_is_the_same_for_every_container(tmp_path):
    from saferplaces.warehouse.sources import discover

    src = POLICE / "surrey" / "2025-01-surrey-street.csv.gz"
    raw = gzip.decompress(src.read_bytes())
    (tmp_path / "a").mkdir()
    plain = tmp_path / "a" / "2025-01-surrey-street.csv"
    plain.write_bytes(raw)
    archive = tmp_path / "b.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2025-01/2025-01-surrey-street.csv", raw)
    found = discover([src, plain, archive])
    try:
        hashes = {pf.sha256() for pf in found.files}
    finally:
        found.close()
    assert hashes == {hashlib.sha256(raw).hexdigest()}
    assert io.BytesIO(raw).read(9) == b"Crime ID,"
