"""Background jobs on SQLite, run inline (SAFERPLACES_JOBS_INLINE, set in conftest): the record,
progress, plain failure messages, retries, the one-at-a-time lock and "completed once".
The real-worker test (killed mid-job, retried) is test_web_jobs_workers.py."""

from __future__ import annotations

import errno
import io

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils.html import escape
from django_q.models import OrmQ, Schedule

from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.integrations import DISK_FULL
from saferplaces.web.jobs import registry, services
from saferplaces.web.jobs.handlers import output_dir
from saferplaces.web.jobs.models import Job
from saferplaces.web.plans.models import Action, AssessmentRun

B = "/partnerships/borough"


@registry.register("test-disk-full", "Test: disk full", max_attempts=3)
def _disk_full(params, progress):
    progress(1, 4, "Writing")
    raise OSError(errno.ENOSPC, "No space left on device", "/var/tmp/secret-path")


@registry.register("test-locked", "Test: locked", one_at_a_time="test-lock")
def _locked(params, progress):
    progress(1, 1, "Done")
    return {"ok": True}


@pytest.fixture(scope="module")
def staffordshire_warehouse(shared_data, tmp_path_factory):
    """A real warehouse: the shipped reference data and every Staffordshire street file."""
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    path = tmp_path_factory.mktemp("jobs-warehouse") / "warehouse.duckdb"
    con = connect(path)
    load_police(con, [shared_data / "police_uk" / "staffordshire"])
    con.close()
    return path


@pytest.fixture
def media(settings, tmp_path):
    settings.SAFERPLACES_MEDIA_ROOT = tmp_path / "media"
    return settings.SAFERPLACES_MEDIA_ROOT


def test_pack_as_a_job_stores_both_documents_and_serves_them_to_members_only(
    world, client_for, media
):
    c = client_for(world.users["member"])
    r = c.post(f"{B}/jobs/pack/")
    job = Job.objects.get()
    assert r["Location"] == f"{B}/jobs/{job.pk}/"
    assert job.kind == "pack" and job.status == "succeeded" and job.attempts == 1
    assert job.requested_by == world.users["member"] and job.partnership == world.partnership
    names = [f["name"] for f in job.result["files"]]
    assert [n.rsplit(".", 1)[1] for n in names] == ["pdf", "docx"]
    assert sorted(p.name for p in output_dir(job.pk).iterdir()) == sorted(names)
    page = c.get(r["Location"]).content.decode()
    assert "Finished" in page and f"Download {names[0]}" in page
    pdf = c.get(f"{B}/jobs/{job.pk}/files/{names[0]}")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    docx = c.get(f"{B}/jobs/{job.pk}/files/{names[1]}")
    assert b"".join(docx.streaming_content)[:2] == b"PK"
    # Only names the job lists, only to people who may see the partnership.
    assert c.get(f"{B}/jobs/{job.pk}/files/..%2Fsecret_key.txt").status_code == 404
    assert client_for(world.users["outsider"]).get(f"{B}/jobs/{job.pk}/").status_code == 404
    out = client_for(world.users["outsider"]).get(f"{B}/jobs/{job.pk}/files/{names[0]}")
    assert out.status_code == 404
    verbs = list(
        AuditEvent.objects.filter(object_type="background job").values_list("verb", flat=True)
    )
    assert sorted(verbs) == ["queued", "succeeded"]


def test_progress_partial_polls_until_finished(world, client_for):
    job = Job.objects.create(
        kind="pack", partnership=world.partnership, progress_done=1, progress_total=2,
        progress_message="Preparing the Word document", status="running", attempts=1,
    )  # fmt: skip
    c = client_for(world.users["member"])
    part = c.get(f"{B}/jobs/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 2s"' in part and 'value="50"' in part
    assert "Preparing the Word document (1 of 2 steps)" in part and "<html" not in part
    Job.objects.filter(pk=job.pk).update(status="succeeded")
    done = c.get(f"{B}/jobs/{job.pk}/progress/").content.decode()
    assert "hx-trigger" not in done and "Finished" in done
    listing = c.get(f"{B}/jobs/").content.decode()
    assert f"Board performance pack #{job.pk}" in listing


def test_a_failure_is_retried_with_backoff_then_shown_in_plain_words(world, caplog):
    job = services.enqueue("test-disk-full", partnership=world.partnership)
    job.refresh_from_db()
    assert job.status == "queued" and job.attempts == 1 and job.error == DISK_FULL
    first_wait = job.next_attempt_at - job.started_at
    services.run(job.pk)
    job.refresh_from_db()
    assert job.status == "queued" and job.attempts == 2
    assert job.next_attempt_at - job.started_at > first_wait  # waits longer each time
    services.run(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.attempts == 3 and job.error == DISK_FULL
    assert "secret-path" not in job.error and "Traceback" not in job.error
    # The detail is in the log, not in front of people.
    assert "secret-path" in caplog.text
    services.run(job.pk)  # delivered again: nothing happens
    job.refresh_from_db()
    assert job.attempts == 3
    assert AuditEvent.objects.filter(object_type="background job", verb="failed").count() == 1


def test_an_assessment_that_fails_names_the_reason_and_keeps_the_failed_run(
    world, client_for, tmp_path, settings
):
    import duckdb

    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    settings.SAFERPLACES_WAREHOUSE_PATH = path
    c = client_for(world.users["analyst"])
    form = {"area_code": "E22000271", "start_0": "1", "start_1": "1", "start_2": "2025",
            "end_0": "28", "end_1": "2", "end_2": "2025", "allow_gaps": "on"}  # fmt: skip
    r = c.post(f"{B}/assessments/run/", form)
    job = Job.objects.get()
    assert r["Location"] == f"{B}/jobs/{job.pk}/"
    run = AssessmentRun.objects.get()
    assert job.status == "failed" and job.attempts == 1 and job.error == run.error
    assert job.result["assessment_run"] == run.pk
    page = c.get(r["Location"]).content.decode().split("</main>")[0]
    assert escape(run.error) in page and "See the failed run" in page and "Traceback" not in page


def test_an_assessment_runs_as_a_job_on_real_data(
    world, client_for, staffordshire_warehouse, settings
):
    settings.SAFERPLACES_WAREHOUSE_PATH = staffordshire_warehouse
    c = client_for(world.users["analyst"])
    form = {"area_code": "E22000271", "start_0": "1", "start_1": "1", "start_2": "2025",
            "end_0": "28", "end_1": "2", "end_2": "2025", "allow_gaps": "on"}  # fmt: skip
    c.post(f"{B}/assessments/run/", form)
    job = Job.objects.get()
    run = AssessmentRun.objects.get()
    assert job.status == "succeeded", job.error
    assert run.status == AssessmentRun.Status.COMPLETE and run.area_code == "E22000271"
    assert job.result["assessment_run"] == run.pk and job.checkpoint["assessment_run"] == run.pk
    assert run.result["area"]["code"] == "E22000271" or run.result.get("area_code") == "E22000271"
    # Delivered again after success (a worker that died after recording it): nothing more.
    services.run(job.pk)
    assert AssessmentRun.objects.count() == 1
    assert Job.objects.get().attempts == 1


def test_one_at_a_time_lock(world):
    holder = Job.objects.create(kind="test-locked", lock_name="test-lock", status="running")
    waiting = services.enqueue("test-locked", partnership=world.partnership)
    waiting.refresh_from_db()
    assert waiting.status == "queued" and waiting.attempts == 0
    assert waiting.progress_message == "Waiting for another job of the same kind to finish"
    # The database itself refuses a second running job with the same lock.
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.filter(pk=waiting.pk).update(status="running")
    Job.objects.filter(pk=holder.pk).update(status="succeeded")
    services.run(waiting.pk)
    waiting.refresh_from_db()
    assert waiting.status == "succeeded" and waiting.result == {"ok": True}


def test_without_inline_a_job_goes_to_the_engine_queue(
    world, settings, django_capture_on_commit_callbacks
):
    settings.SAFERPLACES_JOBS_INLINE = False
    with django_capture_on_commit_callbacks(execute=True):
        job = services.enqueue("pack", params={"partnership_id": world.partnership.pk},
                               partnership=world.partnership)  # fmt: skip
    assert Job.objects.get(pk=job.pk).status == "queued"
    assert (
        OrmQ.objects.count() == 1
        and OrmQ.objects.get().func() == "saferplaces.web.jobs.engine.deliver"
    )
    # A retry or a lock wait is a one-off schedule.
    from saferplaces.web.jobs import engine

    engine.submit_at(job.pk, job.created_at)
    assert Schedule.objects.get().schedule_type == Schedule.ONCE


def test_standing_schedules_are_created_once(db):
    from saferplaces.web.jobs import engine

    registered = {k for k in ("refresh", "reminders") if k in registry.kinds()}
    assert set(engine.ensure_schedules()) == registered
    assert engine.ensure_schedules() == []
    names = set(Schedule.objects.values_list("name", flat=True))
    assert names == {f"saferplaces:{k}" for k in registered}
    if "refresh" in registered:
        s = Schedule.objects.get(name="saferplaces:refresh")
        assert s.schedule_type == Schedule.DAILY and s.next_run.astimezone().hour in (6, 7)


def test_large_import_is_saved_by_a_job(world, client_for, settings):
    settings.SAFERPLACES_JOBS_IMPORT_BYTES = 10
    c = client_for(world.users["manager"])
    n = Action.objects.count()
    f = io.BytesIO(b"priority,action\nPriority 1,Imported by a job\n")
    f.name = "rows.csv"
    r = c.post(f"{B}/import/", {"kind": "actions", "file": f})
    batch_url = r["Location"]
    pk = int(batch_url.rstrip("/").rsplit("/", 1)[1])
    r = c.post(f"{B}/import/{pk}/confirm/")
    job = Job.objects.get(kind="import")
    assert r["Location"] == f"{B}/jobs/{job.pk}/"
    assert job.status == "succeeded" and job.result["rows"] == 1
    assert Action.objects.count() == n + 1


def test_api_lists_gets_and_queues(world, client_for, media):
    c = client_for(world.users["member"])
    r = c.post("/api/partnerships/borough/jobs/pack", {"formats": ["docx"]},
               content_type="application/json")  # fmt: skip
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "succeeded" and [f["ext"] for f in body["result"]["files"]] == ["docx"]
    assert c.get(f"/api/partnerships/borough/jobs/{body['id']}").json()["kind"] == "pack"
    assert [j["id"] for j in c.get("/api/partnerships/borough/jobs").json()] == [body["id"]]
    # A member may not run an assessment.
    r = c.post("/api/partnerships/borough/jobs/assessment",
               {"area_code": "E22000271", "start": "2025-01-01", "end": "2025-02-28"},
               content_type="application/json")  # fmt: skip
    assert r.status_code == 403
    other = client_for(world.users["outsider"])
    assert other.get(f"/api/partnerships/borough/jobs/{body['id']}").status_code == 404


def test_sweeper_delivers_a_job_whose_worker_stopped_again_at_once(
    world, settings, media, client_for, django_capture_on_commit_callbacks
):
    """A worker took the task and started the job, then died (its heartbeat stopped). The
    sweeper marks the attempt lost, audited, and releases the dead worker's queue lock, so
    the same task is taken again now, not after django-q2's 31-minute retry."""
    import datetime as dt

    from django.utils import timezone
    from django_q.brokers import get_broker

    from saferplaces.web.jobs import engine, heartbeat

    settings.SAFERPLACES_JOBS_INLINE = False
    member = world.users["member"]
    with django_capture_on_commit_callbacks(execute=True):
        job = services.enqueue(
            "pack", partnership=world.partnership, requested_by=member,
            params={"partnership_id": world.partnership.pk, "user_id": member.pk,
                    "formats": ["docx"]},
        )  # fmt: skip
    broker = get_broker()
    [(task_id, _)] = broker.dequeue()  # a worker takes the task: locked for `retry` seconds
    locked_until = OrmQ.objects.get(pk=task_id).lock
    assert locked_until > timezone.now() + dt.timedelta(minutes=30)
    assert services._start(job.pk) is not None  # ... starts the job, and is killed
    alive = Job.objects.create(kind="test-locked", status="running", attempts=1,
                               heartbeat_at=timezone.now())  # fmt: skip
    # Not yet silent for 90 s: nothing happens.
    assert heartbeat.sweep() == []
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(seconds=91))
    with django_capture_on_commit_callbacks(execute=True):
        assert heartbeat.sweep() == [job.pk]
    job.refresh_from_db()
    assert job.status == "queued" and job.attempts == 1
    assert job.error == "The worker running this job stopped; it will be tried again"
    assert Job.objects.get(pk=alive.pk).status == "running"
    # The page says what happened in plain words while the job waits.
    part = client_for(member).get(f"{B}/jobs/{job.pk}/progress/").content.decode()
    assert "The last try did not work: The worker running this job stopped" in part
    lost = AuditEvent.objects.get(object_type="background job", verb="lost")
    assert lost.object_id == str(job.pk) and lost.partnership == world.partnership
    # The same task, unlocked: no second copy in the queue to arrive later.
    assert OrmQ.objects.count() == 1 and OrmQ.objects.get().lock <= timezone.now()
    assert heartbeat.sweep() == []  # a second sweeper finds nothing to do
    [(again, _)] = broker.dequeue()
    assert again == task_id
    engine.deliver(job.pk)
    broker.acknowledge(again)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.attempts == 2 and job.error == ""
    assert [f["ext"] for f in job.result["files"]] == ["docx"]
    verbs = AuditEvent.objects.filter(object_type="background job", object_id=str(job.pk))
    assert sorted(verbs.values_list("verb", flat=True)) == ["lost", "queued", "succeeded"]
    assert OrmQ.objects.count() == 0


def test_sweeper_queues_a_fresh_task_when_the_old_one_is_gone(
    world, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    from saferplaces.web.jobs import heartbeat

    job = Job.objects.create(kind="test-locked", lock_name="test-lock", status="running",
                             attempts=1, heartbeat_at=timezone.now() - dt.timedelta(minutes=5))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert heartbeat.sweep() == [job.pk]
    assert OrmQ.objects.get().args() == (job.pk,)
    # The lock name is free again, so the job itself can run.
    services.run(job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.attempts == 2


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="The thread needs committed rows (a transactional test), and PostgreSQL refuses "
    "the runner's TRUNCATE of the append-only audit log",
)
def test_a_running_job_writes_its_heartbeat_from_a_thread(transactional_db, settings):
    import time

    from django.utils import timezone

    from saferplaces.web.jobs import heartbeat

    settings.SAFERPLACES_JOBS_HEARTBEAT = 1
    before = timezone.now()
    job = Job.objects.create(kind="test-locked", status="running", attempts=1, heartbeat_at=before)
    with heartbeat.job_heartbeat(job.pk, 1):
        time.sleep(2.5)
    first = Job.objects.get(pk=job.pk).heartbeat_at
    assert first > before
    # Another attempt's thread does not touch it.
    with heartbeat.job_heartbeat(job.pk, 2):
        time.sleep(1.5)
    assert Job.objects.get(pk=job.pk).heartbeat_at == first


def test_worker_loop_beats_and_sweeps(world, settings, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    from saferplaces.web.jobs import heartbeat
    from saferplaces.web.jobs.models import Worker

    monkeypatch.setenv(heartbeat.WORKER_ENV, "")  # restored after the test
    w = heartbeat.register_worker(2)
    Worker.objects.filter(pk=w.pk).update(last_seen_at=timezone.now() - dt.timedelta(minutes=3))
    old = Worker.objects.create(host="h", pid=1, started_at=timezone.now(),
                                last_seen_at=timezone.now() - dt.timedelta(days=8))  # fmt: skip
    assert heartbeat.workers_seen() == 0
    heartbeat.WorkerLoop(w.pk).tick(0.0)
    assert heartbeat.workers_seen() == 1
    assert not Worker.objects.filter(pk=old.pk).exists()  # forgotten after a week
    # A job started in this worker's process records the worker.
    job = services.enqueue("test-locked", partnership=world.partnership)
    assert Job.objects.get(pk=job.pk).worker_id == w.pk


def test_tasks_a_dead_worker_took_ahead_are_released_once(
    world, settings, django_capture_on_commit_callbacks
):
    """django-q2 takes a few tasks ahead of running them. When a worker stops beating, the
    first sweeper marks it stopped and unlocks the tasks of jobs still waiting; a task whose
    job another worker is running stays locked, and a second delivery of it does nothing."""
    import datetime as dt

    from django.utils import timezone
    from django_q.brokers import get_broker

    from saferplaces.web.jobs import heartbeat
    from saferplaces.web.jobs.models import Worker

    settings.SAFERPLACES_JOBS_INLINE = False
    with django_capture_on_commit_callbacks(execute=True):
        waiting = [services.enqueue("test-locked", partnership=world.partnership) for _ in "ab"]
        running = services.enqueue("test-locked", partnership=world.partnership)
    broker = get_broker()
    taken = [broker.dequeue()[0][0] for _ in range(3)]  # all three taken by one worker
    Job.objects.filter(pk=running.pk).update(
        status="running", attempts=1, heartbeat_at=timezone.now()
    )
    now = timezone.now()
    dead = Worker.objects.create(host="a", pid=10, started_at=now, last_seen_at=now)
    live = Worker.objects.create(host="b", pid=11, started_at=now, last_seen_at=now)
    assert heartbeat.sweep() == [] and not OrmQ.objects.filter(lock__lte=timezone.now()).exists()
    Worker.objects.filter(pk=dead.pk).update(last_seen_at=now + dt.timedelta(seconds=1))
    later = now + dt.timedelta(seconds=95)
    Worker.objects.filter(pk=live.pk).update(last_seen_at=later)
    Job.objects.filter(pk=running.pk).update(heartbeat_at=later)
    with django_capture_on_commit_callbacks(execute=True):
        assert heartbeat.sweep(now=later) == []
    unlocked = set(OrmQ.objects.filter(lock__lte=timezone.now()).values_list("pk", flat=True))
    assert unlocked == set(taken[:2])
    assert [j.pk for j in waiting] == [OrmQ.objects.get(pk=t).args()[0] for t in taken[:2]]
    assert Worker.objects.get(pk=dead.pk).stopped_at is not None
    assert Worker.objects.get(pk=live.pk).stopped_at is None
    # The running job delivered a second time while its worker beats: nothing happens.
    services.run(running.pk)
    assert Job.objects.get(pk=running.pk).attempts == 1
    assert Job.objects.get(pk=running.pk).status == "running"
