"""The glue to the queue engine, django-q2 with its ORM broker (the workspace database).

Why django-q2 (measured on this machine, see the jobs section of the workspace README): it
needs no server besides the database on SQLite and PostgreSQL alike; a job whose worker was
killed is delivered again after ``Q_CLUSTER["retry"]`` seconds; it has schedules built in.
django-tasks with its database backend leaves a killed worker's job "running" for ever and
does not retry.

Only this module talks to django-q2: ``submit`` (now), ``submit_at`` (later, for retries and
lock waits), ``redeliver`` (at once, a job whose worker stopped: see :mod:`.heartbeat`),
``release_waiting`` (what a dead worker had taken ahead), ``deliver`` (what a worker runs)
and ``ensure_schedules``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging

from django.utils import timezone

log = logging.getLogger("saferplaces.web.jobs")

DELIVER = "saferplaces.web.jobs.engine.deliver"
SCHEDULED = "saferplaces.web.jobs.engine.enqueue_scheduled"


def submit(job_id: int) -> None:
    from django_q.tasks import async_task

    async_task(DELIVER, job_id, task_name=f"job-{job_id}")


def submit_at(job_id: int, eta: dt.datetime) -> None:
    from django_q.models import Schedule

    Schedule.objects.create(
        func=DELIVER,
        args=repr((job_id,)),
        schedule_type=Schedule.ONCE,
        repeats=1,
        next_run=eta,
        name=None,
    )


def redeliver(job_id: int) -> str:
    """Delivers again at once a job whose worker stopped (found by the sweeper).

    The dead worker's task is still in django-q2's queue, locked until ``retry`` runs out:
    its lock is released, so the next free worker takes that same task (and acknowledges
    it), leaving no second copy to arrive half an hour later. If no such task is found (it
    came from a schedule that was acknowledged, or the row is gone), a fresh one is queued.
    Either way the job's own claim and once-only completion guard against a duplicate.
    Returns "released" or "queued".
    """
    from django_q.models import OrmQ

    now = timezone.now()
    for q in OrmQ.objects.filter(lock__gt=now).only("pk", "payload", "lock"):
        mine = q.func() == DELIVER and tuple(q.args() or ()) == (job_id,)
        if mine and OrmQ.objects.filter(pk=q.pk, lock=q.lock).update(lock=now):
            log.info("Job %s: released its queue lock (task %s)", job_id, q.pk)
            return "released"
    submit(job_id)
    log.info("Job %s: queued again", job_id)
    return "queued"


def release_waiting(taken_before: dt.datetime) -> list[int]:
    """Releases the queue locks taken before ``taken_before`` on tasks of jobs still waiting
    (status queued): a worker that died held them ahead of running them. A live worker may
    hold some of them too; if it delivers one after another worker ran it, the job's claim
    does nothing (finished, or running with a fresh heartbeat). Returns the job ids."""
    from django_q.conf import Conf
    from django_q.models import OrmQ

    from saferplaces.web.jobs.models import Job

    now = timezone.now()
    retry = dt.timedelta(seconds=Conf.RETRY)
    released = []
    for q in OrmQ.objects.filter(lock__gt=now, lock__lte=taken_before + retry):
        args = tuple(q.args() or ())
        if q.func() != DELIVER or len(args) != 1:
            continue
        if not Job.objects.filter(pk=args[0], status=Job.Status.QUEUED).exists():
            continue
        if OrmQ.objects.filter(pk=q.pk, lock=q.lock).update(lock=now):
            released.append(args[0])
    if released:
        log.warning("Released the queued tasks a stopped worker held: jobs %s", released)
    return released


def deliver(job_id: int) -> None:
    """What a worker runs for each delivery of a job."""
    from saferplaces.web.jobs.services import run

    run(job_id)


def enqueue_scheduled(kind: str) -> int | None:
    """Run by a schedule: queues one job of ``kind`` (nobody asked, no partnership)."""
    from saferplaces.web.jobs import registry, services

    if kind not in registry.kinds():
        log.warning("Scheduled job kind %s is not registered on this worker", kind)
        return None
    return services.enqueue(kind).pk


# The standing schedules: kind -> (q2 schedule type, first run).
def _next_at(hour: int | None) -> dt.datetime:
    now = timezone.localtime()
    if hour is None:  # next whole hour
        return (now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    at = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at > now else at + dt.timedelta(days=1)


def ensure_schedules() -> list[str]:
    """Creates, once, the daily 06:00 refresh and the hourly reminders, for the kinds that are
    registered. Run at every worker start; an existing schedule is left as it is."""
    from django_q.models import Schedule

    from saferplaces.web.jobs import registry

    wanted = {
        "refresh": (Schedule.DAILY, 6),
        "reminders": (Schedule.HOURLY, None),
    }
    made = []
    for kind, (stype, hour) in wanted.items():
        if kind not in registry.kinds():
            continue
        _, created = Schedule.objects.get_or_create(
            name=f"saferplaces:{kind}",
            defaults={
                "func": SCHEDULED,
                "args": repr((kind,)),
                "schedule_type": stype,
                "repeats": -1,
                "next_run": _next_at(hour),
            },
        )
        if created:
            made.append(kind)
    return made


def run_worker(processes: int = 1, parent_pid: int | None = None) -> None:
    """Runs a django-q2 cluster of ``processes`` worker processes until SIGTERM or Ctrl+C.

    ``parent_pid``: the `serve` process that started this one; if it disappears (killed
    outright), this worker and its processes end too rather than linger.
    """
    import os
    import signal
    import threading
    import time

    from django_q.cluster import Cluster
    from django_q.conf import Conf

    from saferplaces.web.jobs import heartbeat

    Conf.WORKERS = max(1, processes)
    # Before the cluster starts, so its processes inherit the row's id in their environment.
    me = heartbeat.register_worker(processes)
    loop = heartbeat.WorkerLoop(me.pk)
    made = ensure_schedules()
    if made:
        log.info("Created the schedules for %s", ", ".join(made))
    if parent_pid is not None:

        def watch_parent() -> None:
            while os.getppid() == parent_pid:
                time.sleep(1)
            os.killpg(os.getpgid(0), signal.SIGKILL)

        threading.Thread(target=watch_parent, daemon=True).start()
    from django.db import connections

    connections.close_all()  # the cluster's processes must not share this one's connection
    cluster = Cluster()
    cluster.start()
    try:
        while cluster.sentinel.is_alive():
            loop.tick(time.monotonic())
            time.sleep(0.5)
    finally:
        with contextlib.suppress(Exception):
            heartbeat.worker_stopped(me.pk)
