"""A board meeting's journey in real headless Chromium (Debian's), with axe-core on every page:
the meeting is created, its agenda gets the performance item and the board pack, minutes and
three resolutions are recorded, one becomes an action, it is a matter arising at the next
meeting, and once closed it is no longer."""

from __future__ import annotations

import pytest
from test_web_browser import ARGS, AXE, CHROMIUM, browser, live_world, page_for
from test_web_browser import assert_accessible as _ok

# The fixtures are shared with the main browser journeys (imported, so pytest finds them here).
__all__ = ["ARGS", "browser", "live_world", "page_for"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="node_modules/axe-core is missing"),
]

B = "/partnerships/borough"


def test_board_meeting_from_agenda_to_matter_arising_closed(
    page_for, live_server, live_world, settings, tmp_path
):
    from saferplaces.web.meetings.models import Meeting, Paper, Resolution

    settings.SAFERPLACES_MEDIA_ROOT = tmp_path / "media"
    page = page_for("manager")
    base = live_server.url
    page.goto(f"{base}{B}/meetings/")
    _ok(page)

    page.click("text=Add a board, group or committee")
    _ok(page)
    page.fill("#id_name", "Borough Community Safety Partnership board")
    page.select_option("#id_kind", "board")
    page.fill("#id_quorum", "1")
    page.click("button:has-text('Add')")
    page.wait_for_selector("h1:has-text('Borough Community Safety Partnership board')")
    _ok(page)

    page.click("text=Add a member")
    page.fill("#id_role_title", "Chief Inspector, Staffordshire Police")
    page.click("button:has-text('Add member')")
    page.wait_for_selector("text=Chief Inspector, Staffordshire Police added")

    page.click("a:has-text('Add a meeting')")
    _ok(page)
    page.fill("#id_date_0", "12")
    page.fill("#id_date_1", "6")
    page.fill("#id_date_2", "2025")
    page.fill("#id_start_time", "18:00")
    page.fill("#id_place", "Marmion House, Tamworth")
    page.click("button:has-text('Add meeting')")
    page.wait_for_selector("text=Meeting added")
    assert page.locator("#item-1").inner_text().count("Performance: the board pack") == 1
    _ok(page)
    first = Meeting.objects.get()

    page.click("text=Record attendance")
    _ok(page)
    page.check("input[type=radio][value=present]")
    page.click("button:has-text('Save attendance')")
    page.wait_for_selector("#quorate:has-text('Yes: 1 present, quorum 1')")

    page.click("a:has-text('Publish the agenda')")
    _ok(page)
    page.click("button:has-text('Publish agenda')")
    page.wait_for_selector("text=Agenda published", timeout=120_000)
    _ok(page)
    pack = Paper.objects.get(item__meeting=first, source=Paper.Source.PACK)
    assert pack.path and pack.sha256
    with page.expect_download() as dl:
        page.click("text=Download the agenda pack (PDF)")
    assert dl.value.suggested_filename.endswith(".pdf")

    page.click("text=Minutes of item 1")
    _ok(page)
    page.fill("#id_minutes", "The board considered the pack. Burglary remains above target.")
    page.click("button:has-text('Save minutes')")
    page.wait_for_selector("text=Burglary remains above target")

    lead = live_world.users["lead_officer"]
    for text, kind, owner in (
        ("the performance pack be noted", "noted", False),
        ("the burglary delivery plan be approved", "approved", False),
        ("a burglary update be brought to the next meeting", "action", True),
    ):
        page.click("text=Add a resolution to item 1")
        _ok(page)
        page.fill("#id_text", text)
        page.check(f"input[name=kind][value={kind}]")
        if owner:
            page.select_option("#id_owner", str(lead.pk))
            page.fill("#id_due_date_0", "30")
            page.fill("#id_due_date_1", "9")
            page.fill("#id_due_date_2", "2025")
        page.click("button:has-text('Record resolution')")
        page.wait_for_selector(f"text={text}")
    assert page.locator("text=it is now an action in the work plan").count() == 1
    res = Resolution.objects.get(letter="c")
    assert res.action is not None and res.action.owner == lead
    _ok(page)

    page.click(f"a:has-text('{first.body.name}')")
    page.click("a:has-text('Add a meeting')")
    page.fill("#id_date_0", "11")
    page.fill("#id_date_1", "9")
    page.fill("#id_date_2", "2025")
    page.fill("#id_start_time", "18:00")
    page.click("button:has-text('Add meeting')")
    page.wait_for_selector("text=Meeting added")
    arising = page.locator("#matters-arising")
    assert "a burglary update be brought to the next meeting" in arising.inner_text()
    _ok(page)
    nxt_url = page.url

    # Closed as any work-plan action is: a progress update with status "Complete".
    arising.locator("a").first.click()
    page.wait_for_selector("#id_note")
    _ok(page)
    page.fill("#id_note", "Update given to the September board")
    page.check("input[name=status][value=complete]")
    page.click("button:has-text('Save update')")
    page.wait_for_selector("text=Update given to the September board")
    page.goto(nxt_url)
    assert page.locator("#matters-arising").count() == 0
    assert "None open." in page.content()
    _ok(page)
    assert not page.errors
