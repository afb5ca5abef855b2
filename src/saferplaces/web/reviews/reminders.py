"""Due-soon and overdue reminders for statutory review cases, through
``saferplaces.web.notifications.services.notify`` (kind "deadline").

Need-to-know holds here too: a reminder goes only to the case's own team (leads and members
who still hold a role in the partnership), and says no more than the case reference, the step
and its date: no names, no description. Each reminder has a key naming the case, the step, its
due date and the stage, so the hourly evaluation notifies each person once per stage.

``remind(now)`` runs as the "statutory_reviews" entry of ``notifications.rules.RULES``, so the
hourly reminders job (and ``saferplaces remind``) evaluates it with the other rules.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from saferplaces.web.notifications.models import Kind as NotificationKind
from saferplaces.web.notifications.services import notify
from saferplaces.web.partnerships.models import Membership
from saferplaces.web.reviews.models import Case, ReviewSettings, State
from saferplaces.web.reviews.selectors import deadlines


def remind(now: dt.datetime) -> int:
    today = timezone.localdate(now)
    cases = list(
        Case.objects.filter(archived_at__isnull=True)
        .exclude(state=State.CLOSED)
        .select_related("partnership")
        .prefetch_related("extensions", "members__user")
    )
    settings = {s.partnership_id: s for s in ReviewSettings.objects.all()}
    made = 0
    for case in cases:
        p = case.partnership
        s = settings.get(p.pk) or ReviewSettings(partnership=p)
        in_partnership = set(
            Membership.objects.filter(partnership=p).values_list("user_id", flat=True)
        )
        team = [m.user for m in case.members.all() if m.user_id in in_partnership]
        url = reverse("reviews:case", kwargs={"slug": p.slug, "pk": case.pk})
        for d in deadlines(case, s):
            stage = d.status(today, s.due_soon_days)
            if stage not in ("overdue", "due soon"):
                continue
            when = f"{d.due:%-d %B %Y}"
            subject = (
                f"Overdue: {case.reference}, {d.name.lower()} (due {when})"
                if stage == "overdue"
                else f"Due soon: {case.reference}, {d.name.lower()} by {when}"
            )
            made += notify(
                team,
                kind=NotificationKind.DEADLINE,
                subject=subject,
                body=(
                    f"{case.get_kind_display()} {case.reference}: {d.name.lower()} "
                    f"{'was due on' if stage == 'overdue' else 'is due by'} {when}. "
                    "Open the case to record the step, or record an extension with its reason."
                ),
                url=url,
                partnership=p,
                due=d.due,
                key=f"review:{case.pk}:{d.name}:{d.due}:{stage}",
                now=now,
            )
    return made
