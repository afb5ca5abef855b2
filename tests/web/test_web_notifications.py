"""Reminders and notifications (saferplaces.web.notifications), on dated scenarios.

Every scenario fixes ``now`` and runs the real rules, services and e-mail backend (Django's
test outbox): no mocks of our own components. The borough partnership is the shared test
world (a person in every role, an outsider who is a manager elsewhere only).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.test import Client
from django.utils import timezone

from saferplaces.web.jobs.registry import kind as job_kind
from saferplaces.web.meetings import services as meeting_services
from saferplaces.web.meetings.models import Body
from saferplaces.web.notifications import rules
from saferplaces.web.notifications import services as ns
from saferplaces.web.notifications.models import Digest, Notification
from saferplaces.web.partnerships import services as ps
from saferplaces.web.plans import services as plan_services

pytestmark = pytest.mark.django_db


def at(y: int, m: int, d: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment in the workspace's time zone (Europe/London)."""
    return timezone.make_aware(dt.datetime(y, m, d, hour, minute))


@pytest.fixture(autouse=True)
def _world_actions_closed(request):
    """The shared world's actions are dated from the real today; closing them leaves each
    scenario with only its own dated actions."""
    if "world" not in request.fixturenames:
        return
    world = request.getfixturevalue("world")
    for a in world.actions:
        plan_services.action_update(actor=world.users["manager"], action=a, status="complete")


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Runs the reminders as at a moment, letting "straight away" e-mails go on commit."""

    def go(now: dt.datetime) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            return ns.send_due(now)

    return go


def action(world, title: str, due: dt.date, owner=None, priority=None):
    return plan_services.action_create(
        actor=world.users["manager"],
        priority=priority or world.priorities[0],
        title=title,
        owner=owner or world.users["lead_officer_2"],
        due_date=due,
        status="in_progress",
    )


def keyed(prefix: str) -> list[Notification]:
    return list(Notification.objects.filter(key__startswith=prefix).order_by("user__email"))


def to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


# Action updates ---------------------------------------------------------------------------------


def test_an_action_falling_due_reminds_its_owner_once(world, run):
    a = action(world, "Install CCTV at Ankerside car park", dt.date(2026, 12, 10))
    run(at(2026, 12, 2))  # eight days before: not yet
    assert keyed(f"action-due:{a.pk}:") == []
    run(at(2026, 12, 3))  # seven days before: one reminder to the owner
    (n,) = keyed(f"action-due:{a.pk}:")
    assert n.user == world.users["lead_officer_2"]
    assert n.subject == "Action due in 7 days: Install CCTV at Ankerside car park"
    assert "due on 10 December 2026" in n.body and n.due == dt.date(2026, 12, 10)
    assert n.url == f"/partnerships/borough/work-plan/{a.pk}/"
    # The job runs hourly: running again, the same day or the next, reminds nobody again.
    before = Notification.objects.count()
    run(at(2026, 12, 3, 10))
    run(at(2026, 12, 4))
    assert len(keyed(f"action-due:{a.pk}:")) == 1
    assert Notification.objects.filter(key__contains=f":{a.pk}:").count() == 1
    assert Notification.objects.count() == before
    # Once overdue: the owner and the priority's lead officer, once each.
    run(at(2026, 12, 11))
    run(at(2026, 12, 11, 15))
    overdue = keyed(f"action-overdue:{a.pk}:")
    assert [x.user.email for x in overdue] == ["lead2@example.org", "lead_officer@example.org"]
    assert overdue[0].subject == "Overdue action: Install CCTV at Ankerside car park"
    # Completing it stops the reminders; a new due date would start them again (new key).
    plan_services.action_update(actor=world.users["manager"], action=a, status="complete")
    run(at(2026, 12, 20))
    assert len(keyed(f"action-overdue:{a.pk}:")) == 2


def test_an_action_without_an_update_for_the_staleness_limit(world, run, settings):
    a = action(world, "Refresh the ASB leaflet", dt.date(2027, 6, 30))
    # Created long ago (test arrangement: the creation time is set by the database default).
    type(a).objects.filter(pk=a.pk).update(created_at=at(2026, 8, 1))
    run(at(2026, 10, 29))  # 89 days: not yet
    assert keyed(f"action-stale:{a.pk}:") == []
    run(at(2026, 10, 31))  # 91 days without an update (limit 90)
    (n,) = keyed(f"action-stale:{a.pk}:")
    assert n.subject == "Update needed: Refresh the ASB leaflet"
    assert "no update since 1 August 2026" in n.body
    assert settings.SAFERPLACES_STALE_AFTER_DAYS == 90
    run(at(2026, 11, 1))
    assert len(keyed(f"action-stale:{a.pk}:")) == 1


# Digests and preferences ------------------------------------------------------------------------


def test_a_daily_digest_gathers_several_items_into_one_email(world, run):
    titles = ["Test purchase operation", "Knife arch at the station", "Street pastors rota"]
    for i, title in enumerate(titles):
        action(world, title, dt.date(2026, 12, 8 + i))
    run(at(2026, 12, 3, 6))  # before 7am: recorded, not yet e-mailed
    assert len(keyed("action-due:")) == 3
    assert to("lead2@example.org") == []
    run(at(2026, 12, 3, 7, 5))  # the day's digest
    (email,) = to("lead2@example.org")
    for title in titles:
        assert title in email.body
    assert email.subject.startswith("Safer Places: ") and email.subject.endswith("today")
    html = email.alternatives[0][0]
    assert "<ol>" in html and "Knife arch at the station" in html
    assert "/notifications/preferences/" in email.body
    # Running again that day sends nothing more; an item arriving later waits for tomorrow.
    run(at(2026, 12, 3, 8))
    action(world, "Licensing visits", dt.date(2026, 12, 9))
    run(at(2026, 12, 3, 9))
    assert len(to("lead2@example.org")) == 1
    run(at(2026, 12, 4, 7))
    second = to("lead2@example.org")[1]
    assert "Licensing visits" in second.body and "Street pastors rota" not in second.body
    assert Digest.objects.filter(user=world.users["lead_officer_2"]).count() == 2
    assert not Notification.objects.filter(
        user=world.users["lead_officer_2"], email=Notification.Email.PENDING
    ).exists()


def test_preference_off_sends_nothing_but_keeps_the_list(world, run):
    lead2 = world.users["lead_officer_2"]
    ns.preferences_save(actor=lead2, choices={"action_update_due": "off"})
    action(world, "Test purchase operation", dt.date(2026, 12, 8))
    run(at(2026, 12, 3, 7))
    run(at(2026, 12, 4, 7))
    assert to("lead2@example.org") == []
    (n,) = keyed("action-due:")
    assert n.email == Notification.Email.NOT_SENT and n.read_at is None


def test_preference_straight_away_and_weekly(world, run):
    lead2 = world.users["lead_officer_2"]
    ns.preferences_save(actor=lead2, choices={"action_update_due": "immediately"})
    action(world, "Test purchase operation", dt.date(2026, 12, 8))
    action(world, "Knife arch at the station", dt.date(2026, 12, 9))
    run(at(2026, 12, 3, 2))  # straight away means at night too: one e-mail each
    assert sorted(m.subject for m in to("lead2@example.org")) == [
        "Action due in 5 days: Test purchase operation",
        "Action due in 6 days: Knife arch at the station",
    ]
    mail.outbox.clear()
    ns.preferences_save(actor=lead2, choices={"action_update_due": "weekly"})
    action(world, "Street pastors rota", dt.date(2026, 12, 10))
    run(at(2026, 12, 3, 9))  # Thursday: the weekly digest waits for Monday
    run(at(2026, 12, 5, 9))
    assert to("lead2@example.org") == []
    run(at(2026, 12, 7, 7))  # Monday 7 December 2026
    (weekly,) = to("lead2@example.org")
    assert weekly.subject.endswith("this week") and "Street pastors rota" in weekly.body
    assert Digest.objects.get(user=lead2).period == "2026-W50"


# Who hears about what ---------------------------------------------------------------------------


def test_nobody_hears_from_a_partnership_where_they_have_no_role(world, run):
    outsider = world.users["outsider"]  # a manager of "other", nothing in "borough"
    a = action(world, "Outsider's action", dt.date(2026, 12, 8), owner=outsider)
    for day in (3, 9, 20):
        run(at(2026, 12, day, 8))
    run(at(2027, 1, 4, 8))  # a quarterly review opens
    assert not Notification.objects.filter(user=outsider, partnership=world.partnership).exists()
    assert not Notification.objects.filter(user=world.users["superuser"]).exists()
    # The priority's lead, who has a role, still hears the action is overdue.
    assert [n.user.email for n in keyed(f"action-overdue:{a.pk}:")] == ["lead_officer@example.org"]
    # They do hear about their own partnership's deadlines, and nothing of this one.
    theirs = [m for m in mail.outbox if m.to == ["outsider@example.org"]]
    assert theirs and all("Other Partnership" in m.body for m in theirs)
    assert not [m for m in theirs if "Borough" in m.body or "Outsider's action" in m.body]
    assert set(
        Notification.objects.filter(user=outsider).values_list("partnership__slug", flat=True)
    ) == {"other"}


def test_quarterly_review_opening(world, run):
    action(world, "Street pastors rota", dt.date(2027, 3, 31))
    run(at(2026, 12, 31, 9))  # last day of Q3: nothing opens
    assert keyed("review-open:") == []
    run(at(2027, 1, 4, 9))  # Q3 (October to December) has ended
    got = keyed(f"review-open:{world.partnership.pk}:2026-27 Q3")
    by_user = {n.user.email: n.subject for n in got}
    assert by_user["manager@example.org"] == (
        "The 2026-27 Q3 quarterly review is open for Borough Partnership"
    )
    assert by_user["lead2@example.org"] == (
        "Update your actions before the 2026-27 Q3 review (Borough Partnership)"
    )
    assert "member@example.org" not in by_user and "scrutiny@example.org" not in by_user
    assert all(n.due == dt.date(2027, 1, 28) for n in got)
    run(at(2027, 1, 5, 9))
    assert len(keyed("review-open:")) == len(got)
    # Once the review is recorded, the next quarter's opening is the next reminder.
    plan_services.review_record(
        actor=world.users["manager"],
        partnership=world.partnership,
        quarter="2026-27 Q3",
        held_on=dt.date(2027, 1, 12),
        summary="",
        lines=[],
    )
    assert rules.quarterly_review(at(2027, 1, 13)) == 0


def test_the_deadline_table_is_dated(world, run):
    p = world.partnership
    table = {d.deadline.code: d for d in rules.deadlines_for(p, dt.date(2026, 12, 7))}
    assert {k: (d.due, d.met, d.stage) for k, d in table.items()} == {
        "strategic-assessment": (dt.date(2026, 12, 31), False, "60"),
        "plan-review": (dt.date(2027, 3, 31), False, None),
        # The test world's plan ended on 31 March 2026: missed, longer ago than reminders go.
        "plan-period-end": (dt.date(2026, 3, 31), False, None),
        "scrutiny-meeting": (dt.date(2027, 3, 31), False, None),
    }
    # A scrutiny committee met on 20 January 2026: the next meeting is due within 12 months.
    committee = meeting_services.body_create(
        actor=None, partnership=p, name="Crime and disorder committee", kind=Body.Kind.SCRUTINY
    )
    meeting_services.meeting_create(actor=None, body=committee, starts_at=at(2026, 1, 20, 18))
    run(at(2026, 12, 7, 9))
    scrutiny = keyed(f"deadline:scrutiny-meeting:{p.pk}:2027-01-20:60")
    assert {n.user.email for n in scrutiny} == {"manager@example.org", "administrator@example.org"}
    assert scrutiny[0].subject == (
        "Crime and disorder scrutiny meeting due on 20 January 2027, in 44 days "
        "(Borough Partnership)"
    )
    assert "Police and Justice Act 2006 s19" in scrutiny[0].body
    sa = keyed(f"deadline:strategic-assessment:{p.pk}:2026-12-31:60")
    assert {n.user.email for n in sa} == {"manager@example.org", "analyst@example.org"}
    # Arranging the meeting meets it; the assessment's 14-day reminder follows on 17 December.
    meeting_services.meeting_create(actor=None, body=committee, starts_at=at(2027, 1, 14, 18))
    run(at(2026, 12, 17, 9))
    assert len(keyed("deadline:scrutiny-meeting:")) == 2
    assert len(keyed(f"deadline:strategic-assessment:{p.pk}:2026-12-31:14")) == 2


# Meeting papers ---------------------------------------------------------------------------------


def _pdf(text: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


def test_papers_published_never_reveal_exempt_items(
    world, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.SAFERPLACES_MEDIA_ROOT = tmp_path / "media"
    u, mgr = world.users, world.users["manager"]
    board = meeting_services.body_create(
        actor=mgr, partnership=world.partnership, name="Tamworth Community Safety Partnership"
    )
    # The outsider sat on the board while they held a role here, and have since left.
    seat = ps.membership_add(actor=None, partnership=world.partnership, user=u["outsider"],
                             role="member")  # fmt: skip
    for who in ("manager", "member", "scrutiny", "lead_officer", "outsider"):
        meeting_services.member_add(actor=mgr, body=board, user=u[who], is_chair=who == "manager")
    meeting_services.member_add(actor=mgr, body=board, role_title="Chief Inspector")
    ps.membership_remove(actor=None, membership=seat)
    meeting = meeting_services.meeting_create(
        actor=mgr, body=board, starts_at=at(2026, 12, 10, 14), place="Marmion House"
    )
    item = meeting_services.item_add(actor=mgr, meeting=meeting, title="Hate crime report")
    meeting_services.paper_upload(
        actor=mgr, item=item, title="Hate crime report",
        upload=SimpleUploadedFile("hate.pdf", _pdf("Hate crime"), "application/pdf"),
    )  # fmt: skip
    secret = meeting_services.item_add(
        actor=mgr, meeting=meeting, title="Domestic homicide review", exempt=True
    )
    meeting_services.paper_upload(
        actor=mgr, item=secret, title="Review panel report",
        upload=SimpleUploadedFile("dhr.pdf", _pdf("Exempt"), "application/pdf"),
    )  # fmt: skip
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.agenda_publish(actor=mgr, meeting=meeting)
    got = {n.user.email: n for n in keyed(f"papers:{meeting.pk}")}
    # The body's members with a role here; not the outsider (no role in this partnership).
    assert set(got) == {
        "manager@example.org",
        "member@example.org",
        "scrutiny@example.org",
        "lead_officer@example.org",
    }
    subject = "Papers published: Tamworth Community Safety Partnership, 10 December 2026"
    assert {n.subject for n in got.values()} == {subject}
    for who in ("manager@example.org", "member@example.org"):
        assert "Domestic homicide review (exempt: not for publication)" in got[who].body
        assert "Review panel report" in got[who].body
    for who in ("scrutiny@example.org", "lead_officer@example.org"):
        body = got[who].body
        assert "Hate crime report" in body
        assert "Domestic homicide" not in body and "Review panel" not in body
        assert "exempt" not in body.lower()
    # Papers are e-mailed straight away by default, with the same rule.
    assert {m.to[0] for m in mail.outbox} == set(got)
    for m in mail.outbox:
        seen = m.body + m.alternatives[0][0]
        assert ("Domestic homicide review" in seen) == (m.to[0] in {
            "manager@example.org", "member@example.org"
        })  # fmt: skip


# The job, the command, the pages and the API ----------------------------------------------------


def test_reminders_job_kind_is_registered_and_runs(world):
    job = job_kind("reminders")
    assert job.one_at_a_time == "reminders"
    action(world, "Test purchase operation", dt.date(2026, 12, 8))
    steps = []
    summary = job.handler(
        {"now": "2026-12-03T09:00:00+00:00"}, lambda d, t, m="": steps.append((d, t, m))
    )
    assert summary["action_updates"] == 1 and summary["now"] == "2026-12-03T09:00:00+00:00"
    assert steps[0] == (0, 5, "Checking action_updates") and steps[-1] == (5, 5, "Done")
    assert (3, 5, "Checking statutory_reviews") in steps and summary["statutory_reviews"] == 0
    assert job.handler({"now": "2026-12-03T10:00:00"}, lambda *a: None)["action_updates"] == 0


def test_remind_command(world, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from saferplaces.cli import app

    # The command points Django at its workspace; the environment is put back afterwards.
    monkeypatch.setenv("SAFERPLACES_HOME", str(tmp_path))
    action(world, "Test purchase operation", dt.date(2026, 12, 8))
    r = CliRunner().invoke(
        app, ["--workspace", str(tmp_path), "remind", "--now", "2026-12-03T09:00"]
    )
    assert r.exit_code == 0, r.output
    assert "Reminders as at 03 December 2026 09:00: 1 about actions" in r.output
    r = CliRunner().invoke(app, ["remind", "--now", "next tuesday"])
    assert r.exit_code == 1 and "is not a date and time" in r.output


def test_pages_list_read_and_preferences(world, run, client_for):
    lead2 = world.users["lead_officer_2"]
    for i, title in enumerate(["Test purchase operation", "Knife arch at the station"]):
        action(world, title, dt.date(2026, 12, 8 + i))
    run(at(2026, 12, 3, 9))
    c = client_for(lead2)
    page = c.get("/notifications/").content.decode()
    assert 'Notifications (2<span class="govuk-visually-hidden"> unread</span>)' in page
    assert "Action due in 5 days: Test purchase operation" in page
    first = Notification.objects.filter(user=lead2).order_by("id").first()
    r = c.post(f"/notifications/{first.pk}/read/", {"open": "1"})
    assert r.status_code == 302 and r["Location"] == first.url
    assert "Notifications (1<span" in c.get("/notifications/").content.decode()
    # Someone else's notification is not found.
    other = client_for(world.users["manager"])
    assert other.post(f"/notifications/{first.pk}/read/").status_code == 404
    c = client_for(lead2)
    r = c.post("/notifications/read-all/", follow=True)
    assert "1 notification marked as read" in r.content.decode()
    assert not Notification.objects.filter(user=lead2, read_at__isnull=True).exists()
    # Preferences: every kind needs a choice; saving is audited.
    form = c.get("/notifications/preferences/").content.decode()
    assert 'value="daily" checked' in form
    data = {k: "daily" for k in ("action_update_due", "quarterly_review", "deadline",
                                 "data_refreshed", "job_finished")}  # fmt: skip
    r = c.post("/notifications/preferences/", data)
    assert "Choose how often to be e-mailed about meeting papers published" in r.content.decode()
    r = c.post("/notifications/preferences/", {**data, "papers_published": "off"}, follow=True)
    assert "Your e-mail choices are saved" in r.content.decode()
    from saferplaces.web.audit.models import AuditEvent

    e = AuditEvent.objects.get(object_type="notification preferences")
    assert e.before["papers_published"] == "immediately" and e.after["papers_published"] == "off"
    deadlines = c.get("/notifications/deadlines/").content.decode()
    assert "Annual strategic assessment" in deadlines and "Police and Justice Act 2006" in deadlines
    assert c.get("/notifications/").status_code == 200
    assert Client().get("/notifications/")["Location"].startswith("/sign-in/")


def test_api_lists_marks_and_sets_preferences(world, run):
    from saferplaces.web.accounts.services import api_token_create

    action(world, "Test purchase operation", dt.date(2026, 12, 8))
    run(at(2026, 12, 3, 9))
    _, key = api_token_create(user=world.users["lead_officer_2"], name="notifications")
    c, auth = Client(), {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    (n,) = c.get("/api/notifications?unread=true", **auth).json()["items"]
    assert n["subject"] == "Action due in 5 days: Test purchase operation"
    assert n["partnership"] == "borough" and n["due"] == "2026-12-08"
    r = c.post(f"/api/notifications/{n['id']}/read", **auth)
    assert r.json() == {"unread": 0, "marked_read": 1}
    assert c.post("/api/notifications/999999/read", **auth).status_code == 404
    r = c.put("/api/notifications/preferences", {"frequencies": {"deadline": "weekly"}},
              content_type="application/json", **auth)  # fmt: skip
    assert r.status_code == 200 and r.json()["frequencies"]["deadline"] == "weekly"
    r = c.put("/api/notifications/preferences", {"frequencies": {"deadline": "hourly"}},
              content_type="application/json", **auth)  # fmt: skip
    assert r.status_code == 400


def test_demo_partnerships_digests_not_floods(run):
    """The Staffordshire-like demo (nine partnerships): one morning's run sends each person at
    most one e-mail, only people with a role get any, and the next hour's run adds nothing."""
    from saferplaces.web import demo
    from saferplaces.web.partnerships.models import Membership

    demo.load()
    mail.outbox.clear()
    # The demo dates its actions and meetings from today, so this scenario is as at 7am today.
    today = timezone.localdate()
    assert run(at(today.year, today.month, today.day, 7))["digests"] > 0
    created = Notification.objects.count()
    recipients = [m.to[0] for m in mail.outbox]
    assert created > 0 and recipients
    assert len(recipients) == len(set(recipients))  # one digest each, however many items
    assert set(recipients) <= set(
        Membership.objects.values_list("user__email", flat=True).distinct()
    )
    assert not Notification.objects.exclude(partnership__memberships__user=F("user")).exists()
    mail.outbox.clear()
    second = run(at(today.year, today.month, today.day, 8))
    assert Notification.objects.count() == created and mail.outbox == []
    assert second["digests"] == 0
