"""Exports to CSV/XLSX, and CSV imports that are checked and previewed before anything is saved."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from saferplaces.web.accounts.models import Organisation, User
from saferplaces.web.audit.services import record
from saferplaces.web.core.models import ImportBatch
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.performance import services as perf_services
from saferplaces.web.performance.models import Indicator, IndicatorValue
from saferplaces.web.plans import selectors as plan_selectors
from saferplaces.web.plans import services as plan_services
from saferplaces.web.plans.models import Action, Priority

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
        IndicatorValue.objects.filter(indicator__partnership=partnership)
        .select_related("indicator")
        .order_by("indicator__position", "indicator__name", "period")
    )
    rows = [
        [
            v.indicator_id,
            v.indicator.name,
            v.period.strftime("%Y-%m"),
            v.value,
            v.note,
            v.get_source_display(),
            v.indicator.target_value if v.indicator.target_value is not None else "",
            v.reference_value if v.reference_value is not None else "",
            v.reference_label,
        ]
        for v in qs
    ]
    return header, rows


def _safe_cell(v: Any) -> Any:
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
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
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append(list(header))
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append([_safe_cell(v) for v in r])
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
    pass


def read_csv(data: bytes, kind: str) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportFileError("The file must be a CSV saved as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ImportFileError("The file is empty")
    names = [(n or "").strip().lower().replace(" ", "_") for n in reader.fieldnames]
    missing = [c for c in REQUIRED[kind] if c not in names]
    if missing:
        raise ImportFileError(
            f"The file must have a header row with the columns {', '.join(REQUIRED[kind])} (missing: {', '.join(missing)})"
        )
    rows = []
    for i, raw in enumerate(reader):
        if i >= MAX_ROWS:
            raise ImportFileError(
                f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files"
            )
        row = {names[j]: (raw.get(orig) or "").strip() for j, orig in enumerate(reader.fieldnames)}
        if any(row.values()):
            row["_line"] = str(reader.line_num)
            rows.append(row)
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
    priorities = {p.title.casefold(): p for p in Priority.objects.filter(partnership=partnership)}
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
        title = row.get("action", "")
        if not title:
            errs.append(RowError(line, "action", "Enter the action"))
        elif len(title) > 300:
            errs.append(RowError(line, "action", "The action must be 300 characters or fewer"))
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

    inds = list(Indicator.objects.filter(partnership=partnership))
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
        prios = {p.pk: p for p in Priority.objects.filter(partnership=partnership)}
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
        inds = {i.pk: i for i in Indicator.objects.filter(partnership=partnership)}
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
