"""Tenancy links between district partnerships and county agreements are authorised.

Findings reproduced first: a manager could make their own partnership a county agreement, and
attach it to any county agreement, and then read that county's county-wide priorities.
"""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from saferplaces.web.accounts.services import api_token_create, user_create
from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.partnerships import services as ps
from saferplaces.web.partnerships.models import CountyLinkRequest, Partnership, Role

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
OTHER = "/partnerships/other"
C = "/partnerships/testshire"


@pytest.fixture
def county_admin(world):
    u = user_create(
        email="county-admin@example.org",
        password=PASSWORD,
        job_title="County Community Safety Lead",
        check_password=False,
    )
    ps.membership_add(actor=None, partnership=world.county, user=u, role=Role.ADMINISTRATOR)
    return u


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _api(user, method: str, url: str, data: dict | None = None):
    _, key = api_token_create(user=user, name="t")
    return Client().generic(
        method,
        url,
        data=json.dumps(data) if data is not None else "",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def _edit_form(p: Partnership, **extra) -> dict:
    return {"name": p.name, "description": "", **extra}


# Findings -------------------------------------------------------------------------------------


def test_manager_cannot_make_own_partnership_a_county(world):
    manager = world.users["outsider"]  # manager of "Other Partnership"
    _client(manager).post(f"{OTHER}/about/edit/", _edit_form(world.other, kind="county"))
    world.other.refresh_from_db()
    assert world.other.kind == "district"
    with pytest.raises(ValidationError) as exc:
        ps.partnership_update(actor=manager, partnership=world.other, kind="county")
    assert "site administrator" in exc.value.message_dict["kind"][0]


def test_manager_cannot_attach_own_partnership_to_any_county(world):
    manager = world.users["outsider"]
    c = _client(manager)
    c.post(f"{OTHER}/about/edit/", _edit_form(world.other, county=str(world.county.pk)))
    world.other.refresh_from_db()
    assert world.other.county_id is None
    # ... so the district does not read the county's county-wide priorities.
    assert "County-wide fraud" not in c.get(f"{OTHER}/plan/").content.decode()
    with pytest.raises(ValidationError):
        ps.partnership_update(actor=manager, partnership=world.other, county=world.county)


def test_partnership_form_no_longer_offers_type_or_county(world, client_for):
    page = client_for(world.users["manager"]).get("/partnerships/borough/about/edit/")
    html = page.content.decode()
    assert 'name="kind"' not in html and 'name="county"' not in html


def test_partnership_created_under_a_county_only_by_site_administrator(world):
    with pytest.raises(PermissionDenied):
        ps.partnership_create(
            actor=world.users["administrator"], name="Sneaky", county=world.county
        )
    p = ps.partnership_create(actor=world.users["superuser"], name="New", county=world.county)
    link = CountyLinkRequest.objects.get(district=p)
    assert link.status == "accepted" and link.decided_by == world.users["superuser"]


# Request, accept, decline, end ---------------------------------------------------------------


def test_district_requests_and_county_accepts(world, county_admin):
    manager = world.users["outsider"]
    c = _client(manager)
    page = c.get(f"{OTHER}/about/county/").content.decode()
    assert "Testshire County Agreement" in page
    r = c.post(f"{OTHER}/about/county/", {"county": str(world.county.pk)})
    assert r.status_code == 302
    link = CountyLinkRequest.objects.get(district=world.other)
    assert link.status == "pending" and link.requested_by == manager
    world.other.refresh_from_db()
    assert world.other.county_id is None
    # A pending request gives no access to the county's priorities.
    assert "County-wide fraud" not in c.get(f"{OTHER}/plan/").content.decode()
    # The requester cannot decide it: they have no role in the county.
    assert (
        c.post(f"{C}/about/county-requests/{link.pk}/", {"decision": "accept"}).status_code == 404
    )

    ca = _client(county_admin)
    page = ca.get(f"{C}/about/county-requests/").content.decode()
    assert "Other Partnership" in page and "Waiting for a decision" in page
    r = ca.post(f"{C}/about/county-requests/{link.pk}/", {"decision": "accept"})
    assert r.status_code == 302
    link.refresh_from_db()
    world.other.refresh_from_db()
    assert link.status == "accepted" and link.decided_by == county_admin
    assert link.decided_at is not None and world.other.county_id == world.county.pk
    assert "County-wide fraud" in c.get(f"{OTHER}/plan/").content.decode()
    # Both partnerships' audit logs show the request and the decision.
    for p in (world.other, world.county):
        summaries = list(
            AuditEvent.objects.filter(partnership=p, object_type="county link request")
            .order_by("id")
            .values_list("summary", flat=True)
        )
        assert summaries == [
            "Other Partnership asked to join Testshire County Agreement",
            "Testshire County Agreement accepted Other Partnership's request",
        ]


def test_county_declines(world, county_admin):
    link = ps.county_link_request(
        actor=world.users["outsider"], district=world.other, county=world.county
    )
    r = _client(county_admin).post(f"{C}/about/county-requests/{link.pk}/", {"decision": "decline"})
    assert r.status_code == 302
    link.refresh_from_db()
    world.other.refresh_from_db()
    assert link.status == "declined" and world.other.county_id is None
    with pytest.raises(ValidationError):
        ps.county_link_decide(actor=county_admin, link=link, accept=True)


def test_decision_needs_the_county_administrator(world, county_admin):
    link = ps.county_link_request(
        actor=world.users["outsider"], district=world.other, county=world.county
    )
    # The district's own administrator, and the borough's, are not the county's.
    for who in ("outsider", "administrator", "manager"):
        with pytest.raises(PermissionDenied):
            ps.county_link_decide(actor=world.users[who], link=link, accept=True)
    # A county manager is not enough either: deciding is the administrator's.
    county_manager = user_create(email="cm@example.org", password=None, job_title="County manager")
    ps.membership_add(actor=None, partnership=world.county, user=county_manager, role="manager")
    assert (
        _client(county_manager)
        .post(f"{C}/about/county-requests/{link.pk}/", {"decision": "accept"})
        .status_code
        == 403
    )
    ps.county_link_decide(actor=world.users["superuser"], link=link, accept=True)
    world.other.refresh_from_db()
    assert world.other.county_id == world.county.pk


def test_only_one_request_waits_at_a_time(world, county_admin):
    ps.county_link_request(actor=world.users["outsider"], district=world.other, county=world.county)
    r = _client(world.users["outsider"]).post(
        f"{OTHER}/about/county/", {"county": str(world.county.pk)}
    )
    assert "already waiting for a decision" in r.content.decode()


def test_lower_roles_cannot_request(world):
    for role in ("analyst", "lead_officer", "member", "scrutiny"):
        with pytest.raises(PermissionDenied):
            ps.county_link_request(
                actor=world.users[role], district=world.partnership, county=world.county
            )


def test_district_leaves_its_county(world, client_for):
    # The fixture's borough sits under Testshire through an accepted link.
    assert CountyLinkRequest.objects.get(district=world.partnership).status == "accepted"
    c = client_for(world.users["manager"])
    assert "County-wide fraud" in c.get("/partnerships/borough/plan/").content.decode()
    page = c.get("/partnerships/borough/about/county/end/").content.decode()
    assert "Are you sure you want to leave Testshire County Agreement?" in page
    r = c.post("/partnerships/borough/about/county/end/")
    assert r.status_code == 302
    world.partnership.refresh_from_db()
    link = CountyLinkRequest.objects.get(district=world.partnership)
    assert world.partnership.county_id is None and link.status == "ended"
    assert link.ended_by == world.users["manager"]
    assert "County-wide fraud" not in c.get("/partnerships/borough/plan/").content.decode()


def test_only_site_administrator_changes_type(world):
    assert _client(world.users["outsider"]).get(f"{OTHER}/about/type/").status_code == 403
    su = _client(world.users["superuser"])
    r = su.post(f"{OTHER}/about/type/", {"kind": "county"})
    assert r.status_code == 302
    world.other.refresh_from_db()
    assert world.other.kind == "county"
    # A county with districts keeps its type until their links end.
    r = su.post(f"{C}/about/type/", {"kind": "district"})
    assert "End their links first" in r.content.decode()


# API ----------------------------------------------------------------------------------------


def test_api_request_and_decide(world, county_admin):
    manager = world.users["outsider"]
    r = _api(manager, "POST", "/api/partnerships/other/county-requests", {"county": "testshire"})
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert r.json()["status"] == "pending"
    # The district's manager cannot decide through the API either.
    r = _api(
        manager,
        "POST",
        f"/api/partnerships/testshire/county-requests/{pk}/decision",
        {"accept": True},
    )
    assert r.status_code == 404
    r = _api(county_admin, "GET", "/api/partnerships/testshire/county-requests")
    assert [x["district"] for x in r.json()] == ["other", "borough"]
    r = _api(
        county_admin,
        "POST",
        f"/api/partnerships/testshire/county-requests/{pk}/decision",
        {"accept": True},
    )
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert _api(manager, "GET", "/api/partnerships/other").json()["county"] == "testshire"


def test_api_refuses_unknown_county(world):
    r = _api(
        world.users["outsider"],
        "POST",
        "/api/partnerships/other/county-requests",
        {"county": "borough"},
    )
    assert r.status_code == 400
    assert "county" in r.json()["detail"][0]["field"]


def test_unitary_and_county_cannot_join_a_county(world):
    su = world.users["superuser"]
    unitary = ps.partnership_create(actor=su, name="Unitary", kind="unitary")
    with pytest.raises(ValidationError, match="Only a district or borough"):
        ps.county_link_request(actor=su, district=unitary, county=world.county)
    with pytest.raises(ValidationError, match="Only a district or borough"):
        ps.county_link_request(actor=su, district=world.county, county=world.county)
    with pytest.raises(ValidationError, match="Leave Testshire County Agreement first"):
        ps.partnership_change_kind(actor=su, partnership=world.partnership, kind="unitary")
