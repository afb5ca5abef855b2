"""The "reminders" background job: evaluate every reminder rule, then send what is due."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from saferplaces.web.jobs.registry import Progress, register


@register("reminders", "Reminders and e-mail digests", max_attempts=3, one_at_a_time="reminders")
def run_reminders(params: dict, progress: Progress) -> dict:
    """``params``: optional ``now`` (ISO date-time) to evaluate the rules as at that moment.

    Safe to run again: each reminder has a key that notifies a person once, and each digest is
    sent once per person and period.
    """
    from saferplaces.web.notifications.services import send_due

    now = datetime.fromisoformat(params["now"]) if params.get("now") else timezone.now()
    if timezone.is_naive(now):
        now = timezone.make_aware(now)
    return send_due(now, progress=progress)
