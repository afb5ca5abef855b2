"""Partner measures (`saferplaces load measure`) on the shipped illustrative measure.

The demo measure (src/saferplaces/data/demo_ae_assault_staffordshire.csv) is derived from the
real data.police.uk Staffordshire street files by a stated formula (scripts/
build_demo_measure.py); these tests load it, reload it, replace one period, refuse a corpus
of bad files with the exact message, kill a load part-way, and sum it to wards, districts,
CSPs and a locality. Every bad file is made from the real file by one change, and after each
refusal the warehouse must be exactly as before.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", "/work/shared/data"))
STAFFS = SHARED / "police_uk" / "staffordshire"

pytestmark = pytest.mark.skipif(not STAFFS.is_dir(), reason=f"real data not found at {SHARED}")

DEMO_ID = "demo-ae-assault-illustrative"
# Rows and total attendances per quarter in the shipped file (checked against the police data
# in test_the_demo_measure_is_the_stated_transformation_of_police_uk_counts).
PER_QUARTER = {
    date(2024, 1, 1): (585, 1022),
    date(2025, 1, 1): (571, 957),
    date(2025, 4, 1): (597, 1081),
    date(2025, 7, 1): (605, 1104),
    date(2025, 10, 1): (593, 1089),
}
TODAY = date(2026, 12, 5)

STATE = [
    "SELECT count(*), sum(hash(load_id, line, measure_id, area_code, period_start, value)) "
    "FROM measure_values",
    "SELECT count(*), sum(hash(load_id, is_current, action, content_sha256)) FROM measure_loads",
    "SELECT count(*), sum(hash(measure_id, title, licence, suppress_below)) "
    "FROM measure_definitions",
    "SELECT count(*) FROM measure_rejects",
]


def _m():
    from saferplaces.warehouse import measures

    return measures


def _state(con) -> list:
    return [con.execute(q).fetchone() for q in STATE]


def _demo_lines() -> list[str]:
    return _m().DEMO_FILE.read_text(encoding="utf-8").splitlines(keepends=True)


def _demo_definition(tmp: Path, name: str = "measure.yaml", **changes) -> Path:
    import yaml

    data = yaml.safe_load(_m().DEMO_DEFINITION.read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _set(line: str, column: int, value: str) -> str:
    # The demo file has no quoted fields (LSOA names hold no commas): splitting is exact.
    parts = line.rstrip("\n").split(",")
    assert len(parts) == 4, line
    parts[column] = value
    return ",".join(parts) + "\n"


AREA, NAME, PERIOD, COUNT = range(4)


@pytest.fixture(scope="module")
def geo_template(tmp_path_factory) -> Path:
    geo = pytest.importorskip("saferplaces.warehouse.geography")
    from saferplaces.warehouse.store import connect

    path = tmp_path_factory.mktemp("geo") / "warehouse.duckdb"
    con = connect(path)
    geo.load_geography(con)
    con.close()
    return path


@pytest.fixture(scope="module")
def demo_template(geo_template, tmp_path_factory) -> Path:
    """The geography and the shipped demo measure, loaded once."""
    from saferplaces.warehouse.store import connect

    path = tmp_path_factory.mktemp("demo") / "warehouse.duckdb"
    shutil.copy(geo_template, path)
    con = connect(path)
    _m().load_measure(con, _m().DEMO_FILE, _m().DEMO_DEFINITION, today=TODAY)
    con.close()
    return path


@pytest.fixture
def warehouse(demo_template, tmp_path):
    from saferplaces.warehouse.store import connect

    path = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_template, path)
    con = connect(path)
    yield con
    con.close()


# --- loading the real file -------------------------------------------------------------------


def test_load_the_demo_measure(geo_template, tmp_path):
    from saferplaces.warehouse.store import connect

    path = tmp_path / "warehouse.duckdb"
    shutil.copy(geo_template, path)
    con = connect(path)
    try:
        report = _m().load_measure(con, _m().DEMO_FILE, _m().DEMO_DEFINITION, today=TODAY)
        assert [p.period for p in report.periods] == [
            "2024-Q1", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]  # fmt: skip
        assert {p.action for p in report.periods} == {"new"}
        assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (2951, 2951, 0)
        assert report.ignored_columns == ["area_name"]
        got = {
            start: (n, total)
            for start, n, total in con.execute(
                "SELECT period_start, count(*), sum(value) FROM measures "
                "WHERE measure_id = ? GROUP BY 1",
                [DEMO_ID],
            ).fetchall()
        }
        assert got == PER_QUARTER
        # Every value on a real Staffordshire LSOA 2021, with the quarter's last day.
        assert (
            con.execute(
                "SELECT count(*) FROM measures m JOIN areas a ON a.level = m.area_level "
                "AND a.code = m.area_code WHERE a.pfa_code = 'E23000015' "
                "AND m.period_end = m.period_start + INTERVAL 3 MONTH - INTERVAL 1 DAY"
            ).fetchone()[0]
            == 2951
        )
        loads = con.execute(
            "SELECT kind, month, measure_id, rows_accepted, action, is_current, force "
            "FROM loads WHERE kind = 'measure' ORDER BY month"
        ).fetchall()
        assert loads == [
            ("measure", start, DEMO_ID, n, "new", True, None)
            for start, (n, _) in PER_QUARTER.items()
        ]
        (cat,) = _m().list_measures(con)
        assert (cat["periods"], cat["rows"], cat["suppress_below"], cat["area_level"]) == (
            5, 2951, 5, "lsoa")  # fmt: skip
        assert "not real health data" in cat["title"]
        assert "not real health data" in cat["definition"]
    finally:
        con.close()


def test_the_demo_measure_is_the_stated_transformation_of_police_uk_counts():
    """floor(0.1 × violence and sexual offences + 0.5) per Staffordshire LSOA and quarter."""
    months = ("2025-01", "2025-02", "2025-03")
    violence: dict[str, int] = {}
    for month in months:
        path = STAFFS / f"{month}-staffordshire-street.csv.gz"
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if row["Crime type"] == "Violence and sexual offences":
                    violence[row["LSOA code"]] = violence.get(row["LSOA code"], 0) + 1
    shipped = {
        r["area_code"]: int(r["count"])
        for r in csv.DictReader(io.StringIO("".join(_demo_lines())))
        if r["period"] == "2025-Q1"
    }
    assert len(shipped) == 571
    for code, value in shipped.items():
        assert value == int(0.1 * violence[code] + 0.5) and value > 0, code
    # Tamworth 001A (E01029846), by hand: 2 + 2 + 1 records in Jan-Mar 2025 → 0.5 → 1 (halves up).
    assert violence["E01029846"] == 5 and shipped["E01029846"] == 1


def test_reload_is_idempotent_and_recorded(warehouse):
    con = warehouse
    before = con.execute(STATE[0]).fetchone()
    first = {r[0] for r in con.execute("SELECT load_id FROM measure_loads").fetchall()}
    report = _m().load_measure(con, _m().DEMO_FILE, _m().DEMO_DEFINITION, today=TODAY)
    assert {p.action for p in report.periods} == {"unchanged"}
    assert {p.replaced_load_id for p in report.periods} == first
    after = con.execute("SELECT count(*), sum(value) FROM measure_values").fetchone()
    assert after == (before[0], sum(t for _, t in PER_QUARTER.values())) == (2951, 5253)
    rows = con.execute(
        "SELECT action, is_current, count(*) FROM loads WHERE kind = 'measure' GROUP BY ALL "
        "ORDER BY ALL"
    ).fetchall()
    assert rows == [("new", False, 5), ("unchanged", True, 5)]


def test_replacing_one_period_leaves_the_others(warehouse, tmp_path):
    con = warehouse
    lines = _demo_lines()
    q3 = [ln for ln in lines[1:] if ",2025-Q3," in ln]
    # The partner revises 2025-Q3: one LSOA goes up by 10, another is withdrawn.
    q3[0] = _set(q3[0], COUNT, str(int(q3[0].rstrip().split(",")[COUNT]) + 10))
    dropped = q3.pop()
    path = tmp_path / "q3.csv"
    path.write_text(lines[0] + "".join(q3), encoding="utf-8")
    others = con.execute(
        "SELECT load_id, period_start FROM measure_loads WHERE period_start <> DATE '2025-07-01'"
    ).fetchall()
    report = _m().load_measure(con, path, _m().DEMO_DEFINITION, today=TODAY)
    ((period, action),) = [(p.period, p.action) for p in report.periods]
    assert (period, action) == ("2025-Q3", "replaced")
    totals = dict(con.execute(
        "SELECT period_start, sum(value) FROM measure_values GROUP BY 1").fetchall())  # fmt: skip
    assert totals[date(2025, 7, 1)] == 1104 + 10 - int(dropped.rstrip().split(",")[COUNT])
    assert all(totals[d] == t for d, (_, t) in PER_QUARTER.items() if d != date(2025, 7, 1))
    assert (
        con.execute(
            "SELECT load_id, period_start FROM measure_loads WHERE is_current "
            "AND period_start <> DATE '2025-07-01'"
        ).fetchall()
        == others
    )
    assert (
        con.execute(
            "SELECT count(*) FROM loads WHERE kind = 'measure' AND month = DATE '2025-07-01'"
        ).fetchone()[0]
        == 2
    )


def test_xlsx_gives_the_same_counts(warehouse, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    for i, row in enumerate(csv.reader(io.StringIO("".join(_demo_lines())))):
        sheet.append(row if i == 0 else [row[0], row[1], row[2], int(row[3])])
    path = tmp_path / "demo.xlsx"
    book.save(path)
    definition = _demo_definition(tmp_path, sheet="Data")
    report = _m().load_measure(warehouse, path, definition, today=TODAY)
    # Same definition and counts as the CSV already loaded: every quarter is unchanged.
    assert {p.action for p in report.periods} == {"unchanged"}
    assert report.rows_accepted == 2951


def test_the_definition_is_found_beside_the_file_and_the_template_parses(tmp_path):
    import tomllib

    shutil.copy(_m().DEMO_FILE, tmp_path / "assaults.csv")
    shutil.copy(_m().DEMO_DEFINITION, tmp_path / "assaults.yaml")
    assert _m().find_definition(tmp_path / "assaults.csv") == tmp_path / "assaults.yaml"
    template = _m().parse_definition(tomllib.loads(_m().TEMPLATE), "template")
    assert (template.id, template.period_type, template.area_level, template.suppress_below) == (
        "ae-assault-attendances", "quarter", "lsoa", 5)  # fmt: skip
    assert _m().open_value(4, 5) is None
    assert (_m().open_value(0, 5), _m().open_value(5, 5)) == (0, 5)


# --- the corpus of bad files -------------------------------------------------------------------


@dataclass
class Bad:
    name: str
    make: Callable[[Path], tuple[Path, Path]]  # (data file, definition)
    message: str  # exact; {file} and {definition} stand for the paths


def _csv(text: str | bytes, name: str = "bad.csv") -> Callable[[Path], tuple[Path, Path]]:
    def make(tmp: Path) -> tuple[Path, Path]:
        path = tmp / name
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
        return path, _m().DEMO_DEFINITION

    return make


def _edit(line_no: int, column: int, value: str) -> Callable[[Path], tuple[Path, Path]]:
    def make(tmp: Path) -> tuple[Path, Path]:
        lines = _demo_lines()
        lines[line_no - 1] = _set(lines[line_no - 1], column, value)
        return _csv("".join(lines))(tmp)

    return make


def _duplicate(tmp: Path) -> tuple[Path, Path]:
    lines = _demo_lines()
    return _csv("".join(lines) + lines[2])(tmp)


def _unknown_codes(tmp: Path) -> tuple[Path, Path]:
    lines = _demo_lines()
    for i in range(1, 41):
        lines[i] = _set(lines[i], AREA, f"E0190{i:04d}")
    return _csv("".join(lines))(tmp)


def _cp1252(tmp: Path) -> tuple[Path, Path]:
    lines = _demo_lines()
    data = "".join(lines[:11]).encode() + _set(lines[11], NAME, "Café 001A").encode("cp1252")
    return _csv(data + "".join(lines[12:]).encode())(tmp)


def _bad_definition(**changes) -> Callable[[Path], tuple[Path, Path]]:
    def make(tmp: Path) -> tuple[Path, Path]:
        return _m().DEMO_FILE, _demo_definition(tmp, **changes)

    return make


def _typo_key(tmp: Path) -> tuple[Path, Path]:
    path = tmp / "measure.toml"
    path.write_text(_m().TEMPLATE.replace("suppress_below =", "supress_below ="), "utf-8")
    return _m().DEMO_FILE, path


def _bad_xlsx_cell(tmp: Path) -> tuple[Path, Path]:
    import openpyxl

    book = openpyxl.Workbook()
    for i, row in enumerate(csv.reader(io.StringIO("".join(_demo_lines()[:20])))):
        book.active.append(row if i == 0 else [row[0], row[1], row[2], int(row[3])])
    book.active["D5"] = 2.5
    path = tmp / "bad.xlsx"
    book.save(path)
    return path, _m().DEMO_DEFINITION


HEADER = "area_code,area_name,period,count"
L3 = "E01014211"  # area on line 3 of the demo file
BAD = [
    Bad("header lacks the count column", _csv("".join(_demo_lines()).replace(HEADER, HEADER[:-5] + "attendances", 1)),
        "{file}: line 1 (header): missing column(s) 'count'; found 'area_code', 'area_name', "
        "'period', 'attendances'. A measure file needs the columns area_code, period, count "
        "(name others under [columns] in the definition)."),
    Bad("semicolons", _csv("".join(_demo_lines()).replace(",", ";")),
        "{file}: line 1: the columns are separated by semicolons, not commas; save the file as "
        "CSV (comma-separated) and load again."),
    Bad("empty file", _csv(b""), "{file}: the file is empty (0 bytes)."),
    Bad("header only", _csv(HEADER + "\n"), "{file}: the file has a header but no data rows."),
    Bad("utf-16", _csv("".join(_demo_lines()[:50]).encode("utf-16")),
        "{file}: the file is UTF-16 text; save it as CSV UTF-8 and load again."),
    Bad("windows-1252 bytes", _cp1252,
        "{file}: line 12: not UTF-8 text (is it saved as Windows-1252?). Save it as CSV UTF-8 "
        "and load again."),
    Bad("negative count", _edit(5, COUNT, "-3"),
        "{file}: line 5, count '-3': negative; counts are 0 or more. The file is refused whole; "
        "nothing was loaded."),
    Bad("count not a whole number", _edit(6, COUNT, "2.5"),
        "{file}: line 6, count '2.5': not a whole number; counts are whole numbers. The file is "
        "refused whole; nothing was loaded."),
    Bad("suppressed count", _edit(7, COUNT, "*"),
        "{file}: line 7, count '*': a suppressed or redacted value; load the unsuppressed counts "
        "(open outputs apply the definition's suppress_below rule). The file is refused whole; "
        "nothing was loaded."),
    Bad("missing count", _edit(8, COUNT, ""),
        "{file}: line 8, count (empty): missing; write 0 where there were none. The file is "
        "refused whole; nothing was loaded."),
    Bad("a month in a quarterly file", _edit(10, PERIOD, "2024-02"),
        "{file}: mixed period types (a quarter is expected; line 10 differs from line 2): line "
        "10, period '2024-02': a month, but the definition's period_type is quarter; expected "
        "YYYY-Qn (2025-Q1). The file is refused whole; nothing was loaded."),
    Bad("a date inside a quarter", _edit(11, PERIOD, "2024-02-15"),
        "{file}: line 11, period '2024-02-15': a date inside a quarter; give the quarter as "
        "YYYY-Qn (2025-Q1) or its first day. The file is refused whole; nothing was loaded."),
    Bad("a future quarter", _edit(9, PERIOD, "2027-Q1"),
        "{file}: line 9, period '2027-Q1': the quarter 2027-Q1 is not over yet (it ends 31 "
        "March 2027); only finished periods can be loaded. The file is refused whole; nothing "
        "was loaded."),
    Bad("an unfinished quarter", _edit(9, PERIOD, "2026-Q4"),
        "{file}: line 9, period '2026-Q4': the quarter 2026-Q4 is not over yet (it ends 31 "
        "December 2026); only finished periods can be loaded. The file is refused whole; "
        "nothing was loaded."),
    Bad("an area and period twice", _duplicate,
        "{file}: line 2953, area_code 'E01014211': E01014211 2024-Q1 again (first on line 3); "
        "each area and period once. The file is refused whole; nothing was loaded."),
    Bad("too many fields", _edit(14, NAME, "Stoke-on-Trent 013A,extra"),
        "{file}: line 14, row 'E01014226,Stoke-on-Trent 013A,extra,2024-Q1,2': 5 fields where "
        "the header has 4. The file is refused whole; nothing was loaded."),
    Bad("missing area code", _edit(15, AREA, ""),
        "{file}: line 15, area_code (empty): missing; every row needs an area code. The file "
        "is refused whole; nothing was loaded."),
    Bad("too many unknown area codes", _unknown_codes,
        "{file}: 40 of 2,951 rows have area codes that are not LSOA 2021 codes (at most 29 may "
        "be set aside): line 2, area_code 'E01900001': not an LSOA 2021 code in the geography; "
        "line 3, area_code 'E01900002': not an LSOA 2021 code in the geography; line 4, "
        "area_code 'E01900003': not an LSOA 2021 code in the geography; line 5, area_code "
        "'E01900004': not an LSOA 2021 code in the geography; line 6, area_code 'E01900005': not "
        "an LSOA 2021 code in the geography; and 35 more problem(s). The file is refused whole; "
        "nothing was loaded."),
    Bad("xlsx cell not a whole number", _bad_xlsx_cell,
        "{file}: row 5, count '2.5': not a whole number; counts are whole numbers. The file is "
        "refused whole; nothing was loaded."),
    Bad("definition: a misspelt key", _typo_key,
        "{definition}: unknown key 'supress_below' (did you mean 'suppress_below'?). Keys: id, "
        "title, unit, source, licence, suppress_below, period_type, area_level, definition, "
        "notes, columns, sheet, themes."),
    Bad("definition: weekly periods", _bad_definition(period_type="week"),
        "{definition}: period_type: 'week' must be month or quarter."),
    Bad("definition: another shape for a stored measure", _bad_definition(area_level="ward"),
        "{file}: measure 'demo-ae-assault-illustrative' is stored with area_level 'lsoa'; this "
        "definition says 'ward'. Counts of another shape are another measure: give it a new "
        "id. Nothing was loaded."),
]  # fmt: skip


@pytest.mark.parametrize("case", BAD, ids=[c.name for c in BAD])
def test_a_bad_file_is_refused_whole_with_the_exact_message(case: Bad, warehouse, tmp_path):
    from saferplaces.warehouse.store import WarehouseError

    con = warehouse
    before = _state(con)
    path, definition = case.make(tmp_path)
    with pytest.raises(WarehouseError) as info:
        _m().load_measure(con, path, definition, today=TODAY)
    assert str(info.value) == case.message.format(file=path, definition=definition)
    assert _state(con) == before


def test_the_corpus_has_at_least_12_kinds():
    assert len(BAD) >= 12


def test_a_few_unknown_codes_are_quarantined_in_rejects(warehouse, tmp_path):
    con = warehouse
    lines = _demo_lines()
    lines[14] = _set(lines[14], AREA, "E05009288")  # a ward (City of London), not an LSOA
    lines[15] = _set(lines[15], AREA, "Tamworth 001A")  # a name, not a code
    path = tmp_path / "two-bad.csv"
    path.write_text("".join(lines), encoding="utf-8")
    report = _m().load_measure(con, path, _m().DEMO_DEFINITION, today=TODAY)
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (2951, 2949, 2)
    assert report.first_rejects == [
        "line 15, area_code 'E05009288': an electoral ward (2024) code, but area_level is lsoa",
        "line 16, area_code 'Tamworth 001A': a name; give its code, E01029846",
    ]
    rejects = con.execute(
        "SELECT r.file_name, r.line, r.field, r.value, r.reason, r.raw, l.kind, l.month "
        "FROM rejects r JOIN loads l USING (load_id) ORDER BY r.line"
    ).fetchall()
    assert rejects == [
        (str(path), 15, "area_code", "E05009288",
         "an electoral ward (2024) code, but area_level is lsoa", lines[14].rstrip("\n"),
         "measure", date(2024, 1, 1)),
        (str(path), 16, "area_code", "Tamworth 001A", "a name; give its code, E01029846",
         lines[15].rstrip("\n"), "measure", date(2024, 1, 1)),
    ]  # fmt: skip
    q1 = con.execute(
        "SELECT rows_read, rows_accepted, rows_rejected FROM measure_loads "
        "WHERE is_current AND period_start = DATE '2024-01-01'"
    ).fetchone()
    assert q1 == (585, 583, 2)


# --- killed mid-load ---------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys
    import time
    from datetime import date
    from saferplaces.warehouse import store
    from saferplaces.warehouse.measures import load_measure

    class Announcing:
        # Passes everything through; says when the write transaction begins, and stops (until
        # killed) after the statement named on the command line, before the commit.
        def __init__(self, con, pause):
            self._con = con
            self._pause = pause
        def execute(self, sql, *args):
            result = self._con.execute(sql, *args)
            if sql.strip().upper().startswith("BEGIN"):
                print("BEGIN", flush=True)
            if sql.strip().startswith(self._pause):
                print("PAUSED", flush=True)
                time.sleep(120)
            return result
        def __getattr__(self, name):
            return getattr(self._con, name)

    con = store.connect(sys.argv[1])
    load_measure(Announcing(con, sys.argv[4]), sys.argv[2], sys.argv[3], today=date(2026, 12, 5))
    print("DONE", flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
@pytest.mark.parametrize(
    "pause",
    ["DELETE FROM measure_values", "UPDATE measure_loads", "INSERT INTO measure_values"],
    ids=["old counts deleted", "old loads retired", "new counts written"],
)
def test_sigkill_mid_load_leaves_the_warehouse_as_it_was(demo_template, tmp_path, pause):
    from saferplaces.warehouse.store import connect

    path = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_template, path)
    con = connect(path, read_only=True)
    before = _state(con)
    con.close()
    # A revision of every quarter: each count one higher.
    lines = _demo_lines()
    revised = tmp_path / "revised.csv"
    revised.write_text(lines[0] + "".join(
        _set(ln, COUNT, str(int(ln.rstrip().split(",")[COUNT]) + 1)) for ln in lines[1:]),
        encoding="utf-8")  # fmt: skip
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(revised), str(_m().DEMO_DEFINITION), pause],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "BEGIN"
        assert child.stdout.readline().strip() == "PAUSED"
        assert child.poll() is None
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    con = connect(path)
    try:
        assert _state(con) == before
        # And the warehouse is usable: the same load now completes.
        report = _m().load_measure(con, revised, _m().DEMO_DEFINITION, today=TODAY)
        assert {p.action for p in report.periods} == {"replaced"}
        assert con.execute("SELECT sum(value) FROM measure_values").fetchone()[0] == 5253 + 2951
    finally:
        con.close()


# --- summing to other areas -------------------------------------------------------------------


@pytest.mark.parametrize("level", ["ward", "lad", "csp", "pfa"])
def test_aggregation_equals_the_sum_of_lsoas(warehouse, level):
    con = warehouse
    column = {"ward": "ward_code", "lad": "lad_code", "csp": "csp_code", "pfa": "pfa_code"}[level]
    expected = {
        (code, start): total
        for code, start, total in con.execute(
            f"SELECT r.{column}, m.period_start, sum(m.value) FROM measures m "
            f"JOIN ref_lsoa21 r ON r.lsoa21_code = m.area_code GROUP BY ALL"
        ).fetchall()
    }
    rows = _m().aggregate(con, DEMO_ID, level)
    assert list(rows[0]) == list(_m().AGGREGATE_COLUMNS)
    assert {(r["area_code"], r["period_start"]): r["value"] for r in rows} == expected
    assert {r["areas_straddling"] for r in rows} == {0}
    assert len({r["area_code"] for r in rows}) == {"ward": 185, "lad": 9, "csp": 9, "pfa": 1}[level]


def test_tamworth_by_hand(warehouse):
    # Tamworth's LSOAs are named "Tamworth 0nnX"; their 2025-Q1 rows in the shipped file sum
    # to 72 over 42 LSOAs (counted with awk on the CSV).
    rows = _m().aggregate(warehouse, DEMO_ID, "csp", codes=["E22000271"],
                          start=date(2025, 1, 1), end=date(2025, 3, 31))  # fmt: skip
    assert rows == [{
        "measure_id": DEMO_ID, "level": "csp", "area_code": "E22000271", "area_name": "Tamworth",
        "period_start": date(2025, 1, 1), "period_end": date(2025, 3, 31), "value": 72,
        "areas_summed": 42, "areas_straddling": 0,
    }]  # fmt: skip
    by_hand = sum(
        int(r["count"])
        for r in csv.DictReader(io.StringIO("".join(_demo_lines())))
        if r["area_name"].startswith("Tamworth ") and r["period"] == "2025-Q1"
    )
    assert by_hand == 72


def test_a_ward_measure_sums_to_the_same_csp_totals_and_cannot_be_split(warehouse, tmp_path):
    con = warehouse
    wards = con.execute(
        "SELECT r.ward_code, CAST(year(m.period_start) AS VARCHAR) || '-Q' "
        "|| CAST(quarter(m.period_start) AS VARCHAR), sum(m.value) FROM measures m "
        "JOIN ref_lsoa21 r ON r.lsoa21_code = m.area_code GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    path = tmp_path / "wards.csv"
    path.write_text("ward,quarter,assaults\n" + "".join(f"{w},{q},{n}\n" for w, q, n in wards),
                    encoding="utf-8")  # fmt: skip
    definition = _demo_definition(
        tmp_path, id="demo-ward", area_level="ward",
        columns={"area_code": "ward", "period": "quarter", "count": "assaults"},
    )  # fmt: skip
    report = _m().load_measure(con, path, definition, today=TODAY)
    assert report.rows_accepted == len(wards)
    by_ward = {(r["area_code"], r["period_start"]): r["value"]
               for r in _m().aggregate(con, "demo-ward", "csp")}  # fmt: skip
    by_lsoa = {(r["area_code"], r["period_start"]): r["value"]
               for r in _m().aggregate(con, DEMO_ID, "csp")}  # fmt: skip
    assert by_ward == by_lsoa
    with pytest.raises(_m().MeasureError, match="cannot be split into LSOA 2021 areas"):
        _m().aggregate(con, "demo-ward", "lsoa")


def test_aggregation_to_a_locality(warehouse):
    from saferplaces.warehouse.localities import add_locality

    con = warehouse
    lsoas = ["E01029846", "E01029847", "E01029848"]
    loc = add_locality(con, "Tamworth test patch", lsoas=lsoas)
    rows = _m().aggregate(con, DEMO_ID, "locality", codes=[loc.code])
    expected = dict(con.execute(
        "SELECT period_start, sum(value) FROM measures WHERE area_code IN (SELECT unnest(?)) "
        "GROUP BY 1", [lsoas]).fetchall())  # fmt: skip
    assert {r["period_start"]: r["value"] for r in rows} == expected
    with pytest.raises(_m().MeasureError, match="'parish' is not an area level; levels: "):
        _m().aggregate(con, DEMO_ID, "parish")


# --- postcode sectors ------------------------------------------------------------------------


def test_postcode_sectors_are_stored_and_cannot_be_placed(warehouse, tmp_path):
    con = warehouse
    path = tmp_path / "fire.csv"
    path.write_text(
        "area_code,period,count\n"
        "ST16 1,2025-01,4\nst161,2025-02,2\nWS13  6,2025-01,7\nB79 7,2025-01,0\nST16 1AB,2025-01,1\n",
        encoding="utf-8",
    )
    definition = _demo_definition(tmp_path, id="fire-deliberate", area_level="postcode sector",
                                  period_type="month")  # fmt: skip
    report = _m().load_measure(con, path, definition, today=TODAY)
    assert (report.rows_accepted, report.rows_rejected) == (4, 1)
    assert report.first_rejects == [
        "line 6, area_code 'ST16 1AB': a full postcode; give its sector ('ST16 1'): partners "
        "should not send full postcodes"
    ]
    assert any("No postcode sector to LSOA lookup is loaded" in n for n in report.notes)
    assert any("No postcode sector to LSOA lookup" in line for line in report.summary())
    stored = con.execute(
        "SELECT area_level, area_code, period_start, value FROM measures "
        "WHERE measure_id = 'fire-deliberate' ORDER BY period_start, area_code"
    ).fetchall()
    assert stored == [
        ("postcode_sector", "B79 7", date(2025, 1, 1), 0),
        ("postcode_sector", "ST16 1", date(2025, 1, 1), 4),
        ("postcode_sector", "WS13 6", date(2025, 1, 1), 7),
        ("postcode_sector", "ST16 1", date(2025, 2, 1), 2),
    ]
    as_sectors = _m().aggregate(con, "fire-deliberate", "postcode_sector", codes=["ST16 1"])
    assert [(r["period_start"], r["value"]) for r in as_sectors] == [
        (date(2025, 1, 1), 4), (date(2025, 2, 1), 2)]  # fmt: skip
    with pytest.raises(_m().MeasureError, match="no postcode sector to LSOA lookup is loaded"):
        _m().aggregate(con, "fire-deliberate", "csp")


# --- the command line ---------------------------------------------------------------------------


def test_the_command_loads_refuses_and_the_view_is_queryable(geo_template, tmp_path):
    from typer.testing import CliRunner

    from saferplaces.cli import app

    home = tmp_path / "ws"
    home.mkdir()
    shutil.copy(geo_template, home / "warehouse.duckdb")
    shutil.copy(_m().DEMO_FILE, tmp_path / "assaults.csv")
    shutil.copy(_m().DEMO_DEFINITION, tmp_path / "assaults.yaml")

    def run(*args: str):
        return CliRunner().invoke(app, ["--workspace", str(home), *args])

    template = run("load", "measure", "--template")
    assert template.exit_code == 0 and "suppress_below = 5" in template.stdout
    loaded = run("load", "measure", str(tmp_path / "assaults.csv"))
    assert loaded.exit_code == 0, loaded.output
    assert "2,951 rows accepted, 0 rejected" in loaded.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("".join(_demo_lines()).replace(",2024-Q1,2\n", ",2024-Q1,-2\n", 1))
    refused = run("load", "measure", str(bad), "--definition", str(tmp_path / "assaults.yaml"))
    assert refused.exit_code == 1
    assert f"{bad}: line 2, count '-2': negative" in refused.stderr
    out = run("query", "select * from measures limit 3", "--format", "json")
    assert out.exit_code == 0, out.output
    import json

    rows = json.loads(out.stdout)
    assert len(rows) == 3 and rows[0]["measure_id"] == DEMO_ID
