"""Partners' data in the warehouse: counts by area and period, with a declared definition.

The strategic assessment is meant to use partners' data as well as the police's: health's
depersonalised A&E assault and alcohol figures, fire incidents, council ASB and environmental
reports, the police's own domestic abuse and hate crime counts. Each arrives as a *measure*: a
CSV or XLSX of counts by period (month or quarter) and area (LSOA 2021, ward, district, CSP,
force area, or postcode sector), described by a definition in a sidecar file (TOML, JSON or
YAML; ``saferplaces load measure --template`` prints one): id, title, unit, source
organisation, licence or sharing basis, small-number rule, period type, area level and what
counts.

Loading follows the police loader's rules (warehouse/police.py), with its refusal
(:class:`~saferplaces.warehouse.police.FileRefused`) and reject record (``rejects``):

* a structural fault refuses the whole file and nothing is written: a bad header, periods of
  the wrong or mixed types, future or unfinished periods, counts that are missing, negative or
  not whole numbers, an (area, period) given twice, or more unknown area codes than
  :data:`MAX_UNKNOWN_SHARE`; the message names the file, line, field, value and reason;
* a few rows with unknown area codes (at most :data:`MAX_UNKNOWN_SHARE` of the rows) are
  quarantined in ``rejects`` and counted, never silently dropped;
* the unit of loading is (measure, period): a file replaces the periods it holds and no
  others, in one transaction, so a reload is idempotent and a killed load leaves the warehouse
  as it was; every unit is recorded in ``loads`` (kind ``measure``).

Postcode sectors ("ST19 5") are accepted and stored as they are: no postcode sector → LSOA
lookup ships with Safer Places (none is in the shared reference data), so such a measure
cannot be summed to LSOAs, wards, districts or CSPs until one is loaded. The load summary and
:func:`aggregate` say so.

Functions for the assessment, localities and the workspace (they only read):
:func:`list_measures`, :func:`get_definition`, :func:`aggregate` (any measure summed to any
area level, with :func:`aggregate_sql` for composing), :func:`open_value` (the small-number
rule for open outputs).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import yaml

from saferplaces import __version__
from saferplaces.warehouse.police import FileRefused
from saferplaces.warehouse.store import WarehouseError, connect, transaction

DATA = Path(__file__).resolve().parent.parent / "data"
DEMO_FILE = DATA / "demo_ae_assault_staffordshire.csv"
DEMO_DEFINITION = DATA / "demo_ae_assault_staffordshire.yaml"

PERIOD_TYPES = ("month", "quarter")
# Levels as in the `areas` view, plus postcode sectors (which no shipped lookup can place).
AREA_LEVELS: dict[str, str] = {
    "lsoa": "LSOA 2021",
    "ward": "electoral ward (2024)",
    "lad": "local authority district",
    "csp": "Community Safety Partnership",
    "pfa": "police force area",
    "postcode_sector": "postcode sector",
}
# Column of ref_lsoa21 holding each level's codes; LSOAs nest in all of these.
_LEVEL_COLUMN = {"lsoa": "lsoa21_code", "ward": "ward_code", "lad": "lad_code",
                 "csp": "csp_code", "pfa": "pfa_code"}  # fmt: skip
_NAME_COLUMN = {"lsoa": "lsoa21_name", "ward": "ward_name", "lad": "lad_name",
                "csp": "csp_name", "pfa": "pfa_name"}  # fmt: skip
_LEVEL_ALIASES = {
    "lsoa21": "lsoa", "lsoa 2021": "lsoa", "lsoa2021": "lsoa", "district": "lad",
    "local authority": "lad", "local authority district": "lad", "community safety partnership":
    "csp", "force": "pfa", "force area": "pfa", "police force area": "pfa",
    "postcode sector": "postcode_sector", "postcode-sector": "postcode_sector",
    "sector": "postcode_sector",
}  # fmt: skip
_COARSER = ("lsoa", "ward", "lad", "csp", "pfa")  # each nests in the ones after it (mostly)

# A few typing slips in a large file are quarantined; more means the wrong file or codes.
MAX_UNKNOWN_SHARE = 0.01
FIRST_YEAR = 2000  # earlier periods are typing or spreadsheet date slips
MAX_FAULTS_SHOWN = 5

DEFAULT_COLUMNS = {"area_code": "area_code", "period": "period", "count": "count"}
_REQUIRED = ("id", "title", "unit", "source", "licence", "suppress_below", "period_type",
             "area_level", "definition")  # fmt: skip
_OPTIONAL = ("notes", "columns", "sheet", "themes")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_SECTOR = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9])$")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9])[A-Z]{2}$")
_SUPPRESSED = {"*", "**", "~", "x", "c", "..", ":", "-", "–", "[c]", "[x]", "n/a", "na"}

TEMPLATE = """\
# Definition of a partner measure, for `saferplaces load measure FILE --definition THIS`.
# Put it beside the data file with the same name (assaults.csv + assaults.toml) and it is
# found without --definition. JSON or YAML with the same keys work too.

id = "ae-assault-attendances"        # short, lower case: letters, digits, - _ .
title = "A&E attendances for assault"
unit = "attendances"
source = "University Hospitals of North Midlands NHS Trust"   # the organisation sending it
licence = "Information Sharing Agreement, Staffordshire CSP, 2025"   # or "Open Government Licence v3.0"
suppress_below = 5                   # open outputs hide counts from 1 to 4 (0 = no rule)
period_type = "quarter"              # month (2025-01) or quarter (2025-Q1, calendar quarters)
area_level = "lsoa"                  # lsoa (2021), ward (2024), lad, csp, pfa or postcode_sector
definition = "Attendances at the Emergency Department where the patient reported an assault, by the LSOA of the patient's home address and the quarter of attendance."
notes = "Depersonalised extract under the ISA; counts are not rounded."   # optional
themes = ["serious violence", "violence"]   # optional: the community safety themes it evidences

# The data file needs three columns; other columns (an area name, say) are ignored.
# Give the names your file uses, if they differ from these:
[columns]
area_code = "area_code"              # ONS code (E01…, E05…, E07…, E22…, E23…) or "ST19 5"
period = "period"                    # 2025-Q1 / 2025-01, or the first day of the period
count = "count"                      # whole number, 0 or more; unsuppressed

# sheet = "Data"                     # XLSX only: the worksheet (default: the first)
"""


class MeasureError(WarehouseError):
    """A definition or a request about measures that cannot be met; the message says why."""


@dataclass(frozen=True)
class MeasureDefinition:
    id: str
    title: str
    unit: str
    source: str
    licence: str
    suppress_below: int
    period_type: str
    area_level: str
    definition: str
    notes: str | None = None
    columns: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_COLUMNS))
    sheet: str | None = None
    #: Keys of the community safety themes the measure evidences (assessment/themes.py); empty:
    #: the assessment's default for the measure's id or title.
    themes: tuple[str, ...] = ()

    def stored(self) -> dict[str, Any]:
        """What is kept with every load (the file layout is not part of the meaning)."""
        data = asdict(self)
        data.pop("columns")
        data.pop("sheet")
        # Only when declared, so loads made before themes existed keep their content hash.
        if not self.themes:
            data.pop("themes")
        else:
            data["themes"] = list(self.themes)
        return data


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    type: str

    @property
    def label(self) -> str:
        if self.type == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m}"


@dataclass
class PeriodResult:
    period: str
    start: date
    end: date
    action: str  # new | replaced | unchanged
    load_id: int
    rows_accepted: int
    rows_rejected: int
    replaced_load_id: int | None = None


@dataclass
class MeasureLoadReport:
    file: str
    measure_id: str
    sha256: str
    definition_file: str | None
    periods: list[PeriodResult]
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    first_rejects: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    definition_changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        """The load in plain lines, for the command line."""
        actions = {}
        for p in self.periods:
            actions.setdefault(p.action, []).append(p.period)
        lines = [
            f"{self.file}: measure {self.measure_id!r}, {len(self.periods)} period(s) "
            f"({self.periods[0].period} to {self.periods[-1].period}): "
            + "; ".join(f"{a} {', '.join(ps)}" for a, ps in actions.items())
            + f". {self.rows_accepted:,} rows accepted, {self.rows_rejected:,} rejected.",
        ]
        lines += [f"  rejected {r}" for r in self.first_rejects]
        if self.rows_rejected > len(self.first_rejects):
            lines.append('  (all rejected rows: saferplaces query "SELECT * FROM rejects '
                         f'WHERE load_id >= {self.periods[0].load_id}")')  # fmt: skip
        if self.ignored_columns:
            lines.append("  Columns not used: " + ", ".join(self.ignored_columns) + ".")
        if self.definition_changes:
            lines.append("  Definition updated: " + ", ".join(self.definition_changes) + ".")
        lines += [f"  Note: {n}" for n in self.notes]
        return lines


# --- definitions ---------------------------------------------------------------------------------


def read_definition(path: str | Path) -> MeasureDefinition:
    """A measure definition from a TOML, JSON or YAML file; MeasureError names the key at fault."""
    path = Path(path)
    if not path.is_file():
        raise MeasureError(f"{path}: no such definition file.")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MeasureError(f"{path}: not UTF-8 text; save it as UTF-8.") from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            data = tomllib.loads(text)
        elif suffix == ".json":
            data = json.loads(text)
        elif suffix in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            raise MeasureError(
                f"{path}: a definition is a .toml, .json or .yaml file (`saferplaces load "
                "measure --template` prints one)."
            )
    except tomllib.TOMLDecodeError as exc:
        raise MeasureError(f"{path}: not valid TOML: {exc}.") from None
    except json.JSONDecodeError as exc:
        raise MeasureError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg}).") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise MeasureError(f"{path}: {where}not valid YAML ({problem}).") from None
    return parse_definition(data, str(path))


def parse_definition(data: Any, where: str = "definition") -> MeasureDefinition:
    """Check a definition given as a mapping (as read from a file)."""
    if not isinstance(data, dict):
        raise MeasureError(f"{where}: expected keys and values (id = …, title = …).")
    unknown = [k for k in data if k not in _REQUIRED + _OPTIONAL]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(str(key), _REQUIRED + _OPTIONAL, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise MeasureError(
            f"{where}: unknown key {key!r}{hint}. Keys: " + ", ".join(_REQUIRED + _OPTIONAL) + "."
        )
    missing = [k for k in _REQUIRED if data.get(k) in (None, "")]
    if missing:
        raise MeasureError(
            f"{where}: missing " + ", ".join(missing) + " (`saferplaces load measure "
            "--template` prints a definition with every key explained)."
        )
    text = {}
    for key in (*_REQUIRED, "notes", "sheet"):
        value = data.get(key)
        if key == "suppress_below" or value is None:
            continue
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise MeasureError(f"{where}: {key}: expected text, found {value!r}.")
        text[key] = " ".join(str(value).split())
    measure_id = text["id"]
    if not _ID.match(measure_id):
        raise MeasureError(
            f"{where}: id: {measure_id!r} must be lower case letters, digits, '-', '_' or '.', "
            "starting with a letter or digit, at most 64 characters (e.g. "
            "'ae-assault-attendances')."
        )
    limit = data["suppress_below"]
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise MeasureError(
            f"{where}: suppress_below: {limit!r} must be a whole number, 0 or more (open outputs "
            "hide counts from 1 up to it; 0 means no small-number rule)."
        )
    period_type = text["period_type"].lower()
    if period_type not in PERIOD_TYPES:
        raise MeasureError(
            f"{where}: period_type: {text['period_type']!r} must be month or quarter."
        )
    level = text["area_level"].lower()
    level = _LEVEL_ALIASES.get(level, level)
    if level not in AREA_LEVELS:
        raise MeasureError(
            f"{where}: area_level: {text['area_level']!r} must be one of "
            + ", ".join(AREA_LEVELS) + "."
        )  # fmt: skip
    columns = dict(DEFAULT_COLUMNS)
    given = data.get("columns") or {}
    if not isinstance(given, dict):
        raise MeasureError(f"{where}: columns: expected area_code, period and count names.")
    for key, value in given.items():
        if key not in DEFAULT_COLUMNS:
            raise MeasureError(
                f"{where}: columns: unknown key {key!r}; the keys are area_code, period, count."
            )
        if not isinstance(value, str) or not value.strip():
            raise MeasureError(f"{where}: columns.{key}: expected the column's name as text.")
        columns[key] = value.strip()
    if len({c.lower() for c in columns.values()}) < 3:
        raise MeasureError(f"{where}: columns: area_code, period and count need three columns.")
    themes = _themes(data.get("themes"), where)
    return MeasureDefinition(
        id=measure_id, title=text["title"], unit=text["unit"], source=text["source"],
        licence=text["licence"], suppress_below=limit, period_type=period_type, area_level=level,
        definition=text["definition"], notes=text.get("notes"), columns=columns,
        sheet=text.get("sheet"), themes=themes,
    )  # fmt: skip


def _themes(value: Any, where: str) -> tuple[str, ...]:
    """The declared themes as theme keys; MeasureError names one that is not a theme."""
    from saferplaces.assessment.themes import THEMES, theme_key

    if value in (None, "", []):
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MeasureError(f"{where}: themes: expected a list of theme names, e.g. "
                           "[\"serious violence\", \"violence\"].")  # fmt: skip
    keys = []
    for v in value:
        key = theme_key(v.strip())
        if key is None:
            raise MeasureError(f"{where}: themes: {v!r} is not a community safety theme; themes: "
                               + ", ".join(t.title for t in THEMES) + ".")  # fmt: skip
        keys.append(key)
    return tuple(dict.fromkeys(keys))


def find_definition(path: Path, given: Path | None = None) -> Path:
    """The definition file: the one given, else FILE's name ending .toml, .yaml, .yml or .json."""
    if given is not None:
        return Path(given)
    for suffix in (".toml", ".yaml", ".yml", ".json"):
        candidate = path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    raise MeasureError(
        f"{path}: no definition. Give --definition DEF.toml, or put {path.with_suffix('.toml').name} "
        "beside the file (`saferplaces load measure --template` prints one)."
    )


# --- periods and counts ----------------------------------------------------------------------------


def _month_end(start: date) -> date:
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return following - timedelta(days=1)


def make_period(start: date, period_type: str) -> Period:
    if period_type == "quarter":
        return Period(start, _month_end(date(start.year, start.month + 2, 1)), "quarter")
    return Period(start, _month_end(start), "month")


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$|^Q([1-4])\s*-?\s*(\d{4})$", re.IGNORECASE)
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")


def parse_period(value: Any, period_type: str) -> tuple[Period | None, str | None]:
    """(period, None) or (None, the reason it is not a period of this type)."""
    expected = "YYYY-Qn (2025-Q1)" if period_type == "quarter" else "YYYY-MM (2025-01)"
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, f"missing; expected {expected}"
    if isinstance(value, datetime):
        value = value.date()
    day = None
    if isinstance(value, date):
        day = value
    else:
        text = str(value).strip()
        if m := _MONTH.match(text):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                return None, f"not a month; expected {expected}"
            if period_type == "quarter":
                return (
                    None,
                    f"a month, but the definition's period_type is quarter; expected {expected}",
                )
            return _in_range(make_period(date(year, month, 1), "month"))
        if m := _QUARTER.match(text):
            year, q = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
            if period_type == "month":
                return (
                    None,
                    f"a quarter, but the definition's period_type is month; expected {expected}",
                )
            return _in_range(make_period(date(year, 3 * q - 2, 1), "quarter"))
        if m := _DAY.match(text):
            try:
                day = date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return None, f"not a date; expected {expected}"
        else:
            return None, f"not a period; expected {expected}"
    if day.day != 1 or (period_type == "quarter" and day.month % 3 != 1):
        return None, (
            f"a date inside a {period_type}; give the {period_type} as {expected} or its first day"
        )
    return _in_range(make_period(day, period_type))


def _in_range(period: Period) -> tuple[Period | None, str | None]:
    if period.start.year < FIRST_YEAR:
        return None, f"before {FIRST_YEAR}; is the year right?"
    return period, None


def parse_count(value: Any) -> tuple[int | None, str | None]:
    """(count, None) or (None, why it is not a count): a whole number, 0 or more."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "missing; write 0 where there were none"
    if isinstance(value, bool):
        return None, "not a number"
    if isinstance(value, int):
        n = value
    elif isinstance(value, float):
        if not value.is_integer():
            return None, "not a whole number; counts are whole numbers"
        n = int(value)
    else:
        text = str(value).strip()
        if text.lower() in _SUPPRESSED or text.startswith(("<", "≤")):
            return None, (
                "a suppressed or redacted value; load the unsuppressed counts (open outputs "
                "apply the definition's suppress_below rule)"
            )
        if re.fullmatch(r"[+-]?\d+(\.0*)?", text):
            n = int(float(text)) if "." in text else int(text)
        elif re.fullmatch(r"\d{1,3}(,\d{3})+", text):
            n = int(text.replace(",", ""))
        else:
            try:
                float(text)
            except ValueError:
                return None, "not a number"
            return None, "not a whole number; counts are whole numbers"
    if n < 0:
        return None, "negative; counts are 0 or more"
    return n, None


def open_value(value: int | None, suppress_below: int) -> int | None:
    """The count as open outputs may show it: None (suppressed) from 1 up to the rule's limit.

    Zero is shown: it discloses no one. The rule is the definition's ``suppress_below``.
    """
    if value is None or (0 < value < suppress_below):
        return None
    return value


# --- reading files ------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    return str(value)


def _read_table(data: bytes, path: Path, sheet: str | None) -> tuple[list[str], list, str]:
    """(header, [(line, cells, raw)], "line" or "row") from CSV or XLSX bytes; FileRefused on
    an unreadable file.

    Lines are the file's own (the header is line 1); for XLSX, the worksheet's row numbers,
    which messages call rows, as Excel does.
    """
    name = str(path)
    if not data:
        raise FileRefused(f"{name}: the file is empty (0 bytes).")
    is_zip = data.startswith(b"PK\x03\x04")
    if path.suffix.lower() in (".xlsx", ".xlsm") or is_zip:
        return (*_read_xlsx(data, name, sheet), "row")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(f"{name}: this is an old Excel .xls workbook; save it as .xlsx or CSV.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRefused(f"{name}: the file is UTF-16 text; save it as CSV UTF-8 and load again.")
    if data.lstrip()[:15].lower().startswith((b"<!doctype", b"<html")):
        raise FileRefused(f"{name}: this is a web page, not a CSV (a failed download?).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileRefused(
            f"{name}: line {line}: not UTF-8 text (is it saved as Windows-1252?). Save it as "
            "CSV UTF-8 and load again."
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    header: list[str] | None = None
    previous = 0
    try:
        for cells in reader:
            start, previous = previous + 1, reader.line_num
            if header is None:
                header = cells
                continue
            if any(c.strip() for c in cells):
                rows.append((start, cells, ",".join(cells)))
    except csv.Error as exc:
        raise FileRefused(
            f"{name}: line {reader.line_num}: cannot be read as CSV ({exc})."
        ) from None
    if header is not None and len(header) == 1:
        for delim, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if delim in header[0]:
                raise FileRefused(
                    f"{name}: line 1: the columns are separated by {label}, not commas; save "
                    "the file as CSV (comma-separated) and load again."
                )
    return header or [], rows, "line"


def _read_xlsx(data: bytes, name: str, sheet: str | None) -> tuple[list[str], list]:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileRefused(f"{name}: not a readable .xlsx workbook ({exc}).") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise FileRefused(
                f"{name}: no worksheet {sheet!r} (the definition's sheet); the workbook has "
                + ", ".join(repr(s) for s in book.sheetnames) + "."
            )  # fmt: skip
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        header: list[str] = []
        rows = []
        for line, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
            cells = list(values)
            while cells and cells[-1] is None:
                cells.pop()
            if line == 1:
                header = [_cell_text(c) for c in cells]
                continue
            if any(c is not None and str(c).strip() for c in cells):
                rows.append((line, cells, ",".join(_cell_text(c) for c in cells)))
        return header, rows
    finally:
        book.close()


def _columns(
    header: list[str], defn: MeasureDefinition, name: str, unit: str = "line"
) -> tuple[dict, list[str]]:
    """Where each needed column is ({role: (index, header name)}), and the columns not used."""
    found = [h.strip() for h in header]
    lower = [h.lower() for h in found]
    where, missing = {}, []
    for role, wanted in defn.columns.items():
        hits = [i for i, h in enumerate(lower) if h == wanted.lower()]
        if len(hits) > 1:
            raise FileRefused(f"{name}: {unit} 1 (header): the column {wanted!r} appears twice.")
        if hits:
            where[role] = (hits[0], found[hits[0]])
        else:
            missing.append(wanted)
    if missing:
        raise FileRefused(
            f"{name}: {unit} 1 (header): missing column(s) "
            + ", ".join(repr(m) for m in missing)
            + f"; found {', '.join(repr(h) for h in found) or 'nothing'}. A measure file needs "
            "the columns " + ", ".join(defn.columns.values())
            + " (name others under [columns] in the definition)."
        )  # fmt: skip
    used = {i for i, _ in where.values()}
    return where, [h for i, h in enumerate(found) if i not in used and h]


# --- areas ------------------------------------------------------------------------------------------


class _Areas:
    """Known area codes, and why an unknown code is not one of the level's."""

    def __init__(self, con: duckdb.DuckDBPyConnection, level: str) -> None:
        self.level = level
        self.codes: set[str] = set()
        self.other: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.lsoa11: set[str] = set()
        if level == "postcode_sector":
            return
        for other, column in _LEVEL_COLUMN.items():
            values = {r[0] for r in con.execute(
                f"SELECT DISTINCT {column} FROM ref_lsoa21 WHERE {column} IS NOT NULL").fetchall()}  # fmt: skip
            if other == level:
                self.codes = values
            else:
                self.other.update(dict.fromkeys(values, other))
        self.names = {
            str(n).lower(): c
            for c, n in con.execute(
                f"SELECT DISTINCT {_LEVEL_COLUMN[level]}, {_NAME_COLUMN[level]} FROM ref_lsoa21 "
                f"WHERE {_NAME_COLUMN[level]} IS NOT NULL"
            ).fetchall()
        }
        if level == "lsoa":
            self.lsoa11 = {r[0] for r in con.execute(
                "SELECT DISTINCT lsoa11_code FROM ref_lsoa11_lsoa21").fetchall()} - self.codes  # fmt: skip

    def normalise(self, raw: Any) -> str:
        text = " ".join(_cell_text(raw).split()).upper()
        if self.level == "postcode_sector" and (m := _SECTOR.match(text)):
            return f"{m[1]} {m[2]}"
        return text

    def problem(self, code: str) -> str | None:
        """None for a known code; else the reason, for the reject record."""
        if self.level == "postcode_sector":
            if _SECTOR.match(code):
                return None
            if m := _POSTCODE.match(code):
                return (f"a full postcode; give its sector ('{m[1]} {m[2]}'): partners should not "
                        "send full postcodes")  # fmt: skip
            return "not a postcode sector (outward code, a space and one digit, e.g. 'ST19 5')"
        if code in self.codes:
            return None
        what = AREA_LEVELS[self.level]
        if code in self.lsoa11:
            return f"an LSOA 2011 code; give {what} codes (the ONS LSOA 2011 to 2021 lookup)"
        if code in self.other:
            return f"{_a(AREA_LEVELS[self.other[code]])} code, but area_level is {self.level}"
        if code.lower() in self.names:
            return f"a name; give its code, {self.names[code.lower()]}"
        return f"not {_a(what)} code in the geography"


# --- loading ------------------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    area: str
    period: Period
    value: int
    raw: str


def _a(noun: str) -> str:
    # "an LSOA": the acronym is spoken letter by letter.
    return ("an " if noun[:1].lower() in "aeiou" or noun.startswith("LSOA") else "a ") + noun


def _fault(line: int, column: str, value: Any, reason: str, unit: str = "line") -> str:
    """One problem as the messages and `rejects` give it: where, which field, what, why."""
    shown = _cell_text(value)
    if not shown.strip():
        return f"{unit} {line}, {column} (empty): {reason}"
    return f"{unit} {line}, {column} {shown!r}: {reason}"


def _refuse(name: str, faults: list[str], lead: str = "") -> FileRefused:
    shown = faults[:MAX_FAULTS_SHOWN]
    more = len(faults) - len(shown)
    return FileRefused(
        f"{name}: {lead}" + "; ".join(shown)
        + (f"; and {more:,} more problem(s)" if more else "")
        + ". The file is refused whole; nothing was loaded."
    )  # fmt: skip


def load_measure(
    con: duckdb.DuckDBPyConnection,
    path: str | Path,
    definition: str | Path | MeasureDefinition | None = None,
    today: date | None = None,
) -> MeasureLoadReport:
    """Load one partner file (CSV or XLSX) of counts by area and period, all or nothing.

    ``definition`` is a definition file or a :class:`MeasureDefinition`; by default the file
    beside ``path`` with the same name ending .toml, .yaml, .yml or .json. Each (measure,
    period) in the file replaces the one stored before; other periods are kept.
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise FileRefused(f"{name}: no such file.")
    def_file = None
    if isinstance(definition, MeasureDefinition):
        defn = definition
    else:
        def_path = find_definition(path, Path(definition) if definition else None)
        defn, def_file = read_definition(def_path), str(def_path)
    today = today or date.today()
    _require_geography(con)
    _check_shape(con, defn, name)
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    header, raw_rows, unit = _read_table(data, path, defn.sheet)
    if not header or not any(h.strip() for h in header):
        raise FileRefused(f"{name}: {unit} 1 (the header) is blank; expected the column names "
                          + ", ".join(defn.columns.values()) + ".")  # fmt: skip
    where, ignored = _columns(header, defn, name, unit)
    if not raw_rows:
        raise FileRefused(f"{name}: the file has a header but no data rows.")
    areas = _Areas(con, defn.area_level)
    (i_area, c_area), (i_period, c_period), (i_count, c_count) = (
        where["area_code"], where["period"], where["count"])  # fmt: skip
    faults: list[str] = []

    def fault(*args: Any) -> str:
        return _fault(*args, unit=unit)

    rows: list[_Row] = []
    unknown: list[tuple] = []  # (line, field, value, reason, raw, period): rejects to be
    seen: dict[tuple, int] = {}
    types: dict[str, int] = {}
    width = len(header)
    for line, cells, raw in raw_rows:
        if len(cells) > width and any(_cell_text(c).strip() for c in cells[width:]):
            faults.append(
                fault(line, "row", raw, f"{len(cells)} fields where the header has {width}")
            )
            continue
        cells = list(cells) + [None] * (width - len(cells))
        area = areas.normalise(cells[i_area])
        period, why = parse_period(cells[i_period], defn.period_type)
        value, why_count = parse_count(cells[i_count])
        if not area:
            faults.append(
                fault(line, c_area, cells[i_area], "missing; every row needs an area code")
            )
        if why:
            faults.append(fault(line, c_period, cells[i_period], why))
            text = _cell_text(cells[i_period]).strip()
            kind = "month" if _MONTH.match(text) else "quarter" if _QUARTER.match(text) else None
            if kind:
                types.setdefault(kind, line)
        else:
            types.setdefault(period.type, line)
            if period.end >= today:
                faults.append(fault(line, c_period, cells[i_period],
                    f"the {period.type} {period.label} is not over yet (it ends "
                    f"{period.end:%d %B %Y}); only finished periods can be loaded"))  # fmt: skip
        if why_count:
            faults.append(fault(line, c_count, cells[i_count], why_count))
        if not area or why or why_count:
            continue
        key = (area, period.start)
        if key in seen:
            faults.append(fault(line, c_area, cells[i_area],
                f"{area} {period.label} again (first on {unit} {seen[key]}); each area and period "
                "once"))  # fmt: skip
            continue
        seen[key] = line
        problem = areas.problem(area)
        if problem:
            unknown.append((line, c_area, _cell_text(cells[i_area]), problem, raw, period))
            continue
        rows.append(_Row(line, area, period, value, raw))
    if faults:
        lead = ""
        if len(types) > 1:
            lead = (f"mixed period types (a {defn.period_type} is expected; {unit} "
                    f"{max(types.values())} differs from {unit} {min(types.values())}): ")  # fmt: skip
        raise _refuse(name, faults, lead)
    total = len(rows) + len(unknown)
    allowed = max(1, int(MAX_UNKNOWN_SHARE * total))
    if len(unknown) > allowed:
        raise _refuse(
            name,
            [_fault(*u[:4], unit=unit) for u in unknown],
            f"{len(unknown):,} of {total:,} rows have area codes that are not "
            f"{AREA_LEVELS[defn.area_level]} codes (at most {allowed:,} may be set aside): ",
        )
    if not rows:
        raise _refuse(name, [_fault(*u[:4], unit=unit) for u in unknown], "no row can be placed: ")
    return _write(con, defn, name, sha, def_file, rows, unknown, ignored, unit)


def _require_geography(con: duckdb.DuckDBPyConnection) -> None:
    if con.execute("SELECT count(*) FROM ref_lsoa21").fetchone()[0] == 0:
        from saferplaces.warehouse.geography import load_geography

        load_geography(con)


def _content_hash(defn: MeasureDefinition, rows: list[_Row]) -> str:
    digest = hashlib.sha256(json.dumps(defn.stored(), sort_keys=True).encode())
    for area, value in sorted((r.area, r.value) for r in rows):
        digest.update(f"\n{area},{value}".encode())
    return digest.hexdigest()


def _write(
    con: duckdb.DuckDBPyConnection,
    defn: MeasureDefinition,
    name: str,
    sha: str,
    def_file: str | None,
    rows: list[_Row],
    unknown: list[tuple],
    ignored: list[str],
    unit: str,
) -> MeasureLoadReport:
    started = datetime.now(UTC).replace(tzinfo=None)
    by_period: dict[date, list[_Row]] = {}
    for r in rows:
        by_period.setdefault(r.period.start, []).append(r)
    rejected: dict[date, list[tuple]] = {}
    for u in unknown:
        rejected.setdefault(u[5].start, []).append(u)
    periods = sorted(set(by_period) | set(rejected))
    stored = json.dumps(defn.stored(), sort_keys=True)
    results: list[PeriodResult] = []
    with transaction(con):
        before = con.execute(
            "SELECT title, unit, source, licence, suppress_below, period_type, area_level, "
            "definition, notes FROM measure_definitions WHERE measure_id = ?",
            [defn.id],
        ).fetchone()
        changes = _definition_changes(defn, before, name)
        current = {
            start: (load_id, content)
            for load_id, start, content in con.execute(
                "SELECT load_id, period_start, content_sha256 FROM measure_loads "
                "WHERE measure_id = ? AND is_current",
                [defn.id],
            ).fetchall()
        }
        ids = [r[0] for r in con.execute(
            "SELECT nextval('load_ids') FROM range(?)", [len(periods)]).fetchall()]  # fmt: skip
        load_of = dict(zip(periods, ids, strict=True))
        replaced = [current[p][0] for p in periods if p in current]
        if replaced:
            con.execute(
                "DELETE FROM measure_values WHERE measure_id = ? AND period_start IN "
                "(SELECT unnest(?))",
                [defn.id, [p for p in periods if p in current]],
            )
            con.execute(
                "UPDATE measure_loads SET is_current = FALSE WHERE load_id IN (SELECT unnest(?))",
                [replaced],
            )
        con.execute(
            "INSERT INTO measure_definitions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (measure_id) DO UPDATE SET title = excluded.title, unit = excluded.unit, "
            "source = excluded.source, licence = excluded.licence, suppress_below = "
            "excluded.suppress_below, definition = excluded.definition, notes = excluded.notes, "
            "updated_at = excluded.updated_at",
            [defn.id, defn.title, defn.unit, defn.source, defn.licence, defn.suppress_below,
             defn.period_type, defn.area_level, defn.definition, defn.notes, started],
        )  # fmt: skip
        values = pa.table({
            "load_id": pa.array([load_of[r.period.start] for r in rows], pa.int32()),
            "line": pa.array([r.line for r in rows], pa.int32()),
            "area_code": pa.array([r.area for r in rows], pa.string()),
            "period_start": pa.array([r.period.start for r in rows], pa.date32()),
            "period_end": pa.array([r.period.end for r in rows], pa.date32()),
            "value": pa.array([r.value for r in rows], pa.int64()),
        })  # fmt: skip
        con.register("_measure_values_in", values)
        try:
            con.execute(
                "INSERT INTO measure_values SELECT load_id, line, ?, ?, area_code, period_start, "
                "period_end, value FROM _measure_values_in",
                [defn.id, defn.area_level],
            )
        finally:
            con.unregister("_measure_values_in")
        if unknown:
            con.executemany(
                "INSERT INTO measure_rejects VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(load_of[u[5].start], name, u[0], u[1], u[2], u[3], u[4]) for u in unknown],
            )
        finished = datetime.now(UTC).replace(tzinfo=None)
        loads = []
        for p in periods:
            good, bad = by_period.get(p, []), rejected.get(p, [])
            content = _content_hash(defn, good)
            old = current.get(p)
            action = "new" if old is None else "unchanged" if old[1] == content else "replaced"
            period = good[0].period if good else bad[0][5]
            results.append(PeriodResult(period.label, period.start, period.end, action, load_of[p],
                                        len(good), len(bad), old[0] if old else None))  # fmt: skip
            loads.append((load_of[p], name, sha, defn.id, period.start, period.end,
                          len(good) + len(bad), len(good), len(bad), action,
                          old[0] if old else None, True, content, stored, __version__, started,
                          finished))  # fmt: skip
        con.executemany(
            "INSERT INTO measure_loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            loads,
        )
    notes = []
    if defn.area_level == "postcode_sector":
        notes.append(
            "stored by postcode sector. No postcode sector to LSOA lookup is loaded (none ships "
            "with Safer Places), so these counts cannot be placed on LSOAs, wards, districts or "
            "CSPs until one is."
        )
    return MeasureLoadReport(
        file=name, measure_id=defn.id, sha256=sha, definition_file=def_file, periods=results,
        rows_read=len(rows) + len(unknown), rows_accepted=len(rows), rows_rejected=len(unknown),
        first_rejects=[_fault(*u[:4], unit=unit) for u in unknown[:5]],
        ignored_columns=ignored, definition_changes=changes, notes=notes,
    )  # fmt: skip


def _check_shape(con: duckdb.DuckDBPyConnection, defn: MeasureDefinition, name: str) -> None:
    """Refuse, before reading any row, a definition whose shape differs from the stored one."""
    before = con.execute(
        "SELECT title, unit, source, licence, suppress_below, period_type, area_level, "
        "definition, notes FROM measure_definitions WHERE measure_id = ?",
        [defn.id],
    ).fetchone()
    _definition_changes(defn, before, name)


def _definition_changes(defn: MeasureDefinition, before: tuple | None, name: str) -> list[str]:
    """What a reload changes in the stored definition; MeasureError if it changes the shape."""
    if before is None:
        return []
    keys = ("title", "unit", "source", "licence", "suppress_below", "period_type", "area_level",
            "definition", "notes")  # fmt: skip
    old = dict(zip(keys, before, strict=True))
    for key in ("period_type", "area_level"):
        if old[key] != getattr(defn, key):
            raise MeasureError(
                f"{name}: measure {defn.id!r} is stored with {key} {old[key]!r}; this definition "
                f"says {getattr(defn, key)!r}. Counts of another shape are another measure: give "
                "it a new id. Nothing was loaded."
            )
    return [k for k in keys if old[k] != getattr(defn, k)]


# --- reading measures back -------------------------------------------------------------------------


def get_definition(con: duckdb.DuckDBPyConnection, measure_id: str) -> MeasureDefinition:
    """The stored definition of a measure; MeasureError (listing the measures) if unknown."""
    row = con.execute(
        "SELECT measure_id, title, unit, source, licence, suppress_below, period_type, "
        "area_level, definition, notes FROM measure_definitions WHERE measure_id = ?",
        [measure_id],
    ).fetchone()
    if row is None:
        known = [r[0] for r in con.execute(
            "SELECT measure_id FROM measure_definitions ORDER BY 1").fetchall()]  # fmt: skip
        raise MeasureError(
            f"No measure {measure_id!r} in the warehouse. "
            + (f"Measures: {', '.join(known)}." if known else "None is loaded yet "
               "(`saferplaces load measure FILE`).")
        )  # fmt: skip
    # Declared themes travel in the definition each load was made under (measure_loads).
    last = con.execute(
        "SELECT definition FROM measure_loads WHERE measure_id = ? AND is_current "
        "ORDER BY load_id DESC LIMIT 1", [measure_id]).fetchone()  # fmt: skip
    themes = tuple(json.loads(last[0]).get("themes") or ()) if last else ()
    return MeasureDefinition(*row, themes=themes)


def list_measures(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every measure with its definition and the periods held (the measure_catalogue view)."""
    cursor = con.execute("SELECT * FROM measure_catalogue ORDER BY measure_id")
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


AGGREGATE_COLUMNS = ("measure_id", "level", "area_code", "area_name", "period_start",
                     "period_end", "value", "areas_summed", "areas_straddling")  # fmt: skip


def aggregate_sql(source_level: str, level: str) -> str:
    """SQL summing a measure stored at ``source_level`` to the areas of ``level``.

    Parameters (named): ``measure`` (id), ``start`` and ``end`` (DATE or NULL: periods that
    start on or after ``start`` and end on or before ``end``), ``codes`` (a list of area codes
    of ``level``, or NULL for all). Columns: :data:`AGGREGATE_COLUMNS`.

    An area of the measure counts towards an area of ``level`` when all its LSOAs lie inside
    it (``area_lsoas``): LSOAs always do, so LSOA measures sum exactly to wards, districts,
    CSPs, force areas and localities. A coarser area that straddles the boundary (a ward
    split between two CSPs) is left out and counted in ``areas_straddling``. Areas with nothing
    reported in a period have no row.
    """
    if source_level not in AREA_LEVELS:
        raise MeasureError(f"{source_level!r} is not a level measures are stored at.")
    # Any level of `area_lsoas` is a target (localities, and any added later); the name is
    # put into the SQL, so it must be a plain word.
    if not re.fullmatch(r"[a-z_]{1,32}", level):
        raise MeasureError(f"{level!r} is not an area level.")
    if source_level == "postcode_sector" or level == "postcode_sector":
        if source_level == level:
            return """
                SELECT measure_id, area_level AS level, area_code, NULL::VARCHAR AS area_name,
                       period_start, period_end, value, 1 AS areas_summed, 0 AS areas_straddling
                FROM measure_values
                WHERE measure_id = $measure
                  AND ($start IS NULL OR period_start >= $start)
                  AND ($end IS NULL OR period_end <= $end)
                  AND ($codes IS NULL OR list_contains($codes, area_code))
                ORDER BY area_code, period_start
            """
        raise MeasureError(
            "This measure is stored by postcode sector, and no postcode sector to LSOA lookup is "
            "loaded (none ships with Safer Places), so it cannot be summed to "
            f"{AREA_LEVELS.get(level, level)} areas; only its postcode sector counts can be read."
        )
    if (level in _COARSER and source_level in _COARSER
            and _COARSER.index(level) < _COARSER.index(source_level)):  # fmt: skip
        raise MeasureError(
            f"Counts by {AREA_LEVELS[source_level]} cannot be split into "
            f"{AREA_LEVELS[level]} areas; choose {source_level} or a coarser level."
        )
    return f"""
        WITH v AS (
            SELECT area_code, period_start, period_end, value FROM measure_values
            WHERE measure_id = $measure
              AND ($start IS NULL OR period_start >= $start)
              AND ($end IS NULL OR period_end <= $end)
        ),
        src AS (SELECT code, lsoa21_code FROM area_lsoas WHERE level = '{source_level}'
                AND code IN (SELECT DISTINCT area_code FROM v)),
        tgt AS (SELECT code, lsoa21_code FROM area_lsoas WHERE level = '{level}'
                AND ($codes IS NULL OR list_contains($codes, code))),
        size AS (SELECT code, count(*) AS n FROM src GROUP BY code),
        fit AS (
            SELECT s.code AS source_code, t.code AS target_code, count(*) = any_value(z.n) AS whole
            FROM src s JOIN tgt t USING (lsoa21_code) JOIN size z ON z.code = s.code
            GROUP BY s.code, t.code
        ),
        summed AS (
            SELECT f.target_code, v.period_start, v.period_end,
                   sum(v.value) FILTER (WHERE f.whole) AS value,
                   count(*) FILTER (WHERE f.whole) AS areas_summed,
                   count(*) FILTER (WHERE NOT f.whole) AS areas_straddling
            FROM v JOIN fit f ON f.source_code = v.area_code
            GROUP BY ALL
        )
        SELECT $measure AS measure_id, '{level}' AS level, s.target_code AS area_code,
               a.name AS area_name, s.period_start, s.period_end,
               s.value::BIGINT AS value, s.areas_summed, s.areas_straddling
        FROM summed s
        LEFT JOIN (SELECT code, name FROM areas WHERE level = '{level}') a
               ON a.code = s.target_code
        ORDER BY area_code, s.period_start
    """


def aggregate(
    con: duckdb.DuckDBPyConnection,
    measure_id: str,
    level: str,
    codes: Sequence[str] | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[dict[str, Any]]:
    """A measure summed to the areas of ``level`` (lsoa, ward, lad, csp, pfa, locality or
    postcode_sector), one dict per (area, period) with the keys :data:`AGGREGATE_COLUMNS`.

    Only ``codes`` (areas of ``level``) if given; only periods within ``start``…``end``.
    """
    defn = get_definition(con, measure_id)
    levels = [
        r[0] for r in con.execute("SELECT DISTINCT level FROM area_lsoas ORDER BY 1").fetchall()
    ]
    if level not in levels and level != "postcode_sector":
        raise MeasureError(
            f"{level!r} is not an area level; levels: {', '.join(levels)} (and postcode_sector "
            "for measures stored by postcode sector)."
        )
    sql = aggregate_sql(defn.area_level, level)
    params = {"measure": measure_id, "start": start, "end": end,
              "codes": list(codes) if codes is not None else None}  # fmt: skip
    cursor = con.execute(sql, params)
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


# --- the demo ------------------------------------------------------------------------------------


def load_demo_measure(warehouse: str | Path) -> list[str]:
    """Load the shipped illustrative measure (derived from police.uk, not real health data)
    into the warehouse at ``warehouse``; returns the summary lines."""
    con = connect(Path(warehouse))
    try:
        report = load_measure(con, DEMO_FILE, DEMO_DEFINITION)
    finally:
        con.close()
    return [
        "Loaded the illustrative partner measure 'A&E attendances for assault' (derived from "
        "police.uk violence counts; not real health data):",
        *report.summary(),
    ]


__all__ = [
    "AGGREGATE_COLUMNS",
    "AREA_LEVELS",
    "DEMO_DEFINITION",
    "DEMO_FILE",
    "MAX_UNKNOWN_SHARE",
    "PERIOD_TYPES",
    "TEMPLATE",
    "MeasureDefinition",
    "MeasureError",
    "MeasureLoadReport",
    "Period",
    "PeriodResult",
    "aggregate",
    "aggregate_sql",
    "find_definition",
    "get_definition",
    "list_measures",
    "load_demo_measure",
    "load_measure",
    "make_period",
    "open_value",
    "parse_count",
    "parse_definition",
    "parse_period",
    "read_definition",
]
