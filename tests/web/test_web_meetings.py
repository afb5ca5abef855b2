"""Boards, meetings, agendas, papers, minutes and resolutions (saferplaces.web.meetings).

Real services throughout (no mocks of our own components): the board pack is rendered by
pack.py, PDFs by WeasyPrint, the agenda pack joined by pypdf, calendars read back by icalendar.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from saferplaces.web.accounts.services import api_token_create
from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.meetings import selectors, services, storage
from saferplaces.web.meetings.models import Body, Meeting, Paper, Resolution
from saferplaces.web.plans import services as plan_services
from saferplaces.web.plans.models import Action

pytestmark = pytest.mark.django_db
B = "/partnerships/borough/meetings"


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.SAFERPLACES_MEDIA_ROOT = tmp_path / "media"


def _at(day: dt.date, hour: int = 18) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.fixture
def board(world):
    mgr = world.users["manager"]
    b = services.body_create(
        actor=mgr,
        partnership=world.partnership,
        name="Borough Community Safety Partnership board",
        kind=Body.Kind.BOARD,
        quorum=2,
        terms_of_reference="Sets and reviews the partnership plan",
    )
    services.member_add(actor=mgr, body=b, user=mgr, is_chair=True)
    services.member_add(actor=mgr, body=b, role_title="Chief Inspector, Staffordshire Police")
    services.member_add(
        actor=mgr, body=b, role_title="Head of Community Safety, Staffordshire County Council"
    )
    return b


@pytest.fixture
def meeting(board, world):
    return services.meeting_create(
        actor=world.users["manager"],
        body=board,
        starts_at=_at(dt.date(2025, 6, 12)),
        place="Marmion House, Tamworth",
    )


def _pdf_bytes(text: str = "A paper") -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<p>{text}</p>").write_pdf()


def _resolutions(meeting, world):
    mgr, lead = world.users["manager"], world.users["lead_officer"]
    item = services.item_add(
        actor=mgr,
        meeting=meeting,
        title="Community Safety Agreement 2023 to 2026",
        presenter="Community Safety Manager",
    )
    a = services.resolution_add(
        actor=mgr, item=item, text="details of the agreement be noted", kind="noted"
    )
    b = services.resolution_add(
        actor=mgr,
        item=item,
        text="an item be included on the work programme to scrutinise the domestic abuse contract",
        kind="work_programme",
        owner=lead,
        due_date=dt.date(2025, 9, 30),
    )
    c = services.resolution_add(
        actor=mgr,
        item=item,
        text="detail of the Safer Streets Fund bid be forwarded to members",
        kind="information",
        owner=lead,
        due_date=dt.date(2025, 7, 31),
    )
    return item, a, b, c


# Services ---------------------------------------------------------------------------------------


def test_board_agenda_starts_with_the_performance_item(meeting):
    items = list(meeting.items.all())
    assert [(i.number, i.is_performance) for i in items] == [(1, True)]
    paper = items[0].papers.get()
    assert paper.source == Paper.Source.PACK and paper.path == ""  # made when published
    assert meeting.title == "Borough Community Safety Partnership board"
    assert meeting.held_on == dt.date(2025, 6, 12)


def test_other_bodies_get_no_performance_item(world):
    scrutiny = services.body_create(
        actor=None, partnership=world.partnership, name="Scrutiny committee", kind="scrutiny"
    )
    m = services.meeting_create(actor=None, body=scrutiny, starts_at=_at(dt.date(2025, 6, 1)))
    assert m.items.count() == 0


def test_publish_stores_the_pack_and_one_agenda_pdf(meeting, world):
    mgr = world.users["manager"]
    item = services.item_add(actor=mgr, meeting=meeting, title="Hate crime report")
    services.paper_upload(
        actor=mgr,
        item=item,
        title="Hate crime report",
        upload=SimpleUploadedFile("hate.pdf", _pdf_bytes("Hate crime"), "application/pdf"),
    )
    secret = services.item_add(actor=mgr, meeting=meeting, title="Named cases", exempt=True)
    services.paper_upload(
        actor=mgr,
        item=secret,
        title="Cases",
        upload=SimpleUploadedFile("cases.pdf", _pdf_bytes("Exempt detail"), "application/pdf"),
    )
    services.agenda_publish(actor=mgr, meeting=meeting)
    meeting.refresh_from_db()
    pack = Paper.objects.get(item__meeting=meeting, source=Paper.Source.PACK)
    stored = storage.read(pack.path, pack.sha256)
    assert stored.startswith(b"%PDF-") and pack.size == len(stored)
    assert "Borough Partnership" in "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(stored)).pages
    )
    agenda = storage.read(meeting.agenda_pack_path, meeting.agenda_pack_sha256)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(agenda)).pages)
    # Cover and agenda, then the pack, then the public paper; the exempt paper is left out.
    assert "Hate crime report" in text and "Hate crime" in text
    assert "Exempt item: not for publication" in text
    assert "Named cases" not in text and "Exempt detail" not in text
    # The agenda is fixed: nothing more can be added, and the pack does not change.
    with pytest.raises(ValidationError, match="published"):
        services.item_add(actor=mgr, meeting=meeting, title="Late item")
    with pytest.raises(ValidationError, match="published"):
        services.agenda_publish(actor=mgr, meeting=meeting)
    assert AuditEvent.objects.filter(summary="Agenda published").count() == 1


def test_upload_refuses_what_is_not_a_paper(meeting, world):
    mgr = world.users["manager"]
    item = meeting.items.get()
    with pytest.raises(ValidationError) as e:
        services.paper_upload(
            actor=mgr,
            item=item,
            title="x",
            upload=SimpleUploadedFile("notes.pdf", b"just text", "application/pdf"),
        )
    assert e.value.message_dict["file"] == ["notes.pdf is not a PDF or Word (.docx) document"]
    big = b"%PDF-1.4\n" + b"0" * (services.MAX_PAPER_BYTES + 1)
    with pytest.raises(ValidationError, match="larger than 5 MB"):
        services.paper_upload(
            actor=mgr, item=item, title="x", upload=SimpleUploadedFile("big.pdf", big)
        )
    with pytest.raises(ValidationError, match="cannot be read as a PDF"):
        services.paper_upload(
            actor=mgr, item=item, title="x", upload=SimpleUploadedFile("bad.pdf", b"%PDF-1.4 junk")
        )
    assert not Paper.objects.filter(source=Paper.Source.UPLOAD).exists()


def test_quorate_from_quorum_and_attendance(meeting):
    seats = list(meeting.body.members.all())
    assert selectors.quorate(meeting) is None
    services.attendance_record(
        actor=None,
        meeting=meeting,
        statuses={seats[0].pk: "present", seats[1].pk: "apologies", seats[2].pk: "absent"},
    )
    assert selectors.quorate(meeting) is False
    services.attendance_record(actor=None, meeting=meeting, statuses={seats[1].pk: "present"})
    assert selectors.quorate(meeting) is True and selectors.present_count(meeting) == 2


def test_resolutions_are_lettered_and_asks_become_actions(meeting, world):
    item, a, b, c = _resolutions(meeting, world)
    assert [r.letter for r in item.resolutions.all()] == ["a", "b", "c"]
    assert a.action_id is None
    act = Action.objects.get(pk=b.action_id)
    assert act.priority.title == "Meetings" and act.owner == world.users["lead_officer"]
    assert act.due_date == dt.date(2025, 9, 30) and act.status == "not_started"
    assert "item 2 b)" in act.title
    assert c.action.priority_id == act.priority_id  # one "Meetings" priority
    with pytest.raises(ValidationError) as e:
        services.resolution_add(actor=None, item=item, text="report back", kind="action")
    assert set(e.value.message_dict) == {"owner", "due_date"}
    assert Resolution.objects.filter(item=item).count() == 3


def test_matter_arising_until_its_action_is_closed(meeting, world, board):
    _item, _a, b, _c = _resolutions(meeting, world)
    nxt = services.meeting_create(actor=None, body=board, starts_at=_at(dt.date(2025, 9, 11)))
    mgr = world.users["manager"]
    arising = selectors.matters_arising(nxt, mgr)
    assert [r.letter for r in arising] == ["b", "c"]
    assert selectors.matters_arising(meeting, mgr) == []  # not at its own meeting
    plan_services.action_add_update(
        actor=world.users["lead_officer"],
        action=b.action,
        note="On the work programme",
        status="complete",
    )
    assert [r.letter for r in selectors.matters_arising(nxt, mgr)] == ["c"]


def test_last_meeting_for_the_dashboard_ignores_future_meetings(board):
    past = services.meeting_create(actor=None, body=board, starts_at=_at(dt.date(2025, 1, 9)))
    services.meeting_create(
        actor=None, body=board, starts_at=timezone.now() + dt.timedelta(days=30)
    )
    assert selectors.last_meeting(board.partnership) == past


def test_old_meetings_are_copied_and_kept(world):
    from django.apps import apps

    from saferplaces.web.partnerships.models import Meeting as OldMeeting
    # The old path's service is retired; its table and rows stay (history is never deleted).
    old = OldMeeting.objects.create(
        partnership=world.partnership,
        held_on=dt.date(2024, 3, 14),
        title="Borough board",
        notes="Plan agreed",
    )
    mig = importlib.import_module(
        "saferplaces.web.meetings.migrations.0002_copy_partnership_meetings"
    )
    mig.copy_meetings(apps, None)
    mig.copy_meetings(apps, None)  # again: nothing copied twice
    new = Meeting.objects.get(legacy_meeting_id=old.pk)
    assert (new.title, new.held_on, new.notes) == (
        "Borough board",
        dt.date(2024, 3, 14),
        "Plan agreed",
    )
    assert new.body.name == "Borough board" and new.body.kind == "board"
    assert OldMeeting.objects.filter(pk=old.pk).exists()


# Pages --------------------------------------------------------------------------------------------


def test_pages_and_the_form_helper(meeting, world):
    c = Client()
    c.force_login(world.users["manager"])
    assert "Borough Community Safety Partnership board" in c.get(f"{B}/").content.decode()
    item = meeting.items.get()
    url = f"{B}/{meeting.pk}/items/{item.pk}/resolutions/new/"
    # The service's ValidationError comes back as form errors in the error summary.
    r = c.post(url, {"text": "a report come back", "kind": "action"})
    page = r.content.decode()
    assert r.status_code == 200 and "Choose who will do what the resolution asks" in page
    assert "govuk-error-summary" in page
    r = c.post(
        url,
        {
            "text": "a report come back",
            "kind": "action",
            "owner": str(world.users["lead_officer"].pk),
            "due_date_0": "30",
            "due_date_1": "9",
            "due_date_2": "2025",
        },
        follow=True,
    )
    page = r.content.decode()
    assert "Resolution a) recorded: it is now an action in the work plan" in page
    assert "a) a report come back" in page
    r = c.post(
        f"{B}/bodies/{meeting.body.pk}/meetings/new/",
        {
            "date_0": "11",
            "date_1": "9",
            "date_2": "2025",
            "start_time": "18:30",
            "place": "Town hall",
        },
    )
    nxt = Meeting.objects.exclude(pk=meeting.pk).get()
    assert r.status_code == 302 and r["Location"] == f"{B}/{nxt.pk}/"
    assert timezone.localtime(nxt.starts_at).time() == dt.time(18, 30)
    assert "a report come back" in c.get(f"{B}/{nxt.pk}/").content.decode()  # matter arising
    r = c.post(f"{B}/bodies/{meeting.body.pk}/meetings/new/", {"start_time": "25:00"})
    assert "Enter the date of the meeting" in r.content.decode()
    assert "Start time must be a time like 18:30" in r.content.decode()


def test_exempt_items_hidden_from_people_without_the_right(meeting, world):
    mgr = world.users["manager"]
    secret = services.item_add(actor=mgr, meeting=meeting, title="Named persons plan", exempt=True)
    paper = services.paper_upload(
        actor=mgr,
        item=secret,
        title="Case list",
        upload=SimpleUploadedFile("cases.pdf", _pdf_bytes(), "application/pdf"),
    )
    services.resolution_add(
        actor=mgr,
        item=secret,
        text="the case plan be reviewed",
        kind="action",
        owner=world.users["lead_officer"],
        due_date=dt.date(2025, 8, 1),
    )
    nxt = services.meeting_create(actor=None, body=meeting.body, starts_at=_at(dt.date(2025, 9, 1)))
    # The work plan and the dashboard's changes are seen by every role: no exempt text there.
    act = Action.objects.get(resolution__item=secret)
    assert "case plan" not in act.title and "exempt business" in act.title
    labels = " ".join(AuditEvent.objects.values_list("object_label", flat=True))
    assert "Named persons plan" not in labels and "Case list" not in labels
    for role, sees in (
        ("manager", True),
        ("member", True),
        ("administrator", True),
        ("scrutiny", False),
        ("analyst", False),
        ("lead_officer", False),
    ):
        c = Client()
        c.force_login(world.users[role])
        page = c.get(f"{B}/{meeting.pk}/").content.decode()
        assert ("Named persons plan" in page) is sees, role
        r = c.get(f"{B}/{meeting.pk}/papers/{paper.pk}/")
        assert r.status_code == (200 if sees else 404), role
        assert ("the case plan be reviewed" in c.get(f"{B}/{nxt.pk}/").content.decode()) is sees
        _, key = api_token_create(user=world.users[role], name="t")
        data = (
            Client()
            .get(
                f"/api/partnerships/borough/meetings/{meeting.pk}",
                HTTP_AUTHORIZATION=f"Bearer {key}",
            )
            .json()
        )
        assert ("Named persons plan" in json.dumps(data)) is sees, role


def test_calendar_feed_and_single_meeting_parse_back(meeting, world):
    c = Client()
    c.force_login(world.users["scrutiny"])
    r = c.get(f"{B}/calendar.ics")
    assert r["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    e = events[0]
    assert str(e["summary"]) == "Borough Community Safety Partnership board"
    assert e.decoded("dtstart") == meeting.starts_at
    assert e.decoded("dtend") - e.decoded("dtstart") == dt.timedelta(hours=2)
    assert str(e["location"]) == "Marmion House, Tamworth"
    assert str(e["url"]).endswith(f"{B}/{meeting.pk}/")
    one = Calendar.from_ical(c.get(f"{B}/{meeting.pk}/meeting.ics").content)
    assert [str(x["uid"]) for x in one.walk("VEVENT")] == [f"meeting-{meeting.pk}@saferplaces"]


# API ----------------------------------------------------------------------------------------------


def test_api_lists_creates_and_resolves(board, world):
    _, key = api_token_create(user=world.users["manager"], name="t")
    h = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    api = "/api/partnerships/borough"
    r = Client().post(
        f"{api}/bodies/{board.pk}/meetings",
        json.dumps({"starts_at": "2025-06-12T18:00:00+01:00", "place": "Marmion House"}),
        content_type="application/json",
        **h,
    )
    assert r.status_code == 201, r.content
    mid = r.json()["id"]
    listed = Client().get(f"{api}/meetings", **h).json()
    assert [m["id"] for m in listed] == [mid] and listed[0]["quorate"] is None
    detail = Client().get(f"{api}/meetings/{mid}", **h).json()
    item_id = detail["items"][0]["id"]
    assert detail["items"][0]["title"] == services.PERFORMANCE_ITEM
    r = Client().post(
        f"{api}/meetings/{mid}/items/{item_id}/resolutions",
        json.dumps(
            {
                "text": "progress be reported to the next meeting",
                "kind": "action",
                "owner_id": world.users["lead_officer"].pk,
                "due_date": "2025-09-01",
            }
        ),
        content_type="application/json",
        **h,
    )
    assert r.status_code == 201 and r.json()["letter"] == "a" and r.json()["action_id"]
    r = Client().post(
        f"{api}/meetings/{mid}/items/{item_id}/resolutions",
        json.dumps({"text": "x", "kind": "action"}),
        content_type="application/json",
        **h,
    )
    assert r.status_code == 400
    assert {d["field"] for d in r.json()["detail"]} == {"owner", "due_date"}
    _, skey = api_token_create(user=world.users["scrutiny"], name="t")
    r = Client().post(
        f"{api}/bodies/{board.pk}/meetings",
        json.dumps({"starts_at": "2025-06-12T18:00:00+01:00"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {skey}",
    )
    assert r.status_code == 403


def test_assessment_and_word_papers(world):
    mgr = world.users["manager"]
    committee = services.body_create(
        actor=mgr, partnership=world.partnership, name="Scrutiny committee", kind="scrutiny"
    )
    m = services.meeting_create(actor=mgr, body=committee, starts_at=_at(dt.date(2025, 3, 23)))
    item = services.item_add(actor=mgr, meeting=m, title="Community Safety Partnership Plan")
    run = plan_services.assessment_store(
        actor=mgr,
        partnership=world.partnership,
        area_code="E22000271",
        start=None,
        end=None,
        result={"recommended_priorities": [{"theme": "Burglary"}]},
        imported=True,
        report_html="<h1>Tamworth strategic assessment</h1><p>Burglary is the first priority.</p>",
    )
    from_run = services.paper_from_assessment(actor=mgr, item=item, run=run)
    import docx

    buf = io.BytesIO()
    d = docx.Document()
    d.add_paragraph("Report of the Portfolio Holder")
    d.save(buf)
    word = services.paper_upload(
        actor=mgr,
        item=item,
        title="Covering report",
        upload=SimpleUploadedFile("report.docx", buf.getvalue()),
    )
    assert word.content_type.endswith("wordprocessingml.document") and len(word.sha256) == 64
    other = plan_services.assessment_store(
        actor=None,
        partnership=world.other,
        area_code="E22000271",
        start=None,
        end=None,
        result={},
        imported=True,
        report_html="<p>x</p>",
    )
    with pytest.raises(ValidationError, match="this partnership's assessments"):
        services.paper_from_assessment(actor=mgr, item=item, run=other)
    services.agenda_publish(actor=mgr, meeting=m)
    from_run.refresh_from_db()
    text = PdfReader(io.BytesIO(storage.read(from_run.path, from_run.sha256))).pages[0]
    assert "Burglary is the first priority" in text.extract_text()
    m.refresh_from_db()
    agenda = PdfReader(io.BytesIO(storage.read(m.agenda_pack_path, m.agenda_pack_sha256)))
    whole = "\n".join(p.extract_text() for p in agenda.pages)
    assert "Burglary is the first priority" in whole
    assert "Covering report (a Word document, provided separately)" in whole
    c = Client()
    c.force_login(world.users["scrutiny"])
    r = c.get(f"{B}/{m.pk}/papers/{word.pk}/")
    assert r.status_code == 200 and r.content == buf.getvalue()
    assert 'filename="report.docx"' in r["Content-Disposition"]
    r = c.get(f"{B}/{m.pk}/agenda.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")


def test_body_member_attendance_and_upload_pages(board, meeting, world):
    c = Client()
    c.force_login(world.users["administrator"])
    r = c.post(f"{B}/bodies/new/", {"name": board.name, "kind": "board", "quorum": "3"})
    assert "already has a body called" in r.content.decode()
    r = c.post(f"{B}/bodies/new/", {"name": "Serious violence task group", "kind": "task_group"})
    assert "Enter quorum" in r.content.decode()
    r = c.post(f"{B}/bodies/{board.pk}/members/new/", {"user": "", "role_title": ""})
    assert "Choose someone in the workspace or enter their role title" in r.content.decode()
    r = c.post(
        f"{B}/bodies/{board.pk}/members/new/",
        {"role_title": "Group Manager, Staffordshire Fire and Rescue Service"},
    )
    assert r.status_code == 302
    seats = list(board.members.all())
    r = c.post(
        f"{B}/{meeting.pk}/attendance/",
        {f"seat_{s.pk}": "present" for s in seats[:2]},
        follow=True,
    )
    assert "Yes: 2 present, quorum 2" in r.content.decode()
    item = meeting.items.get()
    r = c.post(
        f"{B}/{meeting.pk}/items/{item.pk}/papers/new/",
        {"title": "Notes", "file": SimpleUploadedFile("notes.txt", b"hello")},
    )
    assert "notes.txt is not a PDF or Word (.docx) document" in r.content.decode()
    r = c.post(
        f"{B}/{meeting.pk}/items/{item.pk}/papers/new/",
        {"title": "Briefing", "file": SimpleUploadedFile("briefing.pdf", _pdf_bytes())},
    )
    assert r.status_code == 302
    assert Paper.objects.filter(title="Briefing", item=item).exists()


def test_meeting_page_reads_a_fixed_number_of_times(meeting, world, board):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = Client()
    c.force_login(world.users["manager"])
    nxt = services.meeting_create(actor=None, body=board, starts_at=_at(dt.date(2025, 9, 11)))

    def count() -> int:
        with CaptureQueriesContext(connection) as q:
            assert c.get(f"{B}/{meeting.pk}/").status_code == 200
            assert c.get(f"{B}/{nxt.pk}/").status_code == 200
        return len(q)

    _resolutions(meeting, world)
    first = count()
    for _ in range(3):
        _resolutions(meeting, world)
    services.attendance_record(
        actor=None, meeting=meeting, statuses={s.pk: "present" for s in board.members.all()}
    )
    assert count() <= first + 2  # the attendance rows; not one query per item or resolution
