"""History is never deleted by deleting a parent (issue 8).

Each relation from a record with history (updates, review entries, values, decisions) to the
record it belongs to, and from those records to their partnership, is checked four ways:
(a) the service archives instead of deleting and the history rows remain; (b) deleting the
parent through the ORM raises ProtectedError (and the database refuses a raw delete);
(c) archived records are hidden from current views and the API, and shown on the Archived page
and in past reviews; (d) restoring brings them back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test import Client

from saferplaces.web import pack
from saferplaces.web.accounts.services import api_token_create
from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.core.models import ImportBatch
from saferplaces.web.performance import selectors as perf_selectors
from saferplaces.web.performance import services as perf
from saferplaces.web.performance.models import Indicator, IndicatorValue
from saferplaces.web.plans import selectors as plan_selectors
from saferplaces.web.plans import services as plan
from saferplaces.web.plans.models import (
    Action,
    ActionUpdate,
    AssessmentRun,
    Decision,
    Priority,
    PriorityLocality,
    Review,
    ReviewEntry,
)

pytestmark = pytest.mark.django_db

B = "/partnerships/borough"


def _review(w, lines=None) -> Review:
    """A quarterly review that rates the first priority and updates the first action."""
    pr, a = w.priorities[0], w.own_action
    return plan.review_record(
        actor=w.users["manager"],
        partnership=w.partnership,
        quarter="2025-26 Q1",
        held_on=dt.date(2025, 7, 1),
        summary="First quarter",
        lines=lines
        if lines is not None
        else [
            plan.ReviewLine(priority=pr, action=None, rag="amber", comment="On track overall"),
            plan.ReviewLine(
                priority=pr, action=a, status="in_progress", rag="green", comment="Patrols began"
            ),
        ],
    )


def _manager(w) -> Client:
    c = Client()
    c.force_login(w.users["manager"])
    return c


def _api(w, path: str) -> object:
    _, key = api_token_create(user=w.users["manager"], name="history")
    return Client().get(f"/api/partnerships/borough{path}", HTTP_AUTHORIZATION=f"Bearer {key}")


def _db_refuses_delete(table: str, pk: int) -> None:
    """A raw DELETE (no ORM, so no on_delete) is refused by the database's foreign keys."""
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
        connection.check_constraints()


# The finding ---------------------------------------------------------------------------------


def test_deleting_a_priority_no_longer_deletes_its_review_entries(world):
    """The issue as found: ReviewEntry.priority was CASCADE, so deleting a priority silently
    removed what quarterly reviews had recorded about it, with no copy in the audit log."""
    w = world
    pr = w.priorities[0]
    review = _review(w)
    assert ReviewEntry.objects.filter(priority=pr).count() == 2
    with pytest.raises(ProtectedError):
        pr.delete()
    with pytest.raises(ProtectedError):
        Priority.objects.filter(pk=pr.pk).delete()
    assert ReviewEntry.objects.filter(priority_id=pr.pk, review=review).count() == 2
    _db_refuses_delete("plans_priority", pr.pk)
    assert Priority.objects.filter(pk=pr.pk).exists()


def test_there_is_no_delete_service_left():
    for name in ("priority_delete", "locality_delete", "action_delete"):
        assert not hasattr(plan, name)
    assert not hasattr(perf, "indicator_delete")


# Priority -> actions -> updates, review entries, indicators -----------------------------------


def test_priority_archive_keeps_actions_updates_reviews_and_indicators(world, client_for):
    w = world
    pr, a = w.priorities[0], w.own_action
    review = _review(w)
    n_actions = Action.objects.filter(priority=pr).count()
    n_updates = ActionUpdate.objects.filter(action__priority=pr).count()
    n_values = IndicatorValue.objects.filter(indicator__priority=pr).count()
    assert (n_actions, n_updates, n_values) == (2, 1, 3)

    # The confirmation page says what stays.
    c = client_for(w.users["manager"])
    page = c.get(f"{B}/plan/priorities/{pr.pk}/archive/").content.decode()
    assert "Archive this priority?" in page
    assert "Its 2 actions, 1 update, 1 indicator, 3 monthly values and 2 review entries" in page
    assert "govuk-button--warning" in page

    r = c.post(f"{B}/plan/priorities/{pr.pk}/archive/")
    assert r.status_code == 302 and r["Location"] == f"{B}/plan/archived/"
    banner = c.get(r["Location"]).content.decode()
    assert "govuk-notification-banner--success" in banner
    assert "Priority archived: Priority 1" in banner

    # (a) archived, nothing deleted.
    pr.refresh_from_db()
    assert pr.archived_at is not None and pr.archived_by == w.users["manager"]
    assert Action.objects.filter(priority=pr).count() == n_actions
    assert ActionUpdate.objects.filter(action__priority=pr).count() == n_updates
    assert IndicatorValue.objects.filter(indicator__priority=pr).count() == n_values
    assert ReviewEntry.objects.filter(review=review, priority=pr).count() == 2
    ev = AuditEvent.objects.filter(verb="archived", object_id=str(pr.pk)).get()
    assert ev.before["archived_at"] is None and ev.after["archived_at"] is not None
    assert ev.before["title"] == "Priority 1"
    assert ev.summary == "Archived with its 2 actions"

    # (b) the ORM refuses to delete any parent of history.
    with pytest.raises(ProtectedError):
        pr.delete()
    with pytest.raises(ProtectedError):
        a.delete()
    with pytest.raises(ProtectedError):
        w.indicators[0].delete()

    # (c) hidden from current views, API, exports and the pack; kept in past reviews.
    # The dashboard lists recent changes (the archiving among them), so look at its tables.
    html = c.get(f"{B}/").content.decode()
    assert f"#priority-{pr.pk}" not in html and f"#priority-{w.priorities[1].pk}" in html
    d = perf_selectors.dashboard(w.partnership)
    assert [x.title for x in d.priorities] == ["Priority 2"]
    assert [v.indicator.name for v in d.indicators] == ["Indicator 2"]
    assert [x.title for x in d.overdue] == ["Action 2.2"]
    for url in (f"{B}/plan/", f"{B}/work-plan/", f"{B}/performance/"):
        html = c.get(url).content.decode()
        assert "Priority 1" not in html, url
        assert "Action 1.1" not in html, url
        assert "Indicator 1" not in html, url
        assert "Priority 2" in html or url.endswith("/performance/"), url
    assert [p["title"] for p in _api(w, "/priorities").json()] == ["Priority 2"]
    assert {x["title"] for x in _api(w, "/actions").json()["items"]} == {
        "Action 2.1",
        "Action 2.2",
    }
    assert "Indicator 1" not in {i["name"] for i in _api(w, "/indicators").json()}
    assert _api(w, f"/actions/{a.pk}").status_code == 404
    assert _api(w, f"/indicators/{w.indicators[0].pk}").status_code == 404
    rows = list(csv.reader(io.StringIO(c.get(f"{B}/export/actions.csv").content.decode())))
    assert {r[2] for r in rows[1:]} == {"Action 2.1", "Action 2.2"}
    values = c.get(f"{B}/export/indicator-values.csv").content.decode()
    assert "Indicator 1" not in values and "Indicator 2" in values
    d = pack.context(w.partnership)["d"]
    assert [x.title for x in d.priorities] == ["Priority 2"]
    assert "Indicator 1" not in [v.indicator.name for v in d.indicators]
    assert "Priority 2" in pack.render_html(w.partnership)
    review_page = c.get(f"{B}/reviews/{review.pk}/").content.decode()
    assert "Priority 1" in review_page and "Patrols began" in review_page
    assert "Archived" in review_page
    # The action's own page stays readable as history, without update or edit controls.
    action_page = c.get(f"{B}/work-plan/{a.pk}/").content.decode()
    assert "Patrols began" in action_page and "was archived on" in action_page
    assert "Give an update" not in action_page and "Change action details" not in action_page
    assert c.get(f"{B}/work-plan/{a.pk}/edit/").status_code == 404
    assert c.get(f"{B}/plan/priorities/{pr.pk}/edit/").status_code == 404
    with pytest.raises(ValidationError):
        plan.action_add_update(actor=w.users["manager"], action=a, note="x", status="complete")
    with pytest.raises(ValidationError):
        perf.value_set(
            actor=w.users["manager"],
            indicator=Indicator.objects.get(pk=w.indicators[0].pk),
            period=dt.date(2025, 4, 1),
            value=1,
        )
    archived = c.get(f"{B}/plan/archived/").content.decode()
    assert f'id="archived-priority-{pr.pk}"' in archived
    assert "2 actions, 1 indicator" in archived

    # (d) restore brings back the priority with its actions and indicators.
    r = c.post(f"{B}/plan/priorities/{pr.pk}/restore/")
    assert r.status_code == 302
    assert "Priority restored: Priority 1" in c.get(r["Location"]).content.decode()
    pr.refresh_from_db()
    assert pr.archived_at is None and pr.archived_by is None
    html = c.get(f"{B}/work-plan/").content.decode()
    assert "Action 1.1" in html and "Priority 1" in html
    assert "Indicator 1" in c.get(f"{B}/performance/").content.decode()
    assert len(_api(w, "/priorities").json()) == 2
    ev = AuditEvent.objects.filter(verb="restored", object_id=str(pr.pk)).get()
    assert ev.before["archived_at"] is not None and ev.after["archived_at"] is None


def test_action_archive_keeps_updates_and_review_entries(world, client_for):
    w = world
    a = w.own_action
    review = _review(w)
    plan.action_add_update(
        actor=w.users["lead_officer"], action=a, note="Second update", status="in_progress"
    )
    c = client_for(w.users["manager"])
    page = c.get(f"{B}/work-plan/{a.pk}/archive/").content.decode()
    assert "Archive this action?" in page and "Its 2 updates and 1 review entry" in page
    assert c.post(f"{B}/work-plan/{a.pk}/archive/", follow=True).status_code == 200

    # (a)
    a.refresh_from_db()
    assert a.is_archived
    assert ActionUpdate.objects.filter(action=a).count() == 2
    assert ReviewEntry.objects.filter(action=a, review=review).count() == 1
    assert ActionUpdate.objects.filter(review=review).count() == 1
    # (b) an action, and a review, are parents of history.
    with pytest.raises(ProtectedError):
        a.delete()
    with pytest.raises(ProtectedError):
        review.delete()
    _db_refuses_delete("plans_action", a.pk)
    _db_refuses_delete("plans_review", review.pk)
    # (c)
    assert "Action 1.1" not in c.get(f"{B}/work-plan/").content.decode()
    assert "Action 1.1" not in {x["title"] for x in _api(w, "/actions").json()["items"]}
    assert a.pk not in [x.pk for x in plan_selectors.review_walk(w.partnership)[0].actions]
    assert "Action 1.1" in c.get(f"{B}/plan/archived/").content.decode()
    assert "Action 1.1" in c.get(f"{B}/reviews/{review.pk}/").content.decode()
    assert "Second update" in c.get(f"{B}/work-plan/{a.pk}/").content.decode()
    # A lead officer cannot update an archived action, though it is their own.
    lead = Client()
    lead.force_login(w.users["lead_officer"])
    assert "Give an update" not in lead.get(f"{B}/work-plan/{a.pk}/").content.decode()
    assert lead.get(f"{B}/work-plan/{a.pk}/update/").status_code == 404
    # (d)
    assert c.post(f"{B}/work-plan/{a.pk}/restore/", follow=True).status_code == 200
    a.refresh_from_db()
    assert not a.is_archived
    assert "Action 1.1" in c.get(f"{B}/work-plan/").content.decode()
    assert [
        e.verb
        for e in AuditEvent.objects.filter(
            object_id=str(a.pk), verb__in=["archived", "restored"]
        ).order_by("at", "id")
    ] == ["archived", "restored"]


def test_action_under_an_archived_priority_is_restored_with_the_priority(world):
    w = world
    a = w.own_action
    m = w.users["manager"]
    plan.action_archive(actor=m, action=a)
    plan.priority_archive(actor=m, priority=w.priorities[0])
    with pytest.raises(ValidationError, match="Restore the priority first"):
        plan.action_restore(actor=m, action=Action.objects.get(pk=a.pk))
    plan.priority_restore(actor=m, priority=Priority.objects.get(pk=w.priorities[0].pk))
    plan.action_restore(actor=m, action=Action.objects.get(pk=a.pk))
    assert a.pk in plan_selectors.actions(w.partnership).values_list("pk", flat=True)


# Indicator -> values --------------------------------------------------------------------------


def test_indicator_archive_keeps_values(world, client_for):
    w = world
    ind = w.indicators[1]
    c = client_for(w.users["analyst"])  # analysts edit indicators too
    page = c.get(f"{B}/performance/{ind.pk}/archive/").content.decode()
    assert "Archive this indicator?" in page and "Its 3 monthly values stay" in page
    assert c.post(f"{B}/performance/{ind.pk}/archive/", follow=True).status_code == 200
    # (a)
    ind.refresh_from_db()
    assert ind.is_archived and ind.archived_by == w.users["analyst"]
    assert list(IndicatorValue.objects.filter(indicator=ind).values_list("value", flat=True)) == [
        10.0,
        11.0,
        12.0,
    ]
    # (b)
    with pytest.raises(ProtectedError):
        ind.delete()
    _db_refuses_delete("performance_indicator", ind.pk)
    # (c)
    assert "Indicator 2" not in c.get(f"{B}/performance/").content.decode()
    assert "Indicator 2" not in [
        v.indicator.name for v in perf_selectors.dashboard(w.partnership).indicators
    ]
    assert "Indicator 2" not in {i["name"] for i in _api(w, "/indicators").json()}
    assert "Indicator 2" not in c.get(f"{B}/export/indicator-values.csv").content.decode()
    assert "Indicator 2" not in [
        v.indicator.name for v in pack.context(w.partnership)["d"].indicators
    ]
    assert f'id="archived-indicator-{ind.pk}"' in c.get(f"{B}/plan/archived/").content.decode()
    history = c.get(f"{B}/performance/{ind.pk}/").content.decode()
    assert "was archived on" in history and "March 2025" in history
    assert "Enter a value" not in history
    assert c.get(f"{B}/performance/{ind.pk}/values/new/").status_code == 404
    # (d)
    assert c.post(f"{B}/performance/{ind.pk}/restore/", follow=True).status_code == 200
    assert "Indicator 2" in c.get(f"{B}/performance/").content.decode()


# Localities -----------------------------------------------------------------------------------


def test_locality_archive_and_restore(world, client_for):
    w = world
    m = w.users["manager"]
    loc = plan.locality_create(
        actor=m, partnership=w.partnership, name="Town centre", priority=w.priorities[0]
    )
    c = client_for(m)
    assert (
        "Archive this priority locality?"
        in c.get(f"{B}/plan/localities/{loc.pk}/archive/").content.decode()
    )
    assert c.post(f"{B}/plan/localities/{loc.pk}/archive/", follow=True).status_code == 200
    loc.refresh_from_db()
    assert loc.is_archived
    assert AuditEvent.objects.filter(verb="archived", object_id=str(loc.pk)).exists()
    # (b) a priority with a locality pointing at it cannot be deleted out from under it.
    with pytest.raises(ProtectedError):
        Priority.objects.get(pk=w.priorities[0].pk).delete()
    assert "Town centre" not in c.get(f"{B}/plan/").content.decode()
    assert "Town centre" in c.get(f"{B}/plan/archived/").content.decode()
    assert c.get(f"{B}/plan/localities/{loc.pk}/edit/").status_code == 404
    assert c.post(f"{B}/plan/localities/{loc.pk}/restore/", follow=True).status_code == 200
    assert "Town centre" in c.get(f"{B}/plan/").content.decode()
    assert PriorityLocality.objects.get(pk=loc.pk).archived_at is None


# Assessments and decisions ---------------------------------------------------------------------


def test_assessment_with_a_decision_cannot_be_deleted(world):
    w = world
    run = plan.assessment_store(
        actor=None,
        partnership=w.partnership,
        area_code="E22000271",
        start=None,
        end=None,
        result={"recommended_priorities": [{"theme": "Vehicle crime", "score": 2.5}]},
        imported=True,
    )
    decision = plan.assessment_adopt(
        actor=w.users["manager"],
        assessment=run,
        priority_indexes=[0],
        locality_indexes=[],
        decided_on=dt.date(2025, 4, 1),
        decision_maker="Borough board",
    )
    with pytest.raises(ProtectedError):
        run.delete()
    _db_refuses_delete("plans_assessmentrun", run.pk)
    assert Decision.objects.get(pk=decision.pk).assessment_id == run.pk


def test_adopting_does_not_revive_an_archived_priority(world):
    w = world
    m = w.users["manager"]
    plan.priority_archive(actor=m, priority=w.priorities[0])
    run = plan.assessment_store(
        actor=None,
        partnership=w.partnership,
        area_code="E22000271",
        start=None,
        end=None,
        result={"recommended_priorities": [{"theme": "Priority 1", "score": 1}]},
        imported=True,
    )
    plan.assessment_adopt(
        actor=m,
        assessment=run,
        priority_indexes=[0],
        locality_indexes=[],
        decided_on=dt.date(2025, 4, 1),
        decision_maker="Borough board",
    )
    titles = list(plan_selectors.priorities(w.partnership).values_list("title", "archived_at"))
    assert ("Priority 1", None) in titles
    assert Priority.objects.get(pk=w.priorities[0].pk).is_archived


# Partnership -> everything with history ----------------------------------------------------------


def test_a_partnership_with_history_cannot_be_deleted(world):
    w = world
    _review(w)
    ImportBatch.objects.create(partnership=w.partnership, kind="actions", file_name="a.csv")
    AssessmentRun.objects.create(
        partnership=w.partnership, area_code="E22000271", status="imported"
    )
    with pytest.raises(ProtectedError) as exc:
        w.partnership.delete()
    protected = {type(o).__name__ for o in exc.value.protected_objects}
    assert {"Priority", "Review", "Indicator", "AssessmentRun", "ImportBatch"} <= protected
    assert Priority.objects.filter(partnership=w.partnership).count() == 2
    _db_refuses_delete("partnerships_partnership", w.partnership.pk)


def test_every_history_link_is_protected():
    """No foreign key from these apps cascades or nulls a link to a parent with history."""
    from django.apps import apps
    from django.db import models

    allowed_set_null = {"accounts.user", "accounts.organisation"}
    loose = []
    for label in ("plans", "performance", "core"):
        for model in apps.get_app_config(label).get_models():
            for f in model._meta.concrete_fields:
                if not isinstance(f, models.ForeignKey):
                    continue
                target = f.related_model._meta.label_lower
                if (
                    f.remote_field.on_delete is not models.PROTECT
                    and target not in allowed_set_null
                ):
                    loose.append(f"{model._meta.label}.{f.name} -> {target}")
    assert loose == []


# Reads: include_archived for history ------------------------------------------------------------


def test_selectors_default_to_current_and_include_archived_for_history(world):
    w = world
    m = w.users["manager"]
    plan.priority_archive(actor=m, priority=w.priorities[1])
    p = w.partnership
    assert [x.title for x in plan_selectors.priorities(p)] == ["Priority 1"]
    assert [x.title for x in plan_selectors.priorities(p, include_archived=True)] == [
        "Priority 1",
        "Priority 2",
    ]
    assert plan_selectors.actions(p).count() == 2
    assert plan_selectors.actions(p, include_archived=True).count() == 4
    assert {i.name for i in perf_selectors.indicators(p)} == {"Indicator 1", "ASB incidents"}
    assert perf_selectors.indicators(p, include_archived=True).count() == 3
    d = perf_selectors.dashboard(p)
    assert [x.title for x in d.priorities] == ["Priority 1"]
    assert all(a.priority_id != w.priorities[1].pk for a in d.overdue)
    gone = plan_selectors.archived(p)
    assert [x.title for x in gone.priorities] == ["Priority 2"]
    with pytest.raises(ValidationError, match="already archived"):
        plan.priority_archive(actor=m, priority=Priority.objects.get(pk=w.priorities[1].pk))


# Priority <-> partner objective links ------------------------------------------------------------


def _linked_objective(w):
    """A partner plan with one objective that the first priority is recorded as linking to."""
    from saferplaces.web.partnerships.models import PartnerObjective, PartnerPlan

    pp = PartnerPlan.objects.create(
        partnership=w.partnership, title="Police and Crime Plan", owner="Office of the PCC"
    )
    obj = PartnerObjective.objects.create(plan=pp, title="Reduce violence", position=0)
    pr = w.priorities[0]
    plan.priority_update(actor=w.users["manager"], priority=pr, objectives=[obj])
    assert list(pr.partner_objectives.all()) == [obj]
    return pp, obj, pr


def test_deleting_a_partner_objective_keeps_the_priority_links(world):
    """The links a priority records to partner objectives were an auto-created table whose keys
    cascaded, so deleting an objective (or its plan) silently removed them."""
    _pp, obj, pr = _linked_objective(world)
    with pytest.raises(ProtectedError):
        obj.delete()
    with pytest.raises(ProtectedError):
        type(obj).objects.filter(pk=obj.pk).delete()
    _db_refuses_delete("partnerships_partnerobjective", obj.pk)
    assert list(pr.partner_objectives.all()) == [obj]


def test_deleting_a_partner_plan_keeps_its_objectives_and_links(world):
    pp, obj, pr = _linked_objective(world)
    with pytest.raises(ProtectedError):
        pp.delete()
    with pytest.raises(ProtectedError):
        type(pp).objects.filter(pk=pp.pk).delete()
    _db_refuses_delete("partnerships_partnerplan", pp.pk)
    assert list(pr.partner_objectives.all()) == [obj]
    assert list(pp.objectives.all()) == [obj]


def test_objective_links_and_partner_objectives_are_protected():
    """The through table is a model of its own, so the walk above checks it; these two links
    sit outside the apps it walks."""
    from django.db import models

    from saferplaces.web.partnerships.models import PartnerObjective

    through = Priority._meta.get_field("partner_objectives").remote_field.through
    assert not through._meta.auto_created
    assert through._meta.db_table == "plans_priority_partner_objectives"
    for name in ("priority", "objective"):
        assert through._meta.get_field(name).remote_field.on_delete is models.PROTECT
    assert PartnerObjective._meta.get_field("plan").remote_field.on_delete is models.PROTECT


def _links_recorded_before_the_migration_survive_it() -> None:
    """The move to an explicit through model changes Django's state only: a link written to
    the auto-created table before the migration is there, through the new model, after it."""
    from django.db.migrations.executor import MigrationExecutor
    from sp_web_fixtures import make_world

    from saferplaces.web.partnerships.models import PartnerObjective
    from saferplaces.web.plans.models import PriorityObjective

    w = make_world()
    before = [("plans", "0003_plan_periods"), ("partnerships", "0003_record_existing_county_links")]
    after = [("plans", "0004_protect_objective_links")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = MigrationExecutor(connection).loader.project_state(before).apps
        pp = old.get_model("partnerships", "PartnerPlan").objects.create(
            partnership_id=w.partnership.pk, title="Police and Crime Plan"
        )
        obj = old.get_model("partnerships", "PartnerObjective").objects.create(
            plan=pp, title="Reduce violence"
        )
        old.get_model("plans", "Priority").objects.get(
            pk=w.priorities[0].pk
        ).partner_objectives.add(obj)
    finally:
        if connection.vendor == "postgresql":
            # Inside one transaction PostgreSQL refuses to index a table with foreign-key checks
            # still pending (later migrations add indexes to these tables): run them now.
            with connection.cursor() as cur:
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert after[0] in MigrationExecutor(connection).loader.applied_migrations
    link = PriorityObjective.objects.get()
    assert (link.priority_id, link.objective_id) == (w.priorities[0].pk, obj.pk)
    assert list(Priority.objects.get(pk=w.priorities[0].pk).partner_objectives.all()) == [
        PartnerObjective.objects.get(pk=obj.pk)
    ]
    with pytest.raises(ProtectedError):
        PartnerObjective.objects.get(pk=obj.pk).delete()


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite's schema editor cannot run inside the test's transaction",
)
def test_links_recorded_before_the_migration_survive_it_sqlite(transactional_db):
    _links_recorded_before_the_migration_survive_it()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL refuses the runner's TRUNCATE, so this runs inside the test transaction",
)
def test_links_recorded_before_the_migration_survive_it_postgresql():
    # Migrating inside the test's transaction: the rollback undoes the migration records too.
    _links_recorded_before_the_migration_survive_it()
