"""Demo grant money: Tamworth's Locality Deal Fund at the figures in its Community Safety
Partnership Plan 2023–2026 (shared/seeds: "the Staffordshire Commissioners Office committed
£61,394 per year for CSP projects in 2022/23, 2023/24 and 2024/25 … A further £10,000 was
committed in 2022/23 for ASB Early Intervention … overseen by the Community Safety Partnership
Group"), and a county fund shared across the eight Staffordshire districts by a stated formula
from the warehouse's real data.

The seed's spend plan (its Appendix 5) is not public, so the 2024/25 lines, the spend, the
payment schedule and the county fund's total are ILLUSTRATIVE and say so.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from saferplaces.web import integrations
from saferplaces.web.funds import services
from saferplaces.web.funds.models import Decision, Vat
from saferplaces.web.meetings import services as meeting_services
from saferplaces.web.meetings.models import Body
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.plans.models import Priority

log = logging.getLogger(__name__)

LDF = 6_139_400
COMMISSIONER = "Office of the Staffordshire Commissioner"
ILLUSTRATIVE = "Illustrative: the plan's Appendix 5 is not public."
# (project, provider, priority title starts with, quarters in pence, VAT, outputs, outcomes)
LINES_2024: list[tuple[str, str, str, list[int], str, str, str]] = [
    (
        "Town centre ASB early intervention worker",
        "Tamworth Borough Council",
        "Anti-social behaviour",
        [500_000, 500_000, 500_000, 500_000],
        Vat.NOT_APPLICABLE,
        "60 young people engaged; 20 acceptable behaviour contracts",
        "Fewer repeat ASB reports in the town centre",
    ),
    (
        "Domestic abuse champions training",
        "Support Staffordshire",
        "Domestic abuse",
        [0, 350_000, 350_000, 0],
        Vat.EXCLUSIVE,
        "4 sessions; 40 champions trained across partners",
        "Earlier referrals to specialist support",
    ),
    (
        "CCTV maintenance in priority localities",
        "Tamworth Borough Council",
        "",
        [300_000, 300_000, 300_000, 339_400],
        Vat.INCLUSIVE,
        "12 cameras kept in service",
        "Evidence available for town centre incidents",
    ),
    (
        "Diversionary activities for young people",
        "Voluntary sector provider (commissioned)",
        "Anti-social behaviour",
        [350_000, 350_000, 350_000, 350_000],
        Vat.EXCLUSIVE,
        "Weekly evening sessions in two priority localities",
        "Fewer ASB reports involving young people",
    ),
    (
        "Community engagement and communications",
        "Tamworth Borough Council",
        "",
        [100_000, 150_000, 250_000, 300_000],
        Vat.NOT_APPLICABLE,
        "6 engagement events; quarterly newsletter",
        "Public confidence",
    ),
]


def _priority(p: Partnership, starts: str) -> Priority | None:
    if not starts:
        return None
    return Priority.objects.filter(partnership=p, title__istartswith=starts).first()


def _approval(tamworth: Partnership, people: dict[str, Any]) -> Any:
    """The board's minuted approval of the 2024/25 plan (a meeting in March 2024)."""
    board = Body.objects.filter(partnership=tamworth, kind=Body.Kind.BOARD).first()
    if board is None:
        return None
    starts = timezone.make_aware(dt.datetime(2024, 3, 21, 14, 0))
    m = meeting_services.meeting_create(actor=None, body=board, starts_at=starts)
    item = meeting_services.item_add(
        actor=None,
        meeting=m,
        title="Locality Deal Fund: spend plan 2024/25 (Appendix 5)",
        presenter="Community Safety Manager",
    )
    return meeting_services.resolution_add(
        actor=None,
        item=item,
        text="the Locality Deal Fund spend plan for 2024/25 be approved",
        kind="approved",
    )


def load(tamworth: Partnership, county: Partnership, people: dict[str, Any]) -> None:
    manager = people["manager:tamworth"]
    ldf = services.stream_create(
        actor=None,
        partnership=tamworth,
        name="Locality Deal Fund",
        grantor=COMMISSIONER,
        purpose="Community safety partnership projects against the plan's priorities "
        "(Tamworth CSP Plan 2023–2026, Resource Implications).",
        conditions="Spend overseen by the Community Safety Partnership Group; quarterly "
        "returns to the Commissioner. Payment schedule: " + ILLUSTRATIVE,
        starts_on=dt.date(2022, 4, 1),
        ends_on=dt.date(2025, 3, 31),
        amounts=[
            (2022, LDF, ""),
            (2022, 1_000_000, "One-off: ASB early intervention"),
            (2023, LDF, ""),
            (2024, LDF, ""),
        ],
        stages=[("Up front", 80, False), ("On evaluation", 20, True)],
    )
    lines = []
    for project, provider, pri, q, vat, outputs, outcomes in LINES_2024:
        lines.append(
            services.line_add(
                actor=manager,
                stream=ldf,
                year=2024,
                project=project,
                provider=provider,
                priority=_priority(tamworth, pri),
                quarters_pence=q,
                vat=vat,
                outputs=outputs,
                outcomes=f"{outcomes}. {ILLUSTRATIVE}",
            )
        )
    res = _approval(tamworth, people)
    if res is not None:
        services.plan_approve(actor=manager, plan=lines[0].plan, resolution=res)
    services.entry_record(
        actor=manager, stream=ldf, kind="received", occurred_on=dt.date(2024, 4, 26),
        amount_pence=4_911_520, reference="80% up front",
    )  # fmt: skip
    # Spend by quarter (illustrative): the worker in post from May; training slipped a quarter.
    spend = [
        (0, dt.date(2024, 6, 28), 300_000, "Payroll Q1"),
        (0, dt.date(2024, 9, 27), 450_000, "Payroll Q2"),
        (0, dt.date(2024, 12, 20), 450_000, "Payroll Q3"),
        (2, dt.date(2024, 6, 14), 300_000, "INV-3021"),
        (2, dt.date(2024, 9, 13), 300_000, "INV-3188"),
        (2, dt.date(2024, 12, 13), 300_000, "INV-3342"),
        (4, dt.date(2024, 6, 30), 80_000, "Events Q1"),
        (4, dt.date(2024, 9, 30), 150_000, "Events Q2"),
        (3, dt.date(2024, 9, 26), 600_000, "Sessions April to September"),
        (1, dt.date(2024, 11, 29), 350_000, "Training sessions 1 and 2"),
    ]
    services.entry_record(
        actor=manager, stream=ldf, kind="committed", occurred_on=dt.date(2024, 7, 1),
        amount_pence=700_000, line=lines[1], reference="PO-7781", vat=Vat.EXCLUSIVE,
    )  # fmt: skip
    for i, day, pence, ref in spend:
        services.entry_record(
            actor=manager, stream=ldf, kind="spent", occurred_on=day, amount_pence=pence,
            line=lines[i], reference=ref, vat=lines[i].vat,
        )  # fmt: skip
    for q, made in ((1, dt.date(2024, 7, 25)), (2, dt.date(2024, 10, 24))):
        services.return_create(
            actor=manager,
            stream=ldf,
            year=2024,
            quarter=q,
            narrative="The early intervention worker started in May; the domestic abuse "
            "training moved to the autumn. " + ILLUSTRATIVE,
            outputs="Referrals and sessions as planned for the quarter (illustrative)",
            today=made,
        )
    services.evaluation_record(
        actor=None, stream=ldf, year=2023, outcome="met",
        summary="2023/24 outcomes reported and accepted. " + ILLUSTRATIVE,
        judged_on=dt.date(2024, 6, 3),
    )  # fmt: skip
    services.decision_record(
        actor=manager, stream=ldf, year=2023, kind=Decision.Kind.CARRY_FORWARD,
        amount_pence=250_000, decided_on=dt.date(2024, 3, 21), resolution=res,
        reason="Training underspend carried into 2024/25 with the Commissioner's agreement. "
        + ILLUSTRATIVE,
    )  # fmt: skip
    _county_allocation(county)


def _county_allocation(county: Partnership) -> None:
    """The county's fund shared across its eight districts by 50% residents, 25% crime and 25%
    anti-social behaviour over January to December 2025 (the months the demo loads)."""
    s = services.stream_create(
        actor=None,
        partnership=county,
        name="Commissioner's community safety fund (illustrative)",
        grantor=COMMISSIONER,
        purpose="Shared among the county's district partnerships by formula. The total is "
        "illustrative (the issue cites £724,750 shared among Staffordshire's CSPs in 2022).",
        starts_on=dt.date(2026, 4, 1),
        ends_on=dt.date(2027, 3, 31),
        amounts=[(2026, 72_475_000, "")],
        stages=[("Up front", 80, False), ("On evaluation", 20, True)],
    )
    try:
        services.allocation_create(
            actor=None,
            stream=s,
            year=2026,
            total_pence=72_475_000,
            weights={"population": 50, "crime": 25, "asb": 25},
            period_from=dt.date(2025, 1, 1),
            period_to=dt.date(2025, 12, 1),
            floor_pence=5_000_000,
            phasing=[("Up front", 80), ("On evaluation", 20)],
        )
    except (integrations.WarehouseUnavailable, ValidationError) as exc:
        log.warning("The demo county allocation was not made: %s", exc)
