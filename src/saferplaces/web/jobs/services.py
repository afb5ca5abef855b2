"""Every write to a job: enqueue (audited), progress, the attempt's start, success, failure.

``run(job_id)`` is what a worker calls for each delivery of a job (see :mod:`.engine`). It is
safe to deliver a job more than once: a job already finished is left alone, and success is
recorded once, in a transaction that locks the job's row.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from saferplaces.web.audit import services as audit
from saferplaces.web.jobs import heartbeat, registry
from saferplaces.web.jobs.models import Job

log = logging.getLogger("saferplaces.web.jobs")

# Retries wait 30 s, 2 min, 8 min … (the scheduler looks every 30 s).
BACKOFF_FIRST = 30
BACKOFF_FACTOR = 4
# A job waiting for another with the same lock looks again after this many seconds.
LOCK_WAIT = 30
TRIED_TOO_OFTEN = "It was tried {n} times without finishing. Try again later, or ask your administrator to look at the server's log."


def enqueue(
    kind: str,
    *,
    params: dict[str, Any] | None = None,
    partnership: Any = None,
    requested_by: Any = None,
) -> Job:
    """Records the job and hands it to the engine once the transaction commits (at once when
    jobs run inline)."""
    from saferplaces.web.jobs import engine

    k = registry.kind(kind)
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            partnership=partnership,
            requested_by=requested_by if getattr(requested_by, "is_authenticated", False) else None,
            params=params or {},
            lock_name=k.one_at_a_time,
            max_attempts=k.max_attempts,
        )
        audit.record(
            actor=requested_by,
            verb="queued",
            obj=job,
            partnership=partnership,
            object_type="background job",
            after={"kind": kind, "params": job.params},
            summary=f"Queued: {k.label}",
        )
    if settings.SAFERPLACES_JOBS_INLINE:
        run(job.pk)
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda: engine.submit(job.pk))
    return job


class _Progress:
    """The ``progress(done, total, message)`` callable a handler gets, with its job's id and
    ``save``/``saved`` for a checkpoint kept across retries."""

    def __init__(self, job: Job) -> None:
        self.job_id = job.pk
        self.saved: dict = dict(job.checkpoint or {})

    def __call__(self, done: int, total: int, message: str = "") -> None:
        Job.objects.filter(pk=self.job_id).update(
            progress_done=max(0, int(done)),
            progress_total=max(0, int(total)),
            progress_message=str(message)[:300],
            heartbeat_at=timezone.now(),
        )

    def save(self, **data: Any) -> None:
        """Keeps ``data`` with the job; call it inside the transaction that writes the output."""
        self.saved.update(data)
        Job.objects.filter(pk=self.job_id).update(checkpoint=self.saved)


def _start(job_id: int) -> tuple[Job, registry.JobKind] | None:
    """Claims one delivery of the job: None if there is nothing to do now."""
    now = timezone.now()
    try:
        with transaction.atomic():
            job = Job.objects.select_for_update().get(pk=job_id)
            if job.finished:
                return None  # delivered again after it was recorded complete: nothing to do
            if job.status == Job.Status.RUNNING and heartbeat.alive(job, now):
                return None  # delivered twice: another worker is running it now
            try:
                k = registry.kind(job.kind)
            except LookupError:
                _finish_failed(job, "This kind of job is not known to this server.", None)
                return None
            if job.attempts >= job.max_attempts:
                _finish_failed(job, TRIED_TOO_OFTEN.format(n=job.attempts), None)
                return None
            job.status = Job.Status.RUNNING
            job.attempts += 1
            job.started_at = job.started_at or now
            job.heartbeat_at = now
            job.next_attempt_at = None
            job.worker_pid = os.getpid()
            job.worker_id = heartbeat.current_worker_id()
            job.progress_message = "Started"
            job.save()
    except IntegrityError:
        # Another job holding the same lock is running: wait for it without using an attempt.
        eta = now + dt.timedelta(seconds=LOCK_WAIT)
        Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
            progress_message="Waiting for another job of the same kind to finish",
            next_attempt_at=eta,
        )
        _later(job_id, eta)
        return None
    return job, k


def _later(job_id: int, eta: dt.datetime) -> None:
    if settings.SAFERPLACES_JOBS_INLINE:
        return
    from saferplaces.web.jobs import engine

    engine.submit_at(job_id, eta)


def _finish_failed(job: Job, message: str, result: dict | None) -> None:
    job.status = Job.Status.FAILED
    job.error = message[:500]
    job.result = result or {}
    job.finished_at = timezone.now()
    job.save()
    audit.record(
        actor=job.requested_by,
        verb="failed",
        obj=job,
        partnership=job.partnership,
        object_type="background job",
        after={"attempts": job.attempts, "error": job.error},
        summary=f"Failed: {job.label}",
    )


def _complete(job_id: int, result: dict | None) -> bool:
    """Records success once; False if it was already recorded (a second delivery)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.finished:
            return False
        job.status = Job.Status.SUCCEEDED
        job.result = result or {}
        job.error = ""
        job.finished_at = timezone.now()
        job.progress_done = max(job.progress_done, job.progress_total)
        job.progress_message = "Finished"
        job.save()
        audit.record(
            actor=job.requested_by,
            verb="succeeded",
            obj=job,
            partnership=job.partnership,
            object_type="background job",
            after={"attempts": job.attempts, "result": job.result},
            summary=f"Finished: {job.label}",
        )
    return True


def _fail(job_id: int, exc: BaseException) -> None:
    """A handler raised: JobFailed ends the job with its message; anything else is retried
    with backoff until the kind's attempts are used up. Tracebacks go to the log only."""
    from saferplaces.web.integrations import plain_failure

    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.finished:
            return
        if isinstance(exc, registry.JobFailed):
            _finish_failed(job, str(exc), exc.result)
            return
        log.error("Job %s (%s) attempt %s failed", job.pk, job.kind, job.attempts, exc_info=exc)
        message = plain_failure(exc)
        if job.attempts >= job.max_attempts:
            _finish_failed(job, message, None)
            return
        eta = timezone.now() + dt.timedelta(
            seconds=BACKOFF_FIRST * BACKOFF_FACTOR ** (job.attempts - 1)
        )
        job.status = Job.Status.QUEUED
        job.error = message[:500]
        job.next_attempt_at = eta
        job.progress_message = "Will try again"
        job.save()
    _later(job_id, eta)


def run(job_id: int) -> None:
    """One delivery of a job (called by the engine's worker, or inline)."""
    claimed = _start(job_id)
    if claimed is None:
        return
    job, k = claimed
    progress = _Progress(job)
    try:
        if settings.SAFERPLACES_JOBS_INLINE:
            result = k.handler(dict(job.params), progress)
        else:  # in a worker: a heartbeat while it runs, so the sweeper sees it is alive
            with heartbeat.job_heartbeat(job_id, job.attempts):
                result = k.handler(dict(job.params), progress)
    except Exception as exc:  # every failure is recorded on the job, never lost
        _fail(job_id, exc)
        return
    _complete(job_id, result)
