"""The dashboard and the pack: "since the last meeting" as a digest for people (not the raw
audit log), and each indicator's trend ending at its own latest month."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from saferplaces.web.meetings import services as meetings
from saferplaces.web.meetings.models import Body
from saferplaces.web.performance import selectors as perf_selectors
from saferplaces.web.performance import services as perf
from saferplaces.web.performance.models import Indicator
from saferplaces.web.plans import services as plan
from saferplaces.web.plans.models import Action

pytestmark = pytest.mark.django_db
B = "/partnerships/borough"


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.SAFERPLACES_MEDIA_ROOT = tmp_path / "media"


def _board_meeting(world, days_ago: int = 7):
    mgr = world.users["manager"]
    board = meetings.body_create(
        actor=mgr, partnership=world.partnership, name="Borough board", kind=Body.Kind.BOARD
    )
    m = meetings.meeting_create(
        actor=mgr, body=board, starts_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    item = meetings.item_add(actor=mgr, meeting=m, title="Retail crime")
    meetings.resolution_add(
        actor=mgr, item=item, text="the retail crime figures be noted", kind="noted"
    )
    secret = meetings.item_add(actor=mgr, meeting=m, title="Named premises", exempt=True)
    meetings.resolution_add(
        actor=mgr, item=secret, text="the closure order be sought", kind="noted"
    )
    return m


@pytest.fixture
def happened(world):
    """A meeting a week ago, then: one action completed, one rated green then red, one that
    fell due two days ago, a priority's RAG set at a review, and a count that doubled."""
    m = _board_meeting(world)
    lead, mgr = world.users["lead_officer"], world.users["manager"]
    p1, p2 = world.priorities
    done, worse = world.actions[0], world.actions[2]
    plan.action_add_update(actor=lead, action=done, note="Finished", status="complete", rag="")
    # Rated green before the meeting, red after it: the audit time is the write's own.
    Action.objects.filter(pk=worse.pk).update(rag="green")
    worse.refresh_from_db()
    plan.action_add_update(
        actor=lead, action=worse, note="Partner withdrew", status="in_progress", rag="red"
    )
    slipping = plan.action_create(
        actor=mgr,
        priority=p2,
        title="Publish the night-time economy guide",
        due_date=timezone.localdate() - dt.timedelta(days=2),
        status="in_progress",
    )
    plan.review_record(
        actor=mgr,
        partnership=world.partnership,
        quarter="2025-26 Q3",
        held_on=timezone.localdate(),
        summary="",
        lines=[plan.ReviewLine(priority=p1, action=None, rag="amber")],
    )
    shop = perf.indicator_create(
        actor=mgr,
        partnership=world.partnership,
        name="Shoplifting recorded by the council's retail partners",
        source=Indicator.Source.MANUAL,
        measure="count",
        priority=p1,
    )
    perf.value_set(actor=mgr, indicator=shop, period=dt.date(2024, 9, 1), value=20)
    perf.value_set(actor=mgr, indicator=shop, period=dt.date(2025, 9, 1), value=45)
    return {"meeting": m, "done": done, "worse": worse, "slipping": slipping, "shop": shop}


def test_digest_lists_what_happened_since_the_meeting(world, happened):
    d = perf_selectors.since_last_meeting(world.partnership)
    assert d.meeting == happened["meeting"]
    assert [x.title for x in d.completed] == [happened["done"].title]
    slipped = {x.title: x.text for x in d.slipped}
    assert slipped[happened["worse"].title] == "RAG worsened: green to red"
    due = timezone.localdate() - dt.timedelta(days=2)
    assert slipped[happened["slipping"].title] == f"Due {due:%-d %B %Y} and not done"
    # Action 1.2 fell overdue a month ago, before the meeting: not news since it.
    assert world.actions[1].title not in slipped
    assert ("priority", "Priority 1", "Not rated to amber") in {
        (x.kind, x.title, x.text) for x in d.rag_changes
    }
    # A worsened action is listed once, with those that slipped.
    assert happened["worse"].title not in {x.title for x in d.rag_changes}
    assert [(x.title, x.text) for x in d.indicators] == [
        (
            happened["shop"].name,
            "25 more than September 2024 (125% more): a real rise, not chance",
        )
    ]
    # The values entered for Indicators 1 and 2 (10 to 12) moved by less than chance, and
    # the exempt item's resolution is not for the dashboard.
    assert [r.text for r in d.resolutions] == ["the retail crime figures be noted"]


def test_digest_with_no_meeting_covers_three_months(world):
    d = perf_selectors.since_last_meeting(world.partnership)
    assert d.meeting is None
    assert d.period_words.startswith("No meeting recorded yet, so this covers the last three")
    assert d.resolutions == []


def test_dashboard_shows_the_digest_not_the_audit_log(world, happened, client_for):
    c = client_for(world.users["scrutiny"])
    html = c.get(f"{B}/").content.decode()
    section = html[html.index('id="since-last-meeting"') :]
    assert "Actions completed" in section and happened["done"].title in section
    assert "RAG worsened: green to red" in section
    assert "a real rise, not chance" in section
    assert "the retail crime figures be noted" in section
    assert "the closure order be sought" not in section
    # The raw log's lines ("Progress update – action ...", "Create indicator") are gone.
    assert "Progress update" not in section and "indicator value" not in section


def test_pack_shows_the_same_digest(world, happened):
    from docx import Document

    from saferplaces.web import pack

    html = pack.render_html(world.partnership)
    assert "Since the last meeting" in html and "RAG worsened: green to red" in html
    assert "Progress update" not in html
    doc = Document(io.BytesIO(pack.render_docx(world.partnership)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"{happened['slipping'].title}: Due" in text
    assert "Priority Priority 1: Not rated to amber" in text
    assert "2a) the retail crime figures be noted (Noted)" in text  # 1 is the performance item


# Each indicator's own latest month --------------------------------------------------------------


def _monthly(ind, start: dt.date, n: int, actor) -> None:
    d = start
    for i in range(n):
        perf.value_set(actor=actor, indicator=ind, period=d, value=10 + i)
        d = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def test_each_indicator_trend_ends_at_its_own_latest_month(world):
    mgr = world.users["manager"]
    a, b = (
        perf.indicator_create(
            actor=mgr, partnership=world.partnership, name=name, source="manual", target_value=5
        )
        for name in ("Repeat callers", "Fire-setting")
    )
    _monthly(a, dt.date(2024, 1, 1), 13, mgr)  # to January 2025
    _monthly(b, dt.date(2024, 1, 1), 14, mgr)  # to February 2025: a month later
    views = {v.indicator.pk: v for v in perf_selectors.indicator_views(world.partnership)}
    assert views[a.pk].latest.period == dt.date(2025, 1, 1)
    assert len(views[a.pk].series) == 13 and views[a.pk].series[0] == 10
    assert views[a.pk].change == 12  # January 2025 (22) against January 2024 (10)
    assert len(views[b.pk].series) == 13


def test_one_later_manual_value_does_not_blank_the_others(world, client_for):
    mgr = world.users["manager"]
    late = perf.indicator_create(
        actor=mgr, partnership=world.partnership, name="Street drinking", source="manual"
    )
    perf.value_set(actor=mgr, indicator=late, period=dt.date(2026, 11, 1), value=4)
    views = {v.indicator.pk: v for v in perf_selectors.indicator_views(world.partnership)}
    first = views[world.indicators[0].pk]
    assert first.latest.period == dt.date(2025, 3, 1)
    assert first.series == [10, 11, 12]
    html = client_for(mgr).get(f"{B}/").content.decode()
    table = html[html.index("Indicators against target") :]
    row = table[table.index("Indicator 1") :]
    row = row[: row.index("</tr>")]
    assert "No values yet" not in row and "Mar 2025" in row


# Suggested priority rating ----------------------------------------------------------------------


def test_suggested_rating_rule():
    from saferplaces.web.plans.selectors import suggest_rag

    red = suggest_rag(actions=[("red", True), ("green", False)], indicators=[("ASB", "amber")])
    assert (red.rag, red.words) == ("red", "1 action rated red is overdue")
    assert suggest_rag(actions=[], indicators=[("ASB", "red")]).words == "ASB is red"
    amber = suggest_rag(actions=[("red", False), ("", True)], indicators=[("ASB", "green")])
    assert (amber.rag, amber.words) == (
        "amber",
        "1 action is rated red; 1 action is overdue",
    )
    green = suggest_rag(actions=[("green", False), ("", False)], indicators=[("ASB", "green")])
    assert (green.rag, green.words) == (
        "green",
        "ASB is green; 1 action is rated green; nothing is overdue",
    )
    none = suggest_rag(actions=[("", False)], indicators=[("ASB", "")])
    assert (none.rag, none.words) == ("", "no indicator or open action is rated yet")


def test_dashboard_suggests_a_rating_until_reviewed(world, client_for):
    # Indicator 1 (Priority 1) is 12 in March 2025 against red beyond 12: amber; Action 1.2
    # is overdue. Priority 2 is rated red at a review: its rating stands, with no suggestion.
    mgr = world.users["manager"]
    p1, p2 = world.priorities
    plan.review_record(
        actor=mgr,
        partnership=world.partnership,
        quarter="2025-26 Q3",
        held_on=timezone.localdate(),
        summary="",
        lines=[plan.ReviewLine(priority=p2, action=None, rag="red")],
    )
    d = perf_selectors.dashboard(world.partnership)
    got = {p.title: p for p in d.priorities}
    assert got["Priority 1"].rag == ""
    assert got["Priority 1"].suggested.rag == "amber"
    assert got["Priority 1"].suggested.words == "Indicator 1 is amber; 1 action is overdue"
    assert got["Priority 2"].rag == "red" and got["Priority 2"].suggested is None
    p1.refresh_from_db()
    assert p1.rag == ""  # suggested, never saved
    html = client_for(mgr).get(f"{B}/").content.decode()
    assert "Suggested:" in html and "Indicator 1 is amber; 1 action is overdue" in html
    from saferplaces.web import pack

    assert "Suggested: Amber (Indicator 1 is amber; 1 action is overdue)" in pack.render_html(
        world.partnership
    )


# Adopting an assessment onto the existing priorities --------------------------------------------


def _upload(c, prios: list[dict]) -> str:
    import json

    f = io.BytesIO(json.dumps({"area_code": "E22000271", "recommended_priorities": prios}).encode())
    f.name = "assessment.json"
    r = c.post(f"{B}/assessments/upload/", {"file": f})
    assert r.status_code == 302
    return r["Location"] + "adopt/"


def test_adoption_maps_themes_onto_existing_priorities_and_asks_for_leads(world, client_for):
    from saferplaces.web.plans.models import Decision, Priority

    mgr, lead = world.users["manager"], world.users["lead_officer_2"]
    retail = plan.priority_create(
        actor=mgr, partnership=world.partnership, title="Retail crime and shoplifting"
    )
    c = client_for(mgr)
    adopt_url = _upload(
        c,
        [
            {"theme": "Shoplifting", "score": 3.2, "rationale": "Up 40% on a year earlier"},
            {"theme": "Burglary", "score": 2.1, "rationale": "Dwelling burglary rising"},
        ],
    )
    page = c.get(adopt_url).content.decode()
    assert "Shoplifting (already in the plan as Retail crime and shoplifting)" in page
    assert "Lead officer for Burglary" in page and "Lead officer for Shoplifting" not in page
    base = {
        "priorities": ["0", "1"],
        "decided_on_0": "1",
        "decided_on_1": "4",
        "decided_on_2": "2025",
        "decision_maker": "Borough board",
    }
    r = c.post(adopt_url, base)
    assert "Choose a lead officer for Burglary" in r.content.decode()
    assert not Decision.objects.exists()
    r = c.post(adopt_url, {**base, "lead_1": str(lead.pk)})
    assert r.status_code == 302
    titles = list(
        Priority.objects.filter(partnership=world.partnership, archived_at__isnull=True)
        .order_by("position", "id")
        .values_list("title", flat=True)
    )
    assert "Shoplifting" not in titles and titles.count("Retail crime and shoplifting") == 1
    retail.refresh_from_db()
    assert retail.rationale == "Up 40% on a year earlier" and retail.source == "assessment"
    burglary = Priority.objects.get(partnership=world.partnership, title="Burglary")
    assert burglary.lead_officer == lead
    adopted = Decision.objects.get().adopted["priorities"]
    assert adopted[0]["as"] == "Retail crime and shoplifting" and adopted[0]["existing"]


def test_adoption_refuses_a_lead_from_outside_the_partnership(world):
    from django.core.exceptions import ValidationError

    run = plan.assessment_store(
        actor=world.users["manager"],
        partnership=world.partnership,
        area_code="E22000271",
        start=None,
        end=None,
        result={"recommended_priorities": [{"theme": "Burglary", "score": 2.0}]},
        imported=True,
    )
    with pytest.raises(ValidationError, match="no role in this partnership"):
        plan.assessment_adopt(
            actor=world.users["manager"],
            assessment=run,
            priority_indexes=[0],
            locality_indexes=[],
            decided_on=dt.date(2025, 4, 1),
            decision_maker="Borough board",
            leads={0: world.users["outsider"]},
        )


# A lead officer's actions -----------------------------------------------------------------------


def test_my_actions_lists_owned_and_led_actions_across_partnerships(world, client_for):
    from saferplaces.web.partnerships import services as ps

    lead2, mgr = world.users["lead_officer_2"], world.users["manager"]
    # lead_officer_2 owns Action 1.2 and 2.2 in the borough and leads a priority elsewhere.
    ps.membership_add(actor=None, partnership=world.other, user=lead2, role="lead_officer")
    elsewhere = plan.priority_create(
        actor=None, partnership=world.other, title="Rural crime", lead_officer=lead2
    )
    theirs = plan.action_create(
        actor=None, priority=elsewhere, title="Farm watch scheme", owner=world.users["outsider"]
    )
    archived = plan.action_create(
        actor=None, priority=world.priorities[0], title="Old leaflet drop", owner=lead2
    )
    plan.action_archive(actor=mgr, action=archived)
    html = client_for(lead2).get("/my-actions/").content.decode()
    assert "Action 1.2" in html and "Action 2.2" in html and "Farm watch scheme" in html
    assert "Action 1.1" not in html and "Old leaflet drop" not in html
    assert html.index("Borough Partnership") < html.index("Action 1.2")
    assert html.index("Other Partnership") < html.index("Farm watch scheme")
    assert f'href="/partnerships/other/work-plan/{theirs.pk}/"' in html
    # The lead of Priorities 1 and 2 sees every action under them.
    lead_html = client_for(world.users["lead_officer"]).get("/my-actions/").content.decode()
    assert all(a.title in lead_html for a in world.actions)
    assert 'href="/my-actions/"' in lead_html  # in the navigation


def test_lead_officer_adds_actions_only_under_priorities_they_lead(world, client_for):
    lead = world.users["lead_officer"]
    mine = world.priorities[0]
    not_mine = plan.priority_create(
        actor=None,
        partnership=world.partnership,
        title="Hate crime",
        lead_officer=world.users["lead_officer_2"],
    )
    c = client_for(lead)
    page = c.get(f"{B}/work-plan/new/").content.decode()
    choices = page[
        page.index('name="priority"') : page.index("</select>", page.index('name="priority"'))
    ]
    assert f'value="{mine.pk}">Priority 1<' in choices and "Hate crime" not in choices
    assert "Add an action" in c.get(f"{B}/work-plan/").content.decode()
    form = {"title": "Test purchases at off-licences", "status": "not_started", "owner": ""}
    r = c.post(f"{B}/work-plan/new/", {**form, "priority": str(not_mine.pk)})
    assert r.status_code == 200 and not Action.objects.filter(title=form["title"]).exists()
    r = c.post(f"{B}/work-plan/new/", {**form, "priority": str(mine.pk)})
    assert r.status_code == 302
    assert Action.objects.get(title=form["title"]).priority == mine
    # Someone who leads nothing is refused the page.
    assert client_for(world.users["analyst"]).get(f"{B}/work-plan/new/").status_code == 403
    assert client_for(world.users["member"]).get(f"{B}/work-plan/new/").status_code == 403
