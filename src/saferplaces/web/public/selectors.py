"""What the public pages may show. Everything here is public by construction: current (not
archived) priorities and localities, published figures with small numbers suppressed, meetings
with only non-exempt items' papers of published agendas, published consultation results. No
person's name or e-mail, no case data, no draft."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django.utils import timezone

from saferplaces.web.meetings.models import Meeting, Paper
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.performance import selectors as perf
from saferplaces.web.plans import selectors as plans
from saferplaces.web.public.models import PublicSite


def site(slug: str) -> PublicSite:
    """The partnership's public site, or 404 when it has none or it is switched off (an
    opted-out partnership looks exactly like one that does not exist)."""
    s = (
        PublicSite.objects.select_related("partnership")
        .filter(partnership__slug=slug, enabled=True)
        .first()
    )
    if s is None:
        raise Http404("No such page")
    return s


def sites() -> list[PublicSite]:
    return list(
        PublicSite.objects.select_related("partnership")
        .filter(enabled=True)
        .order_by("partnership__name")
    )


def priorities(p: Partnership) -> list[Any]:
    return list(plans.current_priorities(p))


def localities(p: Partnership) -> list[Any]:
    fn = getattr(plans, "current_localities", None) or getattr(plans, "localities", None)
    return list(fn(p)) if fn else []


@dataclass
class PublicFigure:
    name: str
    definition: str
    period: dt.date | None
    value: str
    references: list[str]


def performance(p: Partnership) -> list[PublicFigure]:
    out = []
    for v in perf.indicator_views(p):
        ind, latest = v.indicator, v.latest
        if latest is None:
            value = "No figure yet"
        else:
            shown = perf.shown_value(ind, latest.value)
            value = f"Fewer than {ind.suppress_below}" if shown is None else f"{shown:,.4g}"
        out.append(PublicFigure(ind.name, ind.definition, latest.period if latest else None, value,
                                v.references if latest is not None and perf.shown_value(ind, latest.value) is not None else []))  # fmt: skip
    return out


@dataclass
class PublicMeeting:
    meeting: Meeting
    papers: list[Paper]


def meetings(p: Partnership) -> list[PublicMeeting]:
    """Meeting dates; papers only of published agendas, only of items that are not exempt."""
    out = []
    for m in (
        Meeting.objects.filter(body__partnership=p)
        .select_related("body")
        .order_by("-starts_at")[:40]
    ):
        papers = []
        if m.agenda_published_at is not None:
            papers = list(
                Paper.objects.filter(item__meeting=m, item__exempt=False)
                .exclude(path="")
                .order_by("item__number", "id")
            )
        out.append(PublicMeeting(m, papers))
    return out


def paper(p: Partnership, meeting_pk: int, paper_pk: int) -> Paper:
    pa = Paper.objects.filter(
        pk=paper_pk, item__meeting_id=meeting_pk, item__meeting__body__partnership=p,
        item__exempt=False, item__meeting__agenda_published_at__isnull=False,
    ).exclude(path="").first()  # fmt: skip
    if pa is None:
        raise Http404("No such paper")
    return pa


def asb_case_review(p: Partnership) -> dict[str, Any]:
    """The procedure's local settings and the annual figures, from the statutory reviews app
    when it is installed; otherwise marked as not yet published."""
    try:
        from saferplaces.web.reviews import selectors as rv
        from saferplaces.web.reviews import services as rs
    except ImportError:
        return {"available": False}
    today = timezone.localdate()
    year = today.year - 1 if today.month < 4 else today.year
    try:
        settings = rs.asb_settings(p)
        figures = [rv.annual_figures(p, y) for y in (year - 1, year)]
    except Exception:
        return {"available": False}
    return {"available": True, "settings": settings, "figures": figures}


def consultations(p: Partnership) -> list[Any]:
    from saferplaces.web.consultation import selectors as cs

    out = []
    for c in cs.published(p):
        out.append({"consultation": c, "results": cs.results(c, with_text=True),
                    "you_said": list(cs.you_said(c, public=True))})  # fmt: skip
    return out
