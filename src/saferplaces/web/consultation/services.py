"""Writes for consultations. Each also writes the audit log.

Importing responses is two steps, like the other imports (``saferplaces.web.transfers``): the
file is read and kept as a pending :class:`ResponseImport`; the officer maps its columns (which
is age, sex, ward, which are questions); confirming checks every row and saves all or nothing.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from saferplaces.analysis import weighting
from saferplaces.web.audit.services import record
from saferplaces.web.consultation import population
from saferplaces.web.consultation.models import (
    Consultation,
    Question,
    Response,
    ResponseImport,
    Theme,
    YouSaidWeDid,
)
from saferplaces.web.core.text import clean_text
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.plans.services import set_archived
from saferplaces.web.transfers import MAX_LISTED, ImportFileError

MAX_ROWS = 20000
ROLES = {
    "ignore": "Leave out",
    "id": "Response ID",
    "age": "Age (years or band)",
    "sex": "Sex",
    "area": "Ward",
    "choice": "Question: single choice",
    "text": "Question: free text",
}
# What the assessment's themes are called, for "how much of a problem is ..." questions.
CONCERN_GUESSES = [
    ("anti-social", "Anti-social behaviour"),
    ("drug", "Drugs"),
    ("vehicle", "Vehicle crime"),
    ("shoplifting", "Retail crime and shoplifting"),
    ("burglar", "Burglary"),
    ("domestic abuse", "Domestic abuse"),
    ("violence", "Violence"),
    ("knife", "Weapons"),
    ("fraud", "Fraud"),
    ("hate", "Hate crime and community cohesion"),
]


def _fields(obj: Any, names: list[str]) -> dict[str, Any]:
    return {n: getattr(obj, n) for n in names}


@transaction.atomic
def consultation_create(*, actor: Any, partnership: Partnership, **data: Any) -> Consultation:
    c = Consultation(partnership=partnership, **data)
    c.full_clean()
    c.save()
    record(actor=actor, verb="create", obj=c, partnership=partnership, object_label=c.title,
           summary=f"Added the consultation {c.title}")  # fmt: skip
    return c


@transaction.atomic
def consultation_update(*, actor: Any, consultation: Consultation, **data: Any) -> Consultation:
    before = _fields(consultation, list(data))
    for k, v in data.items():
        setattr(consultation, k, v)
    consultation.full_clean()
    consultation.save()
    if consultation.responses.exists():
        reweight(consultation)
    record(actor=actor, verb="update", obj=consultation, partnership=consultation.partnership,
           object_label=consultation.title, before=before, after=_fields(consultation, list(data)),
           summary=f"Changed the consultation {consultation.title}")  # fmt: skip
    return consultation


@transaction.atomic
def consultation_publish(*, actor: Any, consultation: Consultation, published: bool) -> None:
    consultation.published_at = timezone.now() if published else None
    consultation.save(update_fields=["published_at"])
    record(actor=actor, verb="publish" if published else "unpublish", obj=consultation,
           partnership=consultation.partnership, object_label=consultation.title,
           summary=("Published" if published else "Withdrew") + f" the results of {consultation.title}")  # fmt: skip


# Reading a survey platform's export ------------------------------------------------------------


def read_table(data: bytes, file_name: str) -> tuple[list[str], list[list[Any]]]:
    """(header, rows) of a CSV or XLSX export; each row starts with its row number in the file.
    Every cell goes through the workspace's text rules; a problem names file, row and column."""
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        raw = _xlsx_rows(data, file_name)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise ImportFileError(
                    f"{file_name}: save the file as CSV (UTF-8) or XLSX"
                ) from None
        csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
        try:
            raw = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            raise ImportFileError(
                f"{file_name}: the file could not be read as CSV ({exc})"
            ) from None
    if not raw or not any(c.strip() for c in raw[0]):
        raise ImportFileError(f"{file_name}: the file is empty")
    if len(raw) - 1 > MAX_ROWS:
        raise ImportFileError(f"{file_name}: more than {MAX_ROWS:,} responses. Split the file")
    problems: list[str] = []
    header = []
    for j, h in enumerate(raw[0]):
        try:
            header.append(
                clean_text(h or f"Column {j + 1}", max_length=500, field=f"Column {j + 1}'s name")
            )
        except ValidationError as exc:
            problems.append(f"{file_name}, row 1 (the header row): {exc.messages[0]}")
            header.append(f"Column {j + 1}")
    rows: list[list[Any]] = []
    for i, r in enumerate(raw[1:], start=2):
        cells: list[Any] = [i]
        for j, name in enumerate(header):
            v = r[j] if j < len(r) else ""
            try:
                cells.append(clean_text(v, max_length=5000, field=f"'{name}'", multiline=True))
            except ValidationError as exc:
                problems.append(f"{file_name}, row {i}, column '{name}': {exc.messages[0]}")
                cells.append("")
        if any(cells[1:]):
            rows.append(cells)
    if problems:
        raise ImportFileError(*_listed(problems))
    if not rows:
        raise ImportFileError(f"{file_name}: the file has a header row but no responses")
    return header, rows


def _xlsx_rows(data: bytes, file_name: str) -> list[list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ImportFileError(
            f"{file_name}: the file could not be read as an Excel workbook"
        ) from None
    ws = book.worksheets[0]
    out = []
    for row in ws.iter_rows(values_only=True):
        out.append(["" if v is None else (v.strftime("%d/%m/%Y %H:%M") if hasattr(v, "strftime")
                    else str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                    for v in row])  # fmt: skip
    book.close()
    return out


def _listed(problems: list[str]) -> list[str]:
    more = len(problems) - MAX_LISTED
    return [
        *problems[:MAX_LISTED],
        *([f"And {more:,} more problems like these"] if more > 0 else []),
    ]


def guess_mapping(header: list[str], rows: list[list[Any]]) -> dict[str, dict[str, str]]:
    """A first guess at each column's role, for the officer to check."""
    out = {}
    for j, h in enumerate(header):
        low = h.lower()
        distinct = {r[j + 1] for r in rows if r[j + 1]}
        if re.search(r"\b(response|respondent) ?id\b|^id$", low):
            role = "id"
        elif re.search(r"\b(start|completion|submitted|end)\b.*\b(time|date)\b|^(time|date)", low):
            role = "ignore"
        elif "age" in low.split() or low.startswith("age") or "your age" in low:
            role = "age"
        elif re.search(r"\b(sex|gender)\b", low):
            role = "sex"
        elif re.search(r"\bward\b", low):
            role = "area"
        elif len(distinct) <= 12:
            role = "choice"
        else:
            role = "text"
        theme = next(
            (t for k, t in CONCERN_GUESSES if role == "choice" and "problem" in low and k in low),
            "",
        )
        concern = (
            "|".join(
                sorted(
                    d
                    for d in distinct
                    if re.search(r"\b(very|fairly) big\b", d.lower())
                    and not d.lower().startswith("not")
                )
            )
            if theme
            else ""
        )
        out[str(j)] = {"role": role, "theme": theme, "concern": concern}
    return out


@transaction.atomic
def import_create(
    *, actor: Any, consultation: Consultation, file_name: str, data: bytes
) -> ResponseImport:
    header, rows = read_table(data, file_name)
    return ResponseImport.objects.create(
        consultation=consultation, file_name=file_name[:255], header=header, rows=rows,
        mapping=guess_mapping(header, rows), created_by=actor,
    )  # fmt: skip


def _age_band(v: str) -> str | None:
    v = v.strip()
    if v.isdigit():
        return population.band_of(int(v)) if int(v) <= 120 else None
    norm = v.replace("–", "-").replace(" ", "").replace("andover", "+").replace("orover", "+")
    return norm if norm in population.AGE_BANDS else None


def _sex(v: str) -> str:
    low = v.strip().lower()
    return {"f": "female", "woman": "female", "m": "male", "man": "male"}.get(low, low)


@transaction.atomic
def import_apply(*, actor: Any, batch: ResponseImport, mapping: dict[str, dict[str, str]]) -> int:
    """Checks every row against the mapping; saves every response or none."""
    batch = ResponseImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ResponseImport.Status.PENDING:
        raise ValidationError("This file has already been saved or discarded")
    c = batch.consultation
    roles = {int(j): m for j, m in mapping.items() if m.get("role", "ignore") != "ignore"}
    for role in ("age", "sex", "area", "id"):
        cols = [j for j, m in roles.items() if m["role"] == role]
        if len(cols) > 1:
            raise ValidationError(f"Choose one column for {ROLES[role].lower()}, not {len(cols)}")
    q_cols = [j for j, m in roles.items() if m["role"] in ("choice", "text")]
    if not q_cols:
        raise ValidationError("Choose at least one column as a question")
    wards = population.wards(p_selectors.area_codes(c.partnership))
    by_name = {n.casefold(): (code, n) for code, (n, _) in wards.items()}
    by_name.update({code.casefold(): (code, n) for code, (n, _) in wards.items()})
    col = {m["role"]: j for j, m in roles.items()}
    problems, out = [], []
    existing = set(c.responses.values_list("answers__response_id", flat=True)) - {None}
    seen: set[str] = set()
    for r in batch.rows:
        line = r[0]

        def where(j: int, line: int = line) -> str:
            return f"{batch.file_name}, row {line}, column '{batch.header[j]}'"

        age = sex = code = name = ""
        if "age" in col and r[col["age"] + 1]:
            band = _age_band(r[col["age"] + 1])
            if band is None:
                problems.append(f"{where(col['age'])}: '{r[col['age'] + 1]}' is not an age of 16 or over, "
                                f"or a band like 35-44 or 75+")  # fmt: skip
            else:
                age = band
        if "sex" in col:
            sex = _sex(r[col["sex"] + 1])[:20]
        if "area" in col and r[col["area"] + 1]:
            hit = by_name.get(r[col["area"] + 1].casefold())
            if hit is None:
                problems.append(f"{where(col['area'])}: '{r[col['area'] + 1]}' is not a ward of "
                                f"{c.partnership.name}")  # fmt: skip
            else:
                code, name = hit
        answers: dict[str, str] = {}
        if "id" in col:
            rid = r[col["id"] + 1]
            if rid and (rid in seen or rid in existing):
                problems.append(
                    f"{where(col['id'])}: response {rid} is in the file twice, or was imported before"
                )
            seen.add(rid)
            answers["response_id"] = rid
        for n, j in enumerate(q_cols, start=1):
            v = r[j + 1]
            if v and roles[j]["role"] == "choice" and len(v) > 200:
                problems.append(
                    f"{where(j)}: an answer to a single-choice question must be 200 characters or fewer"
                )
            answers[f"q{n}"] = v
        out.append(Response(consultation=c, source_row=line, age_band=age, sex=sex,
                            area_code=code, area_name=name, answers=answers, batch=batch))  # fmt: skip
    if problems:
        raise ValidationError(_listed(problems))
    start = c.questions.count()
    if start:
        raise ValidationError(
            "This consultation already has responses. Add the file to a new consultation"
        )
    for n, j in enumerate(q_cols, start=1):
        m = roles[j]
        Question.objects.create(
            consultation=c, code=f"q{n}", text=batch.header[j][:500], kind=m["role"], position=n,
            concern_theme=(m.get("theme") or "")[:200] if m["role"] == "choice" else "",
            concern_answers=(m.get("concern") or "")[:500] if m["role"] == "choice" else "",
        )  # fmt: skip
    Response.objects.bulk_create(out, batch_size=1000)
    batch.status, batch.applied_at, batch.mapping = (
        ResponseImport.Status.APPLIED,
        timezone.now(),
        mapping,
    )
    batch.save(update_fields=["status", "applied_at", "mapping"])
    reweight(c)
    record(actor=actor, verb="import", obj=batch, partnership=c.partnership, object_label=batch.file_name,
           summary=f"Imported {len(out)} responses to {c.title}", after={"rows": len(out)})  # fmt: skip
    return len(out)


@transaction.atomic
def import_discard(*, actor: Any, batch: ResponseImport) -> None:
    if batch.status == ResponseImport.Status.PENDING:
        batch.status = ResponseImport.Status.DISCARDED
        batch.save(update_fields=["status"])


def margins(c: Consultation) -> dict[str, dict[str, float]]:
    codes = p_selectors.area_codes(c.partnership)
    out: dict[str, dict[str, float]] = {
        "age_band": {k: float(v) for k, v in population.ages(codes).items() if v},
        "area_code": {k: float(v[1]) for k, v in population.wards(codes).items()},
    }
    if c.female_share is not None:
        out["sex"] = {"female": c.female_share, "male": 1 - c.female_share}
    return {k: v for k, v in out.items() if v}


def reweight(c: Consultation) -> None:
    """Rakes the responses to the population margins and stores each weight and the summary."""
    resp = list(c.responses.all())
    m = margins(c)
    people = [{"age_band": r.age_band, "area_code": r.area_code,
               "sex": r.sex if r.sex in ("female", "male") else ""} for r in resp]  # fmt: skip
    try:
        res = weighting.rake(people, m, cap=5.0) if resp else None
    except weighting.WeightingError as exc:
        raise ValidationError(str(exc)) from None
    if res is None:
        return
    for r, w in zip(resp, res.weights, strict=True):
        r.weight = w
    Response.objects.bulk_update(resp, ["weight"], batch_size=1000)
    described = {
        "age_band": "Age band (16+): " + population.AGE_SOURCE,
        "area_code": "Ward: " + population.AREA_SOURCE,
        "sex": f"Sex: {c.sex_source or 'as entered'}",
    }
    c.weighting = {
        "margins": [described[k] for k in m],
        "iterations": res.iterations, "converged": res.converged, "max_error": res.max_error,
        "deff": res.deff, "n_eff": res.n_eff, "n": len(resp), "cap": 5.0,
        "max_weight": max(res.weights), "min_weight": min(res.weights),
    }  # fmt: skip
    c.save(update_fields=["weighting"])


# Free-text codebook and "You said, we did" ----------------------------------------------------


@transaction.atomic
def theme_create(*, actor: Any, question: Question, name: str, keywords: str) -> Theme:
    t = Theme.objects.create(question=question, name=name, keywords=keywords,
                             position=question.themes.count() + 1)  # fmt: skip
    record(actor=actor, verb="create", obj=t, partnership=question.consultation.partnership,
           object_label=name, summary=f"Added the theme {name} to '{question.text[:80]}'")  # fmt: skip
    return t


@transaction.atomic
def theme_update(*, actor: Any, theme: Theme, name: str, keywords: str) -> Theme:
    before = {"name": theme.name, "keywords": theme.keywords}
    theme.name, theme.keywords = name, keywords
    theme.save(update_fields=["name", "keywords"])
    record(actor=actor, verb="update", obj=theme, partnership=theme.question.consultation.partnership,
           object_label=name, before=before, after={"name": name, "keywords": keywords},
           summary=f"Changed the theme {name}")  # fmt: skip
    return theme


@transaction.atomic
def theme_archive(*, actor: Any, theme: Theme) -> None:
    set_archived(actor=actor, obj=theme, partnership=theme.question.consultation.partnership,
                 archived=True, summary=f"Archived the theme {theme.name}")  # fmt: skip


@transaction.atomic
def you_said_create(*, actor: Any, consultation: Consultation, you_said: str, we_did: str,
                    action: Any = None, published: bool = False) -> YouSaidWeDid:  # fmt: skip
    if action is not None and action.priority.partnership_id != consultation.partnership_id:
        raise ValidationError({"action": "Choose one of this partnership's actions"})
    y = YouSaidWeDid.objects.create(consultation=consultation, you_said=you_said, we_did=we_did,
                                    action=action, published=published)  # fmt: skip
    record(
        actor=actor,
        verb="create",
        obj=y,
        partnership=consultation.partnership,
        object_label=you_said[:80],
        summary="Added a 'You said, we did' record",
    )
    return y


@transaction.atomic
def you_said_archive(*, actor: Any, item: YouSaidWeDid) -> None:
    set_archived(actor=actor, obj=item, partnership=item.consultation.partnership, archived=True,
                 summary="Archived a 'You said, we did' record")  # fmt: skip
