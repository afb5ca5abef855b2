"""Grant money (saferplaces.web.funds): streams at Tamworth's Locality Deal Fund figures, a
county allocation by formula from the real warehouse, spend plans approved by a resolution,
money in and out with alerts on dated scenarios, carry-forward and clawback, the quarterly
return reopened as Word and XLSX, and the evaluation that releases the held-back 20%.

Real services throughout (no mocks of our own components)."""

from __future__ import annotations

import datetime as dt
import io
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.funds import returns, selectors, services
from saferplaces.web.funds.models import Decision, Entry, Evaluation, Vat
from saferplaces.web.funds.money import parse_pounds, pounds, quarter_of
from saferplaces.web.meetings import services as meeting_services
from saferplaces.web.partnerships import services as ps
from saferplaces.web.partnerships.models import PartnershipArea

pytestmark = pytest.mark.django_db
B = "/partnerships/borough/funds"
LDF = 6_139_400  # £61,394 a year, 2022/23 to 2024/25 (Tamworth CSP Plan 2023–26, the seed)
ASB_ONE_OFF = 1_000_000  # £10,000 in 2022/23 for ASB early intervention


@pytest.fixture
def ldf(world):
    return services.stream_create(
        actor=world.users["manager"],
        partnership=world.partnership,
        name="Locality Deal Fund",
        grantor="Office of the Staffordshire Commissioner",
        purpose="Community safety partnership projects against the plan's priorities",
        conditions="Spend overseen by the Community Safety Partnership Group",
        starts_on=dt.date(2022, 4, 1),
        ends_on=dt.date(2025, 3, 31),
        amounts=[
            (2022, LDF, ""),
            (2022, ASB_ONE_OFF, "One-off: ASB early intervention"),
            (2023, LDF, ""),
            (2024, LDF, ""),
        ],
        stages=[("Up front", 80, False), ("On evaluation", 20, True)],
    )


@pytest.fixture
def plan_line(world, ldf):
    """The 2023/24 plan: one line of £61,394 phased £10,000, £10,000, £20,000, £21,394."""
    return services.line_add(
        actor=world.users["manager"],
        stream=ldf,
        year=2023,
        project="Town centre ASB diversion",
        provider="Tamworth Borough Council",
        priority=world.priorities[0],
        actions=[world.actions[0]],
        quarters_pence=[1_000_000, 1_000_000, 2_000_000, 2_139_400],
        vat=Vat.NOT_APPLICABLE,
        outputs="40 young people on the diversion programme",
        outcomes="Fewer ASB reports in the town centre",
    )


def test_money_is_parsed_to_whole_pence_and_written_back():
    assert parse_pounds("£61,394.00") == 6_139_400
    assert parse_pounds("61394") == 6_139_400
    assert parse_pounds("1,250.5") == 125_050
    for bad in ("£61,394.001", "abc", "1e5", ""):
        with pytest.raises(ValueError, match="Amount must be an amount in pounds"):
            parse_pounds(bad)
    assert pounds(6_139_400) == "£61,394.00" and pounds(-5) == "−£0.05"
    assert quarter_of(dt.date(2024, 3, 31)) == (2023, 4)
    assert quarter_of(dt.date(2023, 4, 1)) == (2023, 1)


def test_stream_at_the_seed_figures_and_its_payment_schedule(world, ldf):
    assert selectors.years(ldf) == [2022, 2023, 2024]
    assert selectors.year_amount(ldf, 2022) == 7_139_400  # £61,394 + £10,000
    assert sum(selectors.year_amount(ldf, y) for y in (2022, 2023, 2024)) == 19_418_200
    rows = selectors.schedule(ldf, 2023)
    assert [(r.label, r.amount_pence, r.released) for r in rows] == [
        ("Up front", 4_911_520, True),
        ("On evaluation", 1_227_880, False),
    ]
    # 2022/23 with the one-off: £71,394 split 80/20 exactly.
    assert [r.amount_pence for r in selectors.schedule(ldf, 2022)] == [5_711_520, 1_427_880]
    events = AuditEvent.objects.filter(partnership=world.partnership, object_type="funding stream")
    assert events.count() == 1
    assert AuditEvent.objects.filter(object_type="stream amount").count() == 4


def _districts(world):
    """The county's eight districts, each with its CSP code (the borough is Tamworth)."""
    codes = {
        "Cannock Chase": "E22000263",
        "East Staffordshire": "E22000264",
        "Lichfield": "E22000265",
        "Newcastle-under-Lyme": "E22000266",
        "South Staffordshire": "E22000267",
        "Stafford": "E22000268",
        "Staffordshire Moorlands": "E22000269",
    }
    out = [world.partnership]
    for name, code in codes.items():
        d = ps.partnership_create(
            actor=None, name=name, slug=name.lower().replace(" ", "-"), county=world.county
        )
        ps.area_add(
            actor=None, partnership=d, code=code, name=name, level=PartnershipArea.Level.CSP
        )
        out.append(d)
    return out


def test_county_allocation_by_formula_from_the_warehouse(world, warehouse_file):
    _districts(world)
    county_mgr = world.users["superuser"]
    s = services.stream_create(
        actor=county_mgr,
        partnership=world.county,
        name="Commissioner's community safety fund",
        grantor="Office of the Staffordshire Commissioner",
        starts_on=dt.date(2025, 4, 1),
        ends_on=dt.date(2026, 3, 31),
        amounts=[(2025, 72_475_000, "")],
    )
    a = services.allocation_create(
        actor=county_mgr,
        stream=s,
        year=2025,
        total_pence=72_475_000,
        weights={"population": 50, "crime": 25, "asb": 25},
        period_from=dt.date(2025, 1, 1),
        period_to=dt.date(2025, 2, 1),
        floor_pence=3_000_000,
        phasing=[("Up front", 80), ("On evaluation", 20)],
    )
    by = {r["name"]: r["measures"] for r in a.inputs}
    # Tamworth (the borough): 78,653 residents; 923 crimes and 74 ASB incidents in January and
    # February 2025. Of 8 CSPs' 876,118 residents, 8,410 crimes and 1,055 ASB incidents, its
    # weighted share is 0.08986…, so £65,126.28 of £724,750.
    assert by["Borough Partnership"] == {"population": 78_653, "crime": 923, "asb": 74}
    amounts = {r["name"]: r["amount_pence"] for r in a.result}
    assert amounts["Borough Partnership"] == 6_512_628
    assert amounts["Stafford"] == 11_543_805
    # The inputs, read from the real data: Census 2021 residents, and January–February 2025's
    # street records (crime without ASB, and ASB) for each CSP.
    assert len(a.inputs) == 8
    assert a.sources["months_held"] == ["2025-01", "2025-02"]
    assert sum(r["amount_pence"] for r in a.result) == 72_475_000
    assert all(sum(r["phases"]) == r["amount_pence"] for r in a.result)
    # Each amount is the exact weighted share of the total, to within a penny (no floor bites).
    totals = {k: sum(m[k] for m in by.values()) for k in ("population", "crime", "asb")}
    for r in a.result:
        m = by[r["name"]]
        share = (
            Fraction(50 * m["population"], totals["population"])
            + Fraction(25 * m["crime"], totals["crime"])
            + Fraction(25 * m["asb"], totals["asb"])
        ) / 100
        assert abs(r["amount_pence"] - 72_475_000 * share) < 1
    # Reproducible: calculated again from the stored inputs, the same pence.
    again = selectors.recompute(a)
    assert [x.amount_pence for x in again.lines] == [r["amount_pence"] for r in a.result]
    # The page shows the calculation line by line, and each district sees its own line.
    c = Client()
    c.force_login(county_mgr)
    page = c.get(f"/partnerships/testshire/funds/{s.pk}/allocations/{a.pk}/").content.decode()
    assert "every amount matches" in page and "£724,750.00" in page
    mine = dict((al.stream.name, line) for al, line in selectors.allocation_for(world.partnership))
    assert mine["Commissioner's community safety fund"]["name"] == "Borough Partnership"


def test_allocation_refuses_a_floor_it_cannot_meet(world, warehouse_file):
    _districts(world)
    s = services.stream_create(
        actor=None,
        partnership=world.county,
        name="Small fund",
        grantor="Commissioner",
        starts_on=dt.date(2025, 4, 1),
        ends_on=dt.date(2026, 3, 31),
    )
    with pytest.raises(ValidationError, match="floor"):
        services.allocation_create(
            actor=None,
            stream=s,
            year=2025,
            total_pence=100_000,
            weights={"population": 1},
            period_from=dt.date(2025, 1, 1),
            period_to=dt.date(2025, 2, 1),
            floor_pence=20_000,
        )


def _board_resolution(world):
    mgr = world.users["manager"]
    board = meeting_services.body_create(
        actor=mgr, partnership=world.partnership, name="Borough board", kind="board"
    )
    m = meeting_services.meeting_create(
        actor=mgr, body=board, starts_at=dt.datetime(2023, 3, 23, 18, tzinfo=dt.UTC)
    )
    item = meeting_services.item_add(actor=mgr, meeting=m, title="Locality Deal Fund plan")
    return meeting_services.resolution_add(
        actor=mgr, item=item, text="the Locality Deal Fund plan be approved", kind="approved"
    )


def test_spend_plan_approved_against_a_resolution(world, ldf, plan_line):
    res = _board_resolution(world)
    plan = plan_line.plan
    services.plan_approve(actor=world.users["manager"], plan=plan, resolution=res)
    plan.refresh_from_db()
    assert plan.approved_resolution == res and plan.approved_on == dt.date(2023, 3, 23)
    noted = meeting_services.resolution_add(
        actor=None, item=res.item, text="the report be noted", kind="noted"
    )
    with pytest.raises(ValidationError):
        services.plan_approve(actor=None, plan=plan, resolution=noted)
    assert plan_line.total_pence == LDF
    assert list(plan_line.actions.all()) == [world.actions[0]]


def test_alerts_on_dated_scenarios(world, ldf, plan_line):
    mgr = world.users["manager"]
    services.entry_record(
        actor=mgr, stream=ldf, kind="received", occurred_on=dt.date(2023, 4, 20),
        amount_pence=4_911_520,
    )  # fmt: skip
    services.entry_record(
        actor=mgr, stream=ldf, kind="spent", occurred_on=dt.date(2023, 6, 15),
        amount_pence=600_000, line=plan_line, reference="INV-1",
    )  # fmt: skip

    # 10 July 2023: Q1 has ended, its return is due on 30 July; £6,000 spent against £10,000.
    pos = selectors.position(ldf, 2023, dt.date(2023, 7, 10))
    assert (pos.available_pence, pos.received_pence, pos.spent_total) == (LDF, 4_911_520, 600_000)
    assert pos.balance_pence == 4_311_520
    assert pos.variance_to(1) == -400_000
    assert pos.forecast_pence == 5_739_400 and pos.forecast_unspent_pence == 400_000
    texts = [a.text for a in pos.alerts]
    assert any(
        "due to Office of the Staffordshire Commissioner on 30 July 2023 (20 days)" in t
        for t in texts
    )
    assert any(
        t.startswith("Underspend: £6,000.00 spent to 30 June 2023 against a plan of £10,000.00")
        for t in texts
    )
    assert any(t.startswith("£4,000.00 is forecast unspent at 31 March 2024") for t in texts)

    # 1 August 2023: the return is late.
    late = [a.text for a in selectors.position(ldf, 2023, dt.date(2023, 8, 1)).alerts]
    assert any(
        "was due to Office of the Staffordshire Commissioner on 30 July 2023 and has not been made"
        in t
        for t in late
    )

    # Before Q1 ends there is nothing to return and nothing to compare yet.
    early = selectors.position(ldf, 2023, dt.date(2023, 6, 20))
    assert not any("return" in a.text or "Underspend" in a.text for a in early.alerts)

    # Once the return is made, its reminders stop.
    services.return_create(
        actor=mgr, stream=ldf, year=2023, quarter=1, narrative="Recruitment took longer.",
        today=dt.date(2023, 7, 12),
    )  # fmt: skip
    after = [a.text for a in selectors.position(ldf, 2023, dt.date(2023, 8, 1)).alerts]
    assert not any("return for Q1" in t or "Underspend" in t for t in after)

    # Committing beyond a line's budget is flagged at once.
    services.entry_record(
        actor=mgr, stream=ldf, kind="committed", occurred_on=dt.date(2023, 8, 2),
        amount_pence=6_500_000, line=plan_line,
    )  # fmt: skip
    over = [a.text for a in selectors.position(ldf, 2023, dt.date(2023, 8, 3)).alerts]
    assert any("overspend of £3,606.00" in t for t in over)


def test_overspend_in_the_quarter_is_flagged(world, ldf, plan_line):
    services.entry_record(
        actor=None, stream=ldf, kind="spent", occurred_on=dt.date(2023, 5, 1),
        amount_pence=1_150_000, line=plan_line,
    )  # fmt: skip
    texts = [a.text for a in selectors.position(ldf, 2023, dt.date(2023, 7, 3)).alerts]
    assert any(t.startswith("Overspend: £11,500.00 spent to 30 June 2023") for t in texts)


def test_entries_are_checked_and_archived_not_deleted(world, ldf, plan_line):
    with pytest.raises(ValidationError, match="2023/24 plan"):
        services.entry_record(
            actor=None, stream=ldf, kind="spent", occurred_on=dt.date(2024, 4, 2),
            amount_pence=100, line=plan_line,
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.entry_record(
            actor=None, stream=ldf, kind="spent", occurred_on=dt.date(2023, 5, 2), amount_pence=100
        )
    e = services.entry_record(
        actor=None, stream=ldf, kind="spent", occurred_on=dt.date(2023, 5, 2),
        amount_pence=250_000, line=plan_line, vat=Vat.INCLUSIVE,
    )  # fmt: skip
    assert (e.year, e.quarter) == (2023, 1)
    services.entry_archive(actor=world.users["manager"], entry=e)
    assert Entry.objects.filter(pk=e.pk).exists()
    assert selectors.position(ldf, 2023, dt.date(2023, 5, 3)).spent_total == 0
    assert AuditEvent.objects.filter(verb="archived", object_id=str(e.pk)).count() == 1


def test_carry_forward_and_clawback_are_decisions(world, ldf, plan_line):
    res = _board_resolution(world)
    services.decision_record(
        actor=world.users["manager"], stream=ldf, year=2023, kind=Decision.Kind.CARRY_FORWARD,
        amount_pence=400_000, decided_on=dt.date(2024, 3, 20), resolution=res,
        reason="Q1 underspend carried into 2024/25 with the Commissioner's agreement",
    )  # fmt: skip
    assert selectors.available(ldf, 2023)[0] == LDF - 400_000
    assert selectors.available(ldf, 2024)[0] == LDF + 400_000
    services.decision_record(
        actor=None, stream=ldf, year=2022, kind=Decision.Kind.CLAWBACK, amount_pence=150_000,
        decided_on=dt.date(2023, 5, 1), reason="ASB early intervention underspend not reported in time",
    )  # fmt: skip
    assert selectors.available(ldf, 2022)[0] == LDF + ASB_ONE_OFF - 150_000
    with pytest.raises(ValidationError, match="unspent"):
        services.decision_record(
            actor=None, stream=ldf, year=2023, kind=Decision.Kind.CLAWBACK,
            amount_pence=LDF, decided_on=dt.date(2024, 3, 21), reason="too much",
        )  # fmt: skip
    # A decision stops the forecast-unspent reminder for that year.
    pos = selectors.position(ldf, 2023, dt.date(2023, 7, 10))
    assert not any("forecast unspent" in a.text for a in pos.alerts)


def test_return_documents_reopened_and_checked(world, ldf, plan_line):
    from docx import Document
    from openpyxl import load_workbook

    res = _board_resolution(world)
    services.plan_approve(actor=None, plan=plan_line.plan, resolution=res)
    services.entry_record(
        actor=None, stream=ldf, kind="received", occurred_on=dt.date(2023, 4, 20),
        amount_pence=4_911_520,
    )  # fmt: skip
    services.entry_record(
        actor=None, stream=ldf, kind="spent", occurred_on=dt.date(2023, 6, 15),
        amount_pence=600_000, line=plan_line,
    )  # fmt: skip
    services.entry_record(
        actor=None,
        stream=ldf,
        kind="spent",
        occurred_on=dt.date(2023, 7, 15),
        amount_pence=999_999,
        line=plan_line,
    )  # fmt: skip  (Q2: not in the Q1 return)
    r = services.return_create(
        actor=world.users["manager"], stream=ldf, year=2023, quarter=1,
        narrative="Recruitment of the diversion worker took longer than planned.",
        outputs="12 young people referred", today=dt.date(2023, 7, 12),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="already"):
        services.return_create(
            actor=None, stream=ldf, year=2023, quarter=1, narrative="again",
            today=dt.date(2023, 7, 12),
        )  # fmt: skip
    with pytest.raises(ValidationError, match="after that"):
        services.return_create(
            actor=None, stream=ldf, year=2023, quarter=2, narrative="early",
            today=dt.date(2023, 7, 12),
        )  # fmt: skip

    doc = Document(io.BytesIO(returns.render_docx(r)))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    assert "Locality Deal Fund: return for Q1 2023/24 (April to June 2023)" in text
    assert "£61,394.00" in text and "£6,000.00" in text and "£49,115.20" in text
    assert "−£4,000.00" in text  # variance to date
    assert "Recruitment of the diversion worker" in text
    assert "40 young people on the diversion programme" in text
    assert "approved at Borough board" in text

    wb = load_workbook(io.BytesIO(returns.render_xlsx(r)))
    ws = wb.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Project" and rows[0][7] == "Spent to date (£)"
    line = rows[1]
    assert line[0] == "Town centre ASB diversion"
    assert (line[4], line[5], line[6], line[7]) == (61394, 10000, 6000, 6000)
    assert rows[2][0] == "Total" and rows[2][7] == 6000
    # The page shows the same, and the files download.
    c = Client()
    c.force_login(world.users["scrutiny"])
    page = c.get(f"{B}/{ldf.pk}/returns/{r.pk}/").content.decode()
    assert "£6,000.00" in page
    got = c.get(f"{B}/{ldf.pk}/returns/{r.pk}/return.xlsx")
    assert got.status_code == 200 and got.content[:2] == b"PK"


def test_evaluation_releases_the_held_back_payment(world, ldf):
    ev = services.evaluation_record(
        actor=world.users["manager"], stream=ldf, year=2023, outcome=Evaluation.Outcome.MET,
        summary="Outcomes met", judged_on=dt.date(2024, 5, 1),
    )  # fmt: skip
    assert ev.released_pence == 1_227_880  # 20% of £61,394
    assert all(r.released for r in selectors.schedule(ldf, 2023))
    with pytest.raises(ValidationError, match="already been released"):
        services.evaluation_record(
            actor=None, stream=ldf, year=2023, outcome="met", summary="again",
            judged_on=dt.date(2024, 5, 2),
        )  # fmt: skip
    not_met = services.evaluation_record(
        actor=None, stream=ldf, year=2024, outcome="not_met", summary="Not reported in time",
        judged_on=dt.date(2025, 5, 1),
    )  # fmt: skip
    assert not_met.released_pence == 0
    assert not selectors.schedule(ldf, 2024)[1].released


def test_pages_and_forms(world, ldf, plan_line):
    c = Client()
    c.force_login(world.users["lead_officer"])
    home = c.get(f"{B}/").content.decode()
    assert "Locality Deal Fund" in home
    page = c.get(f"{B}/{ldf.pk}/?year=2023").content.decode()
    assert "Town centre ASB diversion" in page and "£61,394.00" in page
    r = c.post(
        f"{B}/{ldf.pk}/lines/new/?year=2023",
        {"project": "Street marshals", "q1": "", "q2": "1,500.00", "q3": "£500", "q4": "0",
         "vat": "exclusive", "provider": "", "priority": "", "outputs": "", "outcomes": ""},
    )  # fmt: skip
    assert r.status_code == 302
    line = plan_line.plan.lines.get(project="Street marshals")
    assert line.quarters_pence == [0, 150_000, 50_000, 0] and line.vat == "exclusive"
    bad = c.post(
        f"{B}/{ldf.pk}/lines/new/?year=2023", {"project": "X", "q1": "12.345", "vat": "exclusive"}
    )
    assert "Q1 (April to June) must be an amount in pounds" in bad.content.decode()
    r = c.post(
        f"{B}/{ldf.pk}/entries/new/",
        {"kind": "spent", "line": str(line.pk), "occurred_on_0": "3", "occurred_on_1": "8",
         "occurred_on_2": "2023", "amount": "1,499.99", "vat": "exclusive"},
    )  # fmt: skip
    assert r.status_code == 302
    assert Entry.objects.get(line=line).amount_pence == 149_999


def test_demo_has_tamworths_fund_and_the_county_allocation(warehouse_file):
    from saferplaces.web import demo
    from saferplaces.web.funds.models import Allocation, FundingStream

    demo.load()
    ldf = FundingStream.objects.get(partnership__slug="tamworth", name="Locality Deal Fund")
    assert [(a.year, a.amount_pence) for a in ldf.amounts.all()] == [
        (2022, 6_139_400), (2022, 1_000_000), (2023, 6_139_400), (2024, 6_139_400)
    ]  # fmt: skip
    pos = selectors.position(ldf, 2024, dt.date(2025, 5, 1))
    assert pos.planned_total == 6_139_400
    assert pos.available_pence == 6_139_400 + 250_000  # with the carry-forward from 2023/24
    assert pos.plan.approved_resolution is not None
    assert pos.spent_total == 3_280_000
    texts = [a.text for a in pos.alerts]
    assert any("return for Q4 2024/25 was due" in t for t in texts)
    a = Allocation.objects.get(stream__partnership__slug="staffordshire")
    assert len(a.result) == 8 and sum(r["amount_pence"] for r in a.result) == 72_475_000
    assert a.weights == {"population": 50, "crime": 25, "asb": 25}
    tamworth = next(r for r in a.inputs if r["key"] == "tamworth")
    assert tamworth["measures"] == {"population": 78_653, "crime": 923, "asb": 74}


def test_allocation_form_with_weights_floor_and_phasing(world, warehouse_file):
    from saferplaces.web.funds.models import Allocation

    _districts(world)
    s = services.stream_create(
        actor=None, partnership=world.county, name="County fund", grantor="Commissioner",
        starts_on=dt.date(2025, 4, 1), ends_on=dt.date(2026, 3, 31),
        amounts=[(2025, 10_000_000, "")],
    )  # fmt: skip
    c = Client()
    c.force_login(world.users["superuser"])
    url = f"/partnerships/testshire/funds/{s.pk}/allocations/new/"
    form = {
        "year": "2025", "total": "£100,000.00", "weight_population": "60", "weight_crime": "40",
        "weight_asb": "0", "base": "", "floor": "12,000", "period_from_0": "1",
        "period_from_1": "1", "period_from_2": "2025", "period_to_0": "1", "period_to_1": "2",
        "period_to_2": "2025", "phasing": "Q1 25; Q2 25; Q3 25; Q4 25",
    }  # fmt: skip
    bad = c.post(url, {**form, "phasing": "Up front eighty"}).content.decode()
    assert "Write each part as a name and a whole number" in bad
    r = c.post(url, form)
    assert r.status_code == 302
    a = Allocation.objects.get(stream=s)
    assert a.weights == {"population": 60, "crime": 40} and a.floor_pence == 1_200_000
    assert sum(r["amount_pence"] for r in a.result) == 10_000_000
    # The smallest district (Tamworth, the borough) is lifted to the £12,000 floor.
    tam = next(r for r in a.result if r["name"] == "Borough Partnership")
    assert tam["at_floor"] and tam["amount_pence"] == 1_200_000 and tam["phases"] == [300_000] * 4
    page = c.get(r.url).content.decode()
    assert "Floor" in page and "every amount matches" in page and "£100,000.00" in page


def test_a_stream_is_archived_and_restored_not_deleted(world, ldf, plan_line):
    c = Client()
    c.force_login(world.users["manager"])
    assert c.post(f"{B}/{ldf.pk}/archive/").status_code == 302
    ldf.refresh_from_db()
    assert ldf.is_archived
    assert "Archived streams" in c.get(f"{B}/").content.decode()
    with pytest.raises(ValidationError, match="archived"):
        services.entry_record(
            actor=None, stream=ldf, kind="received", occurred_on=dt.date(2023, 5, 1),
            amount_pence=100,
        )  # fmt: skip
    c.post(f"{B}/{ldf.pk}/archive/", {"restore": "1"})
    ldf.refresh_from_db()
    assert not ldf.is_archived
    verbs = list(
        AuditEvent.objects.filter(object_type="funding stream").values_list("verb", flat=True)
    )
    assert verbs.count("archived") == 1 and verbs.count("restored") == 1


def test_the_board_pack_shows_each_funds_position_and_alerts(world, ldf, plan_line):
    """The pack (PDF and Word) carries each current stream's year: what is available, planned,
    spent and forecast unspent, and the alerts — the same selector as the funds page."""
    from docx import Document
    from pdfminer.high_level import extract_text

    from saferplaces.web import pack

    # As at 5 December 2026 the stream has ended; its latest year (2024/25) is shown, with
    # nothing planned or spent: £61,394.00 available and all of it forecast unspent.
    (pos,) = selectors.pack_positions(world.partnership, dt.date(2026, 12, 5))
    assert (pos.year, pos.available_pence, pos.planned_total) == (2024, LDF, 0)
    c = Client()
    c.force_login(world.users["scrutiny"])
    pdf = c.get("/partnerships/borough/pack/download.pdf").content
    text = " ".join(extract_text(io.BytesIO(pdf)).split())  # table cells wrap
    assert "Grant money" in text and "Locality Deal Fund (Office of the Staffordshire" in text
    assert "£61,394.00" in text
    assert "Statutory reviews" in text and "ASB Case Review" in text
    doc = Document(io.BytesIO(pack.render_docx(world.partnership)))
    cells = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    money = next(r for r in cells if r[0].startswith("Locality Deal Fund"))
    assert money[2] == "£61,394.00" and money[5] == pos_unspent(pos)
    reviews = [r for r in cells if "Review" in r[0]]
    assert len(reviews) == 2 and all(r[1:] == ["0", "0", "0"] for r in reviews)


def pos_unspent(pos) -> str:
    return pounds(pos.forecast_unspent_pence)
