"""The consultation API (a django-ninja Router mounted on the main API): consultations, their
weighted results and the public concern input, read through the same selectors as the pages."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router

from saferplaces.web import permissions as perm
from saferplaces.web.api_common import ErrorOut, Id, Schema, Slug
from saferplaces.web.consultation import selectors
from saferplaces.web.partnerships import selectors as p_selectors

router = Router(tags=["consultation"])


class ConsultationOut(Schema):
    id: int
    title: str
    closed_on: dt.date | None
    responses: int
    published: bool
    design_effect: float | None
    effective_sample_size: float | None


class OptionOut(Schema):
    option: str
    respondents: int | None  # None: fewer than 5, suppressed
    share: float
    low: float
    high: float


class WardOut(Schema):
    ward: str
    base: int | None
    options: list[OptionOut]  # empty when fewer than MIN_BASE answered


class QuestionOut(Schema):
    id: int
    text: str
    kind: str
    answered: int
    options: list[OptionOut]
    by_ward: list[WardOut]
    themes: dict[str, int | None]


class ConcernOut(Schema):
    theme: str
    public_concern: float
    share: float
    low: float
    high: float
    question: str
    source: str


def _c(request: HttpRequest, slug: str, pk: int):
    p = p_selectors.partnership_for_user(request.user, slug, perm.VIEW_CONSULTATION)
    return selectors.consultation(p, pk)


def _opts(rows) -> list[dict]:
    return [
        {"option": o.option, "respondents": o.count, "share": o.share, "low": o.low, "high": o.high}
        for o in rows
    ]


@router.get(
    "/partnerships/{slug}/consultations", response={200: list[ConsultationOut], 404: ErrorOut}
)
def list_consultations(request: HttpRequest, slug: Slug):
    p = p_selectors.partnership_for_user(request.user, slug, perm.VIEW_CONSULTATION)
    return [
        {"id": c.pk, "title": c.title, "closed_on": c.closed_on, "responses": c.weighting.get("n", 0),
         "published": c.published_at is not None, "design_effect": c.weighting.get("deff"),
         "effective_sample_size": c.weighting.get("n_eff")}
        for c in selectors.consultations(p)
    ]  # fmt: skip


@router.get(
    "/partnerships/{slug}/consultations/{pk}/results",
    response={200: list[QuestionOut], 404: ErrorOut},
)
def results(request: HttpRequest, slug: Slug, pk: Id):
    c = _c(request, slug, pk)
    out = []
    for r in selectors.results(c):
        out.append({
            "id": r.question.pk, "text": r.question.text, "kind": r.question.kind, "answered": r.base,
            "options": _opts(r.options),
            "by_ward": [{"ward": g.name, "base": g.base if g.base >= selectors.SUPPRESS_BELOW else None,
                         "options": _opts(g.options)} for g in r.by_ward],
            "themes": {t.name: n for t, n, _ in r.theme_rows},
        })  # fmt: skip
    return out


@router.get(
    "/partnerships/{slug}/consultations/{pk}/public-concern",
    response={200: list[ConcernOut], 404: ErrorOut},
)
def public_concern(request: HttpRequest, slug: Slug, pk: Id):
    c = _c(request, slug, pk)
    return [{"theme": x.theme, "public_concern": x.score, "share": x.share, "low": x.low, "high": x.high,
             "question": x.question, "source": x.source} for x in selectors.public_concern(c)]  # fmt: skip
