"""The partnership's public pages: off by default (404), no sign-in, and nothing non-public
reachable: a crawler starts at the public home page, follows every link, and checks that no
exempt paper, unpublished agenda's paper, archived or draft record, person's e-mail, other
partnership's page or case data is reached. The axe check of every page is in the browser test."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from saferplaces.web.consultation import sample
from saferplaces.web.consultation import services as cs
from saferplaces.web.public import services as pub

SECRETS = (
    "EXEMPT SECRET PAPER", "Exempt item: a named family", "DRAFT PAPER OF AN UNPUBLISHED AGENDA",
    "ARCHIVED PRIORITY", "UNPUBLISHED YOU SAID", "Unpublished survey", "Other Partnership",
    "Testshire County Agreement", "@example.org",
)  # fmt: skip


def _pdf(text: str) -> SimpleUploadedFile:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    w.add_metadata({"/Title": text})
    buf = io.BytesIO()
    w.write(buf)
    return SimpleUploadedFile(f"{text[:20]}.pdf", buf.getvalue(), "application/pdf")


def build_public(world) -> dict:
    """The world with everything a public page must and must not show."""
    from saferplaces.web.meetings import services as ms
    from saferplaces.web.plans import services as plan

    p = world.partnership
    pub.site_update(actor=None, partnership=p, enabled=True, introduction="We work together to keep the borough safe.",
                    contact="Community safety team: telephone 01827 000000", accessibility_contact="")  # fmt: skip
    # The county's site is on too: still never reached from the borough's pages.
    pub.site_update(actor=None, partnership=world.county, enabled=True)
    gone = plan.priority_create(actor=None, partnership=p, title="ARCHIVED PRIORITY")
    plan.priority_archive(actor=None, priority=gone)
    plan.locality_create(actor=None, partnership=p, name="Castle ward", area_codes=["E05007069"])
    body = ms.body_create(actor=None, partnership=p, name="Borough board")
    when = timezone.make_aware(dt.datetime(2026, 6, 10, 14, 0))
    m1 = ms.meeting_create(actor=None, body=body, starts_at=when, place="Town hall")
    public_item = ms.item_add(actor=None, meeting=m1, title="Public item")
    ms.paper_upload(
        actor=None, item=public_item, title="Public report on ASB", upload=_pdf("public")
    )
    exempt = ms.item_add(actor=None, meeting=m1, title="Exempt item: a named family", exempt=True)
    ms.paper_upload(actor=None, item=exempt, title="EXEMPT SECRET PAPER", upload=_pdf("exempt"))
    ms.agenda_publish(actor=None, meeting=m1)
    m2 = ms.meeting_create(actor=None, body=body, starts_at=when + dt.timedelta(days=90))
    draft = ms.item_add(actor=None, meeting=m2, title="Next item")
    ms.paper_upload(
        actor=None, item=draft, title="DRAFT PAPER OF AN UNPUBLISHED AGENDA", upload=_pdf("draft")
    )
    c = cs.consultation_create(actor=None, partnership=p, title="Community safety survey 2026")
    b = cs.import_create(
        actor=None, consultation=c, file_name="s.csv", data=sample.SAMPLE_FILE.read_bytes()
    )
    cs.import_apply(actor=None, batch=b, mapping=b.mapping)
    cs.consultation_publish(actor=None, consultation=c, published=True)
    cs.you_said_create(actor=None, consultation=c, you_said="Drug dealing worries you",
                       we_did="We added a drugs action", action=world.actions[0], published=True)  # fmt: skip
    cs.you_said_create(actor=None, consultation=c, you_said="UNPUBLISHED YOU SAID", we_did="x")
    hidden = cs.consultation_create(actor=None, partnership=p, title="Unpublished survey")
    b2 = cs.import_create(
        actor=None, consultation=hidden, file_name="s.csv", data=sample.SAMPLE_FILE.read_bytes()
    )
    cs.import_apply(actor=None, batch=b2, mapping=b2.mapping)
    return {"m1": m1, "m2": m2, "exempt": exempt, "draft": draft}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def crawl(client, start: str) -> dict[str, tuple[int, bytes]]:
    seen: dict[str, tuple[int, bytes]] = {}
    todo = [start]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        r = client.get(url)
        seen[url] = (r.status_code, r.content)
        if r.status_code != 200 or "html" not in r.get("Content-Type", ""):
            continue
        parser = _Links()
        parser.feed(r.content.decode("utf-8"))
        for href in parser.links:
            full = urldefrag(urljoin(url, href))[0]
            u = urlparse(full)
            if u.netloc not in ("", "testserver") or u.path.startswith("/static/"):
                continue
            todo.append(u.path + (f"?{u.query}" if u.query else ""))
    return seen


def test_public_pages_are_off_by_default(world, client):
    assert client.get("/public/borough/").status_code == 404
    pub.site_update(actor=None, partnership=world.partnership, enabled=True)
    assert client.get("/public/borough/").status_code == 200
    pub.site_update(actor=None, partnership=world.partnership, enabled=False)
    for path in (
        "",
        "performance/",
        "meetings/",
        "consultation/",
        "asb-case-review/",
        "contact/",
        "accessibility/",
    ):
        assert client.get(f"/public/borough/{path}").status_code == 404, path
    assert client.get("/public/other/").status_code == 404
    assert client.get("/public/no-such-partnership/").status_code == 404


def test_crawler_finds_nothing_non_public(world, client):
    made = build_public(world)
    pages = crawl(client, "/public/borough/")
    ok = {u: body for u, (status, body) in pages.items() if status == 200}
    public = [u for u in ok if u.startswith("/public/borough/")]
    # Every public page was reached, and the public paper.
    for path in (
        "",
        "performance/",
        "meetings/",
        "consultation/",
        "asb-case-review/",
        "contact/",
        "accessibility/",
    ):
        assert f"/public/borough/{path}" in public, path
    papers = [u for u in public if "/papers/" in u]
    assert len(papers) >= 2  # the board pack and the public report
    for url, body in ok.items():
        text = (
            body.decode("utf-8", "replace")
            if not url.endswith("/") or b"<html" in body[:200].lower()
            else ""
        )
        for s in SECRETS:
            assert s not in text, (s, url)
        # No signed-in page and no other partnership's public page is reachable.
        assert not url.startswith("/partnerships/"), url
        assert not url.startswith("/public/testshire/"), url
    # The exempt and the unpublished agenda's papers exist, but cannot be fetched here.
    from saferplaces.web.meetings.models import Paper

    for item in (made["exempt"], made["draft"]):
        for pa in Paper.objects.filter(item=item):
            url = f"/public/borough/meetings/{item.meeting_id}/papers/{pa.pk}/"
            assert url not in ok and client.get(url).status_code == 404
    # The published consultation's figures are there; the weighting is said.
    cons = ok["/public/borough/consultation/"].decode()
    assert "Community safety survey 2026" in cons and "900 people answered" in cons
    assert "We added a drugs action" in cons
    home = ok["/public/borough/"].decode()
    assert "Priority 1" in home and "Castle ward" in home


def test_asb_case_review_page_shows_procedure_and_figures_or_says_not_published(world, client):
    pub.site_update(actor=None, partnership=world.partnership, enabled=True)
    body = client.get("/public/borough/asb-case-review/").content.decode()
    assert "Anti-social Behaviour, Crime and Policing Act 2014" in body
    try:
        import saferplaces.web.reviews.selectors  # noqa: F401
    except ImportError:
        assert "have not been published here yet" in body
    else:
        assert "Applications" in body or "have not been published here yet" in body


def test_settings_page_is_the_managers(world, client_for):
    url = "/partnerships/borough/public-pages/"
    assert client_for(world.users["analyst"]).get(url).status_code == 403
    m = client_for(world.users["manager"])
    r = m.post(
        url,
        {
            "enabled": "on",
            "introduction": "Hello",
            "contact": "Team mailbox",
            "accessibility_contact": "",
        },
    )
    assert r.status_code == 302
    from saferplaces.web.public.models import PublicSite

    assert PublicSite.objects.get(partnership=world.partnership).enabled


# Browser: axe on every public page -------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.mark.browser
@pytest.mark.skipif(
    not CHROMIUM.exists() or not AXE.exists(), reason="chromium or axe-core missing"
)
def test_public_pages_pass_axe(transactional_db, live_server):
    from sp_web_fixtures import make_world
    from test_web_browser import ARGS, axe_problems

    from saferplaces.web import assets

    world = make_world()
    build_public(world)
    from playwright.sync_api import sync_playwright

    nm = assets.find_node_modules(Path(__file__).resolve().parents[2])
    if nm is not None:
        assets.copy_assets(nm)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        ctx = b.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        problems = []
        for path in (
            "",
            "performance/",
            "meetings/",
            "consultation/",
            "asb-case-review/",
            "contact/",
            "accessibility/",
        ):
            page.goto(f"{live_server.url}/public/borough/{path}")
            assert re.search(r"\S", page.title())
            problems += axe_problems(page)
        # Narrow screen too (reflow, WCAG 1.4.10).
        page.set_viewport_size({"width": 320, "height": 640})
        page.goto(f"{live_server.url}/public/borough/consultation/")
        problems += axe_problems(page)
        ctx.close()
        b.close()
    assert not problems, problems


@pytest.mark.browser
@pytest.mark.skipif(
    not CHROMIUM.exists() or not AXE.exists(), reason="chromium or axe-core missing"
)
def test_consultation_pages_pass_axe(transactional_db, live_server):
    """The officer's pages too: upload, column matching, results with themes."""
    from sp_web_fixtures import PASSWORD, make_world
    from test_web_browser import ARGS, axe_problems

    world = make_world()
    c = cs.consultation_create(actor=None, partnership=world.partnership, title="Survey")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        ctx = b.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        page.goto(f"{live_server.url}/sign-in/")
        page.fill("#id_username", world.users["analyst"].email)
        page.fill("#id_password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{live_server.url}/partnerships/")
        base = f"{live_server.url}/partnerships/borough/consultation/{c.pk}/"
        page.goto(base + "upload/")
        problems = axe_problems(page)
        page.set_input_files("#id_file", str(sample.SAMPLE_FILE))
        page.click("button:has-text('Upload and check')")
        page.wait_for_selector("h1:has-text('Match the columns')")
        problems += axe_problems(page)
        page.click("button:has-text('Save responses')")
        page.wait_for_selector("text=900 responses saved and weighted")
        q = c.questions.get(kind="text")
        cs.theme_create(actor=None, question=q, name="Visible policing", keywords="police\npatrol*")
        page.goto(base)
        assert page.locator("text=Public concern for the priority matrix").is_visible()
        problems += axe_problems(page)
        ctx.close()
        b.close()
    assert not problems, problems
