"""Figures a councillor can rely on, in the workspace (issue 9): every figure with a reference
point, England and Wales only where every force is loaded, emerging themes by the engine's one
test, like-for-like baselines, plain-English changes, what police data cannot show, and
partner measures as indicators (issue 10).

The warehouse is built by the real loader from the real files: Staffordshire's (January–April
2024 and all of 2025) and the national December 2025 release (40 forces: the Metropolitan,
Greater Manchester, West Midlands and West Yorkshire forces are not in it). Crimes recorded
outside their own force area put records in all 43 force areas, so "43 force areas appear in
the records" is true while no month has every force loaded.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from saferplaces.analysis.emerging import emerging_issues
from saferplaces.analysis.peers import national_peers
from saferplaces.assessment import like_for_like
from saferplaces.assessment.peer_features import national_peer_table
from saferplaces.assessment.themes import coverage_for
from saferplaces.web import integrations, pack
from saferplaces.web.performance import selectors as perf_selectors
from saferplaces.web.performance import services as perf
from saferplaces.web.performance.models import Indicator, IndicatorValue
from saferplaces.web.plans import services as plan

pytestmark = pytest.mark.django_db
TAMWORTH, STAFFS_COUNTY = "E22000271", "E10000028"
ASB = "Anti-social behaviour"
B = "/partnerships/borough"
DEC, JAN = dt.date(2025, 12, 1), dt.date(2025, 1, 1)
EW_REASON = "England and Wales: not all forces are loaded for these months"
MEASURE = "demo-ae-assault-illustrative"


@pytest.fixture(scope="module")
def national(shared_data: Path, tmp_path_factory) -> Path:
    from saferplaces.warehouse.measures import load_demo_measure
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    path = tmp_path_factory.mktemp("national") / "warehouse.duckdb"
    con = connect(path)
    try:
        # Two loads: the national release repeats Staffordshire's and City of London's
        # December files, which the loader refuses to take twice in one call.
        for folder in ("staffordshire", "national-2025-12"):
            report = load_police(con, [shared_data / "police_uk" / folder])
            assert not report.failed, [r.error for r in report.failed]
    finally:
        con.close()
    load_demo_measure(path)
    return path


@pytest.fixture
def wh(national: Path, settings) -> Path:
    settings.SAFERPLACES_WAREHOUSE_PATH = national
    return national


def _raw(path: Path, sql: str, params: list | None = None):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _asb(world) -> Indicator:
    return next(i for i in world.indicators if i.name == "ASB incidents")


# --- findings, first as failing tests ---------------------------------------------------------


def test_count_indicators_carry_a_rate_and_the_county_beside_it(world, wh, client_for):
    perf.warehouse_sync(force=True)
    pop = _raw(wh, "SELECT population FROM areas WHERE level = 'csp' AND code = ?", [TAMWORTH])[0][
        0
    ]
    cpop = _raw(
        wh, "SELECT population FROM areas WHERE level = 'county' AND code = ?", [STAFFS_COUNTY]
    )[0][0]
    n = _raw(wh, "SELECT count(*) FROM crimes WHERE csp_code = ? AND category = ? AND month = ?",
             [TAMWORTH, ASB, DEC])[0][0]  # fmt: skip
    cn = _raw(wh, "SELECT count(*) FROM crimes JOIN ref_lad_county USING (lad_code) "
                  "WHERE cty_code = ? AND category = ? AND month = ?", [STAFFS_COUNTY, ASB, DEC])[0][0]  # fmt: skip
    latest = IndicatorValue.objects.get(indicator=_asb(world), period=DEC)
    assert latest.value == n > 0
    assert latest.rate == pytest.approx(n / pop * 1000, abs=1e-4)
    assert latest.reference_label == "Staffordshire (county)"
    assert latest.reference_value == pytest.approx(cn / cpop * 1000, abs=1e-4)

    c = client_for(world.users["scrutiny"])
    pages = {url: c.get(url).content.decode() for url in (f"{B}/", f"{B}/performance/")}
    pages["pack"] = pack.render_html(world.partnership)
    for url, html in pages.items():
        assert "None available" not in html, url
        assert f"{n / pop * 1000:,.2f} per 1,000 residents here" in html, url
        assert f"Staffordshire (county): {cn / cpop * 1000:,.2f} per 1,000" in html, url
        assert EW_REASON in html, url
    page = c.get(f"{B}/performance/{_asb(world).pk}/").content.decode()
    table = page.split("Values by month, newest first</caption>")[1]
    assert "–</td>" not in table and table.count("per 1,000 residents here") == 16
    api = c.get("/api/partnerships/borough/indicators").json()
    got = next(i for i in api if i["id"] == _asb(world).pk)
    assert got["references"][0] == f"{n / pop * 1000:,.2f} per 1,000 residents here"
    assert got["latest"]["rate_per_1000"] == pytest.approx(n / pop * 1000, abs=1e-4)
    kinds = [r["kind"] for r in got["latest"]["reference_points"]]
    assert kinds == ["parent", "peers", "england_wales"]

    from io import BytesIO

    from docx import Document

    cells = [c.text for t in Document(BytesIO(pack.render_docx(world.partnership))).tables
             for row in t.rows for c in row.cells]  # fmt: skip
    assert any(f"{n / pop * 1000:,.2f} per 1,000 residents here" in c for c in cells)
    assert not any("None available" in c for c in cells)


def test_england_and_wales_only_from_months_with_every_force(world, wh):
    # 43 force areas appear in the records (the old "42 or more" rule took that as national
    # coverage and divided Staffordshire's records by the whole population of England and Wales).
    assert _raw(wh, "SELECT count(DISTINCT pfa_code) FROM crimes")[0][0] == 43
    loaded = _raw(wh, "SELECT count(DISTINCT force) FROM police_loads WHERE is_current "
                      "AND kind = 'street' AND month = ?", [DEC])[0][0]  # fmt: skip
    assert loaded == 40
    con = integrations.connect()
    try:
        s = integrations.measure_series(con, [TAMWORTH], "rate", "")
    finally:
        con.close()
    assert s.reference_label == "Staffordshire (county)"
    for month, points in s.points.items():
        ew = next(p for p in points if p["kind"] == "england_wales")
        assert ew["value"] is None and ew["reason"] == EW_REASON, month
    ew_pop = _raw(wh, "SELECT sum(population) FROM ref_lsoa21")[0][0]
    understated = _raw(wh, "SELECT count(*) FROM crimes WHERE NOT is_asb AND month = ?", [JAN])[0][
        0
    ]
    # What the old rule showed as England and Wales: under a fortieth of the county's rate.
    assert understated / ew_pop * 1000 < s.reference[JAN] / 40


def test_peers_compared_where_they_have_data(world, wh):
    con = duckdb.connect(str(wh), read_only=True)
    found = national_peers(national_peer_table(con, "csp"), TAMWORTH, k=5)
    con.close()
    pfas = {p.code: p.pfas for p in found.peers}
    assert all(len(v) == 1 for v in pfas.values())
    rates = []
    for p in found.peers:
        n = _raw(wh, "SELECT count(*) FROM crimes WHERE csp_code = ? AND category = ? AND month = ?",
                 [p.code, ASB, DEC])[0][0]  # fmt: skip
        pop = _raw(wh, "SELECT population FROM areas WHERE level = 'csp' AND code = ?", [p.code])[
            0
        ][0]
        rates.append(n / pop * 1000)
    rates.sort()
    con = integrations.connect()
    try:
        s = integrations.measure_series(con, [TAMWORTH], "count", ASB)
    finally:
        con.close()
    dec = next(p for p in s.points[DEC] if p["kind"] == "peers")
    assert dec["label"] == "Median of 5 similar areas"
    assert dec["value"] == pytest.approx(rates[2], abs=1e-4)
    jan = next(p for p in s.points[JAN] if p["kind"] == "peers")
    assert jan["value"] is None
    assert jan["reason"].startswith(
        "None of the 5 most similar areas has police data for January 2025"
    )


def test_emerging_themes_are_one_test_over_all_the_partnerships_counts(world, wh, client_for):
    # County-wide counts (the indicator's own area), with Tamworth's ASB from the world.
    cats = ("Drugs", "Other theft", "Shoplifting", "Vehicle crime", "Burglary", "Public order")
    for cat in cats:
        perf.indicator_create(actor=None, partnership=world.partnership, name=f"County {cat}",
                              source="warehouse", measure="count", category=cat,
                              area_code=STAFFS_COUNTY)  # fmt: skip
    perf.warehouse_sync(force=True)
    counts = {}
    for ind in Indicator.objects.filter(partnership=world.partnership, source="warehouse"):
        where = ("lad_code IN (SELECT lad_code FROM ref_lad_county WHERE cty_code = ?)"
                 if ind.area_code else "csp_code = ?")  # fmt: skip
        rows = _raw(wh, f"SELECT month, count(*) FROM crimes WHERE {where} AND category = ? "
                        "GROUP BY 1", [ind.area_code or TAMWORTH, ind.category])  # fmt: skip
        counts[ind.pk] = {m: float(n) for m, n in rows if m >= dt.date(2024, 10, 1)}
    expected = emerging_issues(counts, sorted({m for c in counts.values() for m in c}))
    assert expected.reason is None and expected.tested == 7
    assert expected.recent_months == (dt.date(2025, 10, 1), dt.date(2025, 11, 1), DEC)
    flagged = {Indicator.objects.get(pk=f.key).category: f.observed for f in expected.flags}
    assert flagged == {"Drugs": 544, "Other theft": 1027}
    views = perf_selectors.indicator_views(world.partnership)
    assert {v.indicator.pk for v in views if v.emerging} == {f.key for f in expected.flags}
    html = client_for(world.users["member"]).get(f"{B}/").content.decode()
    assert expected.statement in html.replace("&#x27;", "'")
    assert html.count("Higher than usual</strong>") == 2
    assert "Poisson" not in html
    assert not hasattr(perf_selectors, "emerging_signal")
    drugs = next(v.indicator for v in views if v.indicator.category == "Drugs")
    page = client_for(world.users["member"]).get(f"{B}/performance/{drugs.pk}/").content.decode()
    assert "Higher than usual" in page
    assert "Similar areas: compared for districts and partnerships, not for a county" in page


def test_emerging_themes_say_when_the_history_is_too_short(
    world, settings, warehouse_file, client_for
):
    perf.warehouse_sync(force=True)
    html = client_for(world.users["member"]).get(f"{B}/performance/").content.decode()
    assert "Emerging issues need at least 9 consecutive months of data" in html


def test_baselines_and_targets_are_like_for_like(world, wh):
    perf.warehouse_sync(force=True)
    ind = _asb(world)
    con = duckdb.connect(str(wh), read_only=True)
    lfl = like_for_like(TAMWORTH, "2025-01", "2025-12", con=con)
    con.close()
    assert (lfl.asb.now, lfl.asb.baseline, lfl.asb.months) == (232, 170, 4)
    from saferplaces.web import demo

    demo._demo_targets()
    ind.refresh_from_db()
    assert ind.baseline_value == 42.5 == lfl.asb.baseline_per_month
    assert ind.baseline_label == (
        "Average a month, January–April 2024 (like for like with January–April 2025)"
    )
    assert ind.target_value == 40.38 and ind.red_at == 44.62


def test_dashboard_changes_in_plain_english(world, client_for):
    ind = world.indicators[0]
    perf.value_set(actor=world.users["analyst"], indicator=ind, period=dt.date(2024, 3, 1), value=9)
    html = client_for(world.users["member"]).get(f"{B}/").content.decode()
    assert "+3 on Mar 2024" not in html
    assert "3 higher than March 2024" in html
    view = next(v for v in perf_selectors.indicator_views(world.partnership) if v.indicator == ind)
    assert pack.plain_change(view) == view.change_label == "3 higher than March 2024"


def test_manual_indicators_state_their_baseline_as_reference(world, client_for):
    perf.indicator_update(actor=world.users["manager"], indicator=world.indicators[1],
                          baseline_value=11, baseline_label="2024-25 average")  # fmt: skip
    html = client_for(world.users["member"]).get(f"{B}/performance/").content.decode()
    assert "Baseline: 11 (2024-25 average)" in html
    assert "No reference point: entered by hand, with no baseline recorded" in html


def test_each_priority_says_what_police_data_can_and_cannot_show(world, client_for):
    pr = plan.priority_create(actor=None, partnership=world.partnership,
                              title="Domestic abuse (including stalking and harassment)")  # fmt: skip
    cov = coverage_for(pr.title)
    html = client_for(world.users["member"]).get(f"{B}/plan/").content.decode()
    panel = html.split(f'id="coverage-{pr.pk}"')[1].split("</details>")[0]
    assert "What the police data can and cannot show" in html
    text = panel.replace("&#x27;", "'")
    assert cov.holds in text and cov.cannot_show in text
    for item in cov.partner_data:
        assert item[0].upper() + item[1:] in text


# --- partner measures as indicators (issue 10) ------------------------------------------------


def _csv_totals(lsoas: set[str]) -> dict[str, int]:
    from saferplaces.warehouse.measures import DEMO_FILE

    out: dict[str, int] = {}
    with open(DEMO_FILE, newline="") as fh:
        for r in csv.DictReader(fh):
            if r["area_code"] in lsoas:
                out[r["period"]] = out.get(r["period"], 0) + int(r["count"])
    return out


def test_partner_measure_indicator(world, wh, client_for):
    ind = perf.indicator_create(actor=world.users["manager"], partnership=world.partnership,
                                name="A&E assault", source="partner", partner_measure=MEASURE)  # fmt: skip
    perf.warehouse_sync(force=True)
    ind.refresh_from_db()
    assert ind.period_type == "quarter" and ind.suppress_below == 5 and ind.measure == "count"
    assert ind.measure_source.startswith("Safer Places demo, derived from data.police.uk")
    assert ind.measure_sharing.startswith("Open Government Licence v3.0")
    lsoas = {
        r[0] for r in _raw(wh, "SELECT lsoa21_code FROM ref_lsoa21 WHERE csp_code = ?", [TAMWORTH])
    }
    totals = _csv_totals(lsoas)
    got = {f"{v.period.year}-Q{(v.period.month - 1) // 3 + 1}": v.value for v in ind.values.all()}
    assert got == {k: float(v) for k, v in totals.items()} and len(got) >= 5
    html = client_for(world.users["member"]).get(f"{B}/performance/{ind.pk}/").content.decode()
    assert "Values by quarter" in html and 'id="measure-sharing"' in html
    assert "Open Government Licence v3.0" in html
    assert "England and Wales: partner data is held only for the areas that shared it" in html
    # A value cannot be typed over a partner measure.
    with pytest.raises(Exception, match="computed from the warehouse"):
        perf.value_set(
            actor=world.users["manager"], indicator=ind, period=dt.date(2025, 1, 1), value=1
        )


def test_partner_measure_small_numbers_suppressed_in_exports(world, wh, client_for):
    from saferplaces.warehouse.measures import DEMO_FILE

    small = {}
    with open(DEMO_FILE, newline="") as fh:
        for r in csv.DictReader(fh):
            small.setdefault(r["area_code"], {})[r["period"]] = int(r["count"])
    tamworth = {
        r[0] for r in _raw(wh, "SELECT lsoa21_code FROM ref_lsoa21 WHERE csp_code = ?", [TAMWORTH])
    }
    lsoa = sorted(c for c, by in small.items() if c in tamworth and any(0 < n < 5 for n in by.values())
                  and any(n >= 5 for n in by.values()))[0]  # fmt: skip
    ind = perf.indicator_create(actor=world.users["manager"], partnership=world.partnership,
                                name="A&E assault, one neighbourhood", source="partner",
                                partner_measure=MEASURE, area_code=lsoa)  # fmt: skip
    perf.warehouse_sync(force=True)
    body = (
        client_for(world.users["analyst"]).get(f"{B}/export/indicator-values.csv").content.decode()
    )
    rows = [r for r in csv.reader(body.splitlines()) if r and r[0] == str(ind.pk)]
    assert len(rows) == len(small[lsoa])
    for r in rows:
        y, m = int(r[2][:4]), int(r[2][5:7])
        n = small[lsoa][f"{y}-Q{(m - 1) // 3 + 1}"]
        assert r[3] == ("Fewer than 5" if 0 < n < 5 else str(n)), r


def test_demo_tamworth_has_a_partner_measure_indicator_and_like_for_like_targets(db, wh):
    from saferplaces.web import demo

    demo.load()
    ind = Indicator.objects.get(partnership__slug="tamworth", source="partner")
    assert ind.partner_measure == MEASURE and ind.period_type == "quarter"
    assert ind.values.count() >= 5 and ind.measure_sharing.startswith("Open Government Licence")
    asb = Indicator.objects.get(
        partnership__slug="tamworth", name="Anti-social behaviour incidents"
    )
    assert asb.baseline_value == 42.5 and asb.target_value == 40.38
    assert "like for like with January–April 2025" in asb.baseline_label


def test_partner_measure_indicator_added_through_the_form(world, wh, client_for):
    c = client_for(world.users["manager"])
    form = c.get(f"{B}/performance/new/").content.decode()
    assert f'value="{MEASURE}"' in form
    data = {"name": "A&E assault", "source": "partner", "direction": "down", "partner_measure": ""}
    r = c.post(f"{B}/performance/new/", data)
    assert (
        r.status_code == 200
        and "Choose the partner measure from the warehouse" in r.content.decode()
    )
    r = c.post(f"{B}/performance/new/", {**data, "partner_measure": MEASURE})
    ind = Indicator.objects.get(partnership=world.partnership, name="A&E assault")
    assert r.status_code == 302 and ind.is_partner and ind.values.exists()
