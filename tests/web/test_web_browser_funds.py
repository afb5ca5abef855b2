"""A grant's journey in real headless Chromium (Debian's), with axe-core on every page: the
manager records the Locality Deal Fund, adds a spend line, records spend against it, makes the
quarterly return and downloads it as a spreadsheet, whose figures are checked."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from test_web_browser import ARGS, AXE, CHROMIUM, browser, live_world, page_for
from test_web_browser import assert_accessible as _ok
from test_web_browser import fill_date as _date

# The fixtures are shared with the main browser journeys (imported, so pytest finds them here).
__all__ = ["ARGS", "browser", "live_world", "page_for"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="node_modules/axe-core is missing"),
]

B = "/partnerships/borough"


def test_spend_line_spend_and_the_quarterly_return(page_for, live_server, live_world):
    from openpyxl import load_workbook

    from saferplaces.web.funds.models import Entry, GrantReturn, SpendLine

    page = page_for("manager")
    base = live_server.url
    page.goto(f"{base}{B}/funds/")
    _ok(page)

    page.click("text=Add a funding stream")
    _ok(page)
    page.fill("#id_name", "Locality Deal Fund")
    page.fill("#id_grantor", "Office of the Staffordshire Commissioner")
    _date(page, "starts_on", "1", "4", "2024")
    _date(page, "ends_on", "31", "3", "2025")
    page.fill("#id_held_back_percent", "20")
    page.click("button:has-text('Add funding stream')")
    page.wait_for_selector("text=Locality Deal Fund added")
    _ok(page)
    page.fill("#id_year", "2024")
    page.fill("#id_amount", "£61,394.00")
    page.click("button:has-text('Add amount')")
    page.wait_for_selector("text=£61,394.00 added for 2024/25")
    _ok(page)
    assert "£49,115.20" in page.content()  # 80% up front, in the payment schedule

    page.click("text=Add a spend line")
    _ok(page)
    page.fill("#id_project", "Town centre ASB early intervention worker")
    page.fill("#id_provider", "Tamworth Borough Council")
    page.select_option("#id_priority", label="Priority 1")
    page.fill("#id_q1", "10,000")
    page.fill("#id_q2", "10,000")
    page.fill("#id_q3", "20,000")
    page.fill("#id_q4", "21,394")
    page.click("button:has-text('Add line')")
    page.wait_for_selector("text=added to the 2024/25 spend plan")
    _ok(page)
    assert page.locator("#planned-total").inner_text() == "£61,394.00"
    line = SpendLine.objects.get()

    page.click("text=Record money in or out")
    _ok(page)
    page.check("input[type=radio][value=spent]")
    page.select_option("#id_line", str(line.pk))
    _date(page, "occurred_on", "14", "6", "2024")
    page.fill("#id_amount", "6,000.00")
    page.fill("#id_reference", "INV-3021")
    page.click("button:has-text('Record')")
    page.wait_for_selector("text=Spent (paid): £6,000.00 recorded")
    _ok(page)
    assert page.locator("#spent").inner_text() == "£6,000.00"
    assert Entry.objects.get().quarter == 1
    assert "Underspend" in page.content()  # Q1 ended well before today; £4,000 below plan

    page.click("text=Make a quarterly return")
    _ok(page)
    page.select_option("#id_quarter", "1")
    page.fill("#id_narrative", "The worker started in May, so Q1 spend was below plan.")
    page.click("button:has-text('Make the return')")
    page.wait_for_selector("text=Return made")
    _ok(page)
    assert "£6,000.00" in page.content()
    with page.expect_download() as dl:
        page.click("text=Spreadsheet (XLSX)")
    data = Path(dl.value.path()).read_bytes()  # saved without the .xlsx ending
    rows = list(load_workbook(io.BytesIO(data)).active.values)
    assert rows[1][0] == "Town centre ASB early intervention worker"
    assert (rows[1][4], rows[1][6], rows[1][7]) == (61394, 6000, 6000)
    assert GrantReturn.objects.get().figures["spent_to_date_pence"] == 600_000


def test_county_allocation_form_and_its_line_by_line_page(
    page_for, live_server, live_world, warehouse_file
):
    import datetime as dt

    from saferplaces.web.funds import services
    from saferplaces.web.partnerships import services as ps

    for name, code in (("Lichfield", "E22000265"), ("Stafford", "E22000268")):
        d = ps.partnership_create(
            actor=None, name=name, slug=name.lower(), county=live_world.county
        )
        ps.area_add(actor=None, partnership=d, code=code, name=name, level="csp")
    s = services.stream_create(
        actor=None, partnership=live_world.county, name="County fund", grantor="Commissioner",
        starts_on=dt.date(2025, 4, 1), ends_on=dt.date(2026, 3, 31),
        amounts=[(2025, 10_000_000, "")],
    )  # fmt: skip
    page = page_for("superuser")
    page.goto(f"{live_server.url}/partnerships/testshire/funds/{s.pk}/")
    _ok(page)
    page.click("text=Allocate by formula")
    _ok(page)
    _date(page, "period_from", "1", "1", "2025")
    _date(page, "period_to", "1", "2", "2025")
    page.fill("#id_phasing", "Up front 80; On evaluation 20")
    page.click("button:has-text('Calculate and save')")
    page.wait_for_selector("text=Allocation calculated")
    _ok(page)
    assert page.locator("#allocated").inner_text() == "£100,000.00"
    assert "every amount matches" in page.locator("#reproduced").inner_text()
    assert page.locator("#calculation tbody tr").count() == 4  # three partnerships and the total
