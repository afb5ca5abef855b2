"""The scheduled monthly refresh end to end, offline.

The local archive server `fetch police` is tested with (tests/warehouse/test_fetch.py) serves a
real data.police.uk-style archive for 2025-12; the warehouse holds real Staffordshire street
records for January to October 2025. The refresh finds November and December, loads them,
publishes the read-only copy, recomputes the borough's police-data indicators (Tamworth),
flags new emerging issues and tells the owners; run again, it does nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail

SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", "/work/shared/data"))
STAFFS = SHARED / "police_uk" / "staffordshire"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not STAFFS.is_dir(), reason=f"real data not found at {SHARED}"),
]

_spec = importlib.util.spec_from_file_location(
    "sp_fetch_tests_web", Path(__file__).resolve().parents[1] / "warehouse" / "test_fetch.py"
)
fetch_tests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fetch_tests)
archive = fetch_tests.archive
server = fetch_tests.server
geo_template = fetch_tests.geo_template

TODAY = dt.date(2026, 3, 1)
BEFORE = [f"2025-{m:02d}" for m in range(1, 11)]  # January to October 2025
EAST_STAFFS = "E22000264"  # East Staffordshire CSP
DATA = Path(__file__).resolve().parents[2] / "src" / "saferplaces" / "data"
# Tamworth, December 2025, from the real data.police.uk file.
EXPECTED_SHOPLIFTING_DEC = 38


@pytest.fixture(scope="module")
def loaded_template(geo_template, tmp_path_factory) -> Path:
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    path = tmp_path_factory.mktemp("loaded") / "warehouse.duckdb"
    shutil.copy(geo_template, path)
    con = connect(path)
    report = load_police(
        con, [STAFFS / f"{m}-staffordshire-street.csv.gz" for m in BEFORE], today=TODAY
    )
    assert not report.failed
    con.close()
    return path


@pytest.fixture
def warehouse(loaded_template, tmp_path, settings) -> Path:
    path = tmp_path / "ws" / "warehouse.duckdb"
    path.parent.mkdir()
    shutil.copy(loaded_template, path)
    settings.SAFERPLACES_WAREHOUSE_PATH = path
    return path


CATEGORIES = [
    ("Shoplifting", 0, "lead_officer"),
    ("Violence and sexual offences", 1, "lead_officer_2"),
    ("Criminal damage and arson", 0, "lead_officer"),
    ("Public order", 1, "lead_officer_2"),
    ("Vehicle crime", 0, "lead_officer"),
    ("Burglary", 1, "lead_officer_2"),
    ("Other theft", 0, "lead_officer"),
    ("Drugs", 1, "lead_officer_2"),
]


@pytest.fixture
def indicators(world, warehouse):
    """Police-data counts for Tamworth under the borough's two priorities, owned by its two
    lead officers, computed once on the months before the refresh."""
    from saferplaces.web.performance import services as perf
    from saferplaces.web.performance.models import Indicator

    out = [w for w in world.indicators if w.source == Indicator.Source.WAREHOUSE]
    for category, pr, owner in CATEGORIES:
        out.append(
            perf.indicator_create(
                actor=None,
                partnership=world.partnership,
                name=category,
                source=Indicator.Source.WAREHOUSE,
                measure="count",
                category=category,
                priority=world.priorities[pr],
                owner=world.users[owner],
                direction="down",
            )
        )
    # The other partnership watches every category recorded in East Staffordshire (one
    # emerging-issues test over all of them, as its dashboard runs it).
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    cats = [r[0] for r in con.execute(
        "SELECT DISTINCT category FROM crimes WHERE csp_code = ? ORDER BY 1", [EAST_STAFFS]
    ).fetchall()]  # fmt: skip
    con.close()
    for category in cats:
        out.append(
            perf.indicator_create(
                actor=None,
                partnership=world.other,
                name=f"East Staffordshire: {category}",
                source=Indicator.Source.WAREHOUSE,
                measure="count",
                category=category,
                area_code=EAST_STAFFS,
            )
        )
    sync = perf.warehouse_sync(force=True)
    assert sync.stamp and sync.indicators == len(out)
    return out


class Killed(BaseException):
    """Stands for the worker process being killed: no handler of the refresh catches it."""


def _refresh(server, **kw):
    from saferplaces.web.refresh.services import refresh

    return refresh(base_url=server.base_url, today=TODAY, **kw)


def test_monthly_refresh_end_to_end_twice_and_owners_told(
    world, indicators, server, warehouse, client_for, django_capture_on_commit_callbacks
):
    from saferplaces.web import integrations
    from saferplaces.web.notifications.models import Notification
    from saferplaces.web.notifications.services import preferences_save
    from saferplaces.web.performance.models import IndicatorValue, WarehouseSync
    from saferplaces.web.refresh.models import RefreshRun

    # The manager wants these straight away; the lead officers keep the daily digest.
    preferences_save(actor=world.users["manager"], choices={"data_refreshed": "immediately"})
    assert integrations.read_path() == warehouse  # nothing published yet: the main file
    with django_capture_on_commit_callbacks(execute=True):
        run = _refresh(server)
    assert run.outcome == RefreshRun.Outcome.DONE, run.error
    assert run.months_found == ["2025-11", "2025-12"]
    assert run.months_loaded == ["2025-11", "2025-12"]
    assert list(run.steps) == [
        "check", "police", "measures", "publish", "indicators", "emerging", "notify"
    ]  # fmt: skip
    assert run.attempts == 1 and run.finished is not None

    # The web now reads the published copy, and the indicators were computed from it.
    copy = warehouse.with_name("warehouse.read.duckdb")
    assert integrations.read_path() == copy
    assert WarehouseSync.objects.exclude(stamp="").first().stamp == integrations.warehouse_stamp()
    # Every police-data indicator has its December 2025 figure (real counts): the borough's 9
    # and the 14 categories recorded in East Staffordshire.
    assert run.indicators_updated == len(indicators) == 23
    dec = dict(
        IndicatorValue.objects.filter(
            indicator__in=indicators, period=dt.date(2025, 12, 1)
        ).values_list("indicator__name", "value")
    )
    con = integrations.connect()
    try:
        shop = con.execute(
            "SELECT count(*) FROM crimes WHERE csp_code = 'E22000271' AND month = DATE "
            "'2025-12-01' AND category = 'Shoplifting'"
        ).fetchone()[0]
    finally:
        con.close()
    assert dec["Shoplifting"] == shop == EXPECTED_SHOPLIFTING_DEC

    # The owners were told: each about the indicators they own or lead, the manager about all
    # of them; one notification each for the partnership.
    notes = Notification.objects.filter(key=f"refresh-{run.pk}-{world.partnership.pk}")
    who = sorted(n.user.email for n in notes)
    assert who == ["lead2@example.org", "lead_officer@example.org", "manager@example.org"]
    assert run.people_notified == 4  # and the other partnership's manager (below)
    lead = notes.get(user=world.users["lead_officer"])
    assert lead.kind == "data_refreshed"
    assert lead.subject.startswith("Borough Partnership: new police data to December 2025")
    assert (
        f"Shoplifting: new figures for November 2025 and December 2025, latest {shop} crimes in "
        "December 2025." in lead.body
    )
    # The first lead officer leads both priorities, so hears of every indicator under them;
    # the second owns four indicators and leads none, so hears of those four only.
    assert "Violence and sexual offences: new figures" in lead.body
    lead2 = notes.get(user=world.users["lead_officer_2"])
    assert "Shoplifting" not in lead2.body and "ASB" not in lead2.body
    assert len(lead2.body.splitlines()) == 4
    manager = notes.get(user=world.users["manager"])
    assert "Violence and sexual offences" in manager.body and "Shoplifting" in manager.body
    # New emerging issues: East Staffordshire's shoplifting and possession of weapons were
    # higher than usual in October to December 2025, but not in August to October.
    assert run.emerging_flagged == 2
    assert run.state["emerging_new"] == {
        str(world.other.pk): sorted(
            i.pk for i in indicators if i.name in (
                "East Staffordshire: Shoplifting", "East Staffordshire: Possession of weapons"
            )
        )
    }  # fmt: skip
    other = Notification.objects.get(key=f"refresh-{run.pk}-{world.other.pk}")
    assert other.user == world.users["outsider"]  # the other partnership's manager
    assert other.subject == (
        "Other Partnership: new police data to December 2025, 2 new emerging issues"
    )
    assert (
        "Emerging issue: East Staffordshire: Shoplifting has been higher than usual in the "
        "latest three months." in other.body
    )
    assert "Emerging issue: East Staffordshire: Possession of weapons" in other.body
    assert "Emerging issue" not in lead.body  # none in Tamworth
    # E-mail: the manager chose "straight away"; the lead officers' digest comes later.
    assert [m.to for m in mail.outbox] == [["manager@example.org"]]
    assert "December 2025" in mail.outbox[0].subject

    # The status page shows the run and the data month.
    page = client_for(world.users["manager"]).get("/refresh/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Staffordshire" in text and "December 2025" in text
    assert "Police data for November 2025 and December 2025 loaded; 23 indicator(s) updated" in text

    # Second run: nothing new, nothing done, and it says so.
    requests_before = len(server.requests)
    with django_capture_on_commit_callbacks(execute=True):
        again = _refresh(server)
    assert again.pk != run.pk
    assert again.outcome == RefreshRun.Outcome.NOTHING_NEW
    assert again.message == (
        "Nothing new: data.police.uk has published nothing after December 2025 (the latest "
        "month loaded), and no partner files are waiting."
    )
    assert set(again.steps) == {"check"} and again.months_loaded == []
    # Only the two probes for January and February 2026 (404): no download.
    assert [p for p, _ in server.requests[requests_before:]] == [
        "/data/archive/2026-02.zip",
        "/data/archive/2026-01.zip",
    ]
    assert Notification.objects.filter(kind="data_refreshed").count() == 4
    assert len(mail.outbox) == 1
    assert RefreshRun.objects.count() == 2


def test_a_killed_refresh_resumes_where_it_stopped(world, indicators, server, warehouse):
    from saferplaces.web.notifications.models import Notification
    from saferplaces.web.refresh.models import RefreshRun
    from saferplaces.web.refresh.services import STEPS

    def die_at_indicators(done, total, message):
        if message.startswith("Recomputing"):
            raise Killed

    with pytest.raises(Killed):
        _refresh(server, progress=die_at_indicators)
    run = RefreshRun.objects.get()
    assert run.outcome == RefreshRun.Outcome.RUNNING and run.finished is None
    # (A set: PostgreSQL's jsonb keeps an object's keys in its own order.)
    assert set(run.steps) == {"check", "police", "measures", "publish"}
    assert run.months_loaded == ["2025-11", "2025-12"]
    assert not Notification.objects.filter(kind="data_refreshed").exists()
    requests_before = len(server.requests)

    resumed = _refresh(server)
    assert resumed.pk == run.pk and resumed.attempts == 2
    assert resumed.outcome == RefreshRun.Outcome.DONE
    assert set(resumed.steps) == {s for s, _ in STEPS}
    assert len(server.requests) == requests_before  # checked and fetched once only
    assert resumed.indicators_updated == 23 and resumed.people_notified == 4
    assert resumed.emerging_flagged == 2
    assert Notification.objects.filter(kind="data_refreshed").count() == 4


def test_a_second_refresh_at_the_same_time_is_refused(world, server, warehouse):
    from saferplaces.warehouse.refresh import refresh_lock
    from saferplaces.web.jobs.registry import JobFailed, kind
    from saferplaces.web.refresh.models import RefreshRun
    from saferplaces.web.refresh.services import RefreshBusy

    with refresh_lock(warehouse):
        with pytest.raises(RefreshBusy, match="already running") as exc:
            _refresh(server)
        assert "this one has stopped without changing anything" in str(exc.value)
        job = kind("refresh")
        assert job.one_at_a_time == "warehouse"
        with pytest.raises(JobFailed, match="already running"):
            job.handler({"base_url": server.base_url, "today": "2026-03-01"}, lambda *a: None)
    assert not RefreshRun.objects.exists()


def test_partner_files_dropped_are_loaded_or_refused_with_the_reason(
    world, server, warehouse, client_for
):
    from saferplaces.web.refresh.models import RefreshRun

    drop = warehouse.parent / "drop" / "measures"
    drop.mkdir(parents=True)
    shutil.copy(DATA / "demo_ae_assault_staffordshire.csv", drop / "ae.csv")
    shutil.copy(DATA / "demo_ae_assault_staffordshire.yaml", drop / "ae.yaml")
    (drop / "typo.csv").write_text("area_code,period,count\nE01029620,2025-Q1,x\n")
    shutil.copy(DATA / "demo_ae_assault_staffordshire.yaml", drop / "typo.yaml")
    server.files = {}  # data.police.uk has nothing newer: only the partner files are new
    run = _refresh(server)
    assert run.outcome == RefreshRun.Outcome.DONE, run.error
    assert run.months_loaded == [] and run.measures_loaded == 1
    (bad,) = run.measures_failed
    assert bad["file"] == "typo.csv"
    assert bad["error"].startswith("typo.csv: line 2, count 'x'")
    assert (drop / "failed" / "typo.csv.error.txt").exists()
    assert (drop / "done" / "ae.csv").exists()
    text = client_for(world.users["analyst"]).get("/refresh/").content.decode()
    assert "Partner file refused: typo.csv: line 2, count" in text


@pytest.mark.parametrize(
    ("role", "status"),
    [("manager", 200), ("analyst", 200), ("lead_officer", 403), ("member", 403),
     ("administrator", 403), ("superuser", 200), ("outsider", 200)],
)  # fmt: skip
def test_who_sees_the_status_page(world, warehouse, client_for, role, status):
    c = client_for(world.users[role])
    assert c.get("/refresh/").status_code == status
    api = c.get("/api/refresh")
    assert api.status_code == status
    if status == 200:
        body = api.json()
        assert body["forces"] == [{"force": "staffordshire", "latest_month": "2025-10"}]
        assert body["runs"] == [] and body["every_hours"] == 24


def test_the_command_line_runs_the_same_refresh(world, server, warehouse, monkeypatch):
    from typer.testing import CliRunner

    from saferplaces.cli import app
    from saferplaces.warehouse.refresh import refresh_lock

    # The command points SAFERPLACES_HOME at its workspace; put it back afterwards.
    monkeypatch.setenv("SAFERPLACES_HOME", str(warehouse.parent))
    runner = CliRunner()
    args = ["-w", str(warehouse.parent), "refresh", "--base-url", server.base_url]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "Police data for November 2025 and December 2025 loaded" in first.stdout
    second = runner.invoke(app, args)
    assert second.exit_code == 0
    assert second.stdout.startswith("Nothing new: data.police.uk has published nothing after")
    with refresh_lock(warehouse):
        busy = runner.invoke(app, args)
    assert busy.exit_code == 1
    assert "A refresh of the police data is already running" in busy.output


def test_the_next_check_is_the_job_engines_daily_schedule(world, warehouse, client_for):
    from django.utils import timezone

    from saferplaces.web.jobs.engine import ensure_schedules

    c = client_for(world.users["manager"])
    assert c.get("/api/refresh").json()["next_check"] is None  # no schedule, no run yet
    assert "refresh" in ensure_schedules()
    at = dt.datetime.fromisoformat(c.get("/api/refresh").json()["next_check"])
    assert timezone.localtime(at).hour == 6 and at > timezone.now()
    assert "At the first scheduled run" not in c.get("/refresh/").content.decode()


WRITER = """
import sys
from saferplaces.warehouse.store import connect
con = connect(sys.argv[1])
print("OPEN", flush=True)
sys.stdin.read()
con.close()
"""


@contextlib.contextmanager
def _writer_process(path: Path):
    """Another process holding the warehouse open for writing, as a load does."""
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert child.stdout.readline().strip() == "OPEN"
        yield
    finally:
        child.stdin.close()
        child.wait(timeout=30)


def test_pages_read_the_published_copy_while_a_load_holds_the_warehouse(world, warehouse):
    from saferplaces.web import integrations
    from saferplaces.web.refresh.services import publish_now

    with _writer_process(warehouse), pytest.raises(integrations.WarehouseUnavailable) as exc:
        integrations.connect()  # no copy yet: the main file, locked by the writer
    assert str(exc.value) == integrations.WAREHOUSE_BUSY
    copy = publish_now()
    assert integrations.read_path() == copy
    with _writer_process(warehouse):
        con = integrations.connect()
        months = con.execute("SELECT count(DISTINCT month) FROM crimes").fetchone()[0]
        con.close()
    assert months == 10  # January to October 2025, read while the writer held the lock


def test_a_failed_refresh_says_why_plainly_and_the_next_resumes_it(
    world, indicators, server, warehouse, client_for
):
    import socket

    from saferplaces.web.refresh.models import RefreshRun
    from saferplaces.web.refresh.services import refresh

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    failed = refresh(base_url=closed, today=TODAY)
    assert failed.outcome == RefreshRun.Outcome.FAILED and failed.steps == {}
    assert failed.error == (
        f"Could not reach {closed} ([Errno 111] Connection refused); the refresh will try "
        "again at its next run."
    )
    text = client_for(world.users["analyst"]).get("/refresh/").content.decode()
    assert "Problem:</strong> Could not reach" in text
    resumed = _refresh(server)
    assert resumed.pk == failed.pk and resumed.attempts == 2 and resumed.error == ""
    assert resumed.outcome == RefreshRun.Outcome.DONE
    assert resumed.months_loaded == ["2025-11", "2025-12"]
