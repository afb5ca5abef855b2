"""Writes for bodies, meetings, agendas, papers, minutes and resolutions. Each writes the audit log.

A resolution that asks for something (an action, a work-programme item, information to be
sent) becomes a work-plan action through `plans.services.action_create`, under the
partnership's "Meetings" priority: one way to update, RAG-rate, report and close actions.
"""

from __future__ import annotations

import datetime as dt
import io
import string

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from saferplaces.web.accounts.models import User
from saferplaces.web.audit.services import record, snapshot
from saferplaces.web.meetings import storage
from saferplaces.web.meetings.models import (
    AgendaItem,
    Attendance,
    Body,
    BodyMember,
    Meeting,
    Paper,
    Recommendation,
    Resolution,
    WorkProgrammeItem,
)
from saferplaces.web.partnerships.models import Membership, Partnership
from saferplaces.web.plans import services as plan_services
from saferplaces.web.plans.models import Action, AssessmentRun, Priority

PERFORMANCE_ITEM = "Performance: the board pack"
MEETINGS_PRIORITY = "Meetings"
MAX_PAPER_BYTES = 5 * 1024 * 1024
PDF, DOCX = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)


# Bodies ----------------------------------------------------------------------------------------


@transaction.atomic
def body_create(
    *,
    actor: User | None,
    partnership: Partnership,
    name: str,
    kind: str = Body.Kind.BOARD,
    quorum: int = 0,
    terms_of_reference: str = "",
) -> Body:
    if Body.objects.filter(partnership=partnership, name=name).exists():
        raise ValidationError({"name": f"This partnership already has a body called {name}"})
    body = Body(
        partnership=partnership,
        name=name,
        kind=kind,
        quorum=quorum,
        terms_of_reference=terms_of_reference,
    )
    body.full_clean()
    body.save()
    record(actor=actor, verb="create", obj=body, partnership=partnership, after=snapshot(body))
    return body


@transaction.atomic
def member_add(
    *,
    actor: User | None,
    body: Body,
    user: User | None = None,
    role_title: str = "",
    is_chair: bool = False,
) -> BodyMember:
    if user is None and not role_title:
        raise ValidationError(
            {"role_title": "Choose someone in the workspace or enter their role title"}
        )
    if user is not None:
        if not Membership.objects.filter(partnership=body.partnership, user=user).exists():
            raise ValidationError({"user": "Choose someone with a role in this partnership"})
        if body.members.filter(user=user, left_on__isnull=True).exists():
            raise ValidationError({"user": "This person already sits on this body"})
    m = BodyMember(body=body, user=user, role_title=role_title, is_chair=is_chair)
    m.full_clean()
    m.save()
    record(
        actor=actor,
        verb="create",
        obj=m,
        partnership=body.partnership,
        after=snapshot(m),
        summary=f"Member added to {body.name}",
    )
    return m


# Meetings --------------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    actor: User | None,
    body: Body,
    starts_at: dt.datetime,
    title: str = "",
    ends_at: dt.datetime | None = None,
    place: str = "",
    notes: str = "",
) -> Meeting:
    """A meeting of the body. A partnership board's agenda starts with the performance item,
    whose paper is the board pack (stored when the agenda is published)."""
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError({"ends_at": "The meeting must end after it starts"})
    m = Meeting(
        body=body,
        partnership=body.partnership,
        title=title or body.name,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        notes=notes,
    )
    m.full_clean()
    m.save()
    record(actor=actor, verb="create", obj=m, partnership=body.partnership, after=snapshot(m))
    if body.kind == Body.Kind.BOARD:
        item = _item_create(
            actor=actor,
            meeting=m,
            title=PERFORMANCE_ITEM,
            presenter="Community Safety Manager",
            is_performance=True,
        )
        paper = Paper.objects.create(
            item=item, title="Board performance pack", source=Paper.Source.PACK, added_by=None
        )
        record(
            actor=actor,
            verb="create",
            obj=paper,
            partnership=body.partnership,
            after=snapshot(paper),
        )
    return m


def _check_editable(meeting: Meeting) -> None:
    if meeting.agenda_published_at is not None:
        raise ValidationError(
            "The agenda has been published, so its items and papers can no longer change"
        )


@transaction.atomic
def attendance_record(
    *, actor: User | None, meeting: Meeting, statuses: dict[int, str]
) -> list[Attendance]:
    """Who was present or sent apologies, by seat. Replaces nothing silently: each change is
    in the audit log with the statuses before and after."""
    seats = {m.pk: m for m in meeting.body.members.all()}
    before = dict(meeting.attendance.values_list("member_id", "status"))
    out = []
    for member_id, status in statuses.items():
        if member_id not in seats:
            raise ValidationError({"attendance": "Choose members of this body"})
        if status not in Attendance.Status.values:
            raise ValidationError({"attendance": "Choose present, apologies or absent"})
        a, _ = Attendance.objects.update_or_create(
            meeting=meeting, member_id=member_id, defaults={"status": status}
        )
        out.append(a)
    after = dict(meeting.attendance.values_list("member_id", "status"))
    record(
        actor=actor,
        verb="update",
        obj=meeting,
        partnership=meeting.partnership,
        before={"attendance": {str(k): v for k, v in before.items()}},
        after={"attendance": {str(k): v for k, v in after.items()}},
        summary="Attendance recorded",
    )
    return out


def _label(obj: AgendaItem | Paper | Resolution) -> str:
    """The audit label. The dashboard and the board pack list recent changes to everyone, so
    exempt business is named by its number only, never by its title or text."""
    item = obj if isinstance(obj, AgendaItem) else obj.item
    if not item.exempt:
        return str(obj)[:300]
    if isinstance(obj, Paper):
        return f"Paper for exempt item {item.number}"
    if isinstance(obj, Resolution):
        return f"Resolution {obj.letter}) on exempt item {item.number}"
    return f"Exempt item {item.number}"


# Agenda ----------------------------------------------------------------------------------------


def _item_create(
    *,
    actor: User | None,
    meeting: Meeting,
    title: str,
    presenter: str = "",
    exempt: bool = False,
    is_performance: bool = False,
) -> AgendaItem:
    number = (meeting.items.aggregate(n=Max("number"))["n"] or 0) + 1
    item = AgendaItem(
        meeting=meeting,
        number=number,
        title=title,
        presenter=presenter,
        exempt=exempt,
        is_performance=is_performance,
    )
    item.full_clean()
    item.save()
    record(
        actor=actor,
        verb="create",
        obj=item,
        partnership=meeting.partnership,
        after=snapshot(item),
        object_label=_label(item),
    )
    return item


@transaction.atomic
def item_add(
    *,
    actor: User | None,
    meeting: Meeting,
    title: str,
    presenter: str = "",
    exempt: bool = False,
) -> AgendaItem:
    _check_editable(meeting)
    return _item_create(
        actor=actor, meeting=meeting, title=title, presenter=presenter, exempt=exempt
    )


def _sniff(name: str, data: bytes) -> str:
    """The paper's type from its bytes (not its name or the browser's word for it)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        import zipfile

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if "word/document.xml" in z.namelist():
                    return DOCX
        except zipfile.BadZipFile:
            pass
    raise ValidationError({"file": f"{name} is not a PDF or Word (.docx) document"})


@transaction.atomic
def paper_upload(
    *, actor: User | None, item: AgendaItem, title: str, upload: UploadedFile
) -> Paper:
    _check_editable(item.meeting)
    name = (upload.name or "paper")[-200:]
    if upload.size is not None and upload.size > MAX_PAPER_BYTES:
        raise ValidationError({"file": f"{name} is larger than 5 MB"})
    data = upload.read(MAX_PAPER_BYTES + 1)
    if len(data) > MAX_PAPER_BYTES:
        raise ValidationError({"file": f"{name} is larger than 5 MB"})
    if not data:
        raise ValidationError({"file": f"{name} is empty"})
    ctype = _sniff(name, data)
    if ctype == PDF:
        _check_pdf(name, data)
    rel, digest = storage.store(data, "pdf" if ctype == PDF else "docx")
    paper = Paper(
        item=item,
        title=title,
        source=Paper.Source.UPLOAD,
        path=rel,
        file_name=name,
        content_type=ctype,
        size=len(data),
        sha256=digest,
        added_by=actor if getattr(actor, "pk", None) else None,
    )
    paper.full_clean()
    paper.save()
    record(
        actor=actor,
        verb="create",
        obj=paper,
        partnership=item.meeting.partnership,
        after=snapshot(paper),
        summary=f"Paper uploaded to item {item.number}",
        object_label=_label(paper),
    )
    return paper


def _check_pdf(name: str, data: bytes) -> None:
    # The agenda pack appends the PDF, so one it cannot read is refused now, not at publishing.
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValidationError({"file": f"{name} is password-protected"})
        if not len(reader.pages):
            raise ValidationError({"file": f"{name} has no pages"})
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError({"file": f"{name} cannot be read as a PDF"}) from exc


@transaction.atomic
def paper_from_assessment(*, actor: User | None, item: AgendaItem, run: AssessmentRun) -> Paper:
    """An assessment run's report as a paper; stored as a PDF when the agenda is published."""
    _check_editable(item.meeting)
    if run.partnership_id != item.meeting.partnership_id:
        raise ValidationError({"assessment": "Choose one of this partnership's assessments"})
    if not run.report_html:
        raise ValidationError({"assessment": "This assessment has no report to attach"})
    paper = Paper.objects.create(
        item=item,
        title=f"Strategic assessment, {timezone.localtime(run.created_at):%d %B %Y}",
        source=Paper.Source.ASSESSMENT,
        assessment=run,
        added_by=actor if getattr(actor, "pk", None) else None,
    )
    record(
        actor=actor,
        verb="create",
        obj=paper,
        partnership=item.meeting.partnership,
        after=snapshot(paper),
        object_label=_label(paper),
    )
    return paper


def _html_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


@transaction.atomic
def agenda_publish(*, actor: User | None, meeting: Meeting) -> Meeting:
    """Fixes the agenda: the generated papers (the board pack, assessment reports) are made and
    stored now, so they do not change afterwards, and the agenda pack (a cover, the agenda and
    the public items' PDF papers) is stored as one PDF."""
    from pypdf import PdfReader, PdfWriter

    from saferplaces.web import pack

    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _check_editable(meeting)
    items = list(meeting.items.prefetch_related("papers"))
    for item in items:
        for paper in item.papers.all():
            if paper.path:
                continue
            if paper.source == Paper.Source.PACK:
                data = pack.render_pdf(meeting.partnership)
            else:
                data = _html_pdf(paper.assessment.report_html)
            paper.path, paper.sha256 = storage.store(data, "pdf")
            paper.size, paper.content_type = len(data), PDF
            paper.file_name = f"{paper.title}.pdf"
            paper.save(update_fields=["path", "sha256", "size", "content_type", "file_name"])
    cover = render_to_string(
        "meetings/agenda_pack.html",
        {
            "meeting": meeting,
            "body": meeting.body,
            "items": items,
            "members": list(
                meeting.body.members.filter(left_on__isnull=True).select_related("user")
            ),
        },
    )
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(_html_pdf(cover))))
    for item in items:
        if item.exempt:
            continue  # exempt papers are not in the published pack
        for paper in item.papers.all():
            if paper.is_pdf:
                writer.append(PdfReader(io.BytesIO(storage.read(paper.path, paper.sha256))))
    buf = io.BytesIO()
    writer.write(buf)
    meeting.agenda_pack_path, meeting.agenda_pack_sha256 = storage.store(buf.getvalue(), "pdf")
    meeting.agenda_published_at = timezone.now()
    meeting.save(update_fields=["agenda_pack_path", "agenda_pack_sha256", "agenda_published_at"])
    record(
        actor=actor,
        verb="update",
        obj=meeting,
        partnership=meeting.partnership,
        after=snapshot(meeting, ["agenda_published_at", "agenda_pack_sha256"]),
        summary="Agenda published",
    )
    # The body's members hear the papers are out (e-mailed once this transaction commits).
    from saferplaces.web.notifications.rules import papers_published

    papers_published(meeting)
    return meeting


# Minutes and resolutions -----------------------------------------------------------------------


@transaction.atomic
def minutes_record(*, actor: User | None, item: AgendaItem, minutes: str) -> AgendaItem:
    before = snapshot(item, ["minutes"])
    item.minutes = minutes
    item.full_clean()
    item.save(update_fields=["minutes"])
    record(
        actor=actor,
        verb="update",
        obj=item,
        partnership=item.meeting.partnership,
        before=before,
        after=snapshot(item, ["minutes"]),
        summary="Minutes recorded",
        object_label=_label(item),
    )
    return item


def meetings_priority(*, actor: User | None, partnership: Partnership) -> Priority:
    """The priority that holds actions from meetings (made the first time one is needed)."""
    existing = Priority.objects.filter(
        partnership=partnership, title=MEETINGS_PRIORITY, archived_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    return plan_services.priority_create(
        actor=actor,
        partnership=partnership,
        title=MEETINGS_PRIORITY,
        definition="Actions resolved by the partnership's boards and committees",
        # The partnership's own business: for a county, not a county-wide priority that its
        # districts' plans would show.
        scope=Priority.Scope.LOCAL,
        position=999,
    )


def _next_letter(item: AgendaItem) -> str:
    used = set(item.resolutions.values_list("letter", flat=True))
    for letter in string.ascii_lowercase:
        if letter not in used:
            return letter
    raise ValidationError("An item can have at most 26 resolutions, a) to z)")


@transaction.atomic
def resolution_add(
    *,
    actor: User | None,
    item: AgendaItem,
    text: str,
    kind: str,
    owner: User | None = None,
    due_date: dt.date | None = None,
) -> Resolution:
    """The next lettered resolution on the item. One that asks for something needs an owner and
    a due date, and becomes a work-plan action under the "Meetings" priority."""
    if kind not in Resolution.Kind.values:
        raise ValidationError({"kind": "Choose what the resolution does"})
    errors: dict[str, str] = {}
    if kind in Resolution.ASKS:
        if owner is None:
            errors["owner"] = "Choose who will do what the resolution asks"
        if due_date is None:
            errors["due_date"] = "Enter the date it is due"
    meeting = item.meeting
    if (
        owner is not None
        and not Membership.objects.filter(partnership=meeting.partnership, user=owner).exists()
    ):
        errors["owner"] = "Choose someone with a role in this partnership"
    if errors:
        raise ValidationError(errors)
    res = Resolution(
        item=item,
        letter=_next_letter(item),
        text=text,
        kind=kind,
        owner=owner if kind in Resolution.ASKS else None,
        due_date=due_date if kind in Resolution.ASKS else None,
    )
    res.full_clean(exclude=["action"])
    if kind in Resolution.ASKS:
        priority = meetings_priority(actor=actor, partnership=meeting.partnership)
        where = f"{meeting.title} {meeting.held_on:%d %B %Y}, item {item.number} {res.letter})"
        # The work plan is seen by every role: an exempt item's resolution is named, not quoted.
        title = f"{where}: exempt business, see the minutes" if item.exempt else f"{where}: {text}"
        res.action = plan_services.action_create(
            actor=actor,
            priority=priority,
            title=title[:300],
            description="" if item.exempt else text,
            owner=owner,
            organisation=getattr(owner, "organisation", None),
            due_date=due_date,
            status=Action.Status.NOT_STARTED,
        )
    res.save()
    record(
        actor=actor,
        verb="create",
        obj=res,
        partnership=meeting.partnership,
        after=snapshot(res),
        summary=f"Resolution {res.letter}) on item {item.number}",
        object_label=_label(res),
    )
    if kind == Resolution.Kind.WORK_PROGRAMME:
        # The body's work programme gains the item it resolved to consider; the meeting it is
        # planned for is chosen afterwards. An exempt item's resolution is named, not quoted.
        _work_item_create(
            actor=actor,
            body=meeting.body,
            title=(
                f"Exempt business: item {item.number} {res.letter}) of {meeting.held_on:%d %B %Y}"
                if item.exempt
                else text
            )[:300],
            resolution=res,
        )
    return res


# Scrutiny: work programme and recommendations ----------------------------------------------------


def _check_meeting_of(body: Body, meeting: Meeting | None, field: str) -> None:
    if meeting is not None and meeting.body_id != body.pk:
        raise ValidationError({field: f"Choose a meeting of {body.name}"})


def _work_item_create(
    *,
    actor: User | None,
    body: Body,
    title: str,
    notes: str = "",
    planned_meeting: Meeting | None = None,
    resolution: Resolution | None = None,
) -> WorkProgrammeItem:
    _check_meeting_of(body, planned_meeting, "planned_meeting")
    wi = WorkProgrammeItem(
        body=body,
        partnership=body.partnership,
        title=title,
        notes=notes,
        planned_meeting=planned_meeting,
        resolution=resolution,
    )
    wi.full_clean()
    wi.save()
    record(
        actor=actor,
        verb="create",
        obj=wi,
        partnership=body.partnership,
        after=snapshot(wi),
        summary=f"Added to the work programme of {body.name}",
    )
    return wi


@transaction.atomic
def work_item_add(
    *,
    actor: User | None,
    body: Body,
    title: str,
    notes: str = "",
    planned_meeting: Meeting | None = None,
) -> WorkProgrammeItem:
    """An item the body asked to consider, for example "progress with the domestic abuse
    contract", with the meeting it is planned for if known."""
    return _work_item_create(
        actor=actor, body=body, title=title, notes=notes, planned_meeting=planned_meeting
    )


@transaction.atomic
def work_item_plan(
    *,
    actor: User | None,
    item: WorkProgrammeItem,
    planned_meeting: Meeting | None,
    notes: str | None = None,
) -> WorkProgrammeItem:
    """Plans (or moves) the item to a meeting of its body; the move is in the audit log."""
    _check_meeting_of(item.body, planned_meeting, "planned_meeting")
    before = snapshot(item, ["planned_meeting", "notes"])
    item.planned_meeting = planned_meeting
    if notes is not None:
        item.notes = notes
    item.full_clean()
    item.save(update_fields=["planned_meeting", "notes"])
    record(
        actor=actor,
        verb="update",
        obj=item,
        partnership=item.partnership,
        before=before,
        after=snapshot(item, ["planned_meeting", "notes"]),
        summary="Work programme item planned"
        if planned_meeting
        else "Work programme item not yet planned",
    )
    return item


def _check_scrutiny(body: Body) -> None:
    if body.kind != Body.Kind.SCRUTINY:
        raise ValidationError({"body": "Recommendations are made by a scrutiny committee"})


# The partnership is asked to respond within 28 days unless the clerk records another date: a
# common convention for responses to crime and disorder committees, kept editable.
RESPONSE_DAYS = 28


@transaction.atomic
def recommendation_add(
    *,
    actor: User | None,
    body: Body,
    text: str,
    made_on: dt.date,
    meeting: Meeting | None = None,
    response_due: dt.date | None = None,
) -> Recommendation:
    """The committee's recommendation to the partnership, awaiting the partnership's response."""
    _check_scrutiny(body)
    _check_meeting_of(body, meeting, "meeting")
    if not (text or "").strip():
        raise ValidationError({"text": "Enter the recommendation"})
    if response_due is not None and response_due < made_on:
        raise ValidationError({"response_due": "The response cannot be due before it was made"})
    rec = Recommendation(
        body=body,
        partnership=body.partnership,
        meeting=meeting,
        text=text,
        made_on=made_on,
        response_due=response_due or made_on + dt.timedelta(days=RESPONSE_DAYS),
    )
    rec.full_clean()
    rec.save()
    record(
        actor=actor,
        verb="create",
        obj=rec,
        partnership=body.partnership,
        after=snapshot(rec),
        summary=f"Recommendation of {body.name}",
    )
    return rec


@transaction.atomic
def recommendation_respond(
    *,
    actor: User | None,
    recommendation: Recommendation,
    response: str,
    reasons: str,
    responded_on: dt.date,
) -> Recommendation:
    """The partnership's response: accepted, partly accepted or not accepted, with reasons.
    Recorded once: it is what the partnership told the committee, so it is not rewritten."""
    rec = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if rec.response:
        raise ValidationError(
            f"The partnership's response was recorded on {rec.responded_on:%d %B %Y}; "
            "it cannot be changed"
        )
    errors: dict[str, str] = {}
    if response not in Recommendation.Response.values:
        errors["response"] = "Choose accepted, partly accepted or not accepted"
    if response != Recommendation.Response.ACCEPTED and not (reasons or "").strip():
        errors["reasons"] = "Give the reasons for not accepting it in full"
    if responded_on < rec.made_on:
        errors["responded_on"] = "The response cannot come before the recommendation was made"
    if errors:
        raise ValidationError(errors)
    before = snapshot(rec, ["response", "reasons", "responded_on", "responded_by"])
    rec.response, rec.reasons, rec.responded_on = response, reasons, responded_on
    rec.responded_by = actor if getattr(actor, "pk", None) else None
    rec.full_clean()
    rec.save(update_fields=["response", "reasons", "responded_on", "responded_by"])
    record(
        actor=actor,
        verb="update",
        obj=rec,
        partnership=rec.partnership,
        before=before,
        after=snapshot(rec, ["response", "reasons", "responded_on", "responded_by"]),
        summary=f"Partnership's response: {rec.get_response_display().lower()}",
    )
    return rec


@transaction.atomic
def recommendation_implemented(
    *, actor: User | None, recommendation: Recommendation, implemented_on: dt.date
) -> Recommendation:
    """Marks an accepted (or partly accepted) recommendation as carried out."""
    rec = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if rec.response not in (Recommendation.Response.ACCEPTED, Recommendation.Response.PARTLY):
        raise ValidationError("Only an accepted or partly accepted recommendation is carried out")
    if rec.implemented_on is not None:
        raise ValidationError(
            f"It was recorded as carried out on {rec.implemented_on:%d %B %Y} already"
        )
    if implemented_on < rec.responded_on:
        raise ValidationError(
            {"implemented_on": "It cannot be carried out before the partnership responded"}
        )
    rec.implemented_on = implemented_on
    rec.save(update_fields=["implemented_on"])
    record(
        actor=actor,
        verb="update",
        obj=rec,
        partnership=rec.partnership,
        before={"implemented_on": None},
        after=snapshot(rec, ["implemented_on"]),
        summary="Recommendation carried out",
    )
    return rec
