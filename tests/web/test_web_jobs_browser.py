"""The job page in real headless Chromium (Debian's): a board pack asked for from the pack page
waits in the queue while the page polls its progress (htmx, every 2 s); the test then does a
worker's part, taking the task from django-q2's queue and calling the engine's worker function;
the page, never reloaded, turns to Finished and links the two documents, which download.

SQLite; jobs are not run in the request here (SAFERPLACES_JOBS_INLINE off for this test), so
the polling is exercised for real, with no worker process."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_web_browser import ARGS, AXE, CHROMIUM, axe_problems, browser, live_world, page_for

# The fixtures are shared with the main browser journeys (imported, so pytest finds them here).
__all__ = ["ARGS", "browser", "live_world", "page_for"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
    pytest.mark.skipif(not AXE.exists(), reason="node_modules/axe-core is missing"),
]

B = "/partnerships/borough"


def test_job_page_polls_until_the_pack_is_ready_then_links_it(
    page_for, live_server, live_world, settings, tmp_path
):
    from django_q.brokers import get_broker
    from django_q.models import OrmQ

    from saferplaces.web.jobs import engine
    from saferplaces.web.jobs.models import Job

    settings.SAFERPLACES_JOBS_INLINE = False
    settings.SAFERPLACES_MEDIA_ROOT = tmp_path / "media"
    page = page_for("member")
    polls: list[int] = []
    page.on(
        "response",
        lambda r: polls.append(r.status) if r.url.endswith("/progress/") else None,
    )
    page.goto(f"{live_server.url}{B}/pack/")
    page.click("button:has-text('Prepare the PDF and Word documents')")
    page.wait_for_url(f"{live_server.url}{B}/jobs/*/")
    job = Job.objects.get()
    assert page.url == f"{live_server.url}{B}/jobs/{job.pk}/"
    progress = page.locator("#job-progress")
    assert "Waiting" in progress.inner_text()
    assert "Waiting for a worker to start it" in progress.inner_text()
    assert not axe_problems(page)
    # The page polls while the job waits in the queue (nothing has run it).
    for _ in range(50):
        if len(polls) >= 2:
            break
        page.wait_for_timeout(200)
    assert len(polls) >= 2 and set(polls) == {200}, polls
    assert Job.objects.get().status == "queued" and "Waiting" in progress.inner_text()

    # A worker's part: take the task from the queue, run it, acknowledge it.
    broker = get_broker()
    [(task_id, _)] = broker.dequeue()
    assert OrmQ.objects.get(pk=task_id).func() == engine.DELIVER
    engine.deliver(job.pk)
    broker.acknowledge(task_id)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.attempts == 1
    names = [f["name"] for f in job.result["files"]]

    # The page, not reloaded, shows it finished and links both files; polling stops.
    seen = len(polls)
    page.wait_for_selector(f"#job-progress a:has-text('Download {names[0]}')", timeout=10_000)
    assert page.url == f"{live_server.url}{B}/jobs/{job.pk}/"
    assert "Finished" in progress.inner_text()
    assert f"Download {names[1]}" in progress.inner_text()
    assert progress.get_attribute("hx-trigger") is None
    assert len(polls) > seen
    stopped = len(polls)
    page.wait_for_timeout(4500)
    assert len(polls) == stopped, "the page kept polling after the job finished"
    assert not axe_problems(page)
    with page.expect_download() as got:
        page.click(f"a:has-text('Download {names[0]}')")
    path = got.value.path()
    assert got.value.suggested_filename == names[0]
    assert Path(path).read_bytes()[:4] == b"%PDF"
    assert page.errors == []
