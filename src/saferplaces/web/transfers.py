"""Exports to CSV/XLSX, and CSV imports that are checked and previewed before anything is saved."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from saferplaces.web.accounts.models import Organisation, User
from saferplaces.web.audit.services import record
from saferplaces.web.core.models import ImportBatch
from saferplaces.web.core.text import clean_text, label_for, safe_display
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.performance import selectors as perf_selectors
from saferplaces.web.performance import services as perf_services
from saferplaces.web.performance.models import IndicatorValue
from saferplaces.web.plans import selectors as plan_selectors
from saferplaces.web.plans import services as plan_services
from saferplaces.web.plans.models import Action

MAX_ROWS = 5000

ACTION_COLUMNS = [
    "priority",
    "action",
    "description",
    "owner_email",
    "organisation",
    "due_date",
    "status",
    "rag",
]
VALUE_COLUMNS = ["indicator", "period", "value", "note"]
REQUIRED = {"actions": ["priority", "action"], "values": ["indicator", "period", "value"]}


# Exports --------------------------------------------------------------------------------------


def action_rows(partnership: Partnership) -> tuple[list[str], list[list[Any]]]:
    header = ["id", *ACTION_COLUMNS, "overdue", "last_update"]
    rows = []
    for a in plan_selectors.flag_actions(
        plan_selectors.actions(partnership).order_by("priority__position", "due_date", "id")
    ):
        rows.append(
            [
                a.pk,
                a.priority.title,
                a.title,
                a.description,
                a.owner.email if a.owner else "",
                a.organisation.name if a.organisation else "",
                a.due_date.isoformat() if a.due_date else "",
                a.get_status_display(),
                a.rag,
                "yes" if a.overdue else "no",
                timezone.localtime(a.last_update_at).strftime("%Y-%m-%d %H:%M")
                if a.last_update_at
                else "",
            ]
        )
    return header, rows


def value_rows(partnership: Partnership) -> tuple[list[str], list[list[Any]]]:
    header = [
        "indicator_id",
        *VALUE_COLUMNS,
        "source",
        "target",
        "reference_value",
        "reference_label",
    ]
    qs = (
        IndicatorValue.objects.filter(
            indicator__in=perf_selectors.current_indicators(partnership).values("pk")
        )
        .select_related("indicator")
        .order_by("indicator__position", "indicator__name", "period")
    )
    rows = [
        [
            v.indicator_id,
            v.indicator.name,
            v.period.strftime("%Y-%m"),
            # A partner measure's small numbers are suppressed below its declared threshold.
            _open(v.indicator, v.value),
            v.note,
            v.get_source_display(),
            v.indicator.target_value if v.indicator.target_value is not None else "",
            v.reference_value if v.reference_value is not None else "",
            v.reference_label,
        ]
        for v in qs
    ]
    return header, rows


def _open(indicator: Any, value: float) -> Any:
    shown = perf_selectors.shown_value(indicator, value)
    return f"Fewer than {indicator.suppress_below}" if shown is None else shown


def _safe_cell(v: Any) -> Any:
    if not isinstance(v, str):
        return v
    # Text stored before the boundary checks must not make the download fail.
    v = safe_display(v)
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    if v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([_safe_cell(v) for v in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM so Excel reads UTF-8


def to_xlsx(sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append(list(header))
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        # A worksheet cannot hold control characters at all (openpyxl refuses the whole file).
        ws.append(
            [
                ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c
                for c in map(_safe_cell, r)
            ]
        )
    ws.freeze_panes = "A2"
    for col in ws.columns:
        width = max(len(str(c.value or "")) for c in col[:200])
        ws.column_dimensions[col[0].column_letter].width = min(60, max(10, width + 2))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# Imports --------------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int  # file line number (the header is line 1)
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportFileError(ValueError):
    """The file cannot be imported at all; ``messages`` are plain lines naming row and column."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


# Most problems listed for one file before "and N more": enough to fix the file, not a wall.
MAX_LISTED = 10


def _column_rules() -> dict[str, tuple[int | None, bool]]:
    """Each known column's length limit (its model field's max_length, or the text cap) and
    whether it may hold line breaks."""
    from saferplaces.web.performance.models import Indicator
    from saferplaces.web.plans.models import Priority

    def cap(model: Any, name: str) -> int | None:
        return model._meta.get_field(name).max_length

    return {
        "priority": (cap(Priority, "title"), False),
        "action": (cap(Action, "title"), False),
        "description": (None, True),
        "owner_email": (cap(User, "email"), False),
        "organisation": (cap(Organisation, "name"), False),
        "indicator": (cap(Indicator, "name"), False),
        "note": (None, True),
        # Dates, statuses, ratings, periods and numbers: short, whatever is typed.
        "due_date": (100, False),
        "status": (100, False),
        "rag": (100, False),
        "period": (100, False),
        "value": (100, False),
    }


def read_csv(data: bytes, kind: str) -> list[dict[str, str]]:
    """The file's rows as {column: text}, every cell through the workspace's text rules; raises
    ImportFileError naming each row and column that breaks them, so nothing half-read is kept."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportFileError("The file must be a CSV saved as UTF-8") from None
    # The csv module refuses a cell over 131,072 characters with an error naming no row or
    # column. No cell can be longer than the file, so lift the limit that far and let the column
    # rules below refuse long cells by name.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.DictReader(io.StringIO(text))
    try:
        fieldnames = reader.fieldnames
    except csv.Error:
        raise ImportFileError("Row 1: the header row could not be read as CSV") from None
    if not fieldnames:
        raise ImportFileError("The file is empty")
    problems: list[str] = []
    names = []
    for j, n in enumerate(fieldnames):
        try:
            names.append(
                clean_text(n or "", max_length=100, field=f"Column {j + 1}'s name")
                .lower()
                .replace(" ", "_")
            )
        except ValidationError as exc:
            problems.append(f"Row 1 (the header row): {exc.messages[0]}")
            names.append(f"column_{j + 1}")
    if problems:
        raise ImportFileError(*problems)
    missing = [c for c in REQUIRED[kind] if c not in names]
    if missing:
        raise ImportFileError(
            f"The file must have a header row with the columns {', '.join(REQUIRED[kind])} (missing: {', '.join(missing)})"
        )
    rules = _column_rules()
    rows = []
    for i in itertools.count():
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error:
            raise ImportFileError(
                *problems[:MAX_LISTED],
                f"Row {reader.line_num + 1}: this row could not be read as CSV. Check its quotation marks",
            ) from None
        if i >= MAX_ROWS:
            raise ImportFileError(
                f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files"
            )
        line = reader.line_num
        row = {}
        for j, orig in enumerate(fieldnames):
            column = names[j]
            max_length, multiline = rules.get(column, (None, True))
            try:
                row[column] = clean_text(
                    raw.get(orig) or "",
                    max_length=max_length,
                    field=label_for(column),
                    multiline=multiline,
                )
            except ValidationError as exc:
                problems.append(f"Row {line}, {column.replace('_', ' ')}: {exc.messages[0]}")
                row[column] = ""
        if any(row.values()):
            row["_line"] = str(line)
            rows.append(row)
    if problems:
        more = len(problems) - MAX_LISTED
        raise ImportFileError(
            *problems[:MAX_LISTED],
            *([f"And {more:,} more problems like these"] if more > 0 else []),
        )
    if not rows:
        raise ImportFileError("The file has a header row but no data rows")
    return rows


def _date(s: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    return None


def _status(s: str) -> str | None:
    key = s.strip().lower().replace(" ", "_")
    if not key:
        return Action.Status.NOT_STARTED
    for value, label in Action.Status.choices:
        if key in (value, label.lower().replace(" ", "_")):
            return value
    return None


@dataclass
class Checked:
    clean: list[dict[str, Any]]
    errors: list[RowError]


def check_actions(partnership: Partnership, rows: list[dict[str, str]]) -> Checked:
    priorities = {p.title.casefold(): p for p in plan_selectors.current_priorities(partnership)}
    people = {
        u.email.lower(): u
        for u in User.objects.filter(memberships__partnership=partnership).distinct()
    }
    orgs = {o.name.casefold(): o for o in Organisation.objects.all()}
    clean, errors = [], []
    for row in rows:
        line, errs = int(row["_line"]), []
        pr = priorities.get(row.get("priority", "").casefold())
        if not row.get("priority"):
            errs.append(RowError(line, "priority", "Enter the priority"))
        elif pr is None:
            errs.append(
                RowError(
                    line,
                    "priority",
                    f"'{row['priority']}' is not one of the partnership's priorities",
                )
            )
        title = row.get("action", "")  # within Action.title's length: read_csv bounds it
        if not title:
            errs.append(RowError(line, "action", "Enter the action"))
        owner = None
        if row.get("owner_email"):
            owner = people.get(row["owner_email"].lower())
            if owner is None:
                errs.append(
                    RowError(
                        line,
                        "owner_email",
                        f"{row['owner_email']} is not a member of the partnership",
                    )
                )
        org = None
        if row.get("organisation"):
            org = orgs.get(row["organisation"].casefold())
            if org is None:
                errs.append(
                    RowError(
                        line, "organisation", f"'{row['organisation']}' is not a known organisation"
                    )
                )
        due = None
        if row.get("due_date"):
            due = _date(row["due_date"])
            if due is None:
                errs.append(
                    RowError(
                        line,
                        "due_date",
                        "The due date must be a real date, like 2026-03-31 or 31/03/2026",
                    )
                )
        status = _status(row.get("status", ""))
        if status is None:
            errs.append(
                RowError(
                    line,
                    "status",
                    "The status must be Not started, In progress, On hold, Complete or Cancelled",
                )
            )
        rag = row.get("rag", "").lower()
        if rag not in ("", "red", "amber", "green"):
            errs.append(RowError(line, "rag", "The RAG rating must be red, amber, green or empty"))
        if errs:
            errors.extend(errs)
            continue
        clean.append(
            {
                "line": line,
                "priority_id": pr.pk,
                "priority": pr.title,
                "title": title,
                "description": row.get("description", ""),
                "owner_id": owner.pk if owner else None,
                "owner": owner.display_name if owner else "",
                "organisation_id": org.pk if org else None,
                "organisation": org.name if org else "",
                "due_date": due.isoformat() if due else None,
                "status": status,
                "rag": rag,
            }
        )
    return Checked(clean, errors)


def check_values(partnership: Partnership, rows: list[dict[str, str]], user: Any) -> Checked:
    from saferplaces.web import permissions as perm

    inds = list(perf_selectors.current_indicators(partnership))
    by_name = {i.name.casefold(): i for i in inds}
    by_id = {str(i.pk): i for i in inds}
    this_month = timezone.localdate().replace(day=1)
    clean, errors, seen = [], [], set()
    for row in rows:
        line, errs = int(row["_line"]), []
        key = row.get("indicator", "")
        ind = by_id.get(key) or by_name.get(key.casefold())
        if not key:
            errs.append(RowError(line, "indicator", "Enter the indicator's name"))
        elif ind is None:
            errs.append(
                RowError(line, "indicator", f"'{key}' is not one of the partnership's indicators")
            )
        elif ind.is_warehouse:
            errs.append(
                RowError(
                    line,
                    "indicator",
                    f"'{ind.name}' is computed from the warehouse and cannot be imported",
                )
            )
        elif not perm.can(user, partnership, perm.ENTER_VALUE, ind):
            errs.append(RowError(line, "indicator", f"You cannot enter values for '{ind.name}'"))
        period = None
        try:
            y, m = row.get("period", "").split("-")[:2]
            period = dt.date(int(y), int(m), 1)
        except ValueError:
            errs.append(
                RowError(line, "period", "The period must be a year and month, like 2025-09")
            )
        if period and period > this_month:
            errs.append(RowError(line, "period", "The period cannot be in the future"))
        value = None
        try:
            value = float(row.get("value", "").replace(",", ""))
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError
        except ValueError:
            errs.append(RowError(line, "value", "The value must be a number, like 42 or 3.5"))
        if ind is not None and period is not None and (ind.pk, period) in seen:
            errs.append(
                RowError(
                    line,
                    "period",
                    f"'{ind.name}' already has a value for {period:%Y-%m} earlier in the file",
                )
            )
        if errs:
            errors.extend(errs)
            continue
        seen.add((ind.pk, period))
        clean.append(
            {
                "line": line,
                "indicator_id": ind.pk,
                "indicator": ind.name,
                "period": period.isoformat(),
                "value": value,
                "note": row.get("note", ""),
            }
        )
    return Checked(clean, errors)


def check(partnership: Partnership, kind: str, rows: list[dict[str, str]], user: Any) -> Checked:
    return (
        check_actions(partnership, rows)
        if kind == "actions"
        else check_values(partnership, rows, user)
    )


@transaction.atomic
def batch_create(
    *, actor: User, partnership: Partnership, kind: str, file_name: str, data: bytes
) -> ImportBatch:
    """Reads and checks the file. Keeps it as a pending batch; saves nothing to the plan."""
    rows = read_csv(data, kind)
    checked = check(partnership, kind, rows, actor)
    return ImportBatch.objects.create(
        partnership=partnership,
        kind=kind,
        file_name=file_name[:255],
        rows=rows,
        errors=[e.as_dict() for e in checked.errors],
        created_by=actor,
    )


@transaction.atomic
def batch_apply(*, actor: User, batch: ImportBatch) -> int:
    """Saves every row, or none: the rows are checked again in case the plan changed since."""
    if batch.status != ImportBatch.Status.PENDING:
        raise ImportFileError("This import has already been saved or discarded")
    partnership = batch.partnership
    checked = check(partnership, batch.kind, batch.rows, actor)
    if checked.errors:
        ImportBatch.objects.filter(pk=batch.pk).update(errors=[e.as_dict() for e in checked.errors])
        raise ImportFileError("The file has errors. Correct them and upload it again")
    if batch.kind == "actions":
        prios = {p.pk: p for p in plan_selectors.current_priorities(partnership)}
        users = {
            u.pk: u
            for u in User.objects.filter(
                pk__in=[r["owner_id"] for r in checked.clean if r["owner_id"]]
            )
        }
        orgs = {
            o.pk: o
            for o in Organisation.objects.filter(
                pk__in=[r["organisation_id"] for r in checked.clean if r["organisation_id"]]
            )
        }
        for r in checked.clean:
            plan_services.action_create(
                actor=actor,
                priority=prios[r["priority_id"]],
                title=r["title"],
                description=r["description"],
                owner=users.get(r["owner_id"]),
                organisation=orgs.get(r["organisation_id"]),
                due_date=dt.date.fromisoformat(r["due_date"]) if r["due_date"] else None,
                status=r["status"],
                rag=r["rag"],
            )
    else:
        inds = {i.pk: i for i in perf_selectors.current_indicators(partnership)}
        for r in checked.clean:
            perf_services.value_set(
                actor=actor,
                indicator=inds[r["indicator_id"]],
                period=dt.date.fromisoformat(r["period"]),
                value=r["value"],
                note=r["note"],
                source=IndicatorValue.Source.IMPORT,
            )
    batch.status, batch.applied_at = ImportBatch.Status.APPLIED, timezone.now()
    batch.save(update_fields=["status", "applied_at"])
    record(
        actor=actor,
        verb="import",
        obj=batch,
        partnership=partnership,
        object_label=batch.file_name,
        summary=f"Imported {len(checked.clean)} {batch.get_kind_display().lower()}",
        after={"rows": len(checked.clean), "kind": batch.kind},
    )
    return len(checked.clean)


def batch_preview(batch: ImportBatch) -> Checked:
    return check(batch.partnership, batch.kind, batch.rows, batch.created_by)
