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
        Case(g, f"{api}/scrutiny/work-programme", ALL, api=True),
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
