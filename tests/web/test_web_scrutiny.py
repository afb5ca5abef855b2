"""Scrutiny (Police and Justice Act 2006, s19): the crime and disorder committee's work programme,
its recommendations with the partnership's responses, and the annual scrutiny report (page, PDF
through WeasyPrint, Word through python-docx, read back with pypdf and python-docx).
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from saferplaces.web.accounts.services import api_token_create
from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.meetings import scrutiny_report, selectors, services
from saferplaces.web.meetings.models import Body, Recommendation, WorkProgrammeItem

pytestmark = pytest.mark.django_db
S = "/partnerships/borough/meetings/scrutiny"
API = "/api/partnerships/borough/scrutiny"


def _at(day: dt.date, hour: int = 18) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.fixture
def committee(world):
    mgr = world.users["manager"]
    c = services.body_create(
        actor=mgr,
        partnership=world.partnership,
        name="Infrastructure, Safety and Growth Scrutiny Committee",
        kind=Body.Kind.SCRUTINY,
        quorum=3,
    )
    # Two meetings in April 2025 to March 2026 and one far ahead.
    c.june = services.meeting_create(actor=mgr, body=c, starts_at=_at(dt.date(2025, 6, 17)))
    c.january = services.meeting_create(actor=mgr, body=c, starts_at=_at(dt.date(2026, 1, 20)))
    c.future = services.meeting_create(
        actor=mgr, body=c, starts_at=_at(timezone.localdate() + dt.timedelta(days=60))
    )
    return c


def _work_programme_resolution(world, committee):
    mgr = world.users["manager"]
    item = services.item_add(
        actor=mgr, meeting=committee.june, title="Community Safety Partnership Plan: progress"
    )
    return services.resolution_add(
        actor=mgr,
        item=item,
        text="progress with the new domestic abuse contract be included on the work programme",
        kind="work_programme",
        owner=world.users["lead_officer"],
        due_date=dt.date(2026, 1, 20),
    )


def test_work_programme_resolution_adds_an_item(world, committee):
    res = _work_programme_resolution(world, committee)
    w = WorkProgrammeItem.objects.get(resolution=res)
    assert (w.body, w.title, w.status) == (
        committee,
        "progress with the new domestic abuse contract be included on the work programme",
        "Requested",
    )
    # It is still a work-plan action as well (one mechanism for what resolutions ask).
    assert res.action is not None
    services.work_item_plan(actor=world.users["manager"], item=w, planned_meeting=committee.future)
    assert WorkProgrammeItem.objects.get(pk=w.pk).status == "Planned"
    services.work_item_plan(actor=world.users["manager"], item=w, planned_meeting=committee.january)
    assert WorkProgrammeItem.objects.get(pk=w.pk).status == "Held"
    moves = AuditEvent.objects.filter(object_type="work programme item").order_by("id")
    assert [e.verb for e in moves] == ["create", "update", "update"]
    assert moves[2].before == {"planned_meeting_id": committee.future.pk, "notes": ""}
    # A noted resolution adds nothing.
    services.resolution_add(actor=None, item=res.item, text="the update be noted", kind="noted")
    assert WorkProgrammeItem.objects.count() == 1


def test_work_item_must_be_planned_for_its_own_body(world, committee):
    board = services.body_create(actor=None, partnership=world.partnership, name="Board")
    other = services.meeting_create(actor=None, body=board, starts_at=_at(dt.date(2025, 7, 1)))
    with pytest.raises(ValidationError) as e:
        services.work_item_add(
            actor=None, body=committee, title="Knife crime", planned_meeting=other
        )
    assert e.value.message_dict == {
        "planned_meeting": [
            "Choose a meeting of Infrastructure, Safety and Growth Scrutiny Committee"
        ]
    }
    assert not WorkProgrammeItem.objects.exists()


def test_recommendation_and_the_partnerships_response(world, committee):
    mgr = world.users["manager"]
    rec = services.recommendation_add(
        actor=mgr,
        body=committee,
        text="The partnership publish referral figures for the domestic abuse service each quarter",
        made_on=dt.date(2026, 1, 20),
        meeting=committee.january,
    )
    assert rec.response_due == dt.date(2026, 2, 17)  # 28 days
    assert rec.status == "Response overdue" and rec.is_open
    with pytest.raises(ValidationError) as e:
        services.recommendation_respond(
            actor=mgr,
            recommendation=rec,
            response="not_accepted",
            reasons="",
            responded_on=dt.date(2026, 2, 10),
        )
    assert e.value.message_dict == {"reasons": ["Give the reasons for not accepting it in full"]}
    rec = services.recommendation_respond(
        actor=mgr,
        recommendation=rec,
        response="partly",
        reasons="Figures will be published twice a year: quarterly numbers are too small to share",
        responded_on=dt.date(2026, 2, 10),
    )
    assert (rec.status, rec.responded_by, rec.is_open) == (
        "Partly accepted: in progress",
        mgr,
        True,
    )
    with pytest.raises(ValidationError, match="recorded on 10 February 2026; it cannot be changed"):
        services.recommendation_respond(
            actor=mgr,
            recommendation=rec,
            response="accepted",
            reasons="",
            responded_on=dt.date(2026, 2, 11),
        )
    rec = services.recommendation_implemented(
        actor=mgr, recommendation=rec, implemented_on=dt.date(2026, 3, 1)
    )
    assert (rec.status, rec.is_open) == ("Implemented", False)
    events = AuditEvent.objects.filter(object_type="recommendation").order_by("id")
    assert [(e.verb, e.summary, e.actor_id) for e in events] == [
        ("create", f"Recommendation of {committee.name}", mgr.pk),
        ("update", "Partnership's response: partly accepted", mgr.pk),
        ("update", "Recommendation carried out", mgr.pk),
    ]
    assert events[1].before["response"] == "" and events[1].after["response"] == "partly"


def test_recommendations_are_made_by_a_scrutiny_committee(world):
    board = services.body_create(actor=None, partnership=world.partnership, name="Board")
    with pytest.raises(ValidationError, match="made by a scrutiny committee"):
        services.recommendation_add(
            actor=None, body=board, text="Do more", made_on=dt.date(2025, 6, 1)
        )


@pytest.fixture
def year(world, committee):
    """April 2025 to March 2026: one item held, two recommendations, matters left open."""
    mgr = world.users["manager"]
    res = _work_programme_resolution(world, committee)
    services.work_item_plan(actor=mgr, item=res.work_item, planned_meeting=committee.january)
    services.work_item_add(
        actor=mgr, body=committee, title="Anti-social behaviour in the town centre"
    )
    a = services.recommendation_add(
        actor=mgr,
        body=committee,
        text="Publish domestic abuse referral figures each quarter",
        made_on=dt.date(2026, 1, 20),
        meeting=committee.january,
    )
    services.recommendation_respond(
        actor=mgr,
        recommendation=a,
        response="partly",
        reasons="Twice a year: quarterly numbers are too small to share",
        responded_on=dt.date(2026, 2, 10),
    )
    b = services.recommendation_add(
        actor=mgr,
        body=committee,
        text="Ask the Police and Crime Commissioner to fund a second town centre officer",
        made_on=dt.date(2025, 6, 17),
        meeting=committee.june,
    )
    services.recommendation_respond(
        actor=mgr,
        recommendation=b,
        response="not_accepted",
        reasons="Funding is decided in the PCC's annual grant round, which has closed",
        responded_on=dt.date(2025, 7, 1),
    )
    # Made after the year: not in it, and not open "at" the year's end.
    services.recommendation_add(
        actor=mgr, body=committee, text="Review CCTV coverage", made_on=dt.date(2026, 5, 1)
    )
    return committee


def test_annual_report_content(world, year):
    r = selectors.scrutiny_report(world.partnership, 2025)
    assert (r.start, r.end, r.title) == (
        dt.date(2025, 4, 1),
        dt.date(2026, 3, 31),
        "Annual scrutiny report 2025 to 2026",
    )
    assert [m.held_on for m in r.meetings] == [dt.date(2025, 6, 17), dt.date(2026, 1, 20)]
    assert [w.title for w in r.held] == [
        "progress with the new domestic abuse contract be included on the work programme"
    ]
    assert [x.text for x in r.recommendations] == [
        "Ask the Police and Crime Commissioner to fund a second town centre officer",
        "Publish domestic abuse referral figures each quarter",
    ]
    assert r.responses == {
        "Accepted": 0,
        "Partly accepted": 1,
        "Not accepted": 1,
        "Awaiting response": 0,
    }
    assert [x.text for x in r.open_recommendations] == [
        "Publish domestic abuse referral figures each quarter"
    ]
    assert [w.title for w in r.open_items] == ["Anti-social behaviour in the town centre"]


def test_annual_report_page_pdf_and_word_for_a_scrutiny_viewer(world, year, client_for):
    c = client_for(world.users["scrutiny"])
    page = c.get(f"{S}/report/?year=2025").content.decode()
    assert "Annual scrutiny report 2025 to 2026" in page
    assert "Partly accepted (10 Feb 2026)" in page
    assert "Anti-social behaviour in the town centre: not yet planned for a meeting" in page
    assert c.get(f"{S}/report/?year=twenty").status_code == 404

    pdf = c.get(f"{S}/report.pdf?year=2025")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())
    for words in (
        "Annual scrutiny report 2025 to 2026",
        "Recommendations and the partnership's responses",
        "Partly accepted: 1; Not accepted: 1",
        "Matters still open",
    ):
        assert words in text, words

    from docx import Document

    word = c.get(f"{S}/report.docx?year=2025")
    assert word.status_code == 200
    doc = Document(io.BytesIO(word.content))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        "1 About this report",
        "2 Meetings held",
        "3 Work programme items considered",
        "4 Recommendations and the partnership's responses",
        "5 Matters still open",
    ]
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "Funding is decided in the PCC's annual grant round, which has closed" in cells
    # The document is built once for both formats.
    built = scrutiny_report.build(selectors.scrutiny_report(world.partnership, 2025))
    assert built.kind_label == "Scrutiny report"


def test_scrutiny_page_and_who_records_responses(world, year, client_for):
    rec = Recommendation.objects.get(text__startswith="Review CCTV")
    viewer = client_for(world.users["scrutiny"])
    page = viewer.get(f"{S}/").content.decode()
    assert "Anti-social behaviour in the town centre" in page and "Review CCTV coverage" in page
    assert "Record the response" not in page
    form = {
        "response": "accepted",
        "reasons": "",
        "responded_on_0": "5",
        "responded_on_1": "5",
        "responded_on_2": "2026",
    }
    assert viewer.post(f"{S}/recommendations/{rec.pk}/respond/", form).status_code == 403
    mgr = Client()
    mgr.force_login(world.users["manager"])
    assert "Record the response" in mgr.get(f"{S}/").content.decode()
    r = mgr.post(f"{S}/recommendations/{rec.pk}/respond/", form)
    assert r.status_code == 302
    rec.refresh_from_db()
    assert (rec.response, rec.responded_on) == ("accepted", dt.date(2026, 5, 5))


def test_scrutiny_api(world, committee):
    def call(role, method, url, data=None):
        _, key = api_token_create(user=world.users[role], name="t")
        return Client().generic(
            method,
            url,
            data=json.dumps(data) if data is not None else "",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )

    made = call(
        "manager",
        "POST",
        f"{API}/committees/{committee.pk}/recommendations",
        {
            "text": "Share the hate crime data",
            "made_on": "2026-01-20",
            "meeting_id": committee.january.pk,
        },
    )
    assert made.status_code == 201, made.content
    rid = made.json()["id"]
    assert made.json()["status"] == "Response overdue"
    answer = {"response": "not_accepted", "reasons": "", "responded_on": "2026-02-01"}
    assert (
        call("scrutiny", "POST", f"{API}/recommendations/{rid}/response", answer).status_code == 403
    )
    bad = call("manager", "POST", f"{API}/recommendations/{rid}/response", answer)
    assert bad.status_code == 400 and "reasons" in bad.content.decode()
    answer["reasons"] = "The data is shared through the county's hate crime group"
    ok = call("administrator", "POST", f"{API}/recommendations/{rid}/response", answer)
    assert ok.status_code == 200 and ok.json()["response"] == "not_accepted"
    listed = call("scrutiny", "GET", f"{API}/recommendations").json()
    assert [(x["text"], x["is_open"]) for x in listed] == [("Share the hate crime data", False)]
    item = call(
        "manager",
        "POST",
        f"{API}/committees/{committee.pk}/work-programme",
        {"title": "Knife crime", "planned_meeting_id": committee.future.pk},
    )
    assert item.status_code == 201 and item.json()["status"] == "Planned"
    assert [x["title"] for x in call("member", "GET", f"{API}/work-programme").json()] == [
        "Knife crime"
    ]
