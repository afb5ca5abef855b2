"""Reads for consultations: weighted results with intervals, by ward where numbers allow, free
text by theme, the public concern scores the assessment's priority matrix takes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from saferplaces.analysis import themes_text, weighting
from saferplaces.warehouse.measures import open_value
from saferplaces.web.consultation.models import Consultation, Question, ResponseImport, YouSaidWeDid
from saferplaces.web.partnerships.models import Partnership

# Small numbers: a count of respondents from 1 to 4 is not shown (the workspace's open-output
# rule, ``saferplaces.warehouse.measures.open_value``), and a group's percentages are shown only
# when at least MIN_BASE people in it answered: below that the interval is too wide to say much
# and a ward's few respondents could be recognised.
SUPPRESS_BELOW = 5
MIN_BASE = 30


def consultations(
    partnership: Partnership, include_archived: bool = False
) -> QuerySet[Consultation]:
    qs = Consultation.objects.filter(partnership=partnership)
    return qs if include_archived else qs.filter(archived_at__isnull=True)


def consultation(partnership: Partnership, pk: int) -> Consultation:
    try:
        return consultations(partnership, include_archived=True).get(pk=pk)
    except Consultation.DoesNotExist:
        raise Http404("No such consultation") from None


def published(partnership: Partnership) -> QuerySet[Consultation]:
    return (
        consultations(partnership)
        .filter(published_at__isnull=False, responses__isnull=False)
        .distinct()
    )


def latest_with_results(partnership: Partnership) -> Consultation | None:
    return consultations(partnership).filter(responses__isnull=False).distinct().first()


def pending_import(c: Consultation, pk: int) -> ResponseImport:
    try:
        return c.imports.get(pk=pk, status=ResponseImport.Status.PENDING)
    except ResponseImport.DoesNotExist:
        raise Http404("No such file waiting") from None


def question(c: Consultation, pk: int) -> Question:
    try:
        return c.questions.get(pk=pk)
    except Question.DoesNotExist:
        raise Http404("No such question") from None


@dataclass
class OptionRow:
    option: str
    count: int | None  # respondents giving it (None: suppressed, 1-4)
    share: float  # weighted, 0-1
    low: float
    high: float


@dataclass
class GroupResult:
    name: str
    base: int  # respondents in the group who answered
    shown: bool  # base >= MIN_BASE
    concern: weighting.Proportion | None = None
    options: list[OptionRow] = field(default_factory=list)


@dataclass
class QuestionResult:
    question: Question
    base: int
    options: list[OptionRow]
    concern: weighting.Proportion | None
    by_ward: list[GroupResult]
    coding: themes_text.Coding | None = None
    theme_rows: list[tuple[Any, int | None, list[str]]] = field(default_factory=list)
    uncoded: int | None = None
    suggestions: list[tuple[str, int]] = field(default_factory=list)


def _options(answers: list[str], weights: list[float]) -> list[OptionRow]:
    dist = weighting.distribution(answers, weights)
    counts: dict[str, int] = {}
    for a in answers:
        if a:
            counts[a] = counts.get(a, 0) + 1
    return [OptionRow(o, open_value(counts[o], SUPPRESS_BELOW), p.share, p.low, p.high)
            for o, p in sorted(dist.items(), key=lambda kv: -kv[1].share)]  # fmt: skip


def _concern(q: Question, answers: list[str], weights: list[float]) -> weighting.Proportion | None:
    opts = set(q.concern_options)
    pairs = [(a, w) for a, w in zip(answers, weights, strict=True) if a and a != "Don't know"]
    if not opts or not pairs:
        return None
    return weighting.weighted_proportion([a in opts for a, _ in pairs], [w for _, w in pairs])


def results(c: Consultation, *, with_text: bool = True) -> list[QuestionResult]:
    resp = list(c.responses.values_list("answers", "weight", "area_name"))
    out = []
    for q in c.questions.all():
        answers = [a.get(q.code, "") for a, _, _ in resp]
        weights = [w for _, w, _ in resp]
        base = sum(1 for a in answers if a)
        if q.kind == Question.Kind.TEXT:
            qr = QuestionResult(q, base, [], None, [])
            if with_text:
                texts = [a for a in answers]
                themes = list(q.themes.filter(archived_at__isnull=True))
                coding = themes_text.code(
                    texts, {t.name: themes_text.parse_keywords(t.keywords) for t in themes}
                )
                by_name = {t.name: t for t in themes}
                qr.coding = coding
                qr.theme_rows = [(by_name[ct.name], open_value(ct.count, SUPPRESS_BELOW),
                                  [texts[i] for i in ct.answers[:3]]) for ct in coding.themes]  # fmt: skip
                qr.uncoded = open_value(len(coding.uncoded), SUPPRESS_BELOW)
                qr.suggestions = themes_text.suggest(texts[i] for i in coding.uncoded)
            out.append(qr)
            continue
        wards: dict[str, list[int]] = {}
        for i, (_, _, ward) in enumerate(resp):
            if ward and answers[i]:
                wards.setdefault(ward, []).append(i)
        by_ward = []
        for ward in sorted(wards):
            idx = wards[ward]
            g = GroupResult(ward, len(idx), len(idx) >= MIN_BASE)
            if g.shown:
                a_w, w_w = [answers[i] for i in idx], [weights[i] for i in idx]
                g.concern = _concern(q, a_w, w_w)
                g.options = _options(a_w, w_w)
            by_ward.append(g)
        out.append(
            QuestionResult(
                q, base, _options(answers, weights), _concern(q, answers, weights), by_ward
            )
        )
    return out


def concern_score(share: float) -> float:
    """Public concern on the priority matrix's 1-5 scale: 1 + 4 x the weighted share who call it
    a big problem (0% -> 1, 50% -> 3, 100% -> 5), to one decimal place."""
    return round(1 + 4 * share, 1)


@dataclass
class ConcernInput:
    theme: str
    score: float
    share: float
    low: float
    high: float
    question: str
    source: str
    responses: int = 0  # residents who answered the question (unweighted)
    effective_responses: float = 0.0  # their Kish effective sample size


def public_concern(c: Consultation) -> list[ConcernInput]:
    """The priority matrix's public concern input from this consultation, one per theme."""
    n = c.responses.count()
    src = f"{c.title} ({n:,} responses, weighted to the population)"
    out = []
    for r in results(c, with_text=False):
        if r.concern is not None and r.question.concern_theme:
            p = r.concern
            out.append(ConcernInput(r.question.concern_theme, concern_score(p.share), p.share,
                                    p.low, p.high, r.question.text, src, p.n, p.n_eff))  # fmt: skip
    return out


def priority_inputs_csv(c: Consultation) -> bytes:
    """The assessment's priority-inputs file (``saferplaces assess --priority-inputs``): columns
    theme, public_concern, and the survey result behind each score (share and 95% interval as
    proportions, responses, effective responses, question, source, dates, weighted_by), which
    the assessment shows in its consultation section (``saferplaces.assessment.inputs``)."""
    w8 = c.weighting or {}
    dates = " to ".join(d.strftime("%-d %B %Y") for d in (c.opened_on, c.closed_on) if d)
    names = [m.split(":")[0].lower() for m in w8.get("margins", [])]
    by = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["theme", "public_concern", "share", "low", "high", "responses",
                "effective_responses", "question", "source", "dates", "weighted_by"])  # fmt: skip
    for ci in public_concern(c):
        w.writerow([ci.theme, f"{ci.score:g}", f"{ci.share:.4f}", f"{ci.low:.4f}",
                    f"{ci.high:.4f}", ci.responses, f"{ci.effective_responses:.1f}",
                    ci.question, f"{c.title} ({w8.get('n', 0):,} responses)", dates, by])  # fmt: skip
    return buf.getvalue().encode("utf-8")


def you_said(c: Consultation, *, public: bool = False) -> QuerySet[YouSaidWeDid]:
    qs = c.you_said.filter(archived_at__isnull=True).select_related("action")
    return qs.filter(published=True) if public else qs


def committee_paragraph(c: Consultation) -> str:
    """One plain paragraph for the committee report's public concern line."""
    w = c.weighting or {}
    parts = [
        f"{ci.theme} {ci.share:.0%} ({ci.low:.0%} to {ci.high:.0%})" for ci in public_concern(c)
    ]
    return (f"{c.title}: {w.get('n', 0):,} responses, weighted by {', '.join(m.split(':')[0].lower() for m in w.get('margins', []))} "
            f"(effective sample size {w.get('n_eff', 0):,.0f}). Share saying each is a big problem, "
            f"with 95% intervals: {'; '.join(parts) or 'no question scored'}.")  # fmt: skip
