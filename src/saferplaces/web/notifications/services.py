"""Writes for notifications: record them, e-mail them (straight away or in digests), mark read.

``notify`` is the one way any part of Safer Places tells people something::

    from saferplaces.web.notifications.services import notify
    notify(owners, kind="data_refreshed", subject="New police data for May 2026",
           body="...", url="/partnerships/tamworth/", partnership=p, key="refresh:tamworth:2026-05")

Each notification is listed in the person's in-app list (``/notifications/``). E-mail follows
the person's choice for that kind: straight away (after the caller's transaction commits, so a
rolled-back change e-mails nobody), gathered into a daily or weekly digest (sent by
``send_digests``, from the hourly "reminders" job), or not at all.

Notifications are personal messages, not changes to partnership records, so they are not written
to the audit log (an hourly job would flood it); a change of someone's e-mail choices is.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from saferplaces.web.audit.services import record
from saferplaces.web.notifications.models import (
    DEFAULT_FREQUENCY,
    Digest,
    Frequency,
    Kind,
    Notification,
    Preference,
)
from saferplaces.web.notifications.selectors import unread_cache_key

log = logging.getLogger(__name__)

# Digests go out on the first run of the "reminders" job at or after this local hour
# (weekly ones on Mondays), so a day's or week's items arrive together in one e-mail.
DIGEST_HOUR = 7


def notify(
    users: Iterable[Any],
    *,
    kind: str,
    subject: str,
    body: str,
    url: str = "",
    partnership: Any = None,
    due: dt.date | None = None,
    key: str = "",
    now: dt.datetime | None = None,
) -> int:
    """Record one notification per person (inactive people skipped) and return how many.

    ``key`` de-duplicates: a person already notified with that key is not notified again, so a
    rule evaluated every hour notifies once. E-mail then follows each person's preference.
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}; known: {', '.join(Kind.values)}")
    subject = " ".join(subject.split())[:200]
    if not subject:
        raise ValueError("A notification needs a subject")
    people = {u.pk: u for u in users if u is not None and getattr(u, "is_active", True)}
    if not people:
        return 0
    if key:
        seen = set(
            Notification.objects.filter(user_id__in=people, key=key).values_list(
                "user_id", flat=True
            )
        )
        people = {pk: u for pk, u in people.items() if pk not in seen}
    if not people:
        return 0
    frequencies = frequencies_for(people.values(), kind)
    now = now or timezone.now()
    rows = [
        Notification(
            user=u,
            partnership=partnership,
            kind=kind,
            subject=subject,
            body=body.strip(),
            url=url[:500],
            due=due,
            key=key[:200],
            created_at=now,
            email=(
                Notification.Email.NOT_SENT
                if frequencies[pk] == Frequency.OFF
                else Notification.Email.PENDING
            ),
        )
        for pk, u in people.items()
    ]
    with transaction.atomic():
        # ignore_conflicts: a concurrent run that recorded the same key first wins.
        Notification.objects.bulk_create(rows, ignore_conflicts=bool(key))
    cache.delete_many([unread_cache_key(pk) for pk in people])
    immediate = [pk for pk, f in frequencies.items() if f == Frequency.IMMEDIATELY]
    if immediate:
        transaction.on_commit(
            lambda: send_immediate(user_ids=immediate, key=key, kind=kind, since=now),
            robust=True,
        )
    return len(rows)


def frequencies_for(users: Iterable[Any], kind: str) -> dict[int, str]:
    """Each person's e-mail frequency for ``kind`` (their choice, else the default)."""
    ids = [u.pk for u in users]
    chosen = dict(
        Preference.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", "frequency")
    )
    return {pk: chosen.get(pk, DEFAULT_FREQUENCY[kind]) for pk in ids}


def preferences_save(*, actor: Any, choices: dict[str, str]) -> None:
    """Save the person's own e-mail frequency per kind (only their own)."""
    bad = {k: f for k, f in choices.items() if k not in Kind.values or f not in Frequency.values}
    if bad:
        raise ValidationError({k: "Choose how often to be e-mailed" for k in bad})
    with transaction.atomic():
        before = dict(Preference.objects.filter(user=actor).values_list("kind", "frequency"))
        for kind, frequency in choices.items():
            Preference.objects.update_or_create(
                user=actor, kind=kind, defaults={"frequency": frequency}
            )
        after = {k: choices.get(k, before.get(k, DEFAULT_FREQUENCY[k])) for k in Kind.values}
        old = {k: before.get(k, DEFAULT_FREQUENCY[k]) for k in Kind.values}
        if after != old:
            record(
                actor=actor,
                verb="update",
                object_type="notification preferences",
                object_label=actor.email,
                before=old,
                after=after,
                summary="Changed how often they are e-mailed",
            )
        # Items waiting for a digest of a kind now turned off are not sent later.
        off = [k for k, f in choices.items() if f == Frequency.OFF]
        Notification.objects.filter(
            user=actor, kind__in=off, email=Notification.Email.PENDING
        ).update(email=Notification.Email.NOT_SENT)


def mark_read(*, actor: Any, notification_id: int, now: dt.datetime | None = None) -> int:
    """Mark one of the person's own notifications read; returns 1, or 0 if not theirs."""
    n = Notification.objects.filter(user=actor, pk=notification_id, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
    cache.delete(unread_cache_key(actor.pk))
    return n


def mark_all_read(*, actor: Any, now: dt.datetime | None = None) -> int:
    n = Notification.objects.filter(user=actor, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
    cache.delete(unread_cache_key(actor.pk))
    return n


# --- e-mail ---------------------------------------------------------------------------------


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SAFERPLACES_BASE_URL + url


def _message(user: Any, subject: str, template: str, context: dict) -> EmailMultiAlternatives:
    context = {
        **context,
        "user": user,
        "service": settings.SAFERPLACES_SERVICE_NAME,
        "preferences_url": _absolute("/notifications/preferences/"),
        "list_url": _absolute("/notifications/"),
    }
    msg = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"notifications/email/{template}.txt", context),
        to=[user.email],
    )
    msg.attach_alternative(
        render_to_string(f"notifications/email/{template}.html", context), "text/html"
    )
    return msg


def _items(notifications: Iterable[Notification]) -> list[dict]:
    return [
        {
            "subject": n.subject,
            "body": n.body,
            "url": _absolute(n.url),
            "due": n.due,
            "partnership": n.partnership.name if n.partnership_id else "",
            "kind": n.get_kind_display(),
        }
        for n in notifications
    ]


def _send(messages: list[EmailMultiAlternatives]) -> int:
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0


def send_immediate(*, user_ids: Iterable[int], key: str, kind: str, since: dt.datetime) -> int:
    """E-mail the notifications just recorded for people who want them straight away."""
    qs = Notification.objects.filter(
        user_id__in=list(user_ids), kind=kind, email=Notification.Email.PENDING
    ).select_related("user", "partnership")
    qs = qs.filter(key=key) if key else qs.filter(created_at=since)
    return _send_each(list(qs))


def _send_each(notifications: list[Notification]) -> int:
    sent = 0
    for n in notifications:
        msg = _message(n.user, n.subject, "single", {"item": _items([n])[0], "count": 1})
        try:
            _send([msg])
        except (OSError, smtplib.SMTPException):
            # Left pending: the next run of the reminders job tries again.
            log.warning("Notification %s could not be e-mailed; will retry", n.pk)
            continue
        Notification.objects.filter(pk=n.pk).update(
            email=Notification.Email.SENT, emailed_at=timezone.now()
        )
        sent += 1
    return sent


def digest_period(frequency: str, now: dt.datetime) -> str | None:
    """The digest period ``now`` falls in, or None before that period's sending time."""
    local = timezone.localtime(now)
    if local.hour < DIGEST_HOUR:
        return None
    if frequency == Frequency.DAILY:
        return local.date().isoformat()
    if frequency == Frequency.WEEKLY:
        if local.weekday() != 0:  # Mondays only; a missed Monday waits for the next one
            return None
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return None


def send_digests(now: dt.datetime) -> dict[str, int]:
    """Send each person at most one e-mail per digest period listing what waits for them.

    Also retries notifications meant to go straight away that could not be sent earlier.
    """
    pending = list(
        Notification.objects.filter(
            email=Notification.Email.PENDING, created_at__lte=now, user__is_active=True
        )
        .select_related("user", "partnership")
        .order_by("user_id", "due", "created_at", "id")
    )
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for n in pending:
        by_user[n.user_id].append(n)
    chosen: dict[tuple[int, str], str] = {
        (u, k): f
        for u, k, f in Preference.objects.filter(user_id__in=by_user).values_list(
            "user_id", "kind", "frequency"
        )
    }
    counts = {"digests": 0, "digest_items": 0, "immediate": 0, "turned_off": 0}
    for user_id, items in by_user.items():
        groups: dict[str, list[Notification]] = defaultdict(list)
        for n in items:
            groups[chosen.get((user_id, n.kind), DEFAULT_FREQUENCY[n.kind])].append(n)
        if groups.get(Frequency.OFF):
            counts["turned_off"] += Notification.objects.filter(
                pk__in=[n.pk for n in groups[Frequency.OFF]]
            ).update(email=Notification.Email.NOT_SENT)
        counts["immediate"] += _send_each(groups.get(Frequency.IMMEDIATELY, []))
        for frequency in (Frequency.DAILY, Frequency.WEEKLY):
            batch = groups.get(frequency)
            period = digest_period(frequency, now)
            if not batch or period is None:
                continue
            if Digest.objects.filter(user_id=user_id, frequency=frequency, period=period).exists():
                continue  # this period's digest went already; these wait for the next one
            if _send_digest(batch[0].user, frequency, period, batch, now):
                counts["digests"] += 1
                counts["digest_items"] += len(batch)
    return counts


def _send_digest(
    user: Any, frequency: str, period: str, batch: list[Notification], now: dt.datetime
) -> bool:
    label = "today" if frequency == Frequency.DAILY else "this week"
    subject = (
        f"{settings.SAFERPLACES_SERVICE_NAME}: {len(batch)} "
        f"{'reminder' if len(batch) == 1 else 'reminders'} {label}"
    )
    msg = _message(
        user,
        subject,
        "digest",
        {"items": _items(batch), "count": len(batch), "frequency": frequency, "label": label},
    )
    with transaction.atomic():
        # The Digest row is the once-per-period lock: a second run finds it and sends nothing.
        _, created = Digest.objects.get_or_create(
            user=user,
            frequency=frequency,
            period=period,
            defaults={"sent_at": now, "items": len(batch)},
        )
        if not created:
            return False
        try:
            _send([msg])
        except (OSError, smtplib.SMTPException):
            log.warning("Digest for user %s could not be e-mailed; will retry", user.pk)
            transaction.set_rollback(True)
            return False
        Notification.objects.filter(pk__in=[n.pk for n in batch]).update(
            email=Notification.Email.SENT, emailed_at=now
        )
    return True


# --- the reminders job ----------------------------------------------------------------------


def send_due(now: dt.datetime, progress: Callable[..., None] | None = None) -> dict:
    """Evaluate every reminder rule as at ``now``, then send what is due. Safe to repeat."""
    from saferplaces.web.notifications import rules

    step = progress or (lambda *a, **k: None)
    summary: dict[str, Any] = {"now": now.isoformat()}
    total = len(rules.RULES) + 1
    for i, (name, rule) in enumerate(rules.RULES):
        step(i, total, f"Checking {name}")
        summary[name] = rule(now)
    step(total - 1, total, "Sending e-mails")
    summary.update(send_digests(now))
    step(total, total, "Done")
    return summary
