"""Journeys in real headless Chromium (Debian's /usr/bin/chromium, never a downloaded browser),
with axe-core checking every page for serious and critical accessibility problems."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
VENDOR_CSS = (
    REPO
    / "src"
    / "saferplaces"
    / "web"
    / "static"
    / "vendor"
    / "govuk-frontend"
    / "govuk-frontend.min.css"
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium"
    ),
    pytest.mark.skipif(
        not AXE.exists(),
        reason="node_modules/axe-core is missing: run `npm install` in the repository",
    ),
]

# Playwright's sync API runs an event loop in this thread; Django's ORM would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="module")
def browser():
    if not VENDOR_CSS.exists():
        from saferplaces.web import assets

        nm = assets.find_node_modules(REPO)
        if nm is None:
            pytest.skip("GOV.UK Frontend is not in node_modules")
        assets.copy_assets(nm)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def live_world(transactional_db):
    from sp_web_fixtures import make_world

    return make_world()


@pytest.fixture
def page_for(browser, live_server, live_world):
    from sp_web_fixtures import PASSWORD

    contexts = []

    def open_as(role: str):
        # bypass_csp lets the test inject axe-core; the app's own policy forbids inline scripts.
        ctx = browser.new_context(
            bypass_csp=True, accept_downloads=True, viewport={"width": 1280, "height": 900}
        )
        contexts.append(ctx)
        page = ctx.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto(f"{live_server.url}/sign-in/")
        page.fill("#id_username", live_world.users[role].email)
        page.fill("#id_password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(f"{live_server.url}/partnerships/")
        return page

    yield open_as
    for ctx in contexts:
        ctx.close()


def axe_problems(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']}: {v['id']} – {v['help']} ({len(v['nodes'])} on {page.url}: {v['nodes'][0]['target']})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def assert_accessible(page) -> None:
    """No serious or critical axe-core problem on the page as it stands."""
    problems = axe_problems(page)
    assert not problems, problems


def fill_date(page, name: str, d: str, m: str, y: str) -> None:
    """Fills a GOV.UK date input (day, month, year) of the form field ``name``."""
    page.fill(f"#id_{name}_0", d)
    page.fill(f"#id_{name}_1", m)
    page.fill(f"#id_{name}_2", y)


def test_sign_in_page_and_errors_are_accessible(browser, live_server, live_world):
    ctx = browser.new_context(bypass_csp=True)
    page = ctx.new_page()
    page.goto(f"{live_server.url}/sign-in/")
    assert page.title() == "Sign in – Safer Places"
    assert not axe_problems(page)
    page.click("button:has-text('Sign in')")
    # The click posts the form; wait for the answer rather than read the page mid-load.
    page.wait_for_selector(".govuk-error-summary")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible() and "Enter your email address" in summary.inner_text()
    # GOV.UK Frontend moves focus to the error summary.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert not axe_problems(page)
    ctx.close()


def test_lead_officer_updates_an_action(page_for, live_server, live_world):
    page = page_for("lead_officer")
    a = live_world.own_action
    page.goto(f"{live_server.url}/partnerships/borough/work-plan/{a.pk}/")
    assert not axe_problems(page)
    page.fill("#id_note", "Held the first multi-agency meeting")
    page.check("input[name=status][value=in_progress]")
    page.check("input[name=rag][value=green]")
    with page.expect_response(lambda r: "/update/" in r.url):
        page.click("button:has-text('Save update')")
    page.wait_for_selector("text=Held the first multi-agency meeting")
    assert page.url.endswith(f"/work-plan/{a.pk}/")  # htmx swapped the panel in; no full page load
    assert page.locator(".govuk-notification-banner--success").is_visible()
    a.refresh_from_db()
    assert a.rag == "green" and a.updates.get().note == "Held the first multi-agency meeting"
    # Another officer's action has no update form for this lead.
    page.goto(f"{live_server.url}/partnerships/borough/work-plan/{live_world.others_action.pk}/")
    assert page.locator("#id_note").count() == 0
    assert not page.errors


def test_manager_records_a_quarterly_review(page_for, live_server, live_world):
    from saferplaces.web.plans.models import Review

    page = page_for("manager")
    page.goto(f"{live_server.url}/partnerships/borough/work-plan/")
    assert not axe_problems(page)
    page.select_option("#only", "overdue")  # htmx filter
    page.wait_for_function("() => location.search.includes('only=overdue')")
    assert page.locator("text=Action 1.1").count() == 0
    page.click("text=Record a quarterly review")
    assert not axe_problems(page)
    page.fill("#id_quarter", "2025-26 Q4")
    p1 = live_world.priorities[0].pk
    page.select_option(f"#p{p1}-rag", "amber")
    page.select_option(f"#a{live_world.others_action.pk}-status", "on_hold")
    page.fill(f"#a{live_world.others_action.pk}-comment", "Paused until the new contract starts")
    page.click("button:has-text('Record the review')")
    page.wait_for_selector("h1:has-text('2025-26 Q4 quarterly review')")
    assert not axe_problems(page)
    review = Review.objects.get()
    assert review.entries.filter(comment="Paused until the new contract starts").exists()
    assert not page.errors


def test_lead_officer_enters_an_indicator_value(page_for, live_server, live_world):
    from saferplaces.web.performance.models import IndicatorValue

    page = page_for("lead_officer")
    page.goto(f"{live_server.url}/partnerships/borough/performance/")
    assert not axe_problems(page)
    page.click(f"a:has-text('{live_world.own_indicator.name}')")
    assert not axe_problems(page)
    page.fill("#id_period", "2025-06")
    page.fill("#id_value", "abc")
    page.click("button:has-text('Save value')")
    assert "The value must be a number" in page.locator(".govuk-error-summary").inner_text()
    assert not axe_problems(page)
    page.fill("#id_value", "11")
    page.click("button:has-text('Save value')")
    page.wait_for_selector("text=Value for June 2025 saved")
    assert (
        IndicatorValue.objects.get(indicator=live_world.own_indicator, period="2025-06-01").value
        == 11
    )


def test_board_pack_and_every_other_page_is_accessible(page_for, live_server, live_world):
    page = page_for("manager")
    base = f"{live_server.url}/partnerships/borough"
    from saferplaces.web.plans.services import assessment_store

    run = assessment_store(
        actor=None,
        partnership=live_world.partnership,
        area_code="E22000271",
        start=None,
        end=None,
        result={
            "recommended_priorities": [{"theme": "Robbery", "score": 2, "rationale": "Rising"}]
        },
        imported=True,
    )
    problems = []
    for path in [
        "/partnerships/",
        f"{base}/",
        f"{base}/plan/",
        f"{base}/plan/priorities/new/",
        f"{base}/work-plan/new/",
        f"{base}/reviews/",
        f"{base}/performance/new/",
        f"{base}/assessments/",
        f"{base}/assessments/{run.pk}/",
        f"{base}/assessments/{run.pk}/adopt/",
        f"{base}/import/",
        f"{base}/about/",
        f"{base}/audit/",
        f"{base}/pack/",
        "/account/",
        "/account/two-factor/",
        "/accessibility/",
        "/privacy/",
        f"{base}/no-such-page/",
    ]:
        page.goto(live_server.url + path if path.startswith("/") else path)
        problems += axe_problems(page)
    assert not problems, "\n".join(problems)
    page.goto(f"{base}/pack/")
    with page.expect_download() as dl:
        page.click("text=Download PDF")
    pdf = Path(dl.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    with page.expect_download() as dl:
        page.click("text=Download Word document")
    assert dl.value.suggested_filename.endswith(".docx")
    assert not page.errors
