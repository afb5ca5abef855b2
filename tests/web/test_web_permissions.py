"""The permission matrix: every role against every page and API endpoint, allowed and refused.

The expectations are written out here by hand (not read from permissions.MATRIX), so a change
to the matrix that is not also a decision shows up as a failing test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client

from saferplaces.web.accounts.services import api_token_create
from saferplaces.web.jobs.models import Job
from saferplaces.web.meetings import services as meeting_services
from saferplaces.web.partnerships.services import partnership_create
from saferplaces.web.plans import services as plan_services
from saferplaces.web.plans.models import PlanPeriod

pytestmark = pytest.mark.django_db

ALL = {"manager", "analyst", "lead_officer", "member", "scrutiny", "administrator"}
M, A, L, MB, S, AD = "manager", "analyst", "lead_officer", "member", "scrutiny", "administrator"
ROLES = [*sorted(ALL), "outsider", "anonymous"]
B = "/partnerships/borough"


@dataclass
class Case:
    method: str
    url: str
    allowed: set[str]
    data: dict | None = None
    api: bool = False


def cases(w, review_pk: int, run_pk: int, loc_pk: int = 0) -> list[Case]:
    own, other = w.own_action.pk, w.others_action.pk
    ind, other_ind = w.own_indicator.pk, w.indicators[1].pk
    pr = w.priorities[0].pk
    g = "GET"
    pages = [
        Case(g, f"{B}/", ALL),
        Case(g, f"{B}/about/", ALL),
        Case(g, f"{B}/plan/", ALL),
        Case(g, f"{B}/work-plan/", ALL),
        Case(g, f"{B}/work-plan/{own}/", ALL),
        Case(g, f"{B}/reviews/", ALL),
        Case(g, f"{B}/reviews/{review_pk}/", ALL),
        Case(g, f"{B}/performance/", ALL),
        Case(g, f"{B}/performance/{ind}/", ALL),
        Case(g, f"{B}/assessments/", ALL),
        Case(g, f"{B}/assessments/{run_pk}/", ALL),
        Case(g, f"{B}/pack/", ALL),
        Case(g, f"{B}/pack/download.docx", ALL),
        Case(g, f"{B}/export/actions.csv", ALL),
        Case(g, f"{B}/export/indicator-values.xlsx", ALL),
        Case(g, f"{B}/people/", {M, AD}),
        Case(g, f"{B}/people/new/", {AD}),
        # People administration and tenancy links (the borough is a district under Testshire).
        Case(g, f"{B}/people/{w.users['lead_officer_2'].pk}/deactivate/", {AD}),
        Case(g, f"{B}/about/county/", {M, AD}),
        Case(g, f"{B}/about/county/end/", {M, AD}),
        Case(g, f"{B}/about/county-requests/", {AD}),
        Case(g, f"{B}/about/type/", set()),  # site administrators only
        Case(g, f"{B}/audit/", {M, AD}),
        Case(g, f"{B}/about/edit/", {M, AD}),
        Case(g, f"{B}/about/areas/new/", {M, AD}),
        Case(g, f"{B}/about/organisations/new/", {M, AD}),
        Case(g, f"{B}/about/partner-plans/new/", {M, AD}),
        Case(g, f"{B}/plan/priorities/new/", {M}),
        Case(g, f"{B}/plan/priorities/{pr}/edit/", {M}),
        Case(g, f"{B}/plan/localities/new/", {M}),
        # The lead officer leads Priorities 1 and 2, so adds actions under them.
        Case(g, f"{B}/work-plan/new/", {M, L}),
        Case(g, f"{B}/work-plan/{own}/edit/", {M}),
        Case(g, f"{B}/work-plan/{own}/update/", {M, L}),
        Case(g, f"{B}/work-plan/{other}/update/", {M}),
        Case(g, f"{B}/reviews/new/", {M}),
        Case(g, f"{B}/performance/new/", {M, A}),
        Case(g, f"{B}/performance/{ind}/edit/", {M, A}),
        Case(g, f"{B}/performance/{ind}/values/new/", {M, A, L}),
        Case(g, f"{B}/performance/{other_ind}/values/new/", {M, A}),
        Case(g, f"{B}/assessments/{run_pk}/adopt/", {M}),
        Case(g, f"{B}/import/", {M, A}),
        # Boards and meetings: everyone reads them; managers and administrators keep them.
        Case(g, f"{B}/meetings/", ALL),
        Case(g, f"{B}/meetings/calendar.ics", ALL),
        Case(g, f"{B}/meetings/bodies/{w.board.pk}/", ALL),
        Case(g, f"{B}/meetings/{w.meeting.pk}/", ALL),
        Case(g, f"{B}/meetings/{w.meeting.pk}/meeting.ics", ALL),
        Case(g, f"{B}/meetings/bodies/new/", {M, AD}),
        Case(g, f"{B}/meetings/bodies/{w.board.pk}/members/new/", {M, AD}),
        Case(g, f"{B}/meetings/bodies/{w.board.pk}/meetings/new/", {M, AD}),
        Case(g, f"{B}/meetings/{w.meeting.pk}/attendance/", {M, AD}),
        Case(g, f"{B}/meetings/{w.meeting.pk}/items/new/", {M, AD}),
        Case(g, f"{B}/meetings/{w.meeting.pk}/publish/", {M, AD}),
        Case(g, f"{B}/meetings/{w.meeting.pk}/items/{w.agenda_item.pk}/minutes/", {M, AD}),
        Case(
            g, f"{B}/meetings/{w.meeting.pk}/items/{w.agenda_item.pk}/resolutions/new/", {M, AD}
        ),
        Case(g, f"{B}/meetings/{w.meeting.pk}/items/{w.agenda_item.pk}/papers/new/", {M, AD}),
        Case("POST", f"{B}/meetings/{w.meeting.pk}/items/new/", {M, AD}),
        # Scrutiny: everyone (scrutiny viewers included) reads the work programme, the
        # recommendations and the annual report; only managers and administrators record the
        # partnership's response.
        Case(g, f"{B}/meetings/scrutiny/", ALL),
        Case(g, f"{B}/meetings/scrutiny/report/", ALL),
        Case(g, f"{B}/meetings/scrutiny/report/?year=2025", ALL),
        Case(g, f"{B}/meetings/scrutiny/report.docx", ALL),
        Case(g, f"{B}/meetings/scrutiny/committees/{w.committee.pk}/work-programme/new/", {M, AD}),
        Case(g, f"{B}/meetings/scrutiny/committees/{w.committee.pk}/recommendations/new/", {M, AD}),
        Case(g, f"{B}/meetings/scrutiny/work-programme/{w.work_item.pk}/plan/", {M, AD}),
        Case(g, f"{B}/meetings/scrutiny/recommendations/{w.rec.pk}/respond/", {M, AD}),
        Case(g, f"{B}/meetings/scrutiny/recommendations/{w.rec.pk}/carried-out/", {M, AD}),
        Case("POST", f"{B}/meetings/scrutiny/recommendations/{w.rec.pk}/respond/", {M, AD}, {}),
        Case(
            "POST",
            f"{B}/meetings/scrutiny/committees/{w.committee.pk}/recommendations/new/",
            {M, AD},
            {},
        ),
        # Grant money: everyone sees it; the manager keeps streams and returns; lead officers
        # also add spend lines and record spend; managers and administrators record approvals
        # and carry-forward or clawback decisions.
        Case(g, f"{B}/funds/", ALL),
        Case(g, f"{B}/funds/{w.fund.pk}/?year=2025", ALL),
        Case(g, f"{B}/funds/{w.fund.pk}/returns/{w.fund_return.pk}/", ALL),
        Case(g, f"{B}/funds/{w.fund.pk}/returns/{w.fund_return.pk}/return.docx", ALL),
        Case(g, f"{B}/funds/new/", {M}),
        Case(g, f"{B}/funds/{w.fund.pk}/amounts/new/", {M}),
        Case(g, f"{B}/funds/{w.fund.pk}/returns/new/?year=2025", {M}),
        Case(g, f"{B}/funds/{w.fund.pk}/evaluations/new/?year=2025", {M}),
        Case(g, f"{B}/funds/{w.fund.pk}/lines/new/?year=2025", {M, L}),
        Case(g, f"{B}/funds/{w.fund.pk}/entries/new/", {M, L}),
        Case(g, f"{B}/funds/{w.fund.pk}/approve/?year=2025", {M, AD}),
        Case(g, f"{B}/funds/{w.fund.pk}/decisions/new/?year=2025", {M, AD}),
        Case("POST", f"{B}/funds/{w.fund.pk}/entries/new/", {M, L}, {}),
        Case("POST", f"{B}/funds/{w.fund.pk}/lines/new/?year=2025", {M, L}, {}),
        # Restoring a stream that is not archived is refused with a message (a redirect).
        Case("POST", f"{B}/funds/{w.fund.pk}/archive/", {M}, {"restore": "1"}),
        # Statutory reviews: everyone sees the counts and the annual ASB figures; managers and
        # administrators open cases and set the local procedure. A case itself is seen only by
        # its case team: test_review_case_need_to_know.
        Case(g, f"{B}/statutory-reviews/", ALL),
        Case(g, f"{B}/statutory-reviews/asb-figures/2025/", ALL),
        Case(g, f"{B}/statutory-reviews/asb-figures/2025.csv", ALL),
        Case(g, f"{B}/statutory-reviews/new/asb/", {M, AD}),
        # Consultation: everyone sees the weighted results; managers and analysts import and
        # keep the codebook; the public pages are switched on by the manager or administrator.
        Case(g, f"{B}/consultation/", ALL),
        Case(g, f"{B}/consultation/{w.consultation.pk}/", ALL),
        Case(g, f"{B}/consultation/{w.consultation.pk}/public-concern.csv", ALL),
        Case(g, f"{B}/consultation/new/", {M, A}),
        Case(g, f"{B}/consultation/{w.consultation.pk}/upload/", {M, A}),
        Case(g, f"{B}/consultation/{w.consultation.pk}/you-said/new/", {M, A}),
        Case(g, f"{B}/public-pages/", {M, AD}),
        Case(g, f"{B}/statutory-reviews/new/dardr/", {M, AD}),
        Case(g, f"{B}/statutory-reviews/settings/", {M, AD}),
        Case("POST", f"{B}/statutory-reviews/new/dardr/", {M, AD}, {}),
        # Notifications: each signed-in person's own, outside any partnership's address.
        Case(g, "/notifications/", ALL | {"outsider"}),
        Case(g, "/notifications/preferences/", ALL | {"outsider"}),
        Case(g, "/notifications/deadlines/", ALL | {"outsider"}),
        Case("POST", "/notifications/read-all/", ALL | {"outsider"}, {}),
        # Plan periods and versions: everyone reads them; the plan's editors keep them.
        Case(g, f"{B}/plan/periods/", ALL),
        Case(g, f"{B}/plan/periods/{w.period.pk}/", ALL),
        Case(g, f"{B}/plan/periods/new/", {M}),
        Case(g, f"{B}/plan/periods/{w.period.pk}/versions/new/", {M}),
        Case(g, f"{B}/plan/versions/{w.version.pk}/", {M}),
        Case("POST", f"{B}/plan/periods/new/", {M}, {}),
        Case("POST", f"{B}/plan/versions/{w.version.pk}/", {M}, {}),
        # Archiving (confirmation pages) and the Archived page, where restoring is done.
        Case(g, f"{B}/plan/archived/", ALL),
        Case(g, f"{B}/plan/priorities/{pr}/archive/", {M}),
        Case(g, f"{B}/plan/localities/{loc_pk}/archive/", {M}),
        Case(g, f"{B}/work-plan/{own}/archive/", {M}),
        Case(g, f"{B}/performance/{ind}/archive/", {M, A}),
        # Writes: empty or harmless data, so "allowed" shows as a form with errors or a redirect.
        Case("POST", f"{B}/work-plan/{own}/update/", {M, L}, {}),
        Case("POST", f"{B}/work-plan/{other}/update/", {M}, {}),
        Case("POST", f"{B}/performance/{ind}/values/new/", {M, A, L}, {}),
        Case("POST", f"{B}/reviews/new/", {M}, {}),
        Case("POST", f"{B}/performance/refresh/", {M, A}, {}),
        Case("POST", f"{B}/assessments/run/", {M, A}, {}),
        Case("POST", f"{B}/assessments/upload/", {M, A}, {}),
        Case("POST", f"{B}/plan/priorities/new/", {M}, {}),
        Case("POST", f"{B}/people/new/", {AD}, {}),
        Case("POST", f"{B}/about/edit/", {M, AD}, {}),
        Case("POST", f"{B}/about/county/", {M, AD}, {}),
        Case("POST", f"{B}/about/type/", set(), {}),
        # Restoring what is not archived is refused with a message (a redirect); archiving the
        # locality touches nothing else the matrix visits.
        Case("POST", f"{B}/plan/priorities/{pr}/restore/", {M}, {}),
        Case("POST", f"{B}/work-plan/{own}/restore/", {M}, {}),
        Case("POST", f"{B}/performance/{ind}/restore/", {M, A}, {}),
        Case("POST", f"{B}/plan/localities/{loc_pk}/restore/", {M}, {}),
        Case("POST", f"{B}/plan/localities/{loc_pk}/archive/", {M}, {}),
        # The site-wide refresh status page: managers and analysts of any partnership (the
        # outsider manages another one), read-only.
        Case(g, "/refresh/", {M, A, "outsider"}),
        # Background jobs: seen by everyone who sees the partnership (like the pack itself).
        Case(g, f"{B}/jobs/", ALL),
        Case(g, f"{B}/jobs/{w.job.pk}/", ALL),
        Case(g, f"{B}/jobs/{w.job.pk}/progress/", ALL),
    ]
    api = "/api/partnerships/borough"
    endpoints = [
        Case(g, f"{api}/meetings", ALL, api=True),
        Case(g, f"{api}/meetings/{w.meeting.pk}", ALL, api=True),
        Case(
            "POST",
            f"{api}/bodies/{w.board.pk}/meetings",
            {M, AD},
            {"starts_at": "2025-06-12T18:00:00+01:00"},
            api=True,
        ),
        Case(g, f"{api}/jobs", ALL, api=True),
        Case(g, f"{api}/jobs/{w.job.pk}", ALL, api=True),
        # Queued (and, in tests, run at once: no warehouse, so it fails quickly with a reason).
        Case("POST", f"{api}/jobs/assessment", {M, A},
             {"area_code": "E22000271", "start": "2025-01-01", "end": "2025-02-28"}, api=True),
        Case(g, f"{api}/funds", ALL, api=True),
        Case(g, f"{api}/consultations", ALL, api=True),
        Case(g, f"{api}/funds/{w.fund.pk}/position?year=2025", ALL, api=True),
        Case(
            "POST",
            f"{api}/funds/{w.fund.pk}/entries",
            {M, L},
            {"kind": "received", "occurred_on": "2025-05-01", "amount_pence": 100},
            api=True,
        ),
        Case(g, f"{api}/statutory-reviews/counts", ALL, api=True),
        Case(g, f"{api}/statutory-reviews/cases", ALL, api=True),
        Case(g, f"{api}/statutory-reviews/asb-figures/2025", ALL, api=True),
        Case(g, f"{api}/scrutiny/work-programme", ALL, api=True),
        Case(g, "/api/notifications", ALL | {"outsider"}, api=True),
        Case(g, f"{api}/scrutiny/recommendations", ALL, api=True),
        Case(
            "POST",
            f"{api}/scrutiny/committees/{w.committee.pk}/work-programme",
            {M, AD},
            {"title": "Knife crime"},
            api=True,
        ),
        Case(
            "POST",
            f"{api}/scrutiny/committees/{w.committee.pk}/recommendations",
            {M, AD},
            {"text": "Share the data", "made_on": "2025-06-12"},
            api=True,
        ),
        Case(
            "POST",
            f"{api}/scrutiny/recommendations/{w.rec.pk}/response",
            {M, AD},
            {"response": "accepted", "reasons": "", "responded_on": "2025-07-01"},
            api=True,
        ),
        Case(g, f"{api}", ALL, api=True),
        Case(g, f"{api}/priorities", ALL, api=True),
        Case(g, f"{api}/actions", ALL, api=True),
        Case(g, f"{api}/actions/{own}", ALL, api=True),
        Case(g, f"{api}/indicators", ALL, api=True),
        Case(g, f"{api}/indicators/{ind}", ALL, api=True),
        Case(g, f"{api}/dashboard", ALL, api=True),
        Case(g, f"{api}/assessments", ALL, api=True),
        Case(g, f"{api}/audit", {M, AD}, api=True),
        Case(g, "/api/refresh", {M, A, "outsider"}, api=True),
        Case(g, f"{api}/people", {M, AD}, api=True),
        Case(
            "POST", f"{api}/people", {AD}, {"email": "outsider@example.org", "role": MB}, api=True
        ),
        Case(g, f"{api}/county-requests", {AD}, api=True),
        Case("POST", f"{api}/county-requests", {M, AD}, {"county": "second-county"}, api=True),
        Case("POST", f"{api}/actions", {M}, {"priority_id": pr, "title": "Via the API"}, api=True),
        Case("PATCH", f"{api}/actions/{own}", {M}, {"rag": "amber"}, api=True),
        Case(
            "POST",
            f"{api}/actions/{own}/updates",
            {M, L},
            {"note": "API update", "status": "in_progress"},
            api=True,
        ),
        Case(
            "POST",
            f"{api}/actions/{other}/updates",
            {M},
            {"note": "API update", "status": "in_progress"},
            api=True,
        ),
        Case("PUT", f"{api}/indicators/{ind}/values/2025-04", {M, A, L}, {"value": 4}, api=True),
        Case("PUT", f"{api}/indicators/{other_ind}/values/2025-04", {M, A}, {"value": 4}, api=True),
        Case(
            "POST",
            f"{api}/assessments",
            {M, A},
            {
                "area_code": "E22000271",
                "result": {"recommended_priorities": [{"theme": "Burglary"}]},
            },
            api=True,
        ),
        Case(
            "POST",
            f"{api}/assessments/{run_pk}/adopt",
            {M},
            {"priorities": [0], "decided_on": "2025-04-01", "decision_maker": "Board"},
            api=True,
        ),
    ]
    return pages + endpoints


def _client(w, role: str) -> tuple[Client, dict]:
    c = Client()
    if role == "anonymous":
        return c, {}
    user = w.users[role]
    c.force_login(user)
    _, key = api_token_create(user=user, name="matrix")
    return c, {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(world, role):
    w = world
    review = plan_services.review_record(
        actor=w.users["manager"],
        partnership=w.partnership,
        quarter="Q1",
        held_on=dt.date(2025, 7, 1),
        summary="",
        lines=[],
    )
    run = plan_services.assessment_store(
        actor=None,
        partnership=w.partnership,
        area_code="E22000271",
        start=None,
        end=None,
        result={
            "recommended_priorities": [{"theme": "Vehicle crime", "score": 1, "rationale": "r"}]
        },
        imported=True,
    )
    loc = plan_services.locality_create(actor=None, partnership=w.partnership, name="Town centre")
    w.job = Job.objects.create(kind="pack", partnership=w.partnership)
    w.board = meeting_services.body_create(
        actor=None, partnership=w.partnership, name="Borough board", kind="board", quorum=2
    )
    w.meeting = meeting_services.meeting_create(
        actor=None, body=w.board, starts_at=dt.datetime(2025, 6, 12, 17, tzinfo=dt.UTC)
    )
    w.agenda_item = w.meeting.items.get()
    w.committee = meeting_services.body_create(
        actor=None, partnership=w.partnership, name="Scrutiny committee", kind="scrutiny"
    )
    w.work_item = meeting_services.work_item_add(actor=None, body=w.committee, title="DA contract")
    w.rec = meeting_services.recommendation_add(
        actor=None, body=w.committee, text="Publish the figures", made_on=dt.date(2025, 6, 12)
    )
    w.period = PlanPeriod.objects.create(
        partnership=w.partnership,
        title="Plan 2023 to 2026",
        starts_on=dt.date(2023, 4, 1),
        ends_on=dt.date(2026, 3, 31),
    )
    w.version = plan_services.version_create(
        actor=None, period=w.period, title="Draft", drafted_on=dt.date(2023, 1, 5)
    )
    # Grant money: a stream with a 2025/26 spend plan line and a return.
    from saferplaces.web.funds import services as fund_services

    w.fund = fund_services.stream_create(
        actor=None, partnership=w.partnership, name="Locality Deal Fund", grantor="Commissioner",
        starts_on=dt.date(2025, 4, 1), ends_on=dt.date(2026, 3, 31), amounts=[(2025, 100, "")],
    )  # fmt: skip
    fund_services.line_add(
        actor=None, stream=w.fund, year=2025, project="Diversion", quarters_pence=[100, 0, 0, 0]
    )
    w.fund_return = fund_services.return_create(
        actor=None, stream=w.fund, year=2025, quarter=1, narrative="On track",
        today=dt.date(2025, 7, 5),
    )  # fmt: skip
    from saferplaces.web.consultation import services as consultation_services

    w.consultation = consultation_services.consultation_create(
        actor=None, partnership=w.partnership, title="Community safety survey"
    )
    # A second county agreement the borough may ask to join.
    partnership_create(actor=None, name="Second County", slug="second-county", kind="county")
    c, token = _client(w, role)
    wrong = []
    for case in cases(w, review.pk, run.pk, loc.pk):
        if case.api:
            # Pages are checked with the session; the API with a personal token.
            api = Client()
            r = api.generic(
                case.method,
                case.url,
                data=__import__("json").dumps(case.data) if case.data is not None else "",
                content_type="application/json",
                **token,
            )
        elif case.method == "GET":
            r = c.get(case.url)
        else:
            r = c.post(case.url, case.data or {})
        allowed = role in case.allowed
        if role == "anonymous":
            ok = r.status_code == (401 if case.api else 302) and (
                case.api or r["Location"].startswith("/sign-in/")
            )
        elif allowed:
            ok = (
                r.status_code in (200, 201, 302)
                if case.method == "GET" or case.api
                else r.status_code in (200, 302, 400)
            )
        elif role == "outsider":
            ok = r.status_code == 404  # another partnership's member learns nothing about this one
        else:
            ok = r.status_code == 403
        if not ok:
            wrong.append(
                f"{case.method} {case.url}: {r.status_code} ({'should be allowed' if allowed else 'should be refused'})"
            )
    assert not wrong, "\n".join(wrong)


def test_superuser_sees_everything(world):
    c = Client()
    c.force_login(world.users["superuser"])
    for url in (
        f"{B}/audit/",
        f"{B}/people/new/",
        "/partnerships/other/",
        f"{B}/reviews/new/",
        f"{B}/about/type/",
        f"{B}/about/county-requests/",
    ):
        assert c.get(url).status_code == 200, url


def test_outsider_list_shows_only_own_partnership(world):
    c = Client()
    c.force_login(world.users["outsider"])
    page = c.get("/partnerships/").content.decode()
    assert "Other Partnership" in page and "Borough Partnership" not in page
    _, key = api_token_create(user=world.users["outsider"], name="t")
    slugs = [
        p["slug"]
        for p in Client().get("/api/partnerships", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    ]
    assert slugs == ["other"]


def test_lead_sees_edit_controls_only_for_own_action(world):
    c = Client()
    c.force_login(world.users["lead_officer"])
    assert "Give an update" in c.get(f"{B}/work-plan/{world.own_action.pk}/").content.decode()
    page = c.get(f"{B}/work-plan/{world.others_action.pk}/").content.decode()
    assert "Give an update" not in page and "Change action details" not in page


@pytest.mark.parametrize("role", [*ROLES, "lead_officer_2", "superuser"])
def test_review_case_need_to_know(world, role):
    """A statutory review case is seen only by its named case team (here the manager, who opened
    it, and the lead officer): every other role, site administrators included, gets 404 on its
    pages and API, finds nothing in the lists, and sees only counts; each view is audited."""
    from saferplaces.web.audit.models import AuditEvent
    from saferplaces.web.reviews import services as review_services

    w = world
    case = review_services.case_open(
        actor=w.users["manager"], partnership=w.partnership, kind="dardr",
        received_on=dt.date(2026, 3, 2), team=[w.users["lead_officer"]],
    )  # fmt: skip
    team = role in (M, L)
    c, token = _client(w, role) if role in w.users or role == "anonymous" else (None, {})
    urls = [f"{B}/statutory-reviews/{case.pk}/{s}" for s in
            ("", "step/decide_review/", "recommendations/new/", "team/new/", "redacted.json")]  # fmt: skip
    seen = AuditEvent.objects.filter(verb="viewed", object_type="statutory review case")
    for url in urls:
        before = seen.count()
        r = c.get(url)
        if role == "anonymous":
            assert r.status_code == 302, url
        else:
            assert r.status_code == (200 if team else 404), (url, r.status_code)
            assert seen.count() == before + (1 if team else 0), url
    if role == "anonymous":
        return
    api = Client()
    r = api.get(f"/api/partnerships/borough/statutory-reviews/cases/{case.pk}", **token)
    assert r.status_code == (200 if team else 404)
    listed = api.get("/api/partnerships/borough/statutory-reviews/cases", **token)
    if role == "outsider":
        assert listed.status_code == 404
        return
    assert [x["reference"] for x in listed.json()] == (["DARDR-2026-001"] if team else [])
    home = c.get(f"{B}/statutory-reviews/").content.decode()
    assert ("DARDR-2026-001" in home) == team
    counts = api.get("/api/partnerships/borough/statutory-reviews/counts", **token).json()
    assert counts[1]["open"] is None  # one open case: suppressed, for everyone

