"""Reflow at 320 CSS pixels (WCAG 1.4.10): in Debian's Chromium, the partnership's busiest pages
have no horizontal page scroll; wide tables scroll inside their own container."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from sp_web_fixtures import PASSWORD
from test_web_browser import AXE, CHROMIUM, axe_problems, browser, live_world  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="node_modules/axe-core is missing"),
]
B = "/partnerships/borough"


@pytest.fixture
def narrow_page(browser, live_server, live_world):  # noqa: F811
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 640})
    page = ctx.new_page()
    page.goto(f"{live_server.url}/sign-in/")
    page.fill("#id_username", live_world.users["manager"].email)
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/partnerships/")
    yield page
    ctx.close()


def _meeting(world):
    from saferplaces.web.meetings import services as meetings
    from saferplaces.web.meetings.models import Body

    mgr = world.users["manager"]
    board = meetings.body_create(
        actor=mgr, partnership=world.partnership, name="Borough board", kind=Body.Kind.BOARD
    )
    meetings.member_add(actor=mgr, body=board, role_title="Chief Inspector, Staffordshire Police")
    m = meetings.meeting_create(
        actor=mgr, body=board, starts_at=timezone.now() - dt.timedelta(days=3)
    )
    item = meetings.item_add(actor=mgr, meeting=m, title="Retail crime and shoplifting")
    meetings.resolution_add(
        actor=mgr,
        item=item,
        text="the retail crime partnership report back on the test purchase results",
        kind="action",
        owner=world.users["lead_officer"],
        due_date=timezone.localdate() + dt.timedelta(days=60),
    )
    return board, m


def test_pages_reflow_at_320_pixels(narrow_page, live_server, live_world):  # noqa: F811
    board, m = _meeting(live_world)
    a = live_world.actions[0]
    urls = [
        f"{B}/",
        f"{B}/work-plan/",
        f"{B}/work-plan/{a.pk}/",
        f"{B}/performance/",
        f"{B}/performance/{live_world.indicators[0].pk}/",
        f"{B}/meetings/",
        f"{B}/meetings/bodies/{board.pk}/",
        f"{B}/meetings/{m.pk}/",
        "/my-actions/",
    ]
    wide, problems = [], []
    for url in urls:
        response = narrow_page.goto(live_server.url + url)
        assert response.status == 200, url
        width = narrow_page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            wide.append((url, width))
        problems += axe_problems(narrow_page)
    assert not wide, f"pages wider than 320 px: {wide}"
    assert not problems
