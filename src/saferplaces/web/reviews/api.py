"""The statutory reviews API (a django-ninja Router mounted on the main API).

Need-to-know as on the pages: ``/cases`` lists only the cases the caller is on the team of,
``/cases/{id}`` is 404 for anyone else, and every read of a case is in the audit log. Counts
(small numbers suppressed) and the annual ASB Case Review figures are for every member."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Router

from saferplaces.web.api_common import ErrorOut, Id, Schema, Slug
from saferplaces.web.audit.services import record_view
from saferplaces.web.partnerships import selectors as p_selectors
from saferplaces.web.reviews import selectors
from saferplaces.web.reviews.models import Case

router = Router(tags=["statutory reviews"])
Year = Annotated[int, Path(ge=2000, le=2100)]


class CountsOut(Schema):
    kind: str
    label: str
    open: int | None
    overdue: int | None
    due_soon: int | None


class DeadlineOut(Schema):
    name: str
    due: dt.date
    done_on: dt.date | None
    status: str


class CaseOut(Schema):
    id: int
    reference: str
    kind: str
    state: str
    state_label: str
    received_on: dt.date
    deadlines: list[DeadlineOut]


class FiguresOut(Schema):
    partnership: str
    period_start: dt.date
    period_end: dt.date
    applications: int
    threshold_not_met: int
    reviews_carried_out: int
    reviews_with_recommendations: int


def _case_out(c: Case, today: dt.date) -> dict:
    return {
        "id": c.pk,
        "reference": c.reference,
        "kind": c.kind,
        "state": c.state,
        "state_label": c.get_state_display(),
        "received_on": c.received_on,
        "deadlines": [
            {"name": d.name, "due": d.due, "done_on": d.done_on, "status": d.status(today)}
            for d in selectors.deadlines(c)
        ],
    }


@router.get("/partnerships/{slug}/statutory-reviews/counts", response=list[CountsOut])
def review_counts(request: HttpRequest, slug: Slug):
    """Open, overdue and due-soon cases per kind; 1 to 4 are null (suppressed)."""
    p = p_selectors.partnership_for_user(request.user, slug)
    return [vars(k) for k in selectors.board_counts(p, timezone.localdate())]


@router.get("/partnerships/{slug}/statutory-reviews/cases", response=list[CaseOut])
def review_cases(request: HttpRequest, slug: Slug):
    """The cases the caller is on the case team of (no others, and no sign of them)."""
    p = p_selectors.partnership_for_user(request.user, slug)
    cases = list(selectors.visible_cases(request.user, p).prefetch_related("extensions"))
    if cases:
        record_view(actor=request.user, partnership=None, what="Statutory review cases (API list)")
    today = timezone.localdate()
    return [_case_out(c, today) for c in cases]


@router.get(
    "/partnerships/{slug}/statutory-reviews/cases/{pk}", response={200: CaseOut, 404: ErrorOut}
)
def review_case(request: HttpRequest, slug: Slug, pk: Id):
    p = p_selectors.partnership_for_user(request.user, slug)
    c = selectors.case_for(request.user, p, pk)
    record_view(actor=request.user, partnership=None, what="Statutory review case (API)", obj=c)
    return _case_out(c, timezone.localdate())


@router.get("/partnerships/{slug}/statutory-reviews/asb-figures/{year}", response=FiguresOut)
def review_figures(request: HttpRequest, slug: Slug, year: Year):
    """The ASB Case Review figures s104(10) of the 2014 Act requires to be published, for the
    financial year starting 1 April ``year``."""
    p = p_selectors.partnership_for_user(request.user, slug)
    return vars(selectors.annual_figures(p, year))
