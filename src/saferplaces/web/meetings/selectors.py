"""Reads for bodies and meetings. Exempt items are filtered here, once, for every page and API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from saferplaces.web import permissions
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
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.plans.models import Action


def bodies(partnership: Partnership) -> QuerySet[Body]:
    return Body.objects.filter(partnership=partnership)


def body(partnership: Partnership, pk: int) -> Body:
    b = Body.objects.filter(partnership=partnership, pk=pk).first()
    if b is None:
        raise Http404("No such body")
    return b


def members(body: Body) -> list[BodyMember]:
    return list(
        body.members.filter(left_on__isnull=True).select_related("user", "user__organisation")
    )


def meetings(partnership: Partnership) -> QuerySet[Meeting]:
    return Meeting.objects.filter(partnership=partnership).select_related("body")


def meeting(partnership: Partnership, pk: int) -> Meeting:
    m = meetings(partnership).filter(pk=pk).first()
    if m is None:
        raise Http404("No such meeting")
    return m


def last_meeting(partnership: Partnership) -> Meeting | None:
    """The latest meeting that has started: the dashboard shows the changes since it (meetings
    already in the calendar for later in the year are not "the last meeting")."""
    return (
        Meeting.objects.filter(partnership=partnership, starts_at__lte=timezone.now())
        .order_by("-starts_at", "-id")
        .first()
    )


def previous_meeting(m: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(body=m.body, starts_at__lt=m.starts_at)
        .order_by("-starts_at", "-id")
        .first()
    )


def may_see_exempt(user: object, partnership: Partnership) -> bool:
    return permissions.can(user, partnership, permissions.VIEW_EXEMPT)


def items(m: Meeting, user: object) -> list[AgendaItem]:
    """The agenda as this person may see it: exempt items (and their papers and resolutions)
    are left out for people without the right to see exempt business."""
    qs = m.items.prefetch_related(
        Prefetch("papers", queryset=Paper.objects.order_by("id")),
        Prefetch(
            "resolutions",
            queryset=Resolution.objects.select_related("owner__organisation", "action").order_by(
                "letter"
            ),
        ),
    )
    if not may_see_exempt(user, m.partnership):
        qs = qs.filter(exempt=False)
    return list(qs)


def item(m: Meeting, pk: int, user: object) -> AgendaItem:
    for i in items(m, user):
        if i.pk == pk:
            return i
    raise Http404("No such agenda item")


def paper(m: Meeting, pk: int, user: object) -> Paper:
    p = Paper.objects.filter(item__meeting=m, pk=pk).select_related("item").first()
    if p is None or (p.item.exempt and not may_see_exempt(user, m.partnership)):
        raise Http404("No such paper")
    return p


@dataclass
class AttendanceRow:
    member: BodyMember
    status: str


def attendance(m: Meeting) -> list[AttendanceRow]:
    recorded = {a.member_id: a.status for a in Attendance.objects.filter(meeting=m)}
    seats = list(m.body.members.select_related("user__organisation").filter(pk__in=recorded)) + [
        s for s in members(m.body) if s.pk not in recorded
    ]
    return [AttendanceRow(s, recorded.get(s.pk, "")) for s in seats]


def present_count(m: Meeting) -> int:
    return Attendance.objects.filter(meeting=m, status=Attendance.Status.PRESENT).count()


def quorate(m: Meeting) -> bool | None:
    """True or False once attendance is recorded; None before (not known yet)."""
    if not Attendance.objects.filter(meeting=m).exists():
        return None
    return present_count(m) >= m.body.quorum


def matters_arising(m: Meeting, user: object) -> list[Resolution]:
    """Resolutions of earlier meetings of the same body that asked for something and are not
    yet done: shown at each meeting until their action is closed."""
    qs = (
        Resolution.objects.filter(
            item__meeting__body=m.body,
            item__meeting__starts_at__lt=m.starts_at,
            action__isnull=False,
        )
        .exclude(action__status__in=Action.CLOSED)
        .select_related("item__meeting", "action", "owner__organisation")
        .order_by("item__meeting__starts_at", "item__number", "letter")
    )
    if not may_see_exempt(user, m.partnership):
        qs = qs.filter(item__exempt=False)
    return list(qs)


def assessment_runs(partnership: Partnership) -> QuerySet:
    from saferplaces.web.plans.models import AssessmentRun

    return (
        AssessmentRun.objects.filter(partnership=partnership)
        .exclude(report_html="")
        .order_by("-created_at", "-id")
    )


# Scrutiny -----------------------------------------------------------------------------------------


def scrutiny_bodies(partnership: Partnership) -> list[Body]:
    return list(Body.objects.filter(partnership=partnership, kind=Body.Kind.SCRUTINY))


def scrutiny_body(partnership: Partnership, pk: int) -> Body:
    b = Body.objects.filter(partnership=partnership, pk=pk, kind=Body.Kind.SCRUTINY).first()
    if b is None:
        raise Http404("No such scrutiny committee")
    return b


def work_programme(partnership: Partnership, body: Body | None = None) -> list[WorkProgrammeItem]:
    """Work programme items of the partnership's scrutiny committees (or of one body), the
    planned ones in meeting order, then those not yet planned."""
    qs = WorkProgrammeItem.objects.filter(partnership=partnership).select_related(
        "body", "planned_meeting", "resolution__item__meeting"
    )
    qs = qs.filter(body=body) if body is not None else qs.filter(body__kind=Body.Kind.SCRUTINY)
    return sorted(
        qs,
        key=lambda w: (
            w.planned_meeting is None,
            w.planned_meeting.starts_at if w.planned_meeting else w.created_at,
            w.pk,
        ),
    )


def work_item(partnership: Partnership, pk: int) -> WorkProgrammeItem:
    w = (
        WorkProgrammeItem.objects.filter(partnership=partnership, pk=pk)
        .select_related("body", "planned_meeting")
        .first()
    )
    if w is None:
        raise Http404("No such work programme item")
    return w


def recommendations(partnership: Partnership) -> list[Recommendation]:
    return list(
        Recommendation.objects.filter(partnership=partnership).select_related(
            "body", "meeting", "responded_by"
        )
    )


def recommendation(partnership: Partnership, pk: int) -> Recommendation:
    r = (
        Recommendation.objects.filter(partnership=partnership, pk=pk)
        .select_related("body", "meeting")
        .first()
    )
    if r is None:
        raise Http404("No such recommendation")
    return r


def body_meetings(body: Body) -> list[Meeting]:
    return list(body.meetings.order_by("starts_at", "id"))


def municipal_year(day: dt.date | None = None) -> int:
    """The year (April to March) a date falls in, named by the year it starts."""
    day = day or timezone.localdate()
    return day.year if day.month >= 4 else day.year - 1


@dataclass
class ScrutinyReport:
    """The annual scrutiny report's content: one source for the page, the PDF and Word."""

    partnership: Partnership
    year: int
    start: dt.date
    end: dt.date
    bodies: list[Body]
    meetings: list[Meeting]
    held: list[WorkProgrammeItem]
    recommendations: list[Recommendation]
    open_recommendations: list[Recommendation]
    open_items: list[WorkProgrammeItem]

    @property
    def title(self) -> str:
        return f"Annual scrutiny report {self.year} to {self.year + 1}"

    @property
    def responses(self) -> dict[str, int]:
        out = {label: 0 for label in Recommendation.Response.labels}
        out["Awaiting response"] = 0
        for r in self.recommendations:
            out[r.get_response_display() if r.response else "Awaiting response"] += 1
        return out


def scrutiny_report(partnership: Partnership, year: int) -> ScrutinyReport:
    """What the scrutiny committees considered in the year (April to March): meetings held,
    work programme items held, recommendations made and the partnership's responses, and the
    matters still open now (from any year)."""
    start, end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    now = timezone.now()

    def in_year(m: Meeting | None) -> bool:
        return m is not None and start <= m.held_on <= end

    items = work_programme(partnership)
    recs = [r for r in recommendations(partnership) if r.body.kind == Body.Kind.SCRUTINY]
    meetings_ = [
        m
        for m in Meeting.objects.filter(
            partnership=partnership, body__kind=Body.Kind.SCRUTINY, starts_at__lte=now
        )
        .select_related("body")
        .order_by("starts_at", "id")
        if in_year(m)
    ]
    return ScrutinyReport(
        partnership=partnership,
        year=year,
        start=start,
        end=end,
        bodies=scrutiny_bodies(partnership),
        meetings=meetings_,
        held=[
            w for w in items if in_year(w.planned_meeting) and w.planned_meeting.starts_at <= now
        ],
        recommendations=[r for r in recs if start <= r.made_on <= end],
        open_recommendations=[r for r in recs if r.is_open and r.made_on <= end],
        open_items=[
            w for w in items if w.planned_meeting is None or w.planned_meeting.starts_at > now
        ],
    )
