"""Statutory reviews: the ASB Case Review and DARDR rules on dated scenarios (bank holidays from
the `holidays` library, application-window edges), the state machines, need-to-know, the audit
of every view, encryption at rest, counts with small numbers suppressed, recommendations becoming
work-plan actions, and the annual ASB Case Review figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os

import pytest
from cryptography.fernet import Fernet

os.environ.setdefault("SAFERPLACES_FIELD_KEY", Fernet.generate_key().decode())

from django.core.exceptions import ValidationError
from django.db import connection

from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.reviews import rules
from saferplaces.web.reviews.rules import AsbSettings, Complaint, Extension

D = dt.date
B = "/partnerships/borough"


# --- calendar: working days and England and Wales bank holidays -------------------------------


def test_bank_holidays_come_from_the_holidays_library_with_substitute_days():
    h = rules.bank_holidays([2026, 2027])
    assert h[D(2026, 12, 25)] == "Christmas Day"
    assert D(2026, 12, 28) in h  # Boxing Day falls on a Saturday: substitute Monday
    assert D(2027, 3, 26) in h and D(2027, 3, 29) in h  # Good Friday, Easter Monday
    assert D(2027, 12, 27) in h and D(2027, 12, 28) in h  # both Christmas days at a weekend
    assert not rules.is_working_day(D(2026, 12, 28))
    assert rules.is_working_day(D(2026, 12, 29))


def test_ten_working_days_over_christmas_and_new_year():
    # Received Friday 18 December 2026: 25 Dec, 28 Dec (Boxing Day substitute) and 1 Jan 2027
    # are bank holidays, so the 10th working day is Wednesday 6 January 2027.
    due = rules.asb_deadlines(D(2026, 12, 18))
    assert due == {
        "acknowledge": D(2027, 1, 6),
        "decision": D(2027, 1, 13),
        "review": D(2027, 1, 20),
    }


def test_working_days_over_easter_2027():
    # Received Thursday 25 March 2027; Good Friday 26 March and Easter Monday 29 March.
    due = rules.asb_deadlines(D(2027, 3, 25))
    assert due["acknowledge"] == D(2027, 4, 12)
    assert due["decision"] == D(2027, 4, 19)
    assert due["review"] == D(2027, 4, 26)
    assert rules.working_days_between(D(2027, 3, 25), D(2027, 4, 12)) == 10


def test_a_partnerships_own_timescales_and_an_ordinary_fortnight():
    s = AsbSettings(acknowledge_days=5, decision_days=10, review_days=25)
    due = rules.asb_deadlines(D(2026, 6, 1), s)  # a Monday with no bank holiday near
    assert due == {
        "acknowledge": D(2026, 6, 8),
        "decision": D(2026, 6, 15),
        "review": D(2026, 7, 6),
    }
    # Received on a Saturday: counting starts from the next working day.
    assert rules.add_working_days(D(2026, 6, 6), 1) == D(2026, 6, 8)


def test_timescales_and_threshold_refused_outside_the_law():
    with pytest.raises(ValueError, match="highest a partnership may use"):
        AsbSettings(threshold=4)
    with pytest.raises(ValueError, match="in order"):
        AsbSettings(acknowledge_days=20, decision_days=15)


# --- ASB Case Review threshold --------------------------------------------------------------------


def test_one_month_after_the_behaviour_with_the_31st():
    app = D(2026, 3, 20)
    # Behaviour 31 January: one month later is 28 February (2026 is not a leap year).
    assert rules.check_complaint(Complaint(D(2026, 1, 31), D(2026, 2, 28)), app).qualifies
    late = rules.check_complaint(Complaint(D(2026, 1, 31), D(2026, 3, 1)), app)
    assert not late.qualifies
    assert late.reason == (
        "Made more than one month after the behaviour (the last day was 28 February 2026)"
    )
    # Exactly one month on an ordinary date qualifies, the day after does not.
    assert rules.check_complaint(Complaint(D(2026, 2, 15), D(2026, 3, 15)), app).qualifies
    assert not rules.check_complaint(Complaint(D(2026, 2, 15), D(2026, 3, 16)), app).qualifies
    # In a leap year, 31 January + 1 month is 29 February.
    assert rules.add_months(D(2028, 1, 31), 1) == D(2028, 2, 29)


def test_application_exactly_six_months_after_the_complaint():
    c = Complaint(D(2026, 8, 20), D(2026, 8, 31))
    # 31 August + 6 months = 28 February 2027: that day is in time, 1 March is not.
    assert rules.check_complaint(c, D(2027, 2, 28)).qualifies
    late = rules.check_complaint(c, D(2027, 3, 1))
    assert not late.qualifies and "28 February 2027" in late.reason
    assert rules.check_complaint(Complaint(D(2026, 1, 1), D(2026, 1, 10)), D(2026, 7, 10)).qualifies
    assert not rules.check_complaint(
        Complaint(D(2026, 1, 1), D(2026, 1, 10)), D(2026, 7, 11)
    ).qualifies


def test_three_qualifying_complaints_meet_the_threshold_two_do_not():
    app = D(2026, 9, 1)
    ok = [
        Complaint(D(2026, 4, 1), D(2026, 4, 2)),
        Complaint(D(2026, 6, 1), D(2026, 6, 20)),
        Complaint(D(2026, 8, 10), D(2026, 8, 11)),
    ]
    r = rules.asb_threshold(ok, app)
    assert r.met and r.qualifying == 3
    assert r.reason == "Threshold met: 3 qualifying complaints (the local threshold is 3)"
    # The first made six weeks after the behaviour: only two qualify.
    late = [Complaint(D(2026, 2, 15), D(2026, 4, 1)), *ok[1:]]
    r = rules.asb_threshold(late, app)
    assert not r.met and r.qualifying == 2
    assert r.reason == "Threshold not met: 2 qualifying complaints of the 3 needed"
    # A complaint made after the application does not count.
    assert not rules.asb_threshold([*ok[:2], Complaint(D(2026, 9, 1), D(2026, 9, 2))], app).met


def test_a_lower_local_threshold_and_one_hate_incident():
    app = D(2026, 9, 1)
    one_hate = [Complaint(D(2026, 8, 1), D(2026, 8, 2), hate=True)]
    assert not rules.asb_threshold(one_hate, app).met
    r = rules.asb_threshold(one_hate, app, AsbSettings(hate_threshold=1))
    assert r.met
    assert r.reason == (
        "Threshold met: 1 qualifying hate incident (the local threshold for hate incidents is 1)"
    )
    # An out-of-time hate incident does not meet the lower threshold.
    stale = [Complaint(D(2026, 1, 1), D(2026, 1, 2), hate=True)]
    assert not rules.asb_threshold(stale, app, AsbSettings(hate_threshold=1)).met
    two = [Complaint(D(2026, 8, 1), D(2026, 8, 2)), Complaint(D(2026, 8, 5), D(2026, 8, 6))]
    assert rules.asb_threshold(two, app, AsbSettings(threshold=2)).met


def test_deadline_status():
    d = rules.Deadline("Acknowledge", D(2027, 1, 6))
    assert d.status(D(2026, 12, 21)) == "open"  # 9 working days before (over Christmas)
    assert d.status(D(2026, 12, 29)) == "due soon"  # 5 working days before
    assert d.status(D(2027, 1, 7)) == "overdue"
    assert rules.Deadline("x", D(2027, 1, 6), D(2027, 1, 6)).status(D(2027, 2, 1)) == "met"
    assert rules.Deadline("x", D(2027, 1, 6), D(2027, 1, 7)).status(D(2027, 2, 1)) == "late"


# --- DARDR ----------------------------------------------------------------------------------------


def test_dardr_decision_report_and_publication_dates():
    assert rules.dardr_decision_due(D(2026, 1, 31)) == D(2026, 2, 28)
    assert rules.dardr_decision_due(D(2026, 12, 24)) == D(2027, 1, 24)
    assert rules.dardr_report_due(D(2026, 8, 31)) == D(2027, 2, 28)
    ext = [Extension(D(2027, 5, 31), "Criminal trial outcome awaited")]
    assert rules.dardr_report_due(D(2026, 8, 31), ext) == D(2027, 5, 31)
    with pytest.raises(ValueError, match="needs a reason"):
        rules.dardr_report_due(D(2026, 8, 31), [Extension(D(2027, 5, 31), "  ")])
    with pytest.raises(ValueError, match="later than 28 February 2027"):
        rules.dardr_report_due(D(2026, 8, 31), [Extension(D(2027, 1, 31), "Because")])
    assert rules.dardr_published_until(D(2028, 2, 29)) == D(2029, 2, 28)
    assert rules.retention_review_on("asb", D(2026, 3, 31)) == D(2032, 3, 31)


# --- the register: state machine, need-to-know, audit, encryption ---------------------------------


@pytest.fixture
def asb_case(world):
    from saferplaces.web.reviews import services

    u = world.users
    case = services.case_open(
        actor=u["manager"],
        partnership=world.partnership,
        kind="asb",
        received_on=D(2026, 9, 1),
        applicant_type="person",
        summary="Repeated noise and intimidation at a block entrance (invented demo text)",
        team=[u["lead_officer"]],
    )
    return case


def test_opening_a_case_makes_the_opener_its_lead_and_audits_it(world, asb_case):
    assert asb_case.reference == "ASB-2026-001"
    assert asb_case.state == "received"
    roles = {m.user.email: m.role for m in asb_case.members.select_related("user")}
    assert roles == {"manager@example.org": "lead", "lead_officer@example.org": "member"}
    ev = AuditEvent.objects.filter(
        verb="create", object_id=str(asb_case.pk), object_type="statutory review case"
    ).get()
    assert ev.summary == "Opened ASB Case Review ASB-2026-001"
    assert "summary" not in ev.after  # personal fields never go to the audit


def test_third_party_needs_consent(world):
    from saferplaces.web.reviews import services

    with pytest.raises(ValidationError, match="only with the victim's consent"):
        services.case_open(
            actor=world.users["manager"],
            partnership=world.partnership,
            kind="asb",
            received_on=D(2026, 9, 1),
            applicant_type="third_party",
        )


def test_personal_fields_are_encrypted_at_rest(asb_case):
    from saferplaces.web.reviews.models import Case

    with connection.cursor() as cur:
        cur.execute("SELECT summary FROM reviews_case WHERE id = %s", [asb_case.pk])
        raw = cur.fetchone()[0]
    assert raw.startswith("fernet:") and "noise" not in raw
    assert Case.objects.get(pk=asb_case.pk).summary.startswith("Repeated noise")


def test_asb_steps_refused_out_of_order_then_taken_in_order(world, asb_case):
    from saferplaces.web.reviews import services
    from saferplaces.web.reviews.models import State

    mgr = world.users["manager"]
    with pytest.raises(ValidationError) as e:
        services.record_review(actor=mgr, case=asb_case, on=D(2026, 9, 10), outcome="x")
    assert e.value.messages == [
        "You cannot record the review now: this case is at “Application received”. A review is "
        "held only once the threshold has been decided as met."
    ]
    with pytest.raises(ValidationError, match="Acknowledge the application first"):
        services.decide_threshold(actor=mgr, case=asb_case, on=D(2026, 9, 10))
    # A team member who is not the case lead cannot move the case.
    with pytest.raises(ValidationError, match="Only the case lead"):
        services.acknowledge(actor=world.users["lead_officer"], case=asb_case, on=D(2026, 9, 2))
    services.acknowledge(actor=mgr, case=asb_case, on=D(2026, 9, 2))
    for b, c in [
        (D(2026, 4, 1), D(2026, 4, 2)),
        (D(2026, 6, 1), D(2026, 6, 20)),
        (D(2026, 8, 10), D(2026, 8, 11)),
    ]:
        services.complaint_add(
            actor=world.users["lead_officer"],
            case=asb_case,
            behaviour_on=b,
            complained_on=c,
            made_to="Testshire Borough Council",
        )
    result = services.decide_threshold(actor=mgr, case=asb_case, on=D(2026, 9, 15))
    assert result.met and asb_case.state == State.THRESHOLD_MET and asb_case.threshold_met
    services.record_review(actor=mgr, case=asb_case, on=D(2026, 9, 28), outcome="Agreed plan")
    services.send_outcome(
        actor=mgr,
        case=asb_case,
        on=D(2026, 9, 29),
        appeal_body="Office of the Police and Crime Commissioner",
    )
    services.close(actor=mgr, case=asb_case, on=D(2026, 10, 30))
    assert asb_case.retention_review_on == D(2032, 10, 30)
    transitions = AuditEvent.objects.filter(
        verb="transition", object_id=str(asb_case.pk), object_type="statutory review case"
    )
    assert transitions.count() == 5
    states = [(e.before["state"], e.after["state"]) for e in transitions.order_by("id")]
    assert states == [
        ("received", "acknowledged"),
        ("acknowledged", "threshold_met"),
        ("threshold_met", "reviewed"),
        ("reviewed", "outcome_sent"),
        ("outcome_sent", "closed"),
    ]


def _dardr(world, on=None):
    from saferplaces.web.reviews import services

    return services.case_open(
        actor=world.users["manager"],
        partnership=world.partnership,
        kind="dardr",
        received_on=on or D(2026, 3, 2),
    )


def test_dardr_publication_needs_the_quality_assurance_panel(world):
    from saferplaces.web.reviews import selectors, services

    mgr = world.users["manager"]
    case = _dardr(world)
    assert [d.due for d in selectors.deadlines(case)] == [D(2026, 4, 2)]
    services.decide_review(
        actor=mgr,
        case=case,
        on=D(2026, 3, 30),
        hold=True,
        home_office_informed_on=D(2026, 3, 31),
        independent_chair="Independent chair from the approved list",
    )
    assert [d.due for d in selectors.deadlines(case)] == [D(2026, 4, 2), D(2026, 9, 30)]
    services.extension_add(
        actor=mgr, case=case, new_due=D(2026, 11, 30), reason="Inquest not yet concluded"
    )
    assert selectors.deadlines(case)[1].due == D(2026, 11, 30)
    with pytest.raises(ValidationError) as e:
        services.publish(actor=mgr, case=case, on=D(2026, 11, 1), commissioner_copy_on=None)
    assert e.value.messages == [
        "You cannot publish the report now: this case is at “Review commissioned”. The Home "
        "Office Quality Assurance Panel must approve the report before it is published."
    ]
    services.submit(actor=mgr, case=case, on=D(2026, 11, 2))
    services.qa_approve(actor=mgr, case=case, on=D(2026, 11, 20))
    services.publish(actor=mgr, case=case, on=D(2026, 11, 27), commissioner_copy_on=D(2026, 11, 27))
    with pytest.raises(ValidationError, match="can close from 27 November 2027"):
        services.close(actor=mgr, case=case, on=D(2026, 11, 30))


def test_a_member_outside_the_team_sees_neither_the_case_nor_its_existence(
    world, asb_case, client_for
):
    from saferplaces.web.reviews import selectors

    # The analyst, the board member, the administrator and a site administrator are not on the
    # team: 404 on the case's pages and nothing in their list; the team member sees it.
    for who in ("analyst", "member", "administrator", "lead_officer_2", "superuser"):
        c = client_for(world.users[who])
        for url in ("", "step/acknowledge/", "complaints/new/", "redacted.json"):
            assert c.get(f"{B}/statutory-reviews/{asb_case.pk}/{url}").status_code == 404, who
        home = c.get(f"{B}/statutory-reviews/").content.decode()
        assert asb_case.reference not in home and "You are not on the team of any case" in home
        assert not selectors.visible_cases(world.users[who], world.partnership).exists()
    # Counts are all they see: one open case is "fewer than 5".
    assert "fewer than 5" in home
    assert selectors.board_counts(world.partnership, D(2026, 9, 2))[0].open is None


def test_every_view_of_a_case_is_in_the_audit(world, asb_case, client_for):
    c = client_for(world.users["lead_officer"])
    before = AuditEvent.objects.filter(
        verb="viewed", object_id=str(asb_case.pk), object_type="statutory review case"
    ).count()
    page = c.get(f"{B}/statutory-reviews/{asb_case.pk}/")
    assert page.status_code == 200 and "Repeated noise" in page.content.decode()
    c.get(f"{B}/statutory-reviews/{asb_case.pk}/redacted.json")
    views = AuditEvent.objects.filter(
        verb="viewed", object_id=str(asb_case.pk), object_type="statutory review case"
    ).order_by("id")
    assert views.count() == before + 2
    assert [e.summary for e in views][-2:] == [
        "Viewed Statutory review case",
        "Viewed Statutory review case (redacted export)",
    ]
    assert views.last().actor == world.users["lead_officer"]


def test_an_out_of_order_step_is_refused_on_the_page(world, asb_case, client_for):
    c = client_for(world.users["manager"])
    r = c.post(
        f"{B}/statutory-reviews/{asb_case.pk}/step/decide_threshold/",
        {"on_0": "3", "on_1": "9", "on_2": "2026"},
    )
    assert r.status_code == 200
    assert "Acknowledge the application first." in r.content.decode()


def test_board_counts_suppress_small_numbers_and_show_five(world):
    from saferplaces.web.reviews import selectors, services

    for i in range(5):
        services.case_open(
            actor=world.users["manager"],
            partnership=world.partnership,
            kind="asb",
            received_on=D(2026, 9, 1 + i),
            applicant_type="business",
        )
    asb, dardr = selectors.board_counts(world.partnership, D(2026, 9, 14))
    # Received 1–5 September 2026: acknowledgements due 15–21 September, all within 5 working
    # days of 14 September, so all five are due soon; none overdue (0 is shown).
    assert (asb.open, asb.overdue, asb.due_soon) == (5, 0, 5)
    assert (dardr.open, dardr.overdue, dardr.due_soon) == (0, 0, 0)
    asb = selectors.board_counts(world.partnership, D(2026, 9, 22))[0]
    assert (asb.open, asb.overdue, asb.due_soon) == (5, 5, 0)


def test_recommendations_become_work_plan_actions_and_the_learning_summary(world):
    from saferplaces.web.accounts.models import Organisation
    from saferplaces.web.plans.models import Action
    from saferplaces.web.reviews import selectors, services

    mgr = world.users["manager"]
    case = _dardr(world)
    with pytest.raises(ValidationError, match="once the review has been held"):
        services.recommendation_add(
            actor=mgr, case=case, text="x", theme="training", agency=Organisation.objects.first()
        )
    services.decide_review(
        actor=mgr,
        case=case,
        on=D(2026, 3, 30),
        hold=True,
        home_office_informed_on=D(2026, 3, 31),
        independent_chair="Chair",
    )
    police = Organisation.objects.get(name="Testshire Police")
    rec = services.recommendation_add(
        actor=mgr,
        case=case,
        text="Train call handlers to ask about stalking",
        theme="training",
        agency=police,
        lead=world.users["lead_officer_2"],
        due_date=D(2027, 3, 31),
    )
    services.recommendation_to_action(actor=mgr, recommendation=rec, priority=world.priorities[0])
    action = Action.objects.get(pk=rec.action_id)
    assert action.title == "Train call handlers to ask about stalking"
    assert action.description == (
        "Recommendation of a Domestic Abuse Related Death Review (2026); theme: training and "
        "awareness."
    )
    assert action.organisation == police and action.owner == world.users["lead_officer_2"]
    assert action.due_date == D(2027, 3, 31) and action.priority == world.priorities[0]
    with pytest.raises(ValidationError, match="already an action"):
        services.recommendation_to_action(
            actor=mgr, recommendation=rec, priority=world.priorities[0]
        )
    assert selectors.learning_summary(world.partnership) == [
        {"theme": "Training and awareness", "recommendations": None, "open": None}
    ]
    # The redacted export names the agency and the recommendation, nothing personal.
    red = selectors.redacted_report(case)
    assert red["recommendations"][0]["agency"] == "Testshire Police"
    assert "summary" not in red and "team" not in red


def test_annual_asb_figures_as_open_data(world, client_for):
    from saferplaces.web.accounts.models import Organisation
    from saferplaces.web.reviews import services

    mgr = world.users["manager"]
    cases = [
        services.case_open(
            actor=mgr,
            partnership=world.partnership,
            kind="asb",
            received_on=d,
            applicant_type="person",
        )
        for d in (D(2025, 4, 1), D(2025, 6, 2), D(2026, 3, 31), D(2026, 4, 1))
    ]
    for c in cases[:3]:
        services.acknowledge(actor=mgr, case=c, on=c.received_on)
    # The first meets the threshold, is reviewed and makes a recommendation; the second does
    # not meet it; the third is undecided; the fourth is in the next financial year.
    for b, k in [
        (D(2025, 3, 1), D(2025, 3, 2)),
        (D(2025, 3, 10), D(2025, 3, 11)),
        (D(2025, 3, 20), D(2025, 3, 21)),
    ]:
        services.complaint_add(
            actor=mgr, case=cases[0], behaviour_on=b, complained_on=k, made_to="Police"
        )
    services.decide_threshold(actor=mgr, case=cases[0], on=D(2025, 4, 10))
    services.record_review(actor=mgr, case=cases[0], on=D(2025, 4, 20), outcome="Plan agreed")
    services.recommendation_add(
        actor=mgr,
        case=cases[0],
        text="Joint visit",
        theme="escalation",
        agency=Organisation.objects.first(),
    )
    assert not services.decide_threshold(actor=mgr, case=cases[1], on=D(2025, 6, 9)).met
    c = client_for(world.users["scrutiny"])  # any member: annual totals, no case detail
    rows = list(
        csv.DictReader(
            io.StringIO(c.get(f"{B}/statutory-reviews/asb-figures/2025.csv").content.decode())
        )
    )
    assert rows == [
        {
            "partnership": world.partnership.name,
            "period_start": "2025-04-01",
            "period_end": "2026-03-31",
            "applications": "3",
            "threshold_not_met": "1",
            "reviews_carried_out": "1",
            "reviews_with_recommendations": "1",
        }
    ]
    j = json.loads(c.get(f"{B}/statutory-reviews/asb-figures/2026.json").content)
    assert j["applications"] == 1 and j["reviews_carried_out"] == 0
    html = c.get(f"{B}/statutory-reviews/asb-figures/2025.html").content.decode()
    assert "<!DOCTYPE html>" in html and "Reviews carried out" in html
    assert c.get(f"{B}/statutory-reviews/asb-figures/2025/").status_code == 200


def test_reminders_go_to_the_case_team_only_and_once(world, asb_case):
    from saferplaces.web.notifications.models import Notification
    from saferplaces.web.reviews.reminders import remind

    # Received Tuesday 1 September 2026: acknowledge by 15 September. On 9 September it is
    # 4 working days away (due soon); on 16 September it is overdue.
    now = dt.datetime(2026, 9, 9, 8, tzinfo=dt.UTC)
    assert remind(now) == 2  # the manager (lead) and the lead officer (member)
    assert remind(now) == 0  # the key notifies once
    n = Notification.objects.filter(key__startswith=f"review:{asb_case.pk}:")
    assert {x.user.email for x in n} == {"manager@example.org", "lead_officer@example.org"}
    assert n.first().subject == (
        "Due soon: ASB-2026-001, acknowledge the application by 15 September 2026"
    )
    assert "noise" not in n.first().body  # the description never leaves the case
    # 16 September: acknowledging is overdue and the threshold decision (22 September) due soon.
    assert remind(dt.datetime(2026, 9, 16, 8, tzinfo=dt.UTC)) == 4
    assert Notification.objects.filter(subject__startswith="Overdue: ASB-2026-001").count() == 2


def test_api_lists_only_the_callers_cases(world, asb_case, client_for):
    c = client_for(world.users["lead_officer"])
    r = c.get("/api/partnerships/borough/statutory-reviews/cases")
    assert [x["reference"] for x in r.json()] == ["ASB-2026-001"]
    assert r.json()[0]["deadlines"][0]["due"] == "2026-09-15"
    c = client_for(world.users["analyst"])
    assert c.get("/api/partnerships/borough/statutory-reviews/cases").json() == []
    r = c.get(f"/api/partnerships/borough/statutory-reviews/cases/{asb_case.pk}")
    assert r.status_code == 404


def test_the_partnership_audit_log_and_dashboard_do_not_reveal_a_case(world, asb_case, client_for):
    """Case events are in the append-only log without the partnership, so the partnership's
    audit log (read by the manager and administrator) and the dashboard's digest of changes do
    not show them; the case team sees the case's own trail on the case page."""
    from saferplaces.web.reviews import services

    services.acknowledge(actor=world.users["manager"], case=asb_case, on=D(2026, 9, 2))
    admin = client_for(world.users["administrator"])  # not on the team
    for url in (f"{B}/audit/", f"{B}/", "/api/partnerships/borough/audit"):
        body = admin.get(url).content.decode()
        assert "ASB-2026-001" not in body, url
    lead = client_for(world.users["lead_officer"])
    page = lead.get(f"{B}/statutory-reviews/{asb_case.pk}/").content.decode()
    assert "ASB-2026-001: acknowledge the application → Acknowledged" in page
    assert "Opened ASB Case Review ASB-2026-001" in page


def test_personal_data_is_erased_only_from_the_retention_review_date(world, asb_case):
    from saferplaces.web.reviews import services
    from saferplaces.web.reviews.models import Case

    mgr = world.users["manager"]
    with pytest.raises(ValidationError, match="only from a closed case"):
        services.erase_personal_data(actor=mgr, case=asb_case, on=D(2040, 1, 1))
    services.acknowledge(actor=mgr, case=asb_case, on=D(2026, 9, 2))
    services.decide_threshold(actor=mgr, case=asb_case, on=D(2026, 9, 10))  # no complaints
    assert asb_case.threshold_reason == "Threshold not met: 0 qualifying complaints of the 3 needed"
    services.send_outcome(actor=mgr, case=asb_case, on=D(2026, 9, 11), appeal_body="PCC's office")
    services.close(actor=mgr, case=asb_case, on=D(2026, 10, 1))
    with pytest.raises(ValidationError, match="retention review date is 1 October 2032"):
        services.erase_personal_data(actor=mgr, case=asb_case, on=D(2032, 9, 30))
    services.erase_personal_data(actor=mgr, case=asb_case, on=D(2032, 10, 1))
    kept = Case.objects.get(pk=asb_case.pk)
    assert kept.summary == "" and kept.reference == "ASB-2026-001" and kept.threshold_met is False


def test_a_partnerships_lower_hate_threshold_set_on_the_settings_page(world, asb_case, client_for):
    from saferplaces.web.reviews import services

    c = client_for(world.users["manager"])
    form = {
        "asb_threshold": "3",
        "hate_threshold": "1",
        "acknowledge_days": "10",
        "decision_days": "15",
        "review_days": "20",
        "due_soon_days": "5",
    }
    assert (
        c.post(f"{B}/statutory-reviews/settings/", {**form, "asb_threshold": "4"}).status_code
        == 200
    )
    r = c.post(f"{B}/statutory-reviews/settings/", form)
    assert r.status_code == 302
    mgr = world.users["manager"]
    services.acknowledge(actor=mgr, case=asb_case, on=D(2026, 9, 2))
    services.complaint_add(
        actor=mgr,
        case=asb_case,
        behaviour_on=D(2026, 8, 20),
        complained_on=D(2026, 8, 21),
        made_to="Police",
        hate=True,
    )
    result = services.decide_threshold(actor=mgr, case=asb_case, on=D(2026, 9, 3))
    assert result.met and asb_case.state == "threshold_met"


def test_removing_someone_from_the_team_ends_their_access(world, asb_case, client_for):
    lead_officer = world.users["lead_officer"]
    url = f"{B}/statutory-reviews/{asb_case.pk}/"
    assert client_for(lead_officer).get(url).status_code == 200
    # Only the case lead removes people, and the last lead cannot be removed.
    r = client_for(lead_officer).post(f"{url}team/{world.users['manager'].pk}/remove/")
    assert r.status_code == 302 and asb_case.members.count() == 2
    mgr = client_for(world.users["manager"])
    r = mgr.post(f"{url}team/{lead_officer.pk}/remove/", follow=True)
    assert (
        "Lead Officer, Testshire Borough Council removed from the case team" in r.content.decode()
    )
    assert list(asb_case.members.values_list("user__email", flat=True)) == ["manager@example.org"]
    assert client_for(lead_officer).get(url).status_code == 404
