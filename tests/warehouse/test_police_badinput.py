"""A corpus of bad input, made from the real files by mutation.

Each case writes its input under tmp_path, loads it into a warehouse that already holds a real
month (Staffordshire 2025-01), and checks two things: the message names the file (and, when a
row is at fault, the line and the field), and the earlier data is exactly as it was.

Whole-file cases target the same unit as the earlier data, so a refusal must leave the earlier
copy in place. Row cases target another month: the bad row is quarantined in ``rejects`` with
file, line, field and reason, the good rows load, and the earlier month is untouched.
"""

from __future__ import annotations

import gzip
import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", "/work/shared/data"))
STAFFS = SHARED / "police_uk" / "staffordshire"

pytestmark = pytest.mark.skipif(
    not STAFFS.is_dir(), reason=f"real data not found at {SHARED} (set SAFERPLACES_SHARED_DATA)"
)

JAN = "2025-01-staffordshire-street.csv"
FEB = "2025-02-staffordshire-street.csv"


def _text(name: str) -> str:
    return gzip.decompress((STAFFS / f"{name}.gz").read_bytes()).decode("utf-8")


def _lines(name: str) -> list[str]:
    return _text(name).splitlines(keepends=True)


def _edit_field(line: str, column: int, value: str) -> str:
    # The real rows have no quoted commas before the Location column, nor after it except
    # none at all; split on commas is exact for the columns used here (checked below).
    parts = line.rstrip("\n").split(",")
    assert len(parts) == 12, line
    parts[column] = value
    return ",".join(parts) + "\n"


COL = {"Crime ID": 0, "Month": 1, "Reported by": 2, "Longitude": 4, "Latitude": 5,
       "LSOA code": 7, "Crime type": 9}  # fmt: skip


def _write(tmp: Path, name: str, data: bytes | str) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _row_case(line_no: int, column: str, value: str) -> Callable[[Path], list[Path]]:
    def make(tmp: Path) -> list[Path]:
        lines = _lines(FEB)
        lines[line_no - 1] = _edit_field(lines[line_no - 1], COL[column], value)
        return [_write(tmp, FEB, "".join(lines))]

    return make


@dataclass
class Case:
    name: str
    make: Callable[[Path], list[Path]]
    words: tuple[str, ...]  # must all appear in the message (besides the file name)
    line: int | None = None  # the line the message must name, when a row is at fault
    field: str | None = None
    raises: bool = False  # refused before anything is loaded (the whole command)


def _zip_bomb(tmp: Path) -> list[Path]:
    path = tmp / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"2025-01/{JAN}", _lines(JAN)[0].encode() + b"\n" * (300 * 1024**2))
    return [path]


def _gzip_bomb(tmp: Path) -> list[Path]:
    path = tmp / f"{JAN}.gz"
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(_lines(JAN)[0].encode())
        block = b"0" * (1 << 20)
        for _ in range(600):
            fh.write(block)
    return [path]


def _truncated_zip(tmp: Path) -> list[Path]:
    path = tmp / "download.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"2025-01/{JAN}", _text(JAN))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return [path]


def _junk_zip(tmp: Path) -> list[Path]:
    path = tmp / "download.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("junk/thumbs.db", b"\x00" * 100)
        zf.writestr("junk/readme.txt", "hello")
        zf.writestr("junk/2025-01-data.csv", "a,b\n1,2\n")
        zf.writestr(f"2025-02/{FEB}", _text(FEB).replace("Burglary", "Burglery", 1))
    return [path]


def _other_force(tmp: Path) -> list[Path]:
    text = gzip.decompress((SHARED / "police_uk/surrey/2025-01-surrey-street.csv.gz").read_bytes())
    return [_write(tmp, JAN, text)]


def _mostly_bad(tmp: Path) -> list[Path]:
    lines = _lines(JAN)
    out = [lines[0]] + [
        _edit_field(ln, COL["Crime type"], "Stuff") if i % 3 else ln
        for i, ln in enumerate(lines[1:])
    ]
    return [_write(tmp, JAN, "".join(out))]


def _cp1252_rows(tmp: Path) -> list[Path]:
    lines = _lines(FEB)
    data = (
        "".join(lines[:9]).encode()
        + lines[9].replace("On or near", "Café near").encode("cp1252")
        + "".join(lines[10:]).encode()
    )
    return [_write(tmp, FEB, data)]


def _unclosed_quote(tmp: Path) -> list[Path]:
    # In this month's file no later quote closes it, so the CSV reader would take the rest of
    # the file as one value; the loader must notice the missing rows and refuse the file.
    text = _text("2025-03-staffordshire-street.csv").replace(",2025-03,", ",2025-01,")
    lines = text.splitlines(keepends=True)
    lines[10] = lines[10].replace("On or near", '"On or near', 1)
    return [_write(tmp, JAN, "".join(lines))]


def _blank_then_bad(tmp: Path) -> list[Path]:
    # Blank lines shift DuckDB's record numbers; the message must still name the file's line.
    lines = _lines(FEB)
    lines[20] = _edit_field(lines[20], COL["Crime type"], "Jaywalking")
    return [_write(tmp, FEB, "".join(lines[:5]) + "\n\n" + "".join(lines[5:]))]


def _quoted_newline_then_bad(tmp: Path) -> list[Path]:
    lines = _lines(FEB)
    lines[3] = _edit_field(lines[3], 6, '"On or near\nSomewhere"')
    lines[10] = _edit_field(lines[10], COL["Longitude"], "east")
    return [_write(tmp, FEB, "".join(lines))]


CASES = [
    Case("bad header", lambda t: [_write(t, JAN, _text(JAN).replace("Crime type", "Offence", 1))],
         ("line 1", "missing column", "Crime type")),
    Case("wrong delimiter", lambda t: [_write(t, JAN, _text(JAN).replace(",", ";"))],
         ("line 1", "semicolons")),
    Case("tab delimited", lambda t: [_write(t, JAN, _text(JAN).replace(",", "\t"))],
         ("line 1", "tabs")),
    Case("empty file", lambda t: [_write(t, JAN, b"")], ("empty",)),
    Case("header only", lambda t: [_write(t, JAN, _lines(JAN)[0])], ("no data rows",)),
    Case("utf-16", lambda t: [_write(t, JAN, _text(JAN)[:5000].encode("utf-16"))], ("UTF-16",)),
    Case("month in the file differs from its name",
         lambda t: [_write(t, JAN, _text(JAN).replace(",2025-01,", ",2025-02,"))],
         ("every row fails", "2025-02 differs from the file's month 2025-01"), 2, "Month"),
    Case("future month", lambda t: [_write(t, "2099-01-staffordshire-street.csv",
                                           _text(JAN).replace(",2025-01,", ",2099-01,"))],
         ("2099-01", "future")),
    Case("before data.police.uk began", lambda t: [_write(
        t, "2009-01-staffordshire-street.csv", _text(JAN).replace(",2025-01,", ",2009-01,"))],
         ("before data.police.uk began",)),
    Case("truncated zip", _truncated_zip, ("damaged or truncated",), raises=True),
    Case("zip bomb", _zip_bomb, ("zip bomb",)),
    Case("gzip bomb", _gzip_bomb, ("gzip bomb",)),
    Case("truncated gzip", lambda t: [_write(
        t, f"{JAN}.gz", (STAFFS / f"{JAN}.gz").read_bytes()[:20000])], ("gzip",)),
    Case("zip with a .csv name", lambda t: [_write(
        t, JAN, (lambda p: (zipfile.ZipFile(p, "w").writestr("x.csv", "a"), p.read_bytes())[1])(
            t / "x.zip"))], ("No data.police.uk CSV files found", "x.csv: name is not"),
         raises=True),
    Case("a web page saved as csv", lambda t: [_write(t, JAN, "<!DOCTYPE html><html>No</html>")],
         ("web page",)),
    Case("name says outcomes, header says street", lambda t: [_write(
        t, "2025-01-staffordshire-outcomes.csv", _text(JAN))], ("line 1", "outcomes", "street")),
    Case("unknown force", lambda t: [_write(t, "2025-01-gotham-street.csv", _text(JAN))],
         ("'gotham' is not a data.police.uk force",)),
    Case("another force's file under this name", _other_force,
         ("Reported by", "Surrey Police", "misnamed"), 2, "Reported by"),
    Case("most rows fail", _mostly_bad, ("refused whole", "unknown category: Stuff"), 3,
         "Crime type"),
    Case("duplicate differing files in one command", lambda t: [
        _write(t, f"a/{JAN}", _text(JAN)), _write(t, f"b/{JAN}", _text(JAN).replace("Drugs", "Robbery"))],
         ("both staffordshire 2025-01 street but differ", "nothing was loaded"), raises=True),
    # Row cases: the row is quarantined, the rest of the month loads.
    Case("coordinates outside the UK", _row_case(7, "Longitude", "12.5"),
         ("outside the UK",), 7, "Longitude"),
    Case("latitude outside the UK", _row_case(8, "Latitude", "43.1"), ("outside the UK",), 8,
         "Latitude"),
    Case("unknown category", _row_case(9, "Crime type", "Jaywalking"),
         ("unknown category: Jaywalking",), 9, "Crime type"),
    Case("bad month in a row", _row_case(10, "Month", "Feb-2025"), ("not a month",), 10, "Month"),
    Case("another month in a row", _row_case(11, "Month", "2025-03"),
         ("differs from the file's month 2025-02",), 11, "Month"),
    Case("longitude not a number", _row_case(12, "Longitude", "east"), ("not a number",), 12,
         "Longitude"),
    Case("latitude missing", _row_case(13, "Latitude", ""), ("missing while Longitude",), 13,
         "Latitude"),
    Case("unknown LSOA", _row_case(14, "LSOA code", "E01999999"),
         ("neither a 2011 nor a 2021 LSOA",), 14, "LSOA code"),
    Case("malformed LSOA", _row_case(15, "LSOA code", "Tamworth"), ("not an LSOA code",), 15,
         "LSOA code"),
    Case("too many columns", lambda t: [_write(t, FEB, "".join(
        ln.rstrip("\n") + ",extra\n" if i == 16 else ln for i, ln in enumerate(_lines(FEB))))],
         ("wrong number of columns: 13 instead of 12",), 17, "row"),
    Case("too few columns", lambda t: [_write(t, FEB, "".join(
        ln.rsplit(",", 2)[0] + "\n" if i == 17 else ln for i, ln in enumerate(_lines(FEB))))],
         ("wrong number of columns: 10 instead of 12",), 18),
    Case("cp1252 bytes", _cp1252_rows, ("not UTF-8", "Windows-1252"), 10),
    Case("blank lines before a bad row", _blank_then_bad, ("unknown category: Jaywalking",), 23,
         "Crime type"),
    Case("quoted newline before a bad row", _quoted_newline_then_bad, ("not a number: east",),
         12, "Longitude"),
    Case("zip with a folder of junk", _junk_zip, ("unknown category: Burglery",)),
    Case("a quote never closed", _unclosed_quote, ("never closed", "refused whole"), 11),
]  # fmt: skip


def _geo():
    return pytest.importorskip(
        "saferplaces.warehouse.geography", reason="geography.py not there yet"
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A warehouse with the geography and the real Staffordshire 2025-01 (the earlier data)."""
    geo = _geo()
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    path = tmp_path_factory.mktemp("badinput") / "template.duckdb"
    con = connect(path)
    geo.load_geography(con)
    report = load_police(con, [STAFFS / f"{JAN}.gz"])
    assert report.results[0].action == "new"
    con.close()
    return path


CHECKSUM = """
    SELECT count(*), sum(hash(load_id, line, force, month, crime_id, lon, lat, lsoa21_code,
                              category, outcome))
    FROM police_street WHERE month = DATE '2025-01-01'
"""


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_named_and_leaves_earlier_data_intact(case: Case, template, tmp_path):
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import WarehouseError, connect

    path = tmp_path / "warehouse.duckdb"
    shutil.copy(template, path)
    con = connect(path)
    try:
        before = con.execute(CHECKSUM).fetchone()
        loads_before = con.execute("SELECT count(*) FROM police_loads").fetchone()[0]
        (tmp_path / "in").mkdir()
        inputs = case.make(tmp_path / "in")
        if case.raises:
            with pytest.raises(WarehouseError) as info:
                load_police(con, inputs)
            message = str(info.value)
            assert any(p.name in message for p in inputs), message
            assert con.execute("SELECT count(*) FROM police_loads").fetchone()[0] == loads_before
        else:
            report = load_police(con, inputs)
            (result,) = [r for r in report.results if r.action != "skipped"]
            if result.action == "failed":
                message = result.error
                assert Path(result.file.split("!")[-1]).name in message, message
            else:
                # Quarantined rows: named in the load report and kept in `rejects`.
                assert result.rows_rejected >= 1, result
                message = " | ".join(result.first_rejects)
                assert result.rows_accepted == result.rows_read - result.rows_rejected
                reject = con.execute(
                    "SELECT file_name, line, field, reason, raw FROM rejects WHERE load_id = ? "
                    "ORDER BY line LIMIT 1",
                    [result.load_id],
                ).fetchone()
                assert reject[0] == result.file and reject[3] and reject[4]
                if case.line:
                    assert reject[1] == case.line
                if case.field:
                    assert reject[2] == case.field
            for word in case.words:
                assert word in message, message
            if case.line:
                assert f"line {case.line}" in message, message
            if case.field:
                assert case.field in message, message
        assert con.execute(CHECKSUM).fetchone() == before
    finally:
        con.close()


def test_the_corpus_has_at_least_25_kinds():
    assert len(CASES) >= 25


def test_identical_duplicate_in_one_command_loads_once(template, tmp_path):
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    path = tmp_path / "warehouse.duckdb"
    shutil.copy(template, path)
    a = _write(tmp_path, f"a/{FEB}", _text(FEB))
    b = _write(tmp_path, f"b/{FEB}.gz", gzip.compress(_text(FEB).encode()))
    con = connect(path)
    try:
        report = load_police(con, [a, b])
        assert [r.action for r in report.results] == ["new", "skipped"]
        assert f"identical to {a}" in report.results[1].error
        assert (
            con.execute("SELECT count(*) FROM crimes WHERE month = DATE '2025-02-01'").fetchone()[0]
            == 6885
        )
    finally:
        con.close()


def test_accepted_oddities_bom_crlf_missing_lsoa_and_split_2011_code(template, tmp_path):
    """Not errors: a BOM, CRLF line ends, a row with coordinates but no LSOA code (placed by its
    coordinates) and a 2011 code that was split (placed among its 2021 successors)."""
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    path = tmp_path / "warehouse.duckdb"
    shutil.copy(template, path)
    con = connect(path)
    try:
        split = con.execute(
            "SELECT lsoa11_code, list(lsoa21_code) FROM ref_lsoa11_lsoa21 WHERE change_code = 'S' "
            "GROUP BY 1 ORDER BY 1 LIMIT 1"
        ).fetchone()
        lines = _lines(FEB)
        original_lsoa = lines[4].split(",")[7]
        lines[4] = _edit_field(lines[4], COL["LSOA code"], "")
        # Put the split code on a row whose point lies in one of its successors.
        row = con.execute(
            "SELECT lon, lat FROM police_street WHERE lsoa21_code IN (SELECT unnest(?)) LIMIT 1",
            [split[1]],
        ).fetchone()
        if row is None:  # no January row there: borrow the successor's centroid instead
            from saferplaces.warehouse.geography import to_wgs84

            e, n = con.execute(
                "SELECT easting, northing FROM ref_lsoa21 WHERE lsoa21_code = ?", [split[1][0]]
            ).fetchone()
            lon, lat = (float(v) for v in to_wgs84(e, n))
        else:
            lon, lat = row
        fields = lines[6].rstrip("\n").split(",")
        fields[4], fields[5], fields[7] = f"{lon:.6f}", f"{lat:.6f}", split[0]
        lines[6] = ",".join(fields) + "\n"
        data = "\ufeff" + "".join(ln.replace("\n", "\r\n") for ln in lines)
        report = load_police(con, [_write(tmp_path, FEB, data)])
        (result,) = report.results
        assert result.action == "new" and result.rows_rejected == 0, result
        assert result.rows_accepted == 6885
        placed = dict(
            (line, (code, method))
            for line, code, method in con.execute(
                "SELECT line, lsoa21_code, lsoa_method FROM police_street "
                "WHERE load_id = ? AND line IN (5, 7)",
                [result.load_id],
            ).fetchall()
        )
        assert placed[5] == (original_lsoa, "coordinates")
        assert placed[7][1] == "coordinates-2011-split" and placed[7][0] in split[1]
        assert result.lsoa_methods["coordinates"] == 1
    finally:
        con.close()
