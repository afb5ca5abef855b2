"""The one set of rules for text arriving from outside: forms, imports, uploads and the API.

Text is NFC-normalised and stripped; it must not hold NUL or other C0 control characters
(multi-line fields may hold tab, newline and carriage return), nor lone surrogates, and it must
fit the field. PostgreSQL refuses NUL, neither database can encode a lone surrogate, and a
control character in a name breaks exports and screen readers: each would otherwise surface as a
server error long after the input was accepted, so the boundary refuses them with the field's name.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError

# The cap for fields the database does not bound itself (TextField, JSON text).
TEXT_CAP = 10_000

_CONTROL = re.compile(r"[\x00-\x1f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def text_problem(value: str, *, field: str, multiline: bool = False) -> str | None:
    """The plain reason ``value`` cannot be stored, or None if it can (length not checked)."""
    if _SURROGATE.search(value):
        return f"{field} contains characters that are not valid text"
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(value):
        return f"{field} must not contain control characters"
    return None


def clean_text(
    value: str,
    *,
    max_length: int | None,
    field: str,
    multiline: bool = False,
    normalise: bool = True,
) -> str:
    """``value`` normalised (NFC, stripped) and checked; ValidationError names ``field``.

    ``max_length`` None means :data:`TEXT_CAP`. ``normalise=False`` checks without changing the
    text (passwords: what was typed is what is hashed).
    """
    if _SURROGATE.search(value):  # before normalising, which cannot handle them
        raise ValidationError(f"{field} contains characters that are not valid text", code="text")
    if normalise:
        value = unicodedata.normalize("NFC", value).strip()
    problem = text_problem(value, field=field, multiline=multiline)
    if problem:
        raise ValidationError(problem, code="text")
    cap = max_length or TEXT_CAP
    if len(value) > cap:
        raise ValidationError(f"{field} must be {cap:,} characters or fewer", code="max_length")
    return value


def check_json_text(value: Any, *, field: str, path: str = "") -> None:
    """Refuses NUL, control characters (other than tab and line breaks) and lone surrogates
    anywhere in a JSON document's keys and strings, naming where: ``(at items[0].name)``."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, v = stack.pop()
        if isinstance(v, str):
            problem = text_problem(v, field=field, multiline=True)
            if problem:
                raise ValidationError(f"{problem} (at {where or 'the top'})", code="text")
        elif isinstance(v, dict):
            for k, item in reversed(list(v.items())):
                key = str(k)
                problem = text_problem(key, field=field, multiline=False)
                if problem:
                    raise ValidationError(f"{problem} (at {where or 'the top'})", code="text")
                stack.append((f"{where}.{key}" if where else key, item))
        elif isinstance(v, list | tuple):
            stack.extend((f"{where}[{i}]", item) for i, item in reversed(list(enumerate(v))))


def safe_display(value: str) -> str:
    """Text already stored that cannot be encoded (a lone surrogate kept by SQLite's JSON)
    shown with the replacement character instead of failing the whole page."""
    if _SURROGATE.search(value):
        return _SURROGATE.sub("\ufffd", value)
    return value


def label_for(name: str, label: Any = None) -> str:
    """The field's name as people see it: its label, else the name made readable."""
    text = str(label) if label else name.replace("_", " ")
    text = text.strip().rstrip("?:").strip()
    if text.lower().endswith("(optional)"):
        text = text[: -len("(optional)")].strip()
    return text[:1].upper() + text[1:]
