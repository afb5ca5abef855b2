"""Writes for grant money. Each checks, saves and records the audit event in one transaction;
nothing is deleted (spend lines and entries are archived, and restored)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from saferplaces.analysis.allocation import Recipient, allocate
from saferplaces.web.accounts.models import User
from saferplaces.web.audit.services import record, snapshot
from saferplaces.web.funds import selectors
from saferplaces.web.funds.models import (
    Allocation,
    Decision,
    Entry,
    Evaluation,
    FundingStream,
    GrantReturn,
    PaymentStage,
    SpendLine,
    SpendPlan,
    StreamAmount,
    Vat,
)
from saferplaces.web.funds.money import pounds, quarter_end, quarter_of, year_label
from saferplaces.web.meetings.models import Resolution
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.plans.models import Action, Priority
from saferplaces.web.plans.services import set_archived


def _actor(actor: Any) -> User | None:
    return actor if getattr(actor, "is_authenticated", False) else None


def _check_vat(vat: str, field: str = "vat") -> None:
    if vat not in Vat.values:
        raise ValidationError({field: "Choose how VAT applies"})


# Streams ----------------------------------------------------------------------------------------


@transaction.atomic
def stream_create(
    *,
    actor: Any,
    partnership: Partnership,
    name: str,
    grantor: str,
    starts_on: dt.date,
    ends_on: dt.date,
    purpose: str = "",
    conditions: str = "",
    vat: str = Vat.NOT_APPLICABLE,
    return_due_days: int = 30,
    tolerance_percent: int = 10,
    amounts: Sequence[tuple[int, int, str]] = (),
    stages: Sequence[tuple[str, int, bool]] = (),
) -> FundingStream:
    """A funding stream with its amounts by financial year ((year, pence, label), …) and its
    payment schedule ((label, percent, held for evaluation), …; the percentages add to 100)."""
    _check_vat(vat)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "The end must be on or after the start"})
    if stages and sum(p for _, p, _ in stages) != 100:
        raise ValidationError({"stages": "The payment schedule's shares must add up to 100%"})
    s = FundingStream(
        partnership=partnership,
        name=name,
        grantor=grantor,
        purpose=purpose,
        conditions=conditions,
        starts_on=starts_on,
        ends_on=ends_on,
        vat=vat,
        return_due_days=return_due_days,
        tolerance_percent=tolerance_percent,
        created_by=_actor(actor),
    )
    s.full_clean()
    s.save()
    for i, (label, pct, held) in enumerate(stages):
        PaymentStage.objects.create(
            stream=s, position=i, label=label, share_percent=pct, on_evaluation=held
        )
    after = snapshot(s)
    after["stages"] = [[label, pct, held] for label, pct, held in stages]
    record(
        actor=actor,
        verb="create",
        obj=s,
        partnership=partnership,
        after=after,
        summary=f"Funding stream {s.name} from {s.grantor}",
    )
    for year, pence, label in amounts:
        stream_amount_add(actor=actor, stream=s, year=year, amount_pence=pence, label=label)
    return s


@transaction.atomic
def stream_archive(*, actor: Any, stream: FundingStream, archive: bool = True) -> FundingStream:
    """A stream that has ended is archived (its records stay, read-only), and can be restored."""
    set_archived(actor=actor, obj=stream, partnership=stream.partnership, archived=archive,
                 summary=f"Funding stream {stream.name}")  # fmt: skip
    return stream


@transaction.atomic
def stream_amount_add(
    *,
    actor: Any,
    stream: FundingStream,
    year: int,
    amount_pence: int,
    label: str = "",
    vat: str = Vat.NOT_APPLICABLE,
) -> StreamAmount:
    _check_vat(vat)
    if amount_pence <= 0:
        raise ValidationError({"amount": "The amount must be more than £0.00"})
    fy_start, fy_end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    if fy_end < stream.starts_on or fy_start > stream.ends_on:
        raise ValidationError({"year": "The year must fall within the stream's period"})
    a = StreamAmount.objects.create(
        stream=stream, year=year, amount_pence=amount_pence, label=label, vat=vat
    )
    record(
        actor=actor,
        verb="create",
        obj=a,
        partnership=stream.partnership,
        after=snapshot(a),
        summary=f"{stream.name}: {pounds(amount_pence)} for {year_label(year)}",
    )
    return a


# Allocations ------------------------------------------------------------------------------------


@transaction.atomic
def allocation_create(
    *,
    actor: Any,
    stream: FundingStream,
    year: int,
    total_pence: int,
    weights: dict[str, int],
    period_from: dt.date,
    period_to: dt.date,
    base_pence: int = 0,
    floor_pence: int = 0,
    phasing: Sequence[tuple[str, int]] = (),
    recipients: list[Partnership] | None = None,
    inputs: list[dict[str, Any]] | None = None,
    sources: dict[str, Any] | None = None,
) -> Allocation:
    """Splits the stream's year among partnerships by formula (``analysis.allocation``). The
    inputs are read from the warehouse now (or given, e.g. measures entered by hand with their
    ``sources``) and stored with the result, so the calculation is shown and reproducible."""
    if period_to < period_from:
        raise ValidationError({"period_to": "The period must end after it starts"})
    unknown = set(weights) - set(selectors.MEASURES)
    if unknown:
        raise ValidationError({"weights": f"Unknown measure: {', '.join(sorted(unknown))}"})
    if inputs is None:
        people = recipients if recipients is not None else selectors.recipients_for(stream)
        if not people:
            raise ValidationError(
                "There are no partnerships to allocate to: districts join a county agreement "
                "from their About page"
            )
        try:
            inputs, sources = selectors.formula_inputs(people, period_from, period_to)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
    try:
        res = allocate(
            total_pence,
            [Recipient(r["key"], r["name"], r["measures"]) for r in inputs],
            weights,
            base_pence=base_pence,
            floor_pence=floor_pence,
            phasing=phasing,
        )
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    result = [
        {
            "key": ln.key,
            "name": ln.name,
            "partnership_id": r.get("partnership_id"),
            "amount_pence": ln.amount_pence,
            "phases": ln.phases,
            "at_floor": ln.at_floor,
        }
        for ln, r in zip(res.lines, inputs, strict=True)
    ]
    a = Allocation.objects.create(
        stream=stream,
        year=year,
        total_pence=total_pence,
        weights=res.weights,
        base_pence=base_pence,
        floor_pence=floor_pence,
        phasing=[[label, p] for label, p in phasing],
        period_from=period_from,
        period_to=period_to,
        inputs=inputs,
        sources=sources or {},
        result=result,
        created_by=_actor(actor),
    )
    record(
        actor=actor,
        verb="create",
        obj=a,
        partnership=stream.partnership,
        after=snapshot(a),
        summary=f"Allocated {pounds(total_pence)} of {stream.name} {year_label(year)} by formula",
    )
    return a


# Spend plans --------------------------------------------------------------------------------


def plan_get_or_create(*, actor: Any, stream: FundingStream, year: int) -> SpendPlan:
    plan = SpendPlan.objects.filter(stream=stream, year=year).first()
    if plan is not None:
        return plan
    plan = SpendPlan.objects.create(stream=stream, year=year)
    record(
        actor=actor,
        verb="create",
        obj=plan,
        partnership=stream.partnership,
        after=snapshot(plan),
        summary=f"Spend plan {year_label(year)} for {stream.name}",
    )
    return plan


def _check_links(plan: SpendPlan, priority: Priority | None, actions: Sequence[Action]) -> None:
    pid = plan.stream.partnership_id
    if priority is not None and priority.partnership_id != pid:
        raise ValidationError({"priority": "Choose one of the partnership's priorities"})
    if any(a.priority.partnership_id != pid for a in actions):
        raise ValidationError({"actions": "Choose actions from the partnership's work plan"})


@transaction.atomic
def line_add(
    *,
    actor: Any,
    stream: FundingStream,
    year: int,
    project: str,
    quarters_pence: Sequence[int],
    provider: str = "",
    priority: Priority | None = None,
    actions: Sequence[Action] = (),
    vat: str = Vat.NOT_APPLICABLE,
    outputs: str = "",
    outcomes: str = "",
) -> SpendLine:
    """A line of the year's spend plan: a project, its provider, the priority and actions it
    serves, its amount by quarter and the outputs and outcomes it promises."""
    _check_vat(vat)
    if stream.is_archived:
        raise ValidationError("The funding stream is archived: restore it first")
    q = [int(x) for x in quarters_pence]
    if len(q) != 4 or any(x < 0 for x in q):
        raise ValidationError({"q1": "Each quarter's amount must be £0.00 or more"})
    if sum(q) == 0:
        raise ValidationError({"q1": "Enter the amount planned in at least one quarter"})
    plan = plan_get_or_create(actor=actor, stream=stream, year=year)
    _check_links(plan, priority, actions)
    x = SpendLine(
        plan=plan,
        project=project,
        provider=provider,
        priority=priority,
        q1_pence=q[0],
        q2_pence=q[1],
        q3_pence=q[2],
        q4_pence=q[3],
        vat=vat,
        outputs=outputs,
        outcomes=outcomes,
        created_by=_actor(actor),
    )
    x.full_clean(exclude=["plan"])
    x.save()
    x.actions.set(actions)
    after = snapshot(x)
    after["actions"] = [a.pk for a in actions]
    record(
        actor=actor,
        verb="create",
        obj=x,
        partnership=stream.partnership,
        after=after,
        summary=f"Spend line {project}: {pounds(sum(q))} in {year_label(year)}",
    )
    return x


@transaction.atomic
def line_archive(*, actor: Any, line: SpendLine, archive: bool = True) -> SpendLine:
    set_archived(actor=actor, obj=line, partnership=line.plan.stream.partnership,
                 archived=archive, summary=f"Spend line {line.project}")  # fmt: skip
    return line


@transaction.atomic
def plan_approve(
    *, actor: Any, plan: SpendPlan, resolution: Resolution, approved_on: dt.date | None = None
) -> SpendPlan:
    """Records that a board approved the spend plan, against the minuted resolution."""
    if (
        resolution.kind != Resolution.Kind.APPROVED
        or resolution.item.meeting.partnership_id != plan.stream.partnership_id
    ):
        raise ValidationError(
            {"resolution": "Choose one of the partnership's resolutions of type approved"}
        )
    before = snapshot(plan)
    plan.approved_resolution = resolution
    plan.approved_on = approved_on or resolution.item.meeting.held_on
    plan.approved_by = _actor(actor)
    plan.save()
    record(
        actor=actor,
        verb="approve",
        obj=plan,
        partnership=plan.stream.partnership,
        before=before,
        after=snapshot(plan),
        summary=f"{plan} approved on {plan.approved_on:%d %B %Y}",
    )
    return plan


# Money in and out -------------------------------------------------------------------------------


@transaction.atomic
def entry_record(
    *,
    actor: Any,
    stream: FundingStream,
    kind: str,
    occurred_on: dt.date,
    amount_pence: int,
    line: SpendLine | None = None,
    vat: str = Vat.NOT_APPLICABLE,
    reference: str = "",
    note: str = "",
) -> Entry:
    """Money received from the grantor, or committed, claimed or spent against a plan line.
    The financial year and quarter come from the date."""
    _check_vat(vat)
    if stream.is_archived:
        raise ValidationError("The funding stream is archived: restore it first")
    if kind not in Entry.Kind.values:
        raise ValidationError({"kind": "Choose what kind of money this is"})
    if amount_pence <= 0:
        raise ValidationError({"amount": "The amount must be more than £0.00"})
    year, quarter = quarter_of(occurred_on)
    if kind == Entry.Kind.RECEIVED:
        line = None
    else:
        if line is None:
            raise ValidationError({"line": "Choose the spend plan line it is for"})
        if line.plan.stream_id != stream.pk:
            raise ValidationError({"line": "Choose a line of this stream's spend plan"})
        if line.is_archived:
            raise ValidationError({"line": "The line is archived: restore it first"})
        if line.plan.year != year:
            raise ValidationError(
                {
                    "occurred_on": f"The line is in the {year_label(line.plan.year)} plan: "
                    f"the date must be between 1 April {line.plan.year} and 31 March "
                    f"{line.plan.year + 1}"
                }
            )
    e = Entry(
        stream=stream,
        line=line,
        kind=kind,
        occurred_on=occurred_on,
        year=year,
        quarter=quarter,
        amount_pence=amount_pence,
        vat=vat,
        reference=reference,
        note=note,
        created_by=_actor(actor),
    )
    e.full_clean()
    e.save()
    record(
        actor=actor,
        verb="create",
        obj=e,
        partnership=stream.partnership,
        after=snapshot(e),
        summary=f"{e}" + (f" for {line.project}" if line else ""),
    )
    return e


@transaction.atomic
def entry_archive(*, actor: Any, entry: Entry, archive: bool = True) -> Entry:
    """An entry made in error is archived (it stays in the audit log), never deleted."""
    set_archived(actor=actor, obj=entry, partnership=entry.stream.partnership, archived=archive,
                 summary=str(entry))  # fmt: skip
    return entry


@transaction.atomic
def decision_record(
    *,
    actor: Any,
    stream: FundingStream,
    year: int,
    kind: str,
    amount_pence: int,
    decided_on: dt.date,
    reason: str,
    resolution: Resolution | None = None,
) -> Decision:
    """A carry-forward of unspent money into the next year, or a clawback by the grantor."""
    if kind not in Decision.Kind.values:
        raise ValidationError({"kind": "Choose carry forward or clawback"})
    if amount_pence <= 0:
        raise ValidationError({"amount": "The amount must be more than £0.00"})
    if resolution is not None and (resolution.item.meeting.partnership_id != stream.partnership_id):
        raise ValidationError({"resolution": "Choose one of the partnership's resolutions"})
    pos = selectors.position(stream, year, decided_on)
    if amount_pence > pos.unspent_pence:
        raise ValidationError(
            {"amount": f"Only {pounds(pos.unspent_pence)} of {year_label(year)}'s money is unspent"}
        )
    d = Decision.objects.create(
        stream=stream,
        year=year,
        kind=kind,
        amount_pence=amount_pence,
        decided_on=decided_on,
        reason=reason,
        resolution=resolution,
        created_by=_actor(actor),
    )
    record(
        actor=actor,
        verb="create",
        obj=d,
        partnership=stream.partnership,
        after=snapshot(d),
        summary=str(d),
    )
    return d


# Returns and evaluation -------------------------------------------------------------------------


def return_figures(pos: selectors.Position, quarter: int) -> dict[str, Any]:
    """The figures a return states, as stored with it (whole pence)."""
    return {
        "stream": pos.stream.name,
        "grantor": pos.stream.grantor,
        "year": pos.year,
        "quarter": quarter,
        "available_pence": pos.available_pence,
        "available_parts": [[label, p] for label, p in pos.available_parts],
        "received_pence": pos.received_pence,
        "lines": [
            {
                "project": v.line.project,
                "provider": v.line.provider,
                "priority": v.line.priority.title if v.line.priority else "",
                "vat": v.line.get_vat_display(),
                "planned_year_pence": v.planned_total,
                "planned_to_date_pence": sum(v.planned[:quarter]),
                "spent_quarter_pence": v.spent[quarter - 1],
                "spent_to_date_pence": sum(v.spent[:quarter]),
                "committed_pence": v.committed_total,
                "forecast_pence": v.forecast_pence,
                "outputs": v.line.outputs,
                "outcomes": v.line.outcomes,
            }
            for v in pos.lines
        ],
        "planned_to_date_pence": pos.planned_to(quarter),
        "spent_to_date_pence": pos.spent_to(quarter),
        "spent_quarter_pence": pos.spent_q[quarter - 1],
        "variance_to_date_pence": pos.variance_to(quarter),
        "forecast_pence": pos.forecast_pence,
        "forecast_unspent_pence": pos.forecast_unspent_pence,
        "approved": (
            f"{pos.plan.approved_resolution.item.meeting.title}, "
            f"{pos.plan.approved_on:%-d %B %Y}, item {pos.plan.approved_resolution.item.number} "
            f"{pos.plan.approved_resolution.letter})"
            if pos.plan and pos.plan.approved_resolution
            else ""
        ),
    }


@transaction.atomic
def return_create(
    *,
    actor: Any,
    stream: FundingStream,
    year: int,
    quarter: int,
    narrative: str,
    outputs: str = "",
    outcomes: str = "",
    today: dt.date | None = None,
) -> GrantReturn:
    """The quarterly return to the grantor, made once the quarter has ended; its figures (to the
    quarter's end) are stored with it."""
    today = today or timezone.localdate()
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": "Choose a quarter"})
    end = quarter_end(year, quarter)
    if end >= today:
        raise ValidationError(
            {"quarter": f"Q{quarter} ends on {end:%-d %B %Y}: make its return after that"}
        )
    if GrantReturn.objects.filter(stream=stream, year=year, quarter=quarter).exists():
        raise ValidationError({"quarter": "The return for that quarter has already been made"})
    pos = selectors.position(stream, year, end + dt.timedelta(days=1))
    r = GrantReturn.objects.create(
        stream=stream,
        year=year,
        quarter=quarter,
        narrative=narrative,
        outputs=outputs,
        outcomes=outcomes,
        figures=return_figures(pos, quarter),
        created_by=_actor(actor),
    )
    record(
        actor=actor,
        verb="create",
        obj=r,
        partnership=stream.partnership,
        after=snapshot(r, ["year", "quarter", "narrative"]),
        summary=str(r),
    )
    return r


@transaction.atomic
def evaluation_record(
    *,
    actor: Any,
    stream: FundingStream,
    year: int,
    outcome: str,
    summary: str,
    judged_on: dt.date,
    stage: PaymentStage | None = None,
) -> Evaluation:
    """The grantor's evaluation of the year. A favourable one (met or partly met) releases the
    instalment held back for evaluation, of the amount the payment schedule gives it."""
    if outcome not in Evaluation.Outcome.values:
        raise ValidationError({"outcome": "Choose the evaluation's outcome"})
    held = [st for st in stream.stages.all() if st.on_evaluation]
    if stage is None and held:
        stage = held[0]
    if stage is not None and stage.stream_id != stream.pk:
        raise ValidationError({"stage": "Choose one of the stream's instalments"})
    released = 0
    if stage is not None and outcome != Evaluation.Outcome.NOT_MET:
        if (
            Evaluation.objects.filter(stream=stream, year=year, stage=stage)
            .exclude(outcome=Evaluation.Outcome.NOT_MET)
            .exists()
        ):
            raise ValidationError({"outcome": "That instalment has already been released"})
        row = next(
            r
            for r, st in zip(selectors.schedule(stream, year), stream.stages.all(), strict=True)
            if st.pk == stage.pk
        )
        released = row.amount_pence
    ev = Evaluation.objects.create(
        stream=stream,
        year=year,
        stage=stage,
        outcome=outcome,
        summary=summary,
        judged_on=judged_on,
        released_pence=released,
        created_by=_actor(actor),
    )
    record(
        actor=actor,
        verb="create",
        obj=ev,
        partnership=stream.partnership,
        after=snapshot(ev),
        summary=f"{ev}" + (f": releases {pounds(released)}" if released else ""),
    )
    return ev
