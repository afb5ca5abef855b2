"""The kinds of background job Safer Places runs, and the functions that do them.

A job kind is registered once, next to the code it runs::

    from saferplaces.web.jobs.registry import register

    @register("refresh", "Monthly police data refresh", max_attempts=5, one_at_a_time="warehouse")
    def run_refresh(params: dict, progress: Progress) -> dict:
        progress(0, 3, "Checking data.police.uk for new months")
        ...
        return {"months_loaded": ["2025-05"]}

A handler takes JSON-able ``params`` and a ``progress(done, total, message)`` callable, and
returns a JSON-able summary shown on the job's page. It must be safe to run again after a
worker was killed part-way (the engine delivers a job again until it is recorded complete).
``one_at_a_time`` names a lock: two jobs with the same lock name never run together.
Raising :class:`JobFailed` ends the job with that plain-English message and no retry; any
other exception is retried with backoff up to ``max_attempts``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class Progress(Protocol):
    def __call__(self, done: int, total: int, message: str = "") -> None: ...


Handler = Callable[[dict, Progress], dict | None]


class JobFailed(Exception):
    """A job cannot succeed by trying again; the message is shown to people as it is.

    ``result`` (optional) is kept as the job's summary, e.g. the failed record to look at."""

    def __init__(self, message: str, result: dict | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    handler: Handler
    max_attempts: int = 3
    one_at_a_time: str | None = None


_KINDS: dict[str, JobKind] = {}


def register(
    name: str, label: str, *, max_attempts: int = 3, one_at_a_time: str | None = None
) -> Callable[[Handler], Handler]:
    def decorate(fn: Handler) -> Handler:
        if name in _KINDS and _KINDS[name].handler is not fn:
            raise ValueError(f"Job kind {name!r} is registered twice")
        _KINDS[name] = JobKind(name, label, fn, max_attempts, one_at_a_time)
        return fn

    return decorate


def kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"No job kind {name!r}; known: {', '.join(sorted(_KINDS))}") from None


def kinds() -> dict[str, JobKind]:
    return dict(_KINDS)
