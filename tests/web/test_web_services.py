"""Services and selectors: the rules, without the web layer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from saferplaces.web import integrations, permissions
from saferplaces.web.audit.models import AppendOnlyError, AuditEvent
from saferplaces.web.partnerships.models import Role
from saferplaces.web.performance import selectors as perf_selectors
from saferplaces.web.performance import services as perf_services
from saferplaces.web.performance.models import Indicator, IndicatorValue
from saferplaces.web.plans import selectors as plan_selectors
from saferplaces.web.plans import services as plan_services
from saferplaces.web.plans.models import Action, Priority, PriorityLocality

pytestmark = pytest.mark.django_db


def test_every_change_is_audited_with_before_and_after(world):
    lead = world.users["lead_officer"]
    n = AuditEvent.objects.count()
    plan_services.action_add_update(
        actor=lead,
        action=world.own_action,
        note="Met the housing team",
        status="on_hold",
        rag="amber",
    )
    ev = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == n + 1
    assert ev.actor == lead and ev.partnership == world.partnership and ev.verb == "update"
    assert ev.before["status"] == "in_progress" and ev.after["status"] == "on_hold"
    assert ev.after["note"] == "Met the housing team"


def test_audit_log_is_append_only(world):
    ev = AuditEvent.objects.first()
    ev.summary = "tampered"
    with pytest.raises(AppendOnlyError):
        ev.save()
    with pytest.raises(AppendOnlyError):
        ev.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=ev.pk).update(summary="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    # And the database itself refuses, whatever the ORM does.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("UPDATE audit_auditevent SET summary = 'x' WHERE id = %s", [ev.pk])


def test_action_updates_are_kept_as_history(world):
    a = world.own_action
    for note in ("first", "second"):
        plan_services.action_add_update(
            actor=world.users["lead_officer"],
            action=a,
            note=note,
            status="in_progress",
            rag="green",
        )
    a = plan_selectors.action_with_history(world.partnership, a.pk)
    assert [u.note for u in a.updates.all()] == ["second", "first"]
    assert a.last_update_at is not None and a.rag == "green"


def test_update_needs_a_note(world):
    with pytest.raises(ValidationError):
        plan_services.action_add_update(
            actor=world.users["manager"], action=world.own_action, note="  ", status="in_progress"
        )


def test_overdue_and_stale_flags(world):
    wp = plan_selectors.workplan(world.partnership)
    flagged = {a.pk: a for g in wp.groups for a in g.actions}
    assert flagged[world.others_action.pk].overdue
    assert not flagged[world.own_action.pk].overdue
    Action.objects.filter(pk=world.own_action.pk).update(
        created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    wp = plan_selectors.workplan(world.partnership, only="stale")
    assert world.own_action.pk in {a.pk for g in wp.groups for a in g.actions}
    # Closed actions are never overdue.
    Action.objects.filter(pk=world.others_action.pk).update(status="complete")
    assert world.others_action.pk not in {
        a.pk
        for g in plan_selectors.workplan(world.partnership, only="overdue").groups
        for a in g.actions
    }


def test_quarterly_review_applies_decisions(world):
    m = world.users["manager"]
    groups = plan_selectors.review_walk(world.partnership)
    lines = []
    for g in groups:
        lines.append(
            plan_services.ReviewLine(
                priority=g.priority, action=None, rag="amber", comment="On track overall"
            )
        )
        for a in g.actions:
            lines.append(
                plan_services.ReviewLine(
                    priority=g.priority,
                    action=a,
                    status="complete" if a.pk == world.own_action.pk else a.status,
                    rag=a.rag,
                )
            )
    review = plan_services.review_record(
        actor=m,
        partnership=world.partnership,
        quarter="2025-26 Q2",
        held_on=dt.date(2025, 10, 1),
        summary="Reviewed",
        lines=lines,
    )
    assert review.entries.count() == len(lines)
    world.own_action.refresh_from_db()
    assert world.own_action.status == "complete"
    assert world.own_action.updates.get().review == review
    assert set(
        Priority.objects.filter(partnership=world.partnership).values_list("rag", flat=True)
    ) == {"amber"}
    # Unchanged actions get no history entry.
    assert not world.actions[1].updates.exists()


ASSESSMENT = {
    "area_code": "E22000271",
    "recommended_priorities": [
        {"theme": "Anti-social behaviour", "score": 0.91, "rationale": "Highest volume, rising."},
        {"name": "Priority 1", "score": 0.8, "rationale": "Still high."},
        {"theme": "", "score": 0.1},
    ],
    "priority_localities": [
        {
            "name": "Town centre",
            "score": 2.4,
            "rationale": "Ranks amongst the 30% most deprived nationally.",
            "area_codes": ["E05007069", "e05007070"],
        },
    ],
}


def test_read_recommendations_reports_problems():
    prios, locs, problems = plan_services.read_recommendations(ASSESSMENT)
    assert [p.name for p in prios] == ["Anti-social behaviour", "Priority 1"]
    assert locs[0].area_codes == ["E05007069", "E05007070"]
    assert problems == ["Priority item 3 has no theme or name"]
    assert plan_services.read_recommendations([])[2]


def test_adopting_an_assessment_is_one_decision(world):
    m = world.users["manager"]
    run = plan_services.assessment_store(
        actor=m,
        partnership=world.partnership,
        area_code="E22000271",
        start=None,
        end=None,
        result=ASSESSMENT,
        imported=True,
    )
    before = Priority.objects.filter(partnership=world.partnership).count()
    d = plan_services.assessment_adopt(
        actor=m,
        assessment=run,
        priority_indexes=[0, 1],
        locality_indexes=[0],
        decided_on=dt.date(2025, 4, 1),
        decision_maker="Borough board",
    )
    # The new theme is added; the existing "Priority 1" is refreshed, not duplicated.
    assert Priority.objects.filter(partnership=world.partnership).count() == before + 1
    asb = Priority.objects.get(partnership=world.partnership, title="Anti-social behaviour")
    assert asb.source == "assessment" and asb.score == pytest.approx(0.91)
    assert (
        Priority.objects.get(partnership=world.partnership, title="Priority 1").rationale
        == "Still high."
    )
    loc = PriorityLocality.objects.get(partnership=world.partnership)
    assert loc.area_codes == ["E05007069", "E05007070"] and loc.source == "assessment"
    assert d.adopted["priorities"][1]["existing"] is True
    assert AuditEvent.objects.filter(verb="adopt", partnership=world.partnership).count() == 1
    with pytest.raises(ValidationError):
        plan_services.assessment_adopt(
            actor=m,
            assessment=run,
            priority_indexes=[9],
            locality_indexes=[],
            decided_on=dt.date(2025, 4, 1),
            decision_maker="x",
        )


def test_run_assessment_without_engine_says_so(monkeypatch):
    import sys

    # None in sys.modules makes the import fail, as if the engine were not installed.
    monkeypatch.setitem(sys.modules, "saferplaces.assessment", None)
    with pytest.raises(integrations.AssessmentEngineMissing, match="not installed"):
        integrations.run_assessment("E22000271", dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def test_run_assessment_uses_the_engine(monkeypatch):
    import sys
    import types

    engine = types.ModuleType("saferplaces.assessment")
    engine.run_assessment = lambda area, start, end: {
        "area_code": area,
        "recommended_priorities": [{"theme": "Burglary", "score": 1, "rationale": "x"}],
    }
    engine.render_html = lambda result: "<h1>Report</h1>"
    monkeypatch.setitem(sys.modules, "saferplaces.assessment", engine)
    out = integrations.run_assessment("E22000271", dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert (
        out.result["recommended_priorities"][0]["theme"] == "Burglary"
        and out.report_html == "<h1>Report</h1>"
    )


def test_rag_from_thresholds():
    down = Indicator(direction="down", target_value=10, green_at=10, red_at=12)
    assert [perf_selectors.rag_for(down, v) for v in (9, 10, 11, 12, 13)] == [
        "green",
        "green",
        "amber",
        "amber",
        "red",
    ]
    up = Indicator(direction="up", target_value=60, green_at=60, red_at=50)
    assert [perf_selectors.rag_for(up, v) for v in (70, 55, 40)] == ["green", "amber", "red"]
    assert perf_selectors.rag_for(Indicator(direction="down"), 5) == ""


# Emerging themes: tests/web/test_web_reference_points.py (the engine's one test).


def test_indicator_thresholds_must_agree_with_direction(world):
    with pytest.raises(ValidationError):
        perf_services.indicator_create(
            actor=None,
            partnership=world.partnership,
            name="x",
            source="manual",
            direction="down",
            green_at=10,
            red_at=5,
        )
    with pytest.raises(ValidationError):
        perf_services.indicator_create(
            actor=None,
            partnership=world.partnership,
            name="y",
            source="warehouse",
            measure="",
            direction="down",
        )


def test_values_cannot_be_entered_for_warehouse_indicators_or_the_future(world):
    wh = world.indicators[-1]
    with pytest.raises(ValidationError):
        perf_services.value_set(
            actor=world.users["analyst"], indicator=wh, period=dt.date(2025, 1, 1), value=1
        )
    with pytest.raises(ValidationError):
        perf_services.value_set(
            actor=world.users["analyst"],
            indicator=world.own_indicator,
            period=dt.date.today() + dt.timedelta(days=40),
            value=1,
        )


def test_value_set_corrects_in_place(world):
    ind = world.own_indicator
    perf_services.value_set(
        actor=world.users["lead_officer"], indicator=ind, period=dt.date(2025, 1, 15), value=3
    )
    assert IndicatorValue.objects.get(indicator=ind, period=dt.date(2025, 1, 1)).value == 3
    ev = AuditEvent.objects.order_by("-id").first()
    assert ev.before["value"] == 10 and ev.after["value"] == 3


def test_object_level_permissions(world):
    lead, p = world.users["lead_officer"], world.partnership
    assert permissions.can(lead, p, permissions.UPDATE_ACTION, world.own_action)
    assert not permissions.can(lead, p, permissions.UPDATE_ACTION, world.others_action)
    assert permissions.can(lead, p, permissions.ENTER_VALUE, world.own_indicator)
    assert not permissions.can(lead, p, permissions.ENTER_VALUE, world.indicators[1])
    assert not permissions.can(
        world.users["member"], p, permissions.UPDATE_ACTION, world.own_action
    )
    assert not permissions.can(world.users["outsider"], p, permissions.VIEW)
    assert permissions.can(world.users["superuser"], p, permissions.VIEW_AUDIT)


def test_membership_keeps_one_administrator(world):
    from saferplaces.web.partnerships import services as ps
    from saferplaces.web.partnerships.models import Membership

    m = Membership.objects.get(partnership=world.partnership, role=Role.ADMINISTRATOR)
    with pytest.raises(ValidationError):
        ps.membership_remove(actor=world.users["administrator"], membership=m)
    with pytest.raises(ValidationError):
        ps.membership_add(
            actor=None,
            partnership=world.partnership,
            user=world.users["manager"],
            role=Role.MANAGER,
        )


def test_unique_indicator_value_per_month(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(
            indicator=world.own_indicator, period=dt.date(2025, 1, 1), value=1
        )


# Warehouse ------------------------------------------------------------------------------------


def test_no_warehouse_means_no_values_not_failure(world):
    assert perf_services.warehouse_sync(force=True) is None
    views = perf_selectors.indicator_views(world.partnership)
    wh = next(v for v in views if v.indicator.is_warehouse)
    assert wh.warehouse_missing and wh.latest is None


def test_warehouse_measures_from_real_rows(world, warehouse_file):
    import duckdb

    con = integrations.connect()
    try:
        counts = integrations.measure_series(con, ["E22000271"], "count", "Anti-social behaviour")
        rates = integrations.measure_series(con, ["E22000271"], "rate", "")
        harm = integrations.measure_series(con, ["E22000271"], "harm", "")
    finally:
        con.close()
    raw = duckdb.connect(str(warehouse_file), read_only=True)
    expected = raw.execute(
        "SELECT count(*) FROM crimes WHERE csp_code = 'E22000271' AND category = 'Anti-social behaviour' AND month = DATE '2025-01-01'"
    ).fetchone()[0]
    pop = raw.execute(
        "SELECT population FROM areas WHERE level = 'csp' AND code = 'E22000271'"
    ).fetchone()[0]
    all_crime = raw.execute(
        "SELECT count(*) FROM crimes WHERE csp_code = 'E22000271' AND NOT is_asb AND month = DATE '2025-01-01'"
    ).fetchone()[0]
    raw.close()
    jan = dt.date(2025, 1, 1)
    assert expected > 0 and counts.values[jan] == expected
    assert rates.values[jan] == pytest.approx(all_crime / pop * 1000)
    # The parent area: the county of a two-tier district (test_web_reference_points.py).
    assert rates.reference_label == "Staffordshire (county)" and rates.reference[jan] > 0
    # Harm uses the assessment engine's documented category weights (ASB carries none).
    from saferplaces.assessment.inputs import load_harm_weights

    weights = load_harm_weights().weights
    raw = duckdb.connect(str(warehouse_file), read_only=True)
    by_cat = dict(
        raw.execute(
            "SELECT category, count(*) FROM crimes WHERE csp_code = 'E22000271' AND NOT is_asb AND month = DATE '2025-01-01' GROUP BY 1"
        ).fetchall()
    )
    raw.close()
    expected_harm = sum(n * (weights.get(c) or 0) for c, n in by_cat.items()) / pop * 1000
    assert harm.values[jan] == pytest.approx(expected_harm)

    sync = perf_services.warehouse_sync(force=True)
    assert sync.values == 2
    values = list(IndicatorValue.objects.filter(indicator=world.indicators[-1]).order_by("period"))
    assert [v.period for v in values] == [jan, dt.date(2025, 2, 1)] and values[0].value == expected
    # Unchanged warehouse: nothing recomputed.
    assert perf_services.warehouse_sync().pk == sync.pk


def test_reads_the_engines_nested_model():
    """The engine nests its lists and marks what it recommends; adoption reads that shape too."""
    result = {
        "recommended_priorities": {
            "method": "MoRiLE-style",
            "priorities": [
                {
                    "theme": "Violence",
                    "total": 4.2,
                    "rank": 1,
                    "recommended": True,
                    "rationale": "Highest harm",
                },
                {
                    "theme": "Bicycle theft",
                    "total": 1.1,
                    "rank": 9,
                    "recommended": False,
                    "rationale": "Low",
                },
            ],
        },
        "priority_localities": {
            "method": "VLI",
            "localities": [
                {
                    "area": {"level": "ward", "code": "E05007069", "name": "Castle"},
                    "composite": 187.0,
                    "selected": True,
                    "rationale": "Ranks first",
                },
            ],
        },
    }
    prios, locs, problems = plan_services.read_recommendations(result)
    assert not problems
    assert [(p.name, p.score, p.recommended) for p in prios] == [
        ("Violence", 4.2, True),
        ("Bicycle theft", 1.1, False),
    ]
    assert (locs[0].name, locs[0].area_codes, locs[0].score) == ("Castle", ["E05007069"], 187.0)


@pytest.mark.slow
def test_run_real_engine_on_real_rows(world, warehouse_file):
    """The installed engine on the test warehouse: a failure is a plain AssessmentFailed, success is JSON."""
    pytest.importorskip("saferplaces.assessment")
    try:
        out = integrations.run_assessment(
            "E22000271", dt.date(2025, 1, 1), dt.date(2025, 2, 28), allow_gaps=True
        )
    except integrations.AssessmentFailed as exc:
        assert str(exc)  # the engine's own message, shown to the user
        return
    prios, locs, problems = plan_services.read_recommendations(out.result)
    assert not problems and (prios or locs)
