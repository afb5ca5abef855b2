"""Liveness and readiness, for the reverse proxy, the load balancer and the process supervisor.

``/healthz``: the process answers (touches nothing else). ``/readyz``: this process can serve
people: the database answers and is fully migrated, the warehouse can be read, and (when the
background jobs app is installed) a worker has reported recently. Each check is reported by
name; any failure of a check marked critical answers 503. Neither page needs signing in, and
neither says where anything is (no paths, host names or error texts: those go to the log).
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger("saferplaces.health")

# Once a process has seen the database fully migrated it stays so until new code is deployed
# (a restart); rechecking each poll would rebuild the migration graph every few seconds.
_MIGRATED_RECHECK_SECONDS = 300.0
_migrated_at: float | None = None
# A job due this long ago and still not started: no worker is taking jobs.
WORKER_WAIT_SECONDS = 300


def _check(ok: bool, detail: str, critical: bool = True) -> dict[str, Any]:
    return {"ok": ok, "critical": critical, "detail": detail}


def check_database() -> dict[str, Any]:
    from django.db import connections

    conn = connections["default"]
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except Exception:
        log.warning("Readiness: the database did not answer", exc_info=True)
        with contextlib.suppress(Exception):  # the connection is already unusable
            conn.close()
        return _check(False, "The database does not answer")
    return _check(True, "The database answers")


def check_migrations() -> dict[str, Any]:
    global _migrated_at
    if _migrated_at is not None and time.monotonic() - _migrated_at < _MIGRATED_RECHECK_SECONDS:
        return _check(True, "Every migration is applied")
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connections["default"])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        log.warning("Readiness: could not read the migration state", exc_info=True)
        return _check(False, "The migration state cannot be read")
    if plan:
        return _check(False, f"{len(plan)} migrations are not applied yet")
    _migrated_at = time.monotonic()
    return _check(True, "Every migration is applied")


def check_warehouse() -> dict[str, Any]:
    from saferplaces.web import integrations

    try:
        con = integrations.connect()
    except integrations.WarehouseUnavailable as exc:
        text = str(exc)
        if text == integrations.NO_WAREHOUSE:
            # A new installation serves its pages before any police data is loaded.
            return _check(True, "No police data loaded yet")
        if text == integrations.WAREHOUSE_BUSY:
            return _check(True, "The police data is being updated")
        log.warning("Readiness: the warehouse cannot be read: %s", text)
        return _check(False, "The warehouse cannot be read")
    try:
        con.execute("SELECT count(*) FROM information_schema.tables").fetchone()
    except Exception:
        log.warning("Readiness: the warehouse cannot be read", exc_info=True)
        return _check(False, "The warehouse cannot be read")
    finally:
        con.close()
    return _check(True, "The warehouse can be read")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def check_workers() -> dict[str, Any] | None:
    """Whether workers are taking jobs, if the background jobs app is installed.

    Reports how many workers wrote a heartbeat in the last minute (``workers``) and how long
    the oldest job due to start has waited (``oldest_wait_seconds``, None when none waits);
    counts only, never host names or process ids. Not ok when a job has waited longer than
    ``WORKER_WAIT_SECONDS``, or waits while no worker has been seen.

    Never critical, so never a 503 on its own: pages are served without workers (jobs wait
    in the queue, and a workspace running jobs in the request has none at all), and every web
    process shares the same workers, so a stopped worker would take every web process out
    of the load balancer at once and turn a delay into an outage. Alert on it instead.
    """
    from django.apps import apps

    if not apps.is_installed("saferplaces.web.jobs"):
        return None
    from django.db.models import Q
    from django.utils import timezone

    now = timezone.now()
    try:
        from saferplaces.web.jobs.heartbeat import workers_seen

        job = apps.get_model("jobs", "Job")
        seen = workers_seen()
        waiting = (
            job.objects.filter(status="queued")
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("created_at")
            .values_list("created_at", "next_attempt_at")
            .first()
        )
    except Exception:
        log.warning("Readiness: could not read the job queue", exc_info=True)
        return _check(False, "The job queue cannot be read", critical=False)
    workers = _plural(seen, "worker", "workers") if seen else "No worker"
    workers += " seen in the last minute"
    if waiting is None:
        result = _check(True, f"{workers}; no job is waiting", critical=False)
        return {**result, "workers": seen, "oldest_wait_seconds": None}
    due = max(t for t in waiting if t is not None)
    age = max(0, round((now - due).total_seconds()))
    waited = f"{age / 60:.0f} minutes" if age >= 120 else _plural(age, "second", "seconds")
    ok = age <= WORKER_WAIT_SECONDS and seen > 0
    result = _check(ok, f"{workers}; the oldest waiting job has waited {waited}", critical=False)
    return {**result, "workers": seen, "oldest_wait_seconds": age}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, dict[str, Any]] = {"database": check_database()}
    if checks["database"]["ok"]:
        checks["migrations"] = check_migrations()
    else:
        checks["migrations"] = _check(False, "Not checked: the database does not answer")
    checks["warehouse"] = check_warehouse()
    workers = check_workers()
    if workers is not None:
        checks["workers"] = workers
    ready = all(c["ok"] for c in checks.values() if c["critical"])
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )
