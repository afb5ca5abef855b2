"""The "refresh" background job: the scheduled monthly refresh (run daily by the job engine;
it does nothing, and says so, until data.police.uk publishes a month or a partner file is
dropped)."""

from __future__ import annotations

import datetime as dt

from saferplaces.web.jobs.registry import JobFailed, Progress, register


@register("refresh", "Police data and partner files refresh", max_attempts=5,
          one_at_a_time="warehouse")  # fmt: skip
def run_refresh(params: dict, progress: Progress) -> dict:
    """``params``: optional ``base_url`` (another data.police.uk address, e.g. a mirror) and
    ``today`` (YYYY-MM-DD) to check as at that day.

    Safe to run again: a run stopped part-way is resumed by the next, skipping recorded steps.
    A failure is retried (the engine backs off); a refresh already running elsewhere ends this
    job with that message and no retry.
    """
    from saferplaces.warehouse.fetch import DEFAULT_BASE_URL
    from saferplaces.web.refresh.models import RefreshRun
    from saferplaces.web.refresh.services import RefreshBusy, refresh

    today = dt.date.fromisoformat(params["today"]) if params.get("today") else None
    try:
        run = refresh(
            base_url=params.get("base_url") or DEFAULT_BASE_URL, today=today, progress=progress
        )
    except RefreshBusy as exc:
        raise JobFailed(str(exc)) from exc
    if run.outcome == RefreshRun.Outcome.FAILED:
        # Retried by the engine; the next attempt resumes this run.
        raise RuntimeError(run.error)
    return {
        "run": run.pk,
        "outcome": run.outcome,
        "months_loaded": run.months_loaded,
        "measures_loaded": run.measures_loaded,
        "indicators_updated": run.indicators_updated,
        "emerging_flagged": run.emerging_flagged,
        "people_notified": run.people_notified,
        "message": run.message,
    }
