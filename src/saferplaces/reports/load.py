"""Reading ``assessment.json`` for the renderers, with errors a person can act on.

A file of another schema version, a truncated or hand-edited file, or something that is not an
assessment at all is refused with one message naming what is wrong and where (the JSON line,
or the field path such as ``categories[3].monthly[2].count``).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from saferplaces.assessment.model import SCHEMA_VERSION, Assessment


class ReportError(ValueError):
    """The input cannot be rendered; the message says why and what to do."""


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _describe(exc: ValidationError, limit: int = 5) -> str:
    lines = []
    for e in exc.errors()[:limit]:
        got = e.get("input")
        shown = ""
        if e["type"] != "missing" and not isinstance(got, dict | list):
            text = repr(got)
            shown = f" (found {text[:60]}{'…' if len(text) > 60 else ''})"
        lines.append(f"{_path(tuple(e['loc']))}: {e['msg']}{shown}")
    more = exc.error_count() - len(lines)
    if more > 0:
        lines.append(f"… and {more} more problem{'s' if more > 1 else ''}")
    return "; ".join(lines)


def parse_assessment(data: object, source: str = "the assessment") -> Assessment:
    """Validate already-decoded JSON against the assessment model."""
    if not isinstance(data, dict):
        raise ReportError(
            f"{source} is not a Safer Places assessment: expected a JSON object, found "
            f"{type(data).__name__}."
        )
    if "schema_version" not in data:
        raise ReportError(
            f"{source} has no schema_version, so it is not a Safer Places assessment file "
            "(produce one with `saferplaces assess`)."
        )
    version = data["schema_version"]
    if version != SCHEMA_VERSION:
        raise ReportError(
            f"{source} uses assessment schema version {version!r}; this version of Safer Places "
            f"reads version {SCHEMA_VERSION}. Re-run `saferplaces assess` to produce a current "
            "file, or render it with the Safer Places version that wrote it."
        )
    try:
        return Assessment.model_validate(data)
    except ValidationError as exc:
        raise ReportError(f"{source} is damaged or was edited by hand: {_describe(exc)}.") from exc


def load_assessment(path: str | Path) -> Assessment:
    """Read and validate ``assessment.json``; raise :class:`ReportError` if it cannot be used."""
    path = Path(path)
    if not path.exists():
        raise ReportError(f"No assessment file at {path}: run `saferplaces assess` first.")
    if path.is_dir():
        candidate = path / "assessment.json"
        if not candidate.exists():
            raise ReportError(f"{path} is a folder without an assessment.json in it.")
        path = candidate
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ReportError(f"{path} is not a text (UTF-8) file: {exc.reason}.") from exc
    if not text.strip():
        raise ReportError(f"{path} is empty.")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        # An assessment is one JSON object: a file that does not end with its closing brace
        # (or fails right at the end) was cut short, e.g. by a copy that did not finish.
        cut = exc.pos >= len(text.rstrip()) - 1 or not text.rstrip().endswith("}")
        hint = " (the file looks cut short)" if cut else ""
        raise ReportError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}{hint}."
        ) from exc
    return parse_assessment(data, source=str(path))
