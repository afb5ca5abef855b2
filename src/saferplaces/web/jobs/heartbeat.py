"""Heartbeats and the sweeper: a job whose worker died is delivered again within ~2 minutes.

* Each worker (the cluster's main process) keeps a :class:`~.models.Worker` row and writes
  ``last_seen_at`` every ``SAFERPLACES_JOBS_HEARTBEAT`` seconds (15).
* Each running job has a thread in the process that runs it, writing the job's
  ``heartbeat_at`` every 15 s: one short UPDATE each time, no transaction held open.
* A worker silent for as long is marked stopped, and the tasks it may have taken ahead
  from the queue for jobs still waiting are released (:func:`.engine.release_waiting`).
* Every worker runs :func:`sweep` every ``SAFERPLACES_JOBS_SWEEP`` seconds (30). A running job
  silent for ``SAFERPLACES_JOBS_LOST_AFTER`` seconds (90) lost its worker: the attempt is
  marked lost (audited), and the engine delivers the job again at once
  (:func:`.engine.redeliver`). Several sweepers at once are safe: the row is taken with
  ``select_for_update(skip_locked=True)`` where the database has it (PostgreSQL) and changed
  by a conditional UPDATE (status, attempt and heartbeat unchanged), so one of them wins.

django-q2's own ``retry`` (30 min + 1) stays as the last resort, for when no sweeper runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction
from django.utils import timezone

from saferplaces.web.audit import services as audit
from saferplaces.web.jobs.models import Job, Worker

log = logging.getLogger("saferplaces.web.jobs")

LOST_MESSAGE = "The worker running this job stopped; it will be tried again"
# The environment variable a worker's processes read to know their Worker row.
WORKER_ENV = "SAFERPLACES_WORKER_ID"
FORGET_WORKERS_AFTER = dt.timedelta(days=7)


def heartbeat_seconds() -> int:
    return max(1, int(getattr(settings, "SAFERPLACES_JOBS_HEARTBEAT", 15)))


def lost_after_seconds() -> int:
    return max(1, int(getattr(settings, "SAFERPLACES_JOBS_LOST_AFTER", 90)))


def sweep_seconds() -> int:
    return max(1, int(getattr(settings, "SAFERPLACES_JOBS_SWEEP", 30)))


def current_worker_id() -> int | None:
    value = os.environ.get(WORKER_ENV, "")
    return int(value) if value.isdigit() else None


def alive(job: Job, now: dt.datetime) -> bool:
    """Whether a running job's heartbeat is recent enough that its worker is alive."""
    return (
        job.heartbeat_at is not None
        and (now - job.heartbeat_at).total_seconds() <= lost_after_seconds()
    )


# ---- the worker's own row --------------------------------------------------------------


def register_worker(processes: int) -> Worker:
    """The row for this worker; its id goes in the environment for the processes it starts."""
    now = timezone.now()
    w = Worker.objects.create(
        host=socket.gethostname()[:200],
        pid=os.getpid(),
        processes=max(1, processes),
        started_at=now,
        last_seen_at=now,
    )
    os.environ[WORKER_ENV] = str(w.pk)
    return w


def worker_beat(worker_id: int) -> None:
    Worker.objects.filter(pk=worker_id).update(last_seen_at=timezone.now(), stopped_at=None)


def worker_stopped(worker_id: int) -> None:
    Worker.objects.filter(pk=worker_id).update(stopped_at=timezone.now())


def workers_seen(within: dt.timedelta = dt.timedelta(minutes=1)) -> int:
    """How many workers wrote a heartbeat within ``within`` and have not stopped."""
    since = timezone.now() - within
    return Worker.objects.filter(last_seen_at__gte=since, stopped_at__isnull=True).count()


class WorkerLoop:
    """The worker's heartbeat and sweeper, called from its main loop (``tick``) every ~0.5 s;
    each does its work only when its interval has passed. Database errors are logged, never
    raised: the cluster keeps running and tries again next time."""

    def __init__(self, worker_id: int) -> None:
        self.worker_id = worker_id
        self._next_beat = 0.0
        self._next_sweep = 0.0

    def tick(self, now: float) -> None:
        if now < self._next_beat and now < self._next_sweep:
            return
        try:
            if connection.get_autocommit():  # not inside a transaction (as django-q2 does)
                close_old_connections()
            if now >= self._next_beat:
                self._next_beat = now + heartbeat_seconds()
                worker_beat(self.worker_id)
            if now >= self._next_sweep:
                self._next_sweep = now + sweep_seconds()
                lost = sweep()
                if lost:
                    log.warning("Delivered again the jobs whose worker stopped: %s", lost)
        except Exception:
            log.exception("The worker's heartbeat or sweep failed; trying again shortly")
            if connection.get_autocommit():
                connection.close()


# ---- a running job's heartbeat ---------------------------------------------------------


@contextmanager
def job_heartbeat(job_id: int, attempt: int) -> Iterator[None]:
    """While the block runs, a thread writes the job's ``heartbeat_at`` every 15 s (only for
    this attempt, and only while the job is still running)."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(heartbeat_seconds()):
                try:
                    Job.objects.filter(
                        pk=job_id, status=Job.Status.RUNNING, attempts=attempt
                    ).update(heartbeat_at=timezone.now())
                except Exception:
                    log.warning("Job %s: heartbeat not written", job_id, exc_info=True)
                    connections.close_all()
        finally:
            connections.close_all()  # this thread's connections only

    t = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join(timeout=10)


# ---- the sweeper -----------------------------------------------------------------------


def sweep(now: dt.datetime | None = None) -> list[int]:
    """Marks lost the running jobs silent for longer than the limit and has each delivered
    again at once. Returns their ids (those this sweeper took; another may take others)."""
    from saferplaces.web.jobs import engine

    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=lost_after_seconds())
    silent = Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=cutoff)
    lost: list[int] = []
    for pk in list(silent.values_list("pk", flat=True)[:100]):
        with transaction.atomic():
            rows = silent.filter(pk=pk)
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            job = rows.first()
            if job is None:  # another sweeper has it, or it beat or finished meanwhile
                continue
            taken = Job.objects.filter(
                pk=pk,
                status=Job.Status.RUNNING,
                attempts=job.attempts,
                heartbeat_at=job.heartbeat_at,
            ).update(
                status=Job.Status.QUEUED,
                error=LOST_MESSAGE,
                progress_message="Will try again",
                next_attempt_at=None,
            )
            if not taken:
                continue
            audit.record(
                actor=None,
                verb="lost",
                obj=job,
                partnership=job.partnership,
                object_type="background job",
                before={"status": "running", "attempt": job.attempts},
                after={"status": "queued", "error": LOST_MESSAGE},
                summary=f"Worker stopped: {job.label} (try {job.attempts})",
            )
            transaction.on_commit(lambda pk=pk: engine.redeliver(pk))
        lost.append(pk)
    for w in Worker.objects.filter(stopped_at__isnull=True, last_seen_at__lt=cutoff):
        # A worker that died: once (the first sweeper to mark it), release the tasks it may
        # have taken from the queue but not started (django-q2 takes a few ahead).
        if Worker.objects.filter(pk=w.pk, stopped_at__isnull=True).update(stopped_at=now):
            engine.release_waiting(taken_before=w.last_seen_at)
    forget = now - FORGET_WORKERS_AFTER
    Worker.objects.filter(last_seen_at__lt=forget).delete()
    return lost
