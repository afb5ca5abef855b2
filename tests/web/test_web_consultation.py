"""Consultation: a survey platform's export imported with a column mapping, weighted to
Tamworth's population (raking on age band and ward), reported with intervals, free text themed,
"You said, we did", and the priority matrix's public concern input."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from saferplaces.web.consultation import population, sample, selectors, services
from saferplaces.web.consultation.models import Question, Response, ResponseImport

SAMPLE = sample.SAMPLE_FILE.read_bytes()


def _consultation(world, **kw):
    return services.consultation_create(
        actor=None, partnership=world.partnership,
        title=kw.pop("title", "Community safety survey 2026"), **kw,
    )  # fmt: skip


def _import(world, data=SAMPLE, name="survey.csv", c=None):
    c = c or _consultation(world)
    batch = services.import_create(actor=None, consultation=c, file_name=name, data=data)
    services.import_apply(actor=None, batch=batch, mapping=batch.mapping)
    c.refresh_from_db()
    return c


def test_sample_file_is_what_the_generator_makes():
    # The committed file is make_survey(seed=2026): regenerate and compare.
    header, rows = sample.make_survey()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    assert buf.getvalue().encode("utf-8") == SAMPLE


def test_population_margins_are_tamworth_reference_data():
    ages = population.ages(["E22000271"])
    wards = population.wards(["E22000271"])
    # ONS mid-2020, Tamworth, aged 16+; Census 2021 usual residents by ward (10 wards, 78,653).
    assert ages == {"16-24": 7414, "25-34": 9770, "35-44": 9648, "45-54": 10737,
                    "55-64": 9594, "65-74": 8451, "75+": 6392}  # fmt: skip
    assert len(wards) == 10 and sum(n for _, n in wards.values()) == 78653
    assert wards["E05007069"] == ("Castle", 7598)


def test_mapping_is_guessed_from_the_header(world):
    c = _consultation(world)
    batch = services.import_create(actor=None, consultation=c, file_name="survey.csv", data=SAMPLE)
    roles = [m["role"] for _, m in sorted(batch.mapping.items(), key=lambda kv: int(kv[0]))]
    assert roles == ["id", "ignore", "ignore", "age", "sex", "area",
                     "choice", "choice", "choice", "choice", "choice", "text"]  # fmt: skip
    themes = [m["theme"] for _, m in sorted(batch.mapping.items(), key=lambda kv: int(kv[0]))]
    assert themes[7:11] == ["Anti-social behaviour", "Drugs", "Vehicle crime",
                            "Retail crime and shoplifting"]  # fmt: skip
    assert batch.mapping["7"]["concern"] == "A fairly big problem|A very big problem"
    assert not Response.objects.exists()  # nothing saved before the mapping is confirmed


def test_import_weights_to_the_population_and_reports(world):
    c = _import(world)
    resp = list(c.responses.all())
    assert len(resp) == 900
    assert sum(r.weight for r in resp) == pytest.approx(900)
    ages = population.ages(["E22000271"])
    total = sum(ages.values())
    for band, n in ages.items():
        got = sum(r.weight for r in resp if r.age_band == band) / 900
        assert got == pytest.approx(n / total, abs=1e-4), band
    # The sample over-represents older residents: 65-74 are 13.6% of Tamworth's 16+ (8,451 of 62,006) but
    # answered far more often; weighting brings them down.
    raw_65 = sum(1 for r in resp if r.age_band == "65-74") / 900
    assert raw_65 > 0.2 and 8451 / total == pytest.approx(0.1363, abs=1e-4)
    w = c.weighting
    assert w["converged"] and w["n"] == 900
    assert 1.2 < w["deff"] < 2.0 and w["n_eff"] == pytest.approx(900 / w["deff"])
    res = {r.question.text: r for r in selectors.results(c)}
    safe = res[sample.SAFE_Q]
    unsafe = sum(o.share for o in safe.options if o.option in ("A bit unsafe", "Very unsafe"))
    assert 0.25 < unsafe < 0.5
    for o in safe.options:
        assert o.low < o.share < o.high
    # By ward: ~85 respondents a ward, all above the minimum base of 30.
    assert len(safe.by_ward) == 10 and all(g.shown for g in safe.by_ward)
    concern = {x.theme: x for x in selectors.public_concern(c)}
    assert set(concern) == {"Anti-social behaviour", "Drugs", "Vehicle crime",
                            "Retail crime and shoplifting"}  # fmt: skip
    # The generator's chances: ASB 0.45 base, shoplifting 0.20: ASB must score higher.
    assert concern["Anti-social behaviour"].score > concern["Retail crime and shoplifting"].score
    assert concern["Anti-social behaviour"].score == selectors.concern_score(
        concern["Anti-social behaviour"].share
    )
    assert "900 responses" in concern["Drugs"].source


def test_priority_inputs_file_is_read_by_the_assessment(world, tmp_path):
    from saferplaces.assessment.inputs import load_priority_inputs

    c = _import(world)
    path = tmp_path / "public-concern.csv"
    path.write_bytes(selectors.priority_inputs_csv(c))
    inputs = load_priority_inputs(path)
    scores = {x.theme: x.score for x in selectors.public_concern(c)}
    assert inputs.source == str(path)
    got = (
        {k: v.get("public_concern") for k, v in inputs.themes.items()}
        if hasattr(inputs, "themes")
        else None
    )
    assert got is None or sorted(got.values()) == sorted(scores.values())


def test_xlsx_export_imports_the_same(world):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in csv.reader(io.StringIO(SAMPLE.decode("utf-8"))):
        ws.append([int(v) if v.isdigit() else v for v in row])  # numbers as a platform writes them
    buf = io.BytesIO()
    wb.save(buf)
    a = _import(world)
    b = _import(world, data=buf.getvalue(), name="survey.xlsx",
                c=_consultation(world, title="Same survey, XLSX"))  # fmt: skip
    assert [r.weight for r in b.responses.all()] == pytest.approx(
        [r.weight for r in a.responses.all()]
    )


def test_bad_rows_are_named_and_nothing_is_written(world):
    lines = SAMPLE.decode("utf-8").splitlines()
    head, rows = lines[0], lines[1:6]
    cells = [next(csv.reader([r])) for r in rows]
    cells[1][3] = "seven"
    cells[3][5] = "Atlantis"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(next(csv.reader([head])))
    w.writerows(cells)
    c = _consultation(world)
    batch = services.import_create(
        actor=None, consultation=c, file_name="bad.csv", data=buf.getvalue().encode()
    )
    with pytest.raises(ValidationError) as e:
        services.import_apply(actor=None, batch=batch, mapping=batch.mapping)
    msgs = e.value.messages
    assert msgs == [
        "bad.csv, row 3, column 'What is your age?': 'seven' is not an age of 16 or over, or a band like 35-44 or 75+",
        "bad.csv, row 5, column 'Which ward do you live in?': 'Atlantis' is not a ward of Borough Partnership",
    ]
    assert not Response.objects.exists() and not Question.objects.exists()
    assert ResponseImport.objects.get(pk=batch.pk).status == "pending"


def test_small_groups_are_suppressed(world):
    lines = SAMPLE.decode("utf-8").splitlines()
    c = _import(world, data="\n".join(lines[:151]).encode())  # 150 responses: ~15 a ward
    r = next(x for x in selectors.results(c) if x.question.text == sample.SAFE_Q)
    assert r.by_ward and not any(g.shown for g in r.by_ward)
    assert all(g.options == [] for g in r.by_ward)
    # Counts of 1 to 4 respondents are not shown (open_value rule): 20 responses, so some
    # answers are given by fewer than 5.
    c2 = _import(world, data="\n".join(lines[:21]).encode(), c=_consultation(world, title="Tiny"))
    raw: dict[str, int] = {}
    for a in c2.responses.values_list("answers", flat=True):
        raw[a["q1"]] = raw.get(a["q1"], 0) + 1
    r2 = next(x for x in selectors.results(c2) if x.question.text == sample.SAFE_Q)
    shown = {o.option: o.count for o in r2.options}
    assert any(n < 5 for n in raw.values())
    assert shown == {k: (None if n < 5 else n) for k, n in raw.items()}


def test_free_text_codebook_counts(world):
    c = _import(world)
    q = c.questions.get(kind="text")
    services.theme_create(
        actor=None, question=q, name="Visible policing", keywords="police\npatrol*\nPCSO*"
    )
    services.theme_create(
        actor=None, question=q, name="Lighting", keywords="lighting\nstreet lights"
    )
    r = next(x for x in selectors.results(c) if x.question.kind == "text")
    counts = {t.name: n for t, n, _ in r.theme_rows}
    texts = [a.get(q.code, "") for a in c.responses.values_list("answers", flat=True)]
    expect_pol = sum(1 for t in texts if any(k in t.lower() for k in ("police", "patrol", "pcso")))
    expect_light = sum(1 for t in texts if "lighting" in t.lower() or "street lights" in t.lower())
    assert counts == {"Visible policing": expect_pol, "Lighting": expect_light}
    assert r.coding.answered == sum(1 for t in texts if t)
    assert r.uncoded == r.coding.answered - len({i for ct in r.coding.themes for i in ct.answers})


def test_you_said_we_did_links_an_action(world):
    c = _import(world)
    y = services.you_said_create(actor=None, consultation=c, you_said="Drug dealing is a big problem",
                                 we_did="Added a drugs action", action=world.actions[0], published=True)  # fmt: skip
    assert list(selectors.you_said(c, public=True)) == [y]
    from saferplaces.web.plans import services as plan

    pr = plan.priority_create(actor=None, partnership=world.other, title="Elsewhere")
    other = plan.action_create(actor=None, priority=pr, title="Not ours")
    with pytest.raises(ValidationError):
        services.you_said_create(actor=None, consultation=c, you_said="x", we_did="y", action=other)


def test_pages_upload_mapping_and_results(world, client_for):
    p = world.partnership
    c = _consultation(world)
    analyst = client_for(world.users["analyst"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = analyst.post(reverse("consultation:upload", args=[p.slug, c.pk]),
                     {"file": SimpleUploadedFile("survey.csv", SAMPLE, "text/csv")})  # fmt: skip
    assert r.status_code == 302
    batch = c.imports.get()
    r = analyst.get(r["Location"])
    assert r.status_code == 200 and b"Match the columns" in r.content
    post = {}
    for j, m in batch.mapping.items():
        post[f"role_{j}"], post[f"theme_{j}"], post[f"concern_{j}"] = (
            m["role"],
            m["theme"],
            m["concern"],
        )
    r = analyst.post(reverse("consultation:mapping", args=[p.slug, c.pk, batch.pk]), post)
    assert r.status_code == 302 and c.responses.count() == 900
    r = analyst.get(reverse("consultation:detail", args=[p.slug, c.pk]))
    body = r.content.decode()
    assert "Public concern for the priority matrix" in body and "Anti-social behaviour" in body
    assert "design effect" in body
    r = analyst.get(reverse("consultation:priority-inputs", args=[p.slug, c.pk]))
    assert r.content.startswith(b"theme,public_concern,share,low,high,responses,")
    # A lead officer sees the results but cannot upload; an outsider is told nothing.
    lead = client_for(world.users["lead_officer"])
    assert lead.get(reverse("consultation:detail", args=[p.slug, c.pk])).status_code == 200
    assert lead.get(reverse("consultation:upload", args=[p.slug, c.pk])).status_code == 403
    out = client_for(world.users["outsider"])
    assert out.get(reverse("consultation:detail", args=[p.slug, c.pk])).status_code == 404


def test_api_results(world, client_for):
    c = _import(world)
    cl = client_for(world.users["member"])
    r = cl.get(f"/api/partnerships/{world.partnership.slug}/consultations/{c.pk}/public-concern")
    assert r.status_code == 200
    assert {x["theme"] for x in r.json()} >= {"Anti-social behaviour", "Drugs"}
    r = cl.get(f"/api/partnerships/{world.partnership.slug}/consultations/{c.pk}/results")
    assert r.status_code == 200 and len(r.json()) == 6


@pytest.mark.slow
def test_public_concern_reaches_the_priority_matrix_and_committee_report(world, tmp_path):
    """One implementation: the consultation writes the assessment's priority-inputs file; the
    engine scores public concern from it and the committee report names its source instead of
    the "[officer to add ...]" placeholder. Real Staffordshire street data (shared/data)."""
    import os
    from pathlib import Path

    from saferplaces.assessment import assess
    from saferplaces.config import Workspace
    from saferplaces.reports.committee import build_committee
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    police = (
        Path(os.environ.get("SAFERPLACES_SHARED_DATA", "/work/shared/data"))
        / "police_uk"
        / "staffordshire"
    )
    if not police.is_dir():
        pytest.skip("real Staffordshire data not found (set SAFERPLACES_SHARED_DATA)")
    con = connect(Workspace.resolve(tmp_path / "ws").warehouse_path)
    try:
        assert not load_police(con, [police]).failed
    finally:
        con.close()
    c = _import(world)
    path = tmp_path / "Community safety survey 2026 - public concern.csv"
    path.write_bytes(selectors.priority_inputs_csv(c))
    a = assess("Tamworth", "2025-01", "2025-12", workspace=tmp_path / "ws", allow_gaps=True,
               priority_inputs=path)  # fmt: skip
    rp = a.recommended_priorities
    assert rp.inputs_file == str(path)
    want = {x.theme: x.score for x in selectors.public_concern(c)}
    scored = {
        p.theme: sc.score
        for p in rp.priorities
        for sc in p.scores
        if sc.factor == "public_concern" and sc.score is not None
    }
    # Every theme the data evidences gets the consultation's score (shoplifting's police
    # category scores its theme too).
    assert scored["Anti-social behaviour"] == want["Anti-social behaviour"] == 2.8
    assert all(want[k] == v for k, v in scored.items() if k in want), (scored, want)
    text = repr(build_committee(a))
    assert "officer to add the results of the public consultation" not in text
    assert path.name in text


def test_mapping_page_shows_row_errors_in_the_summary(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    p = world.partnership
    c = _consultation(world)
    lines = SAMPLE.decode("utf-8").splitlines()[:4]
    cells = [next(csv.reader([x])) for x in lines]
    cells[2][5] = "Nowhere"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(cells)
    m = client_for(world.users["manager"])
    r = m.post(
        reverse("consultation:upload", args=[p.slug, c.pk]),
        {"file": SimpleUploadedFile("wards.csv", buf.getvalue().encode(), "text/csv")},
    )
    batch = c.imports.get()
    post = {}
    for j, mp in batch.mapping.items():
        post[f"role_{j}"], post[f"theme_{j}"], post[f"concern_{j}"] = (
            mp["role"],
            mp["theme"],
            mp["concern"],
        )
    r = m.post(r["Location"], post)
    assert r.status_code == 200
    assert (
        "wards.csv, row 3, column &#x27;Which ward do you live in?&#x27;: &#x27;Nowhere&#x27; is not a ward"
        in r.content.decode()
    )
    assert not c.responses.exists()


def test_sex_margin_when_the_officer_gives_one(world):
    c = _import(world)
    assert c.weighting["margins"][0].startswith("Age band") and len(c.weighting["margins"]) == 2
    services.consultation_update(
        actor=None, consultation=c, female_share=0.51, sex_source="Census 2021 TS008 (entered)"
    )
    c.refresh_from_db()
    assert c.weighting["margins"][-1] == "Sex: Census 2021 TS008 (entered)"
    resp = list(c.responses.all())
    known = [r for r in resp if r.sex in ("female", "male")]
    female = sum(r.weight for r in known if r.sex == "female") / sum(r.weight for r in known)
    assert female == pytest.approx(0.51, abs=1e-4)
    # 472 of the 878 who gave female or male are women (53.8%): weighted down to 51%.
    assert (sum(1 for r in known if r.sex == "female"), len(known)) == (472, 878)


@pytest.fixture
def tamworth_warehouse(tmp_path, settings):
    """A real warehouse: the shipped reference data and two Staffordshire months."""
    import sp_web_warehouse

    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    if not sp_web_warehouse.shared_available():
        pytest.skip("shared/data police files are not available (set SAFERPLACES_SHARED_DATA)")
    police = sp_web_warehouse.SHARED / "police_uk" / "staffordshire"
    path = tmp_path / "warehouse.duckdb"
    con = connect(path)
    try:
        files = [police / f"2025-0{m}-staffordshire-street.csv.gz" for m in (1, 2)]
        assert not load_police(con, files).failed
    finally:
        con.close()
    settings.SAFERPLACES_WAREHOUSE_PATH = path
    return path


def test_an_assessment_run_from_the_workspace_scores_public_concern_from_the_survey(
    world, client_for, tamworth_warehouse
):
    """The web's assessment (a job, run inline in tests) reads the partnership's latest weighted
    consultation, as `saferplaces assess --priority-inputs` would: no placeholder is left."""
    from saferplaces.web.jobs.models import Job
    from saferplaces.web.plans.models import AssessmentRun

    c = _import(world)
    want = {x.theme: x.score for x in selectors.public_concern(c)}
    m = client_for(world.users["manager"])
    form = {"area_code": "E22000271", "start_0": "1", "start_1": "1", "start_2": "2025",
            "end_0": "28", "end_1": "2", "end_2": "2025", "allow_gaps": "on"}  # fmt: skip
    m.post(f"/partnerships/{world.partnership.slug}/assessments/run/", form)
    job = Job.objects.get()
    assert job.status == "succeeded", job.error
    rp = AssessmentRun.objects.get().result["recommended_priorities"]
    assert rp["inputs_file"].endswith("public-concern-community-safety-survey-2026.csv")
    scored = {
        p["theme"]: s["score"]
        for p in rp["priorities"]
        for s in p["scores"]
        if s["factor"] == "public_concern" and s["score"] is not None
    }
    assert scored["Anti-social behaviour"] == want["Anti-social behaviour"] == 2.8


def test_survey_results_reach_the_assessment_consultation_section(
    world, tamworth_warehouse, tmp_path
):
    """Issue 15: the priority-inputs file carries each theme's weighted share, interval and
    responses; the assessment shows them in its consultation section and the document says them
    in words. Real consultation sample, real Staffordshire street data (two months)."""
    from saferplaces.assessment import assess
    from saferplaces.reports import content
    from saferplaces.reports.html import render_html
    from saferplaces.warehouse.store import connect

    c = _import(world)
    want = {x.theme: x for x in selectors.public_concern(c)}
    path = tmp_path / "public-concern.csv"
    path.write_bytes(selectors.priority_inputs_csv(c))
    con = connect(tamworth_warehouse, read_only=True)
    try:
        a = assess("Tamworth", "2025-01", "2025-02", con=con, allow_gaps=True, priority_inputs=path)
    finally:
        con.close()
    cs = a.consultation
    assert cs is not None and cs.inputs_file == str(path)
    assert cs.source == "Community safety survey 2026 (900 responses)"
    assert cs.weighted_by.startswith("age band")
    got = {t.theme: t for t in cs.themes}
    assert set(got) == set(want)
    asb, w = got["Anti-social behaviour"], want["Anti-social behaviour"]
    assert (asb.share, asb.low, asb.high) == tuple(round(x, 4) for x in (w.share, w.low, w.high))
    assert asb.low < asb.share < asb.high and asb.responses == w.responses > 0
    assert asb.effective_responses == round(w.effective_responses, 1)
    assert asb.public_concern == w.score == 2.8
    html = render_html(content.build(a, None))
    assert "What residents told us" in html
    assert f"between {w.low * 100:.0f}% and {w.high * 100:.0f}%" in html
    assert "not how often things happen" in html
    # The committee report's cover paper gives councillors the survey's headline in words.
    from saferplaces.reports.committee import build_committee

    cover = " ".join(repr(build_committee(a)).split())
    assert (
        "In Community safety survey 2026 (900 responses), the themes residents most often called "
        "a big problem were anti-social behaviour (45%, likely between 42% and 49%) and drugs "
        "(43%, likely between 39% and 47%)."
    ) in cover
