"""Plan periods and versions (plans.PlanPeriod, plans.PlanVersion) and the plan's warnings.

Finding reproduced: "the plan period ended in March 2026 with no warning, a new plan would
overwrite the old one". The world's plan runs from April 2023 to March 2026.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.meetings import services as meetings
from saferplaces.web.partnerships import services as ps
from saferplaces.web.plans import selectors, services
from saferplaces.web.plans.models import Action, PlanPeriod, Priority, PriorityLocality

pytestmark = pytest.mark.django_db
B = "/partnerships/borough"


def _warnings(html: str) -> list[str]:
    import re

    return [
        re.sub(r"<[^>]+>", "", m).strip()
        for m in re.findall(r'<div class="govuk-warning-text"[^>]*>(.*?)</div>', html, re.S)
    ]


def _next_period(world, **kw):
    return services.period_start_next(
        actor=world.users["manager"],
        partnership=world.partnership,
        title=kw.get("title", "Community Safety Partnership Plan 2026 to 2029"),
        starts_on=kw.get("starts_on", dt.date(2026, 4, 1)),
        ends_on=kw.get("ends_on", dt.date(2029, 3, 31)),
    )


# The finding ---------------------------------------------------------------------------------


def test_ended_plan_period_is_warned_on_the_dashboard_and_the_plan(world, client_for):
    c = client_for(world.users["member"])
    for url in (f"{B}/", f"{B}/plan/"):
        warnings = _warnings(c.get(url).content.decode())
        assert any("The plan period ended on 31 March 2026" in w for w in warnings), url


def test_period_ending_within_90_days_is_warned_and_not_before(world, client_for):
    p, today = world.partnership, timezone.localdate()
    ps.partnership_update(actor=None, partnership=p, plan_end=today + dt.timedelta(days=30))
    texts = [w.text for w in selectors.plan_warnings(p, latest_month=None)]
    assert texts == [
        f"The plan period ends on {today + dt.timedelta(days=30):%-d %B %Y}, in 30 days. "
        "Start the next plan period in time for it."
    ]
    page = client_for(world.users["scrutiny"]).get(f"{B}/").content.decode()
    assert any("in 30 days" in w for w in _warnings(page))
    ps.partnership_update(actor=None, partnership=p, plan_end=today + dt.timedelta(days=120))
    assert selectors.plan_warnings(p, latest_month=None) == []


def test_new_period_carries_the_plan_forward_and_keeps_the_old_one(world, client_for):
    mgr, p = world.users["manager"], world.partnership
    done = world.actions[1]
    services.action_add_update(
        actor=mgr, action=done, note="Finished", status="complete", rag="green"
    )
    loc = services.locality_create(
        actor=mgr, partnership=p, name="Town centre", priority=world.priorities[0]
    )
    old_titles = sorted(Priority.objects.filter(partnership=p).values_list("title", flat=True))

    new = _next_period(world)

    old = new.previous
    assert (old.title, old.starts_on, old.ends_on) == (
        "Partnership plan",
        dt.date(2023, 4, 1),
        dt.date(2026, 3, 31),
    )
    assert selectors.current_period(p) == new
    # The old period's records are still there, archived with it, unchanged.
    old_prios = Priority.objects.filter(plan_period=old)
    assert sorted(x.title for x in old_prios) == old_titles == ["Priority 1", "Priority 2"]
    assert all(x.archived_at is not None for x in old_prios)
    assert PriorityLocality.objects.get(pk=loc.pk).plan_period == old
    # The new period holds copies that point back at them.
    new_prios = list(Priority.objects.filter(plan_period=new).order_by("position"))
    assert [(x.title, x.carried_from.title) for x in new_prios] == [
        ("Priority 1", "Priority 1"),
        ("Priority 2", "Priority 2"),
    ]
    assert all(x.archived_at is None and x.period_start == dt.date(2026, 4, 1) for x in new_prios)
    new_loc = PriorityLocality.objects.get(plan_period=new)
    assert new_loc.priority == new_prios[0] and new_loc.carried_from_id == loc.pk
    # Open actions are copied; the completed one stays with the old period, as it was.
    copied = Action.objects.filter(priority__plan_period=new).order_by("title")
    assert [a.title for a in copied] == ["Action 1.1", "Action 2.1", "Action 2.2"]
    assert all(a.carried_from.archived_at is not None for a in copied)
    done.refresh_from_db()
    assert done.status == "complete" and done.archived_at is None
    assert done.priority.plan_period == old
    # Indicators follow their priority into the new period.
    ind = world.indicators[0]
    ind.refresh_from_db()
    assert ind.priority == new_prios[0]
    # The partnership's plan dates are now the new period's; the old ones are in the period.
    p.refresh_from_db()
    assert (p.plan_title, p.plan_start, p.plan_end) == (
        "Community Safety Partnership Plan 2026 to 2029",
        dt.date(2026, 4, 1),
        dt.date(2029, 3, 31),
    )
    # The current plan shows the new period's priorities; the old period reads as it was left.
    c = client_for(world.users["scrutiny"])
    plan = c.get(f"{B}/plan/").content.decode()
    assert "The plan period ended" not in plan
    old_page = c.get(f"{B}/plan/periods/{old.pk}/").content.decode()
    assert "Partnership plan" in old_page and "Action 1.2" in old_page and "Complete" in old_page
    assert "was followed by Community Safety Partnership Plan 2026 to 2029" in old_page
    periods = c.get(f"{B}/plan/periods/").content.decode()
    assert periods.count('class="govuk-summary-card"') == 2
    # Every write is in the audit log.
    carried = AuditEvent.objects.filter(partnership=p, summary__startswith="Carried into")
    assert carried.count() == 2 + 1 + 3 + 2  # priorities, locality, open actions, indicators
    assert AuditEvent.objects.filter(partnership=p, object_type="plan period").count() == 2


def test_old_period_records_cannot_be_restored_over_the_new_ones(world):
    _next_period(world)
    old = Priority.objects.get(title="Priority 1", archived_at__isnull=False)
    with pytest.raises(ValidationError, match="belongs to an earlier plan period"):
        services.priority_restore(actor=world.users["manager"], priority=old)
    # Nor are they listed among things to restore.
    assert old not in selectors.archived(world.partnership).priorities


def test_new_period_with_bad_dates_writes_nothing(world):
    n = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as e:
        _next_period(world, starts_on=dt.date(2023, 4, 1), ends_on=dt.date(2023, 3, 1))
    assert set(e.value.message_dict) == {"starts_on", "ends_on"}
    assert PlanPeriod.objects.count() == 0 and AuditEvent.objects.count() == n
    assert Priority.objects.filter(archived_at__isnull=False).count() == 0


def test_periods_chain_and_each_stays_readable(world):
    first = _next_period(world)
    second = _next_period(
        world,
        title="Plan 2029 to 2032",
        starts_on=dt.date(2029, 4, 1),
        ends_on=dt.date(2032, 3, 31),
    )
    periods = selectors.plan_periods(world.partnership)
    assert [x.title for x in periods] == [
        "Plan 2029 to 2032",
        "Community Safety Partnership Plan 2026 to 2029",
        "Partnership plan",
    ]
    assert second.previous == first and selectors.current_period(world.partnership) == second
    for period in periods:
        assert [x.title for x in selectors.period_contents(period).priorities] == [
            "Priority 1",
            "Priority 2",
        ]
    # A new priority added now belongs to the current period.
    added = services.priority_create(
        actor=world.users["manager"], partnership=world.partnership, title="Fraud"
    )
    assert added.plan_period == second


def test_start_the_next_period_through_the_page(world, client_for):
    c = client_for(world.users["manager"])
    r = c.post(
        f"{B}/plan/periods/new/",
        {
            "title": "Plan 2026 to 2029",
            "starts_on_0": "1",
            "starts_on_1": "4",
            "starts_on_2": "2026",
            "ends_on_0": "31",
            "ends_on_1": "3",
            "ends_on_2": "2029",
        },
    )
    new = PlanPeriod.objects.get(title="Plan 2026 to 2029")
    assert r.status_code == 302 and r["Location"] == f"{B}/plan/periods/{new.pk}/"
    bad = c.post(f"{B}/plan/periods/new/", {"title": "Again", "starts_on_0": "1"})
    assert "Enter the last day" in bad.content.decode()


def test_plan_dates_cannot_be_changed_around_a_recorded_period(world, client_for):
    p, mgr = world.partnership, world.users["manager"]
    period = services.period_record_current(actor=mgr, partnership=p)
    with pytest.raises(ValidationError) as exc:
        ps.partnership_update(actor=mgr, partnership=p, plan_end=dt.date(2027, 3, 31))
    assert "Start the next plan period" in exc.value.message_dict["plan_end"][0]
    r = client_for(mgr).post(
        f"{B}/about/edit/",
        {"name": p.name, "plan_title": p.plan_title,
         "plan_start_0": "1", "plan_start_1": "4", "plan_start_2": "2024",
         "plan_end_0": "31", "plan_end_1": "3", "plan_end_2": "2026"},
    )  # fmt: skip
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', r.content.decode(), re.S)
    assert summary and "Start the next plan period" in summary.group(1)
    p.refresh_from_db()
    assert (period.starts_on, period.ends_on) == (dt.date(2023, 4, 1), dt.date(2026, 3, 31))
    assert (p.plan_start, p.plan_end) == (period.starts_on, period.ends_on)
    # The unchanged dates come back with every save of the form: the rest still saves.
    ps.partnership_update(actor=mgr, partnership=p, name="Borough CSP", plan_end=p.plan_end)
    p.refresh_from_db()
    assert p.name == "Borough CSP"


# Versions ----------------------------------------------------------------------------------------


@pytest.fixture
def approved(world):
    mgr = world.users["manager"]
    board = meetings.body_create(actor=mgr, partnership=world.partnership, name="Borough board")
    m = meetings.meeting_create(
        actor=mgr,
        body=board,
        starts_at=timezone.make_aware(dt.datetime(2026, 3, 12, 18)),
    )
    item = meetings.item_add(actor=mgr, meeting=m, title="Partnership plan 2026 to 2029")
    noted = meetings.resolution_add(actor=mgr, item=item, text="the draft be noted", kind="noted")
    ok = meetings.resolution_add(actor=mgr, item=item, text="the plan be approved", kind="approved")
    return board, noted, ok


def test_version_stages_with_the_minuted_approval(world, approved):
    board, noted, ok = approved
    mgr = world.users["manager"]
    period = _next_period(world)
    v = services.version_create(
        actor=mgr, period=period, title="Draft for consultation", drafted_on=dt.date(2026, 1, 5)
    )
    assert (v.number, v.stage) == (1, "Draft")
    v = services.version_record_stages(actor=mgr, version=v, consulted_on=dt.date(2026, 2, 20))
    assert v.stage == "Consulted on"
    with pytest.raises(ValidationError, match="resolutions of type approved"):
        services.version_record_stages(actor=mgr, version=v, endorsing_resolution=noted)
    with pytest.raises(ValidationError, match="Record the plan's endorsement"):
        services.version_record_stages(actor=mgr, version=v, sent_to_pcc_on=dt.date(2026, 3, 20))
    v = services.version_record_stages(actor=mgr, version=v, endorsing_resolution=ok)
    # The resolution's meeting gives the body and the date.
    assert (v.endorsed_by, v.endorsed_on, v.stage) == (board, dt.date(2026, 3, 12), "Endorsed")
    v = services.version_record_stages(actor=mgr, version=v, sent_to_pcc_on=dt.date(2026, 3, 20))
    assert v.stage == "Sent to the Police and Crime Commissioner"
    with pytest.raises(ValidationError, match="Already recorded"):
        services.version_record_stages(actor=mgr, version=v, endorsed_on=dt.date(2026, 3, 1))
    v2 = services.version_create(
        actor=mgr, period=period, title="Refresh", drafted_on=dt.date(2026, 6, 1)
    )
    with pytest.raises(ValidationError, match="on or after"):
        services.version_record_stages(actor=mgr, version=v2, consulted_on=dt.date(2026, 5, 1))
    assert v2.number == 2
    events = AuditEvent.objects.filter(object_type="plan version").values_list("summary", flat=True)
    assert list(events.order_by("id")) == [
        "",
        "Plan version 1: consulted on",
        "Plan version 1: endorsed",
        "Plan version 1: sent to the police and crime commissioner",
        "",
    ]
    page = Client()
    page.force_login(world.users["scrutiny"])
    html = page.get(f"{B}/plan/periods/").content.decode()
    assert "endorsed by Borough board on 12 March 2026" in html
    assert "sent to the Police and Crime Commissioner on 20 March 2026" in html


# Police data ------------------------------------------------------------------------------------


def test_police_data_out_of_date_is_warned(world, warehouse_file, client_for):
    # The test warehouse holds Staffordshire's January and February 2025 street records.
    selectors._LATEST_MONTH.clear()
    assert selectors.police_data_latest_month() == dt.date(2025, 2, 1)
    page = client_for(world.users["analyst"]).get(f"{B}/").content.decode()
    assert any(
        "The police data is out of date: the latest month loaded is February 2025" in w
        for w in _warnings(page)
    )
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    keys = [w.key for w in selectors.plan_warnings(world.partnership, latest_month=last_month)]
    assert keys == ["period-ended"]


def test_no_police_warning_without_a_warehouse(world):
    selectors._LATEST_MONTH.clear()
    assert selectors.police_data_latest_month() is None
    assert [w.key for w in selectors.plan_warnings(world.partnership)] == ["period-ended"]


def test_a_resolutions_action_follows_it_into_the_new_period(world, approved):
    board, noted, _ = approved
    mgr = world.users["manager"]
    res = meetings.resolution_add(
        actor=mgr,
        item=noted.item,
        text="a town centre problem-solving plan be brought to the board",
        kind="action",
        owner=world.users["lead_officer"],
        due_date=dt.date(2026, 6, 1),
    )
    first = res.action
    _next_period(world)
    res.refresh_from_db()
    assert res.action.carried_from == first and res.action.archived_at is None
    later = meetings.meeting_create(
        actor=mgr, body=board, starts_at=timezone.make_aware(dt.datetime(2026, 7, 9, 18))
    )
    from saferplaces.web.meetings import selectors as m_selectors

    assert [r.action for r in m_selectors.matters_arising(later, mgr)] == [res.action]
    services.action_add_update(actor=mgr, action=res.action, note="Done", status="complete")
    assert m_selectors.matters_arising(later, mgr) == []


def test_first_period_without_plan_dates_holds_the_current_plan(world):
    other = world.other
    pr = services.priority_create(actor=None, partnership=other, title="Shoplifting")
    period = services.period_start_next(
        actor=world.users["outsider"],
        partnership=other,
        title="Other plan 2026 to 2029",
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2029, 3, 31),
    )
    pr.refresh_from_db()
    # Nothing is copied or archived: the current plan simply belongs to its first period.
    assert period.previous is None and pr.plan_period == period and pr.archived_at is None
    assert Priority.objects.filter(partnership=other).count() == 1
    other.refresh_from_db()
    assert (other.plan_start, other.plan_end) == (dt.date(2026, 4, 1), dt.date(2029, 3, 31))
