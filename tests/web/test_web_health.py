"""/healthz, /readyz, the request id and the JSON log lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from saferplaces.web.core import health

pytestmark = pytest.mark.django_db


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(extra)
    return env


def _no_secrets(body: bytes) -> None:
    text = body.decode()
    assert "/" not in text.replace("\\/", ""), text  # no paths, no URLs
    assert "127.0.0.1" not in text and "postgres" not in text.lower()


def test_healthz_answers_without_signing_in_or_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert "no-cache" in r["Cache-Control"]


def test_readyz_reports_each_check_by_name(client, warehouse_file):
    health._migrated_at = None
    r = client.get("/readyz")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {
        "ok": True, "critical": True, "detail": "The database answers"}  # fmt: skip
    assert body["checks"]["migrations"]["detail"] == "Every migration is applied"
    assert body["checks"]["warehouse"]["detail"] == "The warehouse can be read"
    _no_secrets(r.content)


def test_readyz_with_a_warehouse_that_is_not_one_is_503(client, settings, tmp_path):
    bad = tmp_path / "warehouse.duckdb"
    bad.write_bytes(b"this is not a DuckDB file" * 200)
    settings.SAFERPLACES_WAREHOUSE_PATH = bad
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["warehouse"] == {
        "ok": False, "critical": True, "detail": "The warehouse cannot be read"}  # fmt: skip
    assert r.json()["checks"]["database"]["ok"] is True
    _no_secrets(r.content)


def test_readyz_is_503_when_the_database_does_not_answer(tmp_path):
    """A web process whose DATABASE_URL points at no server: not ready, and says which check."""
    code = (
        "import json\n"
        "from saferplaces.web.commands import setup\n"
        f"setup({str(tmp_path)!r})\n"
        "from django.test import Client\n"
        "r = Client().get('/readyz')\n"
        "h = Client().get('/healthz')\n"
        "print(json.dumps({'status': r.status_code, 'body': r.json(), 'live': h.status_code}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere",
                 SECRET_KEY="health-test-key-0123456789-abcdefghijklmnopqrstuvwxyz"),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["status"] == 503
    assert out["live"] == 200  # still alive: a restart would not help
    assert out["body"]["status"] == "not ready"
    assert out["body"]["checks"]["database"] == {
        "ok": False, "critical": True, "detail": "The database does not answer"}  # fmt: skip
    assert out["body"]["checks"]["migrations"]["ok"] is False
    assert "nowhere" not in done.stdout and "127.0.0.1" not in done.stdout


def test_request_id_is_passed_through_or_made(client):
    r = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-abc.123")
    assert r["X-Request-ID"] == "proxy-abc.123"
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz")["X-Request-ID"]
    # Free text (which could forge log lines) is replaced, not echoed.
    forged = client.get("/healthz", HTTP_X_REQUEST_ID='x" \n{"level": "ERROR"}')["X-Request-ID"]
    assert len(forged) == 32 and "\n" not in forged


def test_json_log_lines_for_a_signed_in_request(tmp_path):
    """SAFERPLACES_LOG_FORMAT=json: one JSON object per line with the request's fields."""
    code = (
        "from saferplaces.web.commands import setup, migrate\n"
        f"setup({str(tmp_path)!r})\n"
        "migrate()\n"
        "from django.test import Client\n"
        "from saferplaces.web.accounts.models import User\n"
        "u = User.objects.create_user(email='analyst@example.org', password='x-long-enough-pass')\n"
        "c = Client()\n"
        "c.force_login(u)\n"
        "r = c.get('/partnerships/', HTTP_X_REQUEST_ID='req-42')\n"
        "print('USER', u.pk, r.status_code)\n"
        "Client().get('/no-such-page/')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(SAFERPLACES_LOG_FORMAT="json", SAFERPLACES_WAREHOUSE=str(tmp_path / "none.duckdb"),
                 SECRET_KEY="log-test-key-0123456789-abcdefghijklmnopqrstuvwxyz"),
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    pk, status = done.stdout.split("USER", 1)[1].split()[:2]
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    requests = [x for x in lines if x["logger"] == "saferplaces.request"]
    page = next(x for x in requests if x["path"] == "/partnerships/")
    assert page["request_id"] == "req-42"
    assert page["user_id"] == int(pk)
    assert page["status"] == int(status) == 200
    assert page["method"] == "GET" and page["level"] == "INFO"
    assert page["message"].startswith("GET /partnerships/ 200 ")
    assert isinstance(page["duration_ms"], float) and page["duration_ms"] > 0
    assert page["time"].endswith("+00:00")
    missing = next(x for x in requests if x["path"] == "/no-such-page/")
    assert missing["status"] == 404 and missing["user_id"] is None
    # Django's own warning for the 404 carries the same request id as the request line.
    django_404 = next(x for x in lines if x["logger"] == "django.request")
    assert django_404["request_id"] == missing["request_id"]


def test_default_log_format_is_text():
    from saferplaces.logs import logging_config

    config = logging_config({})
    assert config["formatters"]["default"]["()"] == "saferplaces.logs.TextFormatter"
    assert logging_config({"SAFERPLACES_LOG_FORMAT": "json"})["formatters"]["default"]["()"] == (
        "saferplaces.logs.JsonFormatter"
    )


def test_readyz_reports_a_job_waiting_for_a_worker_without_failing(client):
    """Workers are reported, not required: pages are served while jobs wait."""
    import datetime as dt

    from django.apps import apps
    from django.utils import timezone

    if not apps.is_installed("saferplaces.web.jobs"):
        pytest.skip("the background jobs app is not installed")
    body = client.get("/readyz").json()
    assert body["checks"]["workers"] == {
        "ok": True, "critical": False, "workers": 0, "oldest_wait_seconds": None,
        "detail": "No worker seen in the last minute; no job is waiting"}  # fmt: skip
    job = apps.get_model("jobs", "Job")
    made = job.objects.create(kind="refresh", status="queued")
    job.objects.filter(pk=made.pk).update(created_at=timezone.now() - dt.timedelta(minutes=12))
    r = client.get("/readyz")
    assert r.status_code == 200
    got = r.json()["checks"]["workers"]
    assert got["ok"] is False and got["critical"] is False and got["workers"] == 0
    assert 720 <= got["oldest_wait_seconds"] <= 725
    assert (
        got["detail"]
        == "No worker seen in the last minute; the oldest waiting job has waited 12 minutes"
    )


def test_readyz_counts_workers_by_their_heartbeat_and_names_none(client, monkeypatch):
    """Two workers beating, one silent for two minutes, one stopped: two are counted, and
    the public answer has counts only (no host name, no process id)."""
    import datetime as dt
    import socket

    from django.apps import apps
    from django.utils import timezone

    if not apps.is_installed("saferplaces.web.jobs"):
        pytest.skip("the background jobs app is not installed")
    from saferplaces.web.jobs import heartbeat
    from saferplaces.web.jobs.models import Job, Worker

    now = timezone.now()
    monkeypatch.setenv(heartbeat.WORKER_ENV, "")  # restored after the test
    a = heartbeat.register_worker(2)
    Worker.objects.create(host="b", pid=41, started_at=now, last_seen_at=now)
    Worker.objects.create(
        host="c", pid=42, started_at=now, last_seen_at=now - dt.timedelta(minutes=2)
    )
    gone = Worker.objects.create(host="d", pid=43, started_at=now, last_seen_at=now)
    heartbeat.worker_stopped(gone.pk)
    heartbeat.worker_beat(a.pk)
    assert heartbeat.workers_seen() == 2
    made = Job.objects.create(kind="refresh", status="queued")
    Job.objects.filter(pk=made.pk).update(created_at=now - dt.timedelta(seconds=40))
    r = client.get("/readyz")
    assert r.status_code == 200
    got = r.json()["checks"]["workers"]
    assert got["ok"] is True and got["workers"] == 2 and 40 <= got["oldest_wait_seconds"] <= 45
    assert got["detail"].startswith(
        "2 workers seen in the last minute; the oldest waiting job has waited 4"
    )
    assert socket.gethostname() not in r.content.decode()
    assert str(a.pid) not in r.content.decode()
    _no_secrets(r.content)
