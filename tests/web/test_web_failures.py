"""Failures are honest: a held lock, a failed run or a refused body says so in one plain line.

Real code paths throughout: a second process holds DuckDB's write lock on a real warehouse file,
the real assessment engine runs against a database that is not a warehouse, and the API gets a
real 20 MB body.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from django.test import Client
from django.utils.html import escape

from saferplaces.web.accounts.services import api_token_create
from saferplaces.web.performance.models import WarehouseSync
from saferplaces.web.plans.models import AssessmentRun

pytestmark = pytest.mark.django_db
B = "/partnerships/borough"
API = "/api/partnerships/borough"
LOCKED = "The police data is being updated; try again in a few minutes"

# What must never reach a page: interpreter paths, process ids, tracebacks, exception names.
LEAKS = re.compile(
    r"PID|pid \d|/usr/|/work/|\.venv|python3|Traceback|File \"|Error:|Exception|IO Error"
)


@pytest.fixture
def write_lock(warehouse_file):
    """Another process holds the warehouse open for writing, as a monthly load does."""
    code = (
        "import duckdb, sys, time\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "con.execute('BEGIN TRANSACTION')\n"
        "print('locked', flush=True)\n"
        "sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(warehouse_file)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "locked"
    yield warehouse_file
    proc.stdin.close()
    proc.wait(timeout=30)


def banners(html: str) -> list[tuple[str, str]]:
    """(title, text) of every GOV.UK notification banner on the page."""
    return [
        (t.strip(), re.sub(r"<[^>]+>", "", b).strip())
        for t, b in re.findall(
            r'notification-banner__title"[^>]*>(.*?)</h2>.*?notification-banner__heading">(.*?)</p>',
            html,
            re.S,
        )
    ]


def test_refresh_during_a_warehouse_load_says_it_is_busy(world, client_for, write_lock):
    c = client_for(world.users["manager"])
    r = c.post(f"{B}/performance/refresh/", follow=True)
    assert r.status_code == 200
    shown = banners(r.content.decode())
    assert shown == [("Important", LOCKED)], shown
    assert "Success" not in r.content.decode().split("</main>")[0]
    assert "Last computed" not in r.content.decode()  # nothing was computed
    sync = WarehouseSync.objects.first()
    assert sync.stamp == "" and sync.message == LOCKED


def test_refresh_after_the_load_finishes_computes_figures(world, client_for, warehouse_file):
    c = client_for(world.users["manager"])
    r = c.post(f"{B}/performance/refresh/", follow=True)
    (title, text), *_ = banners(r.content.decode())
    # Tamworth's anti-social behaviour in January and February 2025, from police.uk.
    assert title == "Success" and text.endswith("2 monthly values"), text


def _run_form() -> dict[str, str]:
    return {
        "area_code": "E22000271",
        "start_0": "1",
        "start_1": "1",
        "start_2": "2025",
        "end_0": "28",
        "end_1": "2",
        "end_2": "2025",
        "allow_gaps": "on",
    }


def test_assessment_run_during_a_load_shows_one_plain_line(world, client_for, write_lock):
    c = client_for(world.users["analyst"])
    r = c.post(f"{B}/assessments/run/", _run_form(), follow=True)
    assert r.status_code == 200
    run = AssessmentRun.objects.get()
    assert run.status == AssessmentRun.Status.FAILED and run.error == LOCKED
    main = r.content.decode().split("</main>")[0]
    assert LOCKED in main and not LEAKS.search(main), LEAKS.search(main)


def test_assessment_run_on_a_broken_warehouse_shows_one_plain_line(
    world, client_for, tmp_path, settings
):
    import duckdb

    # A real DuckDB file with none of the warehouse's views: the engine itself fails.
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    settings.SAFERPLACES_WAREHOUSE_PATH = path
    c = client_for(world.users["analyst"])
    r = c.post(f"{B}/assessments/run/", _run_form(), follow=True)
    assert r.status_code == 200
    run = AssessmentRun.objects.get()
    assert run.status == AssessmentRun.Status.FAILED
    assert "\n" not in run.error and not LEAKS.search(run.error), run.error
    main = r.content.decode().split("</main>")[0]
    assert escape(run.error) in main and not LEAKS.search(main)


def test_a_file_that_is_not_a_warehouse_is_one_plain_line(world, client_for, tmp_path, settings):
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(b"this is not a database" * 100)
    settings.SAFERPLACES_WAREHOUSE_PATH = path
    c = client_for(world.users["manager"])
    r = c.post(f"{B}/performance/refresh/", follow=True)
    shown = banners(r.content.decode())
    assert len(shown) == 1 and shown[0][0] == "Important", shown
    assert not LEAKS.search(shown[0][1]) and str(tmp_path) not in shown[0][1]


def test_plain_failure_lines():
    import errno

    from saferplaces.web.integrations import plain_failure

    assert plain_failure(OSError(errno.ENOSPC, "No space left on device")) == (
        "The server has run out of disk space. Tell your system administrator"
    )
    assert plain_failure(PermissionError(13, "Permission denied", "/srv/w.duckdb")) == (
        "The workspace is not allowed to read the police data. Tell your system administrator"
    )


# The API answers in JSON, whatever goes wrong ------------------------------------------------


def _token(world) -> dict[str, str]:
    return {
        "HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=world.users['manager'], name='t')[1]}"
    }


def test_api_20mb_body_is_413_json(world):
    body = json.dumps({"note": "x" * (20 * 1024 * 1024), "status": "complete"})
    r = Client().post(
        f"{API}/actions/{world.own_action.pk}/updates",
        body,
        content_type="application/json",
        **_token(world),
    )
    assert r.status_code == 413 and r["Content-Type"].startswith("application/json")
    assert r.json() == {"detail": "The request is too large. The limit is 5 MB"}


def test_api_malformed_json_is_400_json(world):
    r = Client().post(
        f"{API}/actions/{world.own_action.pk}/updates",
        b'{"note": "x", ',
        content_type="application/json",
        **_token(world),
    )
    assert r.status_code == 400 and r["Content-Type"].startswith("application/json")
    assert "detail" in r.json()


def test_api_unknown_address_and_wrong_method_are_json(world):
    c = Client()
    r = c.get("/api/no-such-thing", **_token(world))
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}
    r = c.delete("/api/me", **_token(world))
    assert r.status_code == 405 and r["Content-Type"].startswith("application/json")
    # Pages outside the API keep their GOV.UK pages.
    r = c.get("/no-such-page/")
    assert r.status_code == 404 and r["Content-Type"].startswith("text/html")


def test_api_refusal_before_the_api_runs_is_json(world):
    """Django refuses an unknown Host before any view runs (SuspiciousOperation): still JSON."""
    r = Client().get("/api/me", HTTP_HOST="evil.example", **_token(world))
    assert r.status_code == 400 and r["Content-Type"].startswith("application/json")
    assert r.json() == {"detail": "The request could not be read"}
