"""The CLI hooks, the demo data and the asset copier."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from saferplaces.web import assets

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_demo_uses_role_titles_only_and_is_idempotent(capsys):
    from saferplaces.web import demo
    from saferplaces.web.accounts.models import User
    from saferplaces.web.partnerships.models import Partnership
    from saferplaces.web.plans.models import Action, Priority, PriorityLocality

    result = demo.load()
    assert result["created"] and Partnership.objects.count() == 9
    county = Partnership.objects.get(slug="staffordshire")
    assert county.districts.count() == 8 and county.areas.filter(code="E22000263").exists()
    assert Priority.objects.filter(partnership=county, scope="county").count() == 7
    assert PriorityLocality.objects.filter(
        partnership=county, name="Cannock South and West"
    ).exists()
    # The work plan's 12, plus the actions the demo meetings' resolutions asked for.
    tamworth = Action.objects.filter(priority__partnership__slug="tamworth")
    assert tamworth.exclude(priority__title="Meetings").count() == 12
    # Never the names of real people in the seed papers: role titles only.
    seeds = REPO.parent / "shared" / "seeds"
    names = [
        "Catherine Mann",
        "Trish Caldwell",
        "Victoria Wilson",
        "Alice Walters",
        "Fiona Chapman",
        "Sandra Payne",
        "Sharrard",
        "Naomi Smith",
        "Tony Bullock",
        "Simon Scott",
        "Joanne Sands",
        "Will Jack",
        "Tom Harding",
        "Sarah Constable",
    ]
    text = (
        " ".join(str(v) for u in User.objects.all() for v in (u.full_name, u.job_title, u.email))
        + Path(demo.__file__).read_text()
    )
    for n in names:
        assert n.split()[-1] not in text, n
    assert all(not u.full_name for u in User.objects.all())
    assert demo.load()["created"] is False
    if seeds.exists():
        assert "Sharrard" in " ".join(p.read_text(errors="ignore") for p in seeds.glob("*.txt"))


def test_css_rewrite_removes_gds_transport():
    css = "@font-face{font-family:GDS Transport;src:url(/assets/fonts/x.woff2)}body{font-family:GDS Transport,arial,sans-serif}.x{background:url(/assets/images/y.svg)}"
    out = assets.rewrite_govuk_css(css)
    assert "GDS Transport" not in out and "system-ui" in out and "url(assets/images/y.svg)" in out


def test_assets_copied_from_node_modules(tmp_path):
    nm = assets.find_node_modules(REPO)
    if nm is None:
        pytest.skip("node_modules is not installed")
    written = assets.copy_assets(nm, tmp_path)
    names = {p.name for p in written}
    assert {"govuk-frontend.min.css", "govuk-frontend.min.js", "htmx.min.js"} <= names


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_migrates_and_answers(tmp_path):
    """`serve` in a fresh workspace: migrates, then serves the sign-in page (bounded wait)."""
    port = _free_port()
    env = {
        **os.environ,
        "SAFERPLACES_HOME": str(tmp_path),
        "SAFERPLACES_WAREHOUSE": str(tmp_path / "none.duckdb"),
    }
    env.pop("DATABASE_URL", None)
    env.pop("SECRET_KEY", None)
    code = f"from saferplaces.web import commands; commands.serve(port={port})"
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        from saferplaces.web.commands import wait_until_up

        assert wait_until_up(f"http://127.0.0.1:{port}/sign-in/", timeout=60)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in/", timeout=5) as r:
            html = r.read().decode()
            assert "Sign in to Safer Places" in html and r.headers["X-Frame-Options"] == "DENY"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=5) as r:
            assert r.status == 200
        assert (tmp_path / "workspace.sqlite3").exists()
        key = tmp_path / "secret_key.txt"
        assert key.exists() and oct(key.stat().st_mode)[-3:] == "600"
    finally:
        proc.terminate()
        try:
            out = proc.communicate(timeout=10)[0]
        except subprocess.TimeoutExpired:
            proc.kill()
            out = proc.communicate()[0]
    assert re.search(rf"http://127\.0\.0\.1:{port}/partnerships/", out)


def test_settings_read_database_url():
    from saferplaces.web.settings import database_from_url

    pg = database_from_url("postgres://u:p%40ss@db.example:5433/work")
    assert (
        pg["ENGINE"].endswith("postgresql")
        and pg["PASSWORD"] == "p@ss"
        and pg["PORT"] == "5433"
        and pg["NAME"] == "work"
    )
    assert database_from_url("sqlite:////tmp/x.sqlite3")["NAME"] == "/tmp/x.sqlite3"


def test_wait_until_up_gives_up(monkeypatch):
    from saferplaces.web.commands import wait_until_up

    t = time.monotonic()
    assert wait_until_up(f"http://127.0.0.1:{_free_port()}/", timeout=1) is False
    assert time.monotonic() - t < 5
