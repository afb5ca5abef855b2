"""Statutory review journeys in real headless Chromium (Debian's), with axe-core on every page:
an ASB Case Review and a Domestic Abuse Related Death Review, each opened, taken through the
threshold or decision, given an outcome and recommendations, which become work-plan actions.
A partnership member outside the case team then finds nothing but counts."""

from __future__ import annotations

import pytest
from test_web_browser import ARGS, AXE, CHROMIUM, browser, live_world, page_for
from test_web_browser import assert_accessible as _ok
from test_web_browser import fill_date as _date

__all__ = ["ARGS", "browser", "live_world", "page_for"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="node_modules/axe-core is missing"),
]

B = "/partnerships/borough"


def _step(page, button: str, d: str, m: str, y: str, **extra: str) -> None:
    page.click(f'a:has-text("{button}")')
    _ok(page)
    _date(page, "on", d, m, y)
    for field, value in extra.items():
        page.fill(f"#id_{field}", value)
    page.click(f'button:has-text("{button}")')
    page.wait_for_selector(".govuk-notification-banner, .govuk-error-summary")


def _recommend_and_make_action(page, text: str, agency: str, priority: str) -> None:
    page.click("a:has-text('Add a recommendation')")
    _ok(page)
    page.fill("#id_text", text)
    page.select_option("#id_theme", label="Information sharing between agencies")
    page.select_option("#id_agency", label=agency)
    page.click("button:has-text('Add recommendation')")
    page.wait_for_selector("text=Recommendation added")
    page.click("a:has-text('Make it an action')")
    _ok(page)
    page.select_option("#id_priority", label=priority)
    page.click("button:has-text('Add to the work plan')")
    page.wait_for_selector("text=The recommendation is now an action in the work plan")
    _ok(page)


def test_asb_case_review_journey(page_for, live_server, live_world):
    page = page_for("manager")
    base = live_server.url
    page.goto(f"{base}{B}/statutory-reviews/")
    _ok(page)
    page.click("text=Open an ASB Case Review")
    _ok(page)
    _date(page, "received_on", "2", "11", "2026")
    page.check("#id_applicant_type_0")
    page.fill("#id_summary", "Invented demo: repeated noise at a block entrance")
    page.click("button:has-text('Open the case')")
    page.wait_for_selector("text=ASB-2026-001 opened")
    _ok(page)
    case_url = page.url

    # Out of order: deciding before acknowledging is refused in plain English.
    page.goto(case_url + "step/decide_threshold/")
    _date(page, "on", "3", "11", "2026")
    page.click("button:has-text('Decide the threshold')")
    page.wait_for_selector(".govuk-error-summary")
    assert "Acknowledge the application first." in page.inner_text(".govuk-error-summary")
    page.goto(case_url)

    _step(page, "Acknowledge the application", "4", "11", "2026")
    for b, c in (("5", "6"), ("12", "13"), ("20", "21")):
        page.click("a:has-text('Add a complaint')")
        _date(page, "behaviour_on", b, "10", "2026")
        _date(page, "complained_on", c, "10", "2026")
        page.fill("#id_made_to", "Testshire Borough Council")
        page.click("button:has-text('Add complaint')")
        page.wait_for_selector("text=Complaint added")
    _step(page, "Decide the threshold", "18", "11", "2026")
    assert page.inner_text("#case-state") == "Threshold met: review to hold"
    assert "3 qualifying complaints" in page.inner_text("#threshold-reason")
    _step(
        page,
        "Record the review",
        "27",
        "11",
        "2026",
        outcome="Joint visit and an acceptable behaviour contract agreed",
    )
    assert page.inner_text("#case-state") == "Review held"
    _recommend_and_make_action(
        page,
        "Share case notes between housing and police within 48 hours",
        "Testshire Police",
        "Priority 1",
    )
    assert "Not started" in page.inner_text("#recommendations")
    page.goto(f"{base}{B}/work-plan/")
    assert "Share case notes between housing and police within 48 hours" in page.content()
    assert "ASB-2026-001" not in page.content()  # the work plan does not reveal the case

    # The case's pages reflow at 320 CSS pixels (WCAG 2.2 1.4.10).
    page.set_viewport_size({"width": 320, "height": 640})
    for url in (case_url, f"{base}{B}/statutory-reviews/", f"{base}{B}/"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, url
        _ok(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The analyst is in the partnership but not on the case team: counts only.
    other = page_for("analyst")
    other.goto(f"{base}{B}/statutory-reviews/")
    _ok(other)
    assert "ASB-2026-001" not in other.content()
    assert "fewer than 5" in other.inner_text("#review-counts")
    assert other.goto(case_url).status == 404


def test_dardr_journey(page_for, live_server, live_world):
    page = page_for("manager")
    base = live_server.url
    page.goto(f"{base}{B}/statutory-reviews/")
    page.click("text=Open a Domestic Abuse Related Death Review")
    _ok(page)
    _date(page, "received_on", "2", "3", "2026")
    page.click("button:has-text('Open the case')")
    page.wait_for_selector("text=DARDR-2026-001 opened")
    case_url = page.url
    page.click("a:has-text('Add to the case team')")
    _ok(page)
    page.select_option("#id_user", value=str(live_world.users["lead_officer"].pk))
    page.click("button:has-text('Add')")
    page.wait_for_selector("text=Added to the case team")

    page.click("a:has-text('Record the decision whether to hold a review')")
    _ok(page)
    _date(page, "on", "27", "3", "2026")
    page.check("#id_hold_0")
    _date(page, "home_office_informed_on", "30", "3", "2026")
    page.fill("#id_independent_chair", "Independent chair from the county's approved list")
    page.click("button:has-text('Record the decision whether to hold a review')")
    page.wait_for_selector("text=decision recorded")
    _ok(page)
    assert page.inner_text("#case-state") == "Review commissioned"
    # Publication before the Quality Assurance Panel is refused.
    page.goto(case_url + "step/publish/")
    _date(page, "on", "1", "10", "2026")
    page.click("button:has-text('Record publication')")
    page.wait_for_selector(".govuk-error-summary")
    assert "must approve the report before it is published" in page.inner_text(
        ".govuk-error-summary"
    )
    page.goto(case_url)
    _recommend_and_make_action(
        page,
        "Ask about stalking at every domestic abuse call",
        "Testshire Police",
        "Priority 2",
    )
    _step(page, "Send the report to the Quality Assurance Panel", "30", "9", "2026")
    _step(page, "Record the panel's approval", "6", "11", "2026")
    _step(page, "Record publication", "20", "11", "2026")
    assert page.inner_text("#case-state") == "Published"

    lead = page_for("lead_officer")  # on the team: sees the case and its recommendation
    lead.goto(case_url)
    _ok(lead)
    assert "Ask about stalking at every domestic abuse call" in lead.content()
    member = page_for("member")
    assert member.goto(case_url).status == 404
