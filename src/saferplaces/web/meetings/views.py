"""Pages for bodies and meetings. Every form page is `views_common.form_view`: parse, call one
service, message, redirect."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from saferplaces.web import permissions as perm
from saferplaces.web.meetings import forms as f
from saferplaces.web.meetings import ical, selectors, services, storage
from saferplaces.web.meetings.models import Meeting
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.views_common import form_view, page

SECTION = "meetings"


def _url(name: str, *args: object) -> str:
    return reverse(f"meetings:{name}", args=args)


def _meeting_url(m: Meeting) -> str:
    return _url("meeting", m.partnership.slug, m.pk)


@login_required
def home(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    return page(
        request,
        "meetings/home.html",
        p,
        SECTION,
        bodies=list(selectors.bodies(p)),
        meetings=list(selectors.meetings(p)[:50]),
    )


@login_required
def body_new(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_MEETINGS)
    return form_view(
        request,
        f.BodyForm(request.POST or None),
        p,
        save=lambda d: services.body_create(actor=request.user, partnership=p, **d),
        success=lambda b: f"{b.name} added",
        next_url=lambda b: _url("body", p.slug, b.pk),
        section=SECTION,
        heading="Add a board, group or committee",
        button="Add",
    )


@login_required
def body_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    b = selectors.body(p, pk)
    return page(
        request,
        "meetings/body.html",
        p,
        SECTION,
        body=b,
        members=selectors.members(b),
        meetings=list(b.meetings.all()),
    )


@login_required
def member_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_MEETINGS)
    b = selectors.body(p, pk)
    return form_view(
        request,
        f.MemberForm(request.POST or None, people=p_selectors.partnership_people(p)),
        p,
        save=lambda d: services.member_add(actor=request.user, body=b, **d),
        success=lambda m: f"{m} added to {b.name}",
        next_url=_url("body", p.slug, b.pk),
        section=SECTION,
        heading=f"Add a member to {b.name}",
        button="Add member",
    )


@login_required
def meeting_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_MEETINGS)
    b = selectors.body(p, pk)
    form = f.MeetingForm(request.POST or None)
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.meeting_create(actor=request.user, body=b, **form.to_service()),
        success="Meeting added",
        next_url=_meeting_url,
        section=SECTION,
        heading=f"Add a meeting of {b.name}",
        button="Add meeting",
    )


@login_required
def meeting_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    m = selectors.meeting(p, pk)
    return page(
        request,
        "meetings/meeting.html",
        p,
        SECTION,
        meeting=m,
        items=selectors.items(m, request.user),
        attendance=selectors.attendance(m),
        present=selectors.present_count(m),
        quorate=selectors.quorate(m),
        arising=selectors.matters_arising(m, request.user),
        previous=selectors.previous_meeting(m),
    )


@login_required
def attendance(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_MEETINGS)
    m = selectors.meeting(p, pk)
    form = f.AttendanceForm(request.POST or None, seats=selectors.attendance(m))
    return form_view(
        request,
        form,
        p,
        save=lambda d: services.attendance_record(
            actor=request.user, meeting=m, statuses=form.statuses()
        ),
        success="Attendance recorded",
        next_url=_meeting_url(m),
        section=SECTION,
        heading="Attendance and apologies",
        button="Save attendance",
        intro=f"{m}. Quorum: {m.body.quorum or 'none'}.",
    )


@login_required
def item_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_MEETINGS)
    m = selectors.meeting(p, pk)
    return form_view(
        request,
        f.ItemForm(request.POST or None),
        p,
        save=lambda d: services.item_add(actor=request.user, meeting=m, **d),
        success=lambda i: f"Item {i.number} added to the agenda",
        next_url=_meeting_url(m),
        section=SECTION,
        heading="Add an agenda item",
        button="Add item",
    )


def _item(request: HttpRequest, slug: str, pk: int, item_pk: int) -> tuple:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_MEETINGS)
    m = selectors.meeting(p, pk)
    return p, m, selectors.item(m, item_pk, request.user)


@login_required
def paper_new(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    p, m, item = _item(request, slug, pk, item_pk)
    return form_view(
        request,
        f.PaperForm(request.POST or None, request.FILES or None),
        p,
        save=lambda d: services.paper_upload(
            actor=request.user, item=item, title=d["title"], upload=d["file"]
        ),
        success=lambda paper: f"{paper.title} attached to item {item.number}",
        next_url=_meeting_url(m),
        section=SECTION,
        heading=f"Attach a paper to item {item.number}",
        button="Upload paper",
    )


@login_required
def paper_assessment(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    p, m, item = _item(request, slug, pk, item_pk)
    return form_view(
        request,
        f.AssessmentPaperForm(request.POST or None, runs=list(selectors.assessment_runs(p))),
        p,
        save=lambda d: services.paper_from_assessment(
            actor=request.user, item=item, run=d["assessment"]
        ),
        success=lambda paper: f"{paper.title} attached to item {item.number}",
        next_url=_meeting_url(m),
        section=SECTION,
        heading=f"Attach a strategic assessment to item {item.number}",
        button="Attach assessment",
    )


@login_required
def minutes(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    p, m, item = _item(request, slug, pk, item_pk)
    return form_view(
        request,
        f.MinutesForm(request.POST or None, initial={"minutes": item.minutes}),
        p,
        save=lambda d: services.minutes_record(actor=request.user, item=item, **d),
        success=f"Minutes of item {item.number} saved",
        next_url=_meeting_url(m),
        section=SECTION,
        heading=f"Minutes: {item}",
        button="Save minutes",
    )


@login_required
def resolution_new(request: HttpRequest, slug: str, pk: int, item_pk: int) -> HttpResponse:
    p, m, item = _item(request, slug, pk, item_pk)
    return form_view(
        request,
        f.ResolutionForm(request.POST or None, people=p_selectors.partnership_people(p)),
        p,
        save=lambda d: services.resolution_add(actor=request.user, item=item, **d),
        success=lambda r: (
            f"Resolution {r.letter}) recorded"
            + (": it is now an action in the work plan" if r.action_id else "")
        ),
        next_url=_meeting_url(m),
        section=SECTION,
        heading=f"Record a resolution on item {item.number}",
        button="Record resolution",
        intro=str(item),
    )


@login_required
def publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_MEETINGS)
    m = selectors.meeting(p, pk)
    return form_view(
        request,
        f.ConfirmForm(request.POST or None),
        p,
        save=lambda d: services.agenda_publish(actor=request.user, meeting=m),
        success="Agenda published. The papers are fixed as they are now",
        next_url=_meeting_url(m),
        section=SECTION,
        heading="Publish the agenda",
        button="Publish agenda",
        intro=(
            "Publishing makes the board pack and other generated papers as they are today and "
            "puts the agenda and the public items' papers into one PDF. Items and papers cannot "
            "be changed afterwards."
        ),
    )


def _file(data: bytes, content_type: str, name: str) -> HttpResponse:
    resp = HttpResponse(data, content_type=content_type)
    safe = "".join(c for c in name if c.isalnum() or c in " .-_()").strip() or "paper"
    resp["Content-Disposition"] = f'attachment; filename="{safe}"'
    return resp


@login_required
def paper_download(request: HttpRequest, slug: str, pk: int, paper_pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    m = selectors.meeting(p, pk)
    paper = selectors.paper(m, paper_pk, request.user)
    if not paper.path:
        raise Http404("This paper is made when the agenda is published")
    return _file(storage.read(paper.path, paper.sha256), paper.content_type, paper.file_name)


@login_required
def agenda_pack(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    m = selectors.meeting(p, pk)
    if not m.agenda_pack_path:
        raise Http404("The agenda has not been published")
    data = storage.read(m.agenda_pack_path, m.agenda_pack_sha256)
    return _file(data, "application/pdf", f"Agenda {m.title} {m.held_on:%Y-%m-%d}.pdf")


def _ics(body: bytes, name: str) -> HttpResponse:
    resp = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@login_required
def meeting_ics(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    m = selectors.meeting(p, pk)
    body = ical.calendar(m.title, [(m, request.build_absolute_uri(_meeting_url(m)))])
    return _ics(body, f"meeting-{m.pk}.ics")


@login_required
def calendar(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    body = ical.calendar(
        f"{p.name} meetings",
        [(m, request.build_absolute_uri(_meeting_url(m))) for m in selectors.meetings(p)],
    )
    return _ics(body, f"{p.slug}-meetings.ics")


# Scrutiny ---------------------------------------------------------------------------------------


def _scrutiny_url(slug: str) -> str:
    return _url("scrutiny", slug)


@login_required
def scrutiny(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    return page(
        request,
        "meetings/scrutiny.html",
        p,
        SECTION,
        bodies=selectors.scrutiny_bodies(p),
        work_programme=selectors.work_programme(p),
        recommendations=selectors.recommendations(p),
        year=selectors.municipal_year(),
    )


@login_required
def work_item_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_MEETINGS)
    b = selectors.scrutiny_body(p, pk)
    return form_view(
        request,
        f.WorkItemForm(request.POST or None, meetings=selectors.body_meetings(b)),
        p,
        save=lambda d: services.work_item_add(actor=request.user, body=b, **d),
        success=lambda w: f"{w.title} added to the work programme",
        next_url=_scrutiny_url(p.slug),
        section=SECTION,
        heading=f"Add to the work programme of {b.name}",
        button="Add item",
    )


@login_required
def work_item_plan(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_MEETINGS)
    w = selectors.work_item(p, pk)
    return form_view(
        request,
        f.WorkItemPlanForm(
            request.POST or None,
            meetings=selectors.body_meetings(w.body),
            initial={"planned_meeting": str(w.planned_meeting_id or "")},
        ),
        p,
        save=lambda d: services.work_item_plan(actor=request.user, item=w, **d),
        success=f"{w.title}: meeting saved",
        next_url=_scrutiny_url(p.slug),
        section=SECTION,
        heading="Plan a work programme item",
        button="Save",
        intro=w.title,
    )


@login_required
def recommendation_new(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.MANAGE_MEETINGS)
    b = selectors.scrutiny_body(p, pk)
    return form_view(
        request,
        f.RecommendationForm(request.POST or None, meetings=selectors.body_meetings(b)),
        p,
        save=lambda d: services.recommendation_add(actor=request.user, body=b, **d),
        success="Recommendation recorded: it is awaiting the partnership's response",
        next_url=_scrutiny_url(p.slug),
        section=SECTION,
        heading=f"Record a recommendation of {b.name}",
        button="Record recommendation",
    )


@login_required
def recommendation_respond(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.RESPOND_SCRUTINY)
    r = selectors.recommendation(p, pk)
    return form_view(
        request,
        f.ResponseForm(request.POST or None),
        p,
        save=lambda d: services.recommendation_respond(actor=request.user, recommendation=r, **d),
        success=lambda x: f"Response recorded: {x.get_response_display().lower()}",
        next_url=_scrutiny_url(p.slug),
        section=SECTION,
        heading="Record the partnership's response",
        button="Record response",
        intro=f"{r.body.name}, {r.made_on:%d %B %Y}: {r.text}",
    )


@login_required
def recommendation_implemented(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug, perm.RESPOND_SCRUTINY)
    r = selectors.recommendation(p, pk)
    return form_view(
        request,
        f.ImplementedForm(request.POST or None),
        p,
        save=lambda d: services.recommendation_implemented(
            actor=request.user, recommendation=r, **d
        ),
        success="Recorded as carried out",
        next_url=_scrutiny_url(p.slug),
        section=SECTION,
        heading="Record that the recommendation was carried out",
        button="Save",
        intro=r.text,
    )


def _report_year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    if not raw:
        return selectors.municipal_year()
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise Http404("Choose a year like 2025")
    return int(raw)


@login_required
def scrutiny_report(request: HttpRequest, slug: str) -> HttpResponse:
    p = p_selectors.partnership_for_user(request.user, slug)
    year = _report_year(request)
    return page(
        request,
        "meetings/scrutiny_report.html",
        p,
        SECTION,
        r=selectors.scrutiny_report(p, year),
        years=range(year - 3, selectors.municipal_year() + 1),
    )


@login_required
def scrutiny_report_download(request: HttpRequest, slug: str, ext: str) -> HttpResponse:
    from saferplaces.web.meetings import scrutiny_report as doc

    p = p_selectors.partnership_for_user(request.user, slug)
    if ext not in ("pdf", "docx"):
        raise Http404("Choose PDF or Word")
    r = selectors.scrutiny_report(p, _report_year(request))
    data, ctype = (
        (doc.render_pdf(r), services.PDF) if ext == "pdf" else (doc.render_docx(r), services.DOCX)
    )
    return _file(data, ctype, f"{p.slug} annual scrutiny report {r.year}.{ext}")
