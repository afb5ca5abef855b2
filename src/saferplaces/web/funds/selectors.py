"""Reads for grant money: streams, the year's position (plan, commitments, claims, spend,
balances, forecast, variance), alerts before a return is due, and the formula's inputs.

All sums are whole pence. The formula's inputs come from the warehouse through the workspace's
existing readers (``web.integrations``): population from the reference data the warehouse holds,
police-recorded crime and anti-social behaviour counted over a stated period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from saferplaces.analysis.allocation import Recipient, allocate, split
from saferplaces.web import integrations
from saferplaces.web.funds.models import (
    Allocation,
    Decision,
    Entry,
    Evaluation,
    FundingStream,
    GrantReturn,
    SpendLine,
    SpendPlan,
)
from saferplaces.web.funds.money import (
    pounds,
    quarter_end,
    quarter_of,
    year_label,
)
from saferplaces.web.partnerships.models import Partnership

# The measures a formula can use, in the order they are shown.
MEASURES: dict[str, str] = {
    "population": "Residents (Census 2021)",
    "crime": "Police-recorded crime (excluding anti-social behaviour)",
    "asb": "Anti-social behaviour incidents",
}


def streams(partnership: Partnership, *, include_archived: bool = False) -> QuerySet:
    qs = FundingStream.objects.filter(partnership=partnership).prefetch_related("amounts")
    return qs if include_archived else qs.filter(archived_at__isnull=True)


def stream(partnership: Partnership, pk: int) -> FundingStream:
    s = FundingStream.objects.filter(partnership=partnership, pk=pk).first()
    if s is None:
        raise Http404("No such funding stream")
    return s


def line(s: FundingStream, pk: int) -> SpendLine:
    x = SpendLine.objects.filter(plan__stream=s, pk=pk).select_related("plan").first()
    if x is None:
        raise Http404("No such spend line")
    return x


def entry(s: FundingStream, pk: int) -> Entry:
    x = Entry.objects.filter(stream=s, pk=pk).first()
    if x is None:
        raise Http404("No such entry")
    return x


def allocation(s: FundingStream, pk: int) -> Allocation:
    x = Allocation.objects.filter(stream=s, pk=pk).first()
    if x is None:
        raise Http404("No such allocation")
    return x


def grant_return(s: FundingStream, pk: int) -> GrantReturn:
    x = GrantReturn.objects.filter(stream=s, pk=pk).first()
    if x is None:
        raise Http404("No such return")
    return x


def years(s: FundingStream) -> list[int]:
    return sorted({a.year for a in s.amounts.all()})


def year_amount(s: FundingStream, year: int) -> int:
    return int(s.amounts.filter(year=year).aggregate(t=Sum("amount_pence"))["t"] or 0)


def available(s: FundingStream, year: int) -> tuple[int, list[tuple[str, int]]]:
    """The money for the year and how it is made up: the grantor's amounts, plus what was carried
    forward from the year before, less what is carried on to the next year or clawed back."""
    parts = [(f"Awarded for {year_label(year)}", year_amount(s, year))]
    for d in Decision.objects.filter(stream=s, year__in=(year - 1, year)):
        if d.kind == Decision.Kind.CARRY_FORWARD and d.year == year - 1:
            parts.append((f"Carried forward from {year_label(d.year)}", d.amount_pence))
        elif d.kind == Decision.Kind.CARRY_FORWARD and d.year == year:
            parts.append((f"Carried forward to {year_label(year + 1)}", -d.amount_pence))
        elif d.kind == Decision.Kind.CLAWBACK and d.year == year:
            parts.append(("Clawed back by the grantor", -d.amount_pence))
    return sum(p for _, p in parts), parts


@dataclass
class ScheduleRow:
    label: str
    share_percent: int
    amount_pence: int
    on_evaluation: bool
    released: bool
    evaluation: Evaluation | None = None


def schedule(s: FundingStream, year: int) -> list[ScheduleRow]:
    """The year's award split by the payment schedule, in whole pence (largest remainder); an
    instalment held back for evaluation is released by a favourable evaluation."""
    stages = list(s.stages.all())
    if not stages:
        return []
    amounts = split(year_amount(s, year), [st.share_percent for st in stages])
    evals = {
        e.stage_id: e
        for e in Evaluation.objects.filter(stream=s, year=year).exclude(
            outcome=Evaluation.Outcome.NOT_MET
        )
    }
    return [
        ScheduleRow(
            st.label,
            st.share_percent,
            amt,
            st.on_evaluation,
            (not st.on_evaluation) or st.pk in evals,
            evals.get(st.pk),
        )
        for st, amt in zip(stages, amounts, strict=True)
    ]


@dataclass
class LineView:
    line: SpendLine
    planned: list[int]
    committed: list[int]
    claimed: list[int]
    spent: list[int]
    forecast_pence: int = 0
    exposure_pence: int = 0

    @property
    def by_quarter(self) -> list[tuple[int, int]]:
        """(planned, spent) for Q1 to Q4."""
        return list(zip(self.planned, self.spent, strict=True))

    @property
    def planned_total(self) -> int:
        return sum(self.planned)

    @property
    def spent_total(self) -> int:
        return sum(self.spent)

    @property
    def committed_total(self) -> int:
        return sum(self.committed)

    @property
    def claimed_total(self) -> int:
        return sum(self.claimed)


@dataclass
class Alert:
    level: str  # "important" (act now) or "warning"
    text: str


@dataclass
class Position:
    stream: FundingStream
    year: int
    as_of: dt.date
    plan: SpendPlan | None
    lines: list[LineView]
    available_pence: int
    available_parts: list[tuple[str, int]]
    received_pence: int
    closed_quarters: int  # quarters of the year ended by as_of
    planned_q: list[int] = field(default_factory=lambda: [0] * 4)
    committed_q: list[int] = field(default_factory=lambda: [0] * 4)
    claimed_q: list[int] = field(default_factory=lambda: [0] * 4)
    spent_q: list[int] = field(default_factory=lambda: [0] * 4)
    alerts: list[Alert] = field(default_factory=list)
    returns: dict[int, GrantReturn] = field(default_factory=dict)

    @property
    def planned_total(self) -> int:
        return sum(self.planned_q)

    @property
    def spent_total(self) -> int:
        return sum(self.spent_q)

    @property
    def committed_total(self) -> int:
        return sum(self.committed_q)

    @property
    def claimed_total(self) -> int:
        return sum(self.claimed_q)

    @property
    def balance_pence(self) -> int:
        """Money received from the grantor less money paid out."""
        return self.received_pence - self.spent_total

    @property
    def unspent_pence(self) -> int:
        """The year's money not yet paid out."""
        return self.available_pence - self.spent_total

    @property
    def forecast_pence(self) -> int:
        return sum(v.forecast_pence for v in self.lines)

    @property
    def forecast_unspent_pence(self) -> int:
        return self.available_pence - self.forecast_pence

    def planned_to(self, q: int) -> int:
        return sum(self.planned_q[:q])

    def spent_to(self, q: int) -> int:
        return sum(self.spent_q[:q])

    def variance_to(self, q: int) -> int:
        """Spend less plan to the end of quarter q: negative is an underspend."""
        return self.spent_to(q) - self.planned_to(q)

    def return_due(self, q: int) -> dt.date:
        return quarter_end(self.year, q) + dt.timedelta(days=self.stream.return_due_days)


def plan_for(s: FundingStream, year: int) -> SpendPlan | None:
    return SpendPlan.objects.filter(stream=s, year=year).first()


def position(s: FundingStream, year: int, as_of: dt.date | None = None) -> Position:
    """The year's money: plan, commitments, claims and spend by quarter for each line; what was
    received; the balance, forecast and variance; and the alerts as of a date.

    The forecast for a line is what it spent in quarters already ended and, for the quarters
    still to come, the larger of its plan and what it has spent so far in them."""
    as_of = as_of or timezone.localdate()
    plan = plan_for(s, year)
    total, parts = available(s, year)
    closed = sum(1 for q in range(1, 5) if quarter_end(year, q) < as_of)
    lines: list[LineView] = []
    by_line: dict[int, LineView] = {}
    if plan is not None:
        for x in plan.lines.filter(archived_at__isnull=True).select_related("priority"):
            v = LineView(x, x.quarters_pence, [0] * 4, [0] * 4, [0] * 4)
            lines.append(v)
            by_line[x.pk] = v
    received = 0
    pos = Position(s, year, as_of, plan, lines, total, parts, 0, closed)
    for e in Entry.objects.filter(stream=s, year=year, archived_at__isnull=True):
        if e.kind == Entry.Kind.RECEIVED:
            received += e.amount_pence
            continue
        v = by_line.get(e.line_id)
        if v is None:
            continue  # a line archived after its spend was recorded: read with the archive
        getattr(v, e.kind)[e.quarter - 1] += e.amount_pence
    pos.received_pence = received
    for v in lines:
        v.forecast_pence = sum(
            v.spent[q] if q < closed else max(v.planned[q], v.spent[q]) for q in range(4)
        )
        v.exposure_pence = max(v.committed_total, v.claimed_total, v.spent_total)
        for q in range(4):
            pos.planned_q[q] += v.planned[q]
            pos.committed_q[q] += v.committed[q]
            pos.claimed_q[q] += v.claimed[q]
            pos.spent_q[q] += v.spent[q]
    pos.returns = {r.quarter: r for r in GrantReturn.objects.filter(stream=s, year=year)}
    pos.alerts = alerts(pos)
    return pos


def alerts(pos: Position) -> list[Alert]:
    """What needs attention before the grantor's return is due: spend running below or above
    the plan by more than the stream's tolerance, lines committed beyond their budget, a plan
    larger than the money, money forecast unspent at the year's end, and returns due or late."""
    out: list[Alert] = []
    s, tol, today = pos.stream, pos.stream.tolerance_percent, pos.as_of
    if pos.planned_total > pos.available_pence:
        out.append(
            Alert(
                "important",
                f"The spend plan ({pounds(pos.planned_total)}) is more than the money available "
                f"for {year_label(pos.year)} ({pounds(pos.available_pence)}).",
            )
        )
    for v in pos.lines:
        if v.exposure_pence > v.planned_total:
            out.append(
                Alert(
                    "important",
                    f"{v.line.project}: {pounds(v.exposure_pence)} committed, claimed or spent "
                    f"against a budget of {pounds(v.planned_total)} (overspend of "
                    f"{pounds(v.exposure_pence - v.planned_total)}).",
                )
            )
    q = pos.closed_quarters
    if q and q not in pos.returns:
        due = pos.return_due(q)
        planned, spent = pos.planned_to(q), pos.spent_to(q)
        end = quarter_end(pos.year, q)
        if today > due:
            out.append(
                Alert(
                    "important",
                    f"The return for Q{q} {year_label(pos.year)} was due to {s.grantor} on "
                    f"{due:%-d %B %Y} and has not been made.",
                )
            )
        else:
            out.append(
                Alert(
                    "warning",
                    f"The return for Q{q} {year_label(pos.year)} is due to {s.grantor} on "
                    f"{due:%-d %B %Y} ({(due - today).days} days).",
                )
            )
        # Whole-number comparison: spent × 100 against planned × (100 ± tolerance).
        if planned and spent * 100 < planned * (100 - tol):
            out.append(
                Alert(
                    "important",
                    f"Underspend: {pounds(spent)} spent to {end:%-d %B %Y} against a plan of "
                    f"{pounds(planned)} ({pounds(planned - spent)} below, more than {tol}%). "
                    f"Explain it in the return due on {due:%-d %B %Y}, or change the plan.",
                )
            )
        elif spent * 100 > planned * (100 + tol):
            out.append(
                Alert(
                    "important",
                    f"Overspend: {pounds(spent)} spent to {end:%-d %B %Y} against a plan of "
                    f"{pounds(planned)} ({pounds(spent - planned)} above, more than {tol}%).",
                )
            )
    decided = Decision.objects.filter(stream=s, year=pos.year).exists()
    if pos.lines and pos.forecast_unspent_pence > 0 and not decided:
        out.append(
            Alert(
                "warning",
                f"{pounds(pos.forecast_unspent_pence)} is forecast unspent at 31 March "
                f"{pos.year + 1}: plan to spend it, or record a carry-forward agreed with "
                f"{s.grantor} before it is clawed back.",
            )
        )
    return out


def current_year(s: FundingStream, today: dt.date | None = None) -> int:
    """The financial year to show: today's if the stream has money for it, else its latest."""
    ys = years(s) or [quarter_of(today or timezone.localdate())[0]]
    y = quarter_of(today or timezone.localdate())[0]
    return y if y in ys else (max(ys) if y > max(ys) else min(ys))


# The formula's inputs ----------------------------------------------------------------------------


def recipients_for(s: FundingStream) -> list[Partnership]:
    """Who a county's stream is shared among: the districts whose link to it was accepted."""
    return list(
        Partnership.objects.filter(county=s.partnership).prefetch_related("areas").order_by("name")
    )


def formula_inputs(
    partnerships: list[Partnership], period_from: dt.date, period_to: dt.date
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Each partnership's population and its crime and anti-social behaviour counts for the
    months ``period_from``..``period_to`` (inclusive), read from the warehouse with the readers
    the indicators use; and a statement of the sources, the months held and the warehouse state.
    Raises WarehouseUnavailable when there is no warehouse."""
    start, end = period_from.replace(day=1), period_to.replace(day=1)
    con = integrations.connect()
    rows: list[dict[str, Any]] = []
    months: set[dt.date] = set()
    try:
        for p in partnerships:
            codes = [a.code for a in p.areas.all()]
            if not codes:
                raise ValueError(f"{p.name} has no warehouse area, so it has no figures")
            pop, crime, asb = integrations.area_counts(con, codes, start, end)
            months |= set(crime) | set(asb)
            rows.append(
                {
                    "key": p.slug,
                    "name": p.name,
                    "partnership_id": p.pk,
                    "codes": codes,
                    "measures": {
                        # Sums of whole counts, exact in the warehouse's doubles.
                        "population": int(pop or 0),
                        "crime": int(sum(crime.values())),
                        "asb": int(sum(asb.values())),
                    },
                }
            )
    finally:
        con.close()
    held = sorted(months)
    sources = {
        "population": "Census 2021 usual residents by LSOA (ONS), from the warehouse's reference data",
        "crime": "data.police.uk street-level crime, all categories except anti-social behaviour",
        "asb": "data.police.uk street-level anti-social behaviour incidents",
        "period": f"{start:%B %Y} to {end:%B %Y}",
        "months_held": [m.isoformat()[:7] for m in held],
        "warehouse": integrations.warehouse_stamp() or "",
    }
    return rows, sources


def recompute(a: Allocation):
    """The allocation calculated again from its stored inputs (the page checks it matches)."""
    return allocate(
        a.total_pence,
        [Recipient(r["key"], r["name"], r["measures"]) for r in a.inputs],
        a.weights,
        base_pence=a.base_pence,
        floor_pence=a.floor_pence,
        phasing=[(label, int(p)) for label, p in a.phasing],
    )


def allocation_for(partnership: Partnership) -> list[tuple[Allocation, dict[str, Any]]]:
    """Allocations made to this partnership by its county's streams (its line of each)."""
    out: list[tuple[Allocation, dict[str, Any]]] = []
    if partnership.county_id is None:
        return out
    for a in Allocation.objects.filter(
        stream__partnership_id=partnership.county_id,
        archived_at__isnull=True,
        stream__archived_at__isnull=True,
    ).select_related("stream"):
        for r in a.result:
            if r.get("partnership_id") == partnership.pk:
                out.append((a, r))
    return out


def pack_positions(partnership: Partnership, as_of: dt.date | None = None) -> list[Position]:
    """Each current stream's position in its current financial year, for the board pack: the
    money, what is planned, spent and forecast, and the alerts a board should hear about."""
    as_of = as_of or timezone.localdate()
    return [position(s, current_year(s, as_of), as_of) for s in streams(partnership)]
