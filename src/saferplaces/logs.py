"""Logging for every Safer Places process (web, workers, the refresher, the command line).

``SAFERPLACES_LOG_FORMAT=json`` writes one JSON object per line, for a log collector: ``time``
(UTC, ISO 8601), ``level``, ``logger``, ``message`` and, inside a web request, ``request_id``,
``user_id``, ``method``, ``path``, ``status`` and ``duration_ms``; an error adds ``exception``.
Otherwise (the default) lines stay human-readable. ``SAFERPLACES_LOG_LEVEL`` sets the level of
Safer Places' own loggers (INFO by default; Django's stay at WARNING unless it is set).

:class:`RequestLogMiddleware` gives each web request an id: the ``X-Request-ID`` header the
reverse proxy sent (if it is a plain token), otherwise a new one. The id is returned in the
response's ``X-Request-ID`` header and attached to every line logged while the request runs,
and the request itself is logged once it is answered (logger ``saferplaces.request``).
Health checks are logged at DEBUG so a load balancer's polling does not fill the log.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

REQUEST_ID_HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"
# What a proxy may pass through: a token, not free text that could forge log lines.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
QUIET_PATHS = frozenset({"/healthz", "/readyz"})

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "saferplaces_request", default=None
)
REQUEST_FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms")


def current_request_id() -> str | None:
    ctx = _context.get()
    return ctx.get("request_id") if ctx else None


class RequestContextFilter(logging.Filter):
    """Copies the current request's id, user and path onto every record logged during it."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = _context.get() or {}
        request = getattr(record, "request", None)
        if not ctx and getattr(request, "request_id", None):
            # Django logs an error response after the middleware has returned, passing the
            # request itself: take the id from it.
            ctx = {"request_id": request.request_id, "method": request.method,
                   "path": request.path}  # fmt: skip
        for key in REQUEST_FIELDS:
            if not hasattr(record, key):
                setattr(record, key, ctx.get(key))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in REQUEST_FIELDS:
            out[key] = getattr(record, key, None)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The human-readable default: the message, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        rid = getattr(record, "request_id", None)
        return f"{text} [{rid}]" if rid and record.name != "saferplaces.request" else text


def logging_config(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Django's LOGGING setting (a ``logging.config.dictConfig`` dict) from the environment."""
    env = os.environ if env is None else env
    fmt = (env.get("SAFERPLACES_LOG_FORMAT") or "text").strip().lower()
    level = env.get("SAFERPLACES_LOG_LEVEL")
    formatter = (
        {"()": "saferplaces.logs.JsonFormatter"}
        if fmt == "json"
        else {"()": "saferplaces.logs.TextFormatter", "format": "%(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": "saferplaces.logs.RequestContextFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request"],
            }
        },
        "loggers": {
            "django": {"handlers": ["console"], "level": level or "WARNING"},
            "saferplaces": {"handlers": ["console"], "level": level or "INFO"},
        },
    }


request_log = logging.getLogger("saferplaces.request")


def _user_id(request: Any) -> int | str | None:
    user = getattr(request, "user", None)
    if user is None:
        return None
    # Only if something already loaded the user: logging must not cost a query.
    wrapped = getattr(user, "_wrapped", user)
    from django.utils.functional import empty

    if wrapped is empty or wrapped is None:
        return None
    return wrapped.pk if getattr(wrapped, "is_authenticated", False) else None


class RequestLogMiddleware:
    """First in MIDDLEWARE: request id in and out, and one log line per request."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        incoming = request.META.get(_META_KEY, "")
        rid = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        ctx = {"request_id": rid, "method": request.method, "path": request.path}
        token = _context.set(ctx)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = rid
            ctx["status"] = response.status_code
            return response
        except BaseException:
            ctx["status"] = 500
            raise
        finally:
            ctx["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
            ctx["user_id"] = _user_id(request)
            status = ctx.get("status")
            if request.path in QUIET_PATHS:
                level = logging.DEBUG
            else:
                level = logging.ERROR if (status or 500) >= 500 else logging.INFO
            if request_log.isEnabledFor(level):
                request_log.log(
                    level,
                    "%s %s %s %.1f ms",
                    request.method,
                    request.path,
                    status,
                    ctx["duration_ms"],
                )
            _context.reset(token)
