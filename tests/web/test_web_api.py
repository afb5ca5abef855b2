"""The JSON API: behaviour, the OpenAPI document, and fuzzing with schemathesis."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from saferplaces.web.accounts.services import api_token_create
from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.wsgi import application

pytestmark = pytest.mark.django_db
API = "/api/partnerships/borough"


def token_for(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user, name='t')[1]}"}


def test_openapi_document(client):
    doc = client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.") and doc["info"]["title"].startswith("Safer Places")
    assert f"{API.replace('borough', '{slug}')}/actions/{{action_id}}/updates" in doc["paths"]
    assert {"TokenAuth", "SessionAuth"} <= set(doc["components"]["securitySchemes"])


def test_actions_api_flow(world):
    c = Client()
    h = token_for(world.users["manager"])
    r = c.post(
        f"{API}/actions",
        json.dumps(
            {
                "priority_id": world.priorities[0].pk,
                "title": "From the API",
                "owner_id": world.users["lead_officer"].pk,
                "due_date": (dt.date.today() + dt.timedelta(days=60)).isoformat(),
            }
        ),
        content_type="application/json",
        **h,
    )
    assert r.status_code == 201, r.content
    aid = r.json()["id"]
    r = c.post(
        f"{API}/actions/{aid}/updates",
        json.dumps({"note": "Started", "status": "in_progress", "rag": "green"}),
        content_type="application/json",
        **h,
    )
    assert r.status_code == 201 and r.json()["status"] == "in_progress"
    detail = c.get(f"{API}/actions/{aid}", **h).json()
    assert (
        detail["updates"][0]["note"] == "Started"
        and detail["owner"]["id"] == world.users["lead_officer"].pk
    )
    assert AuditEvent.objects.filter(object_id=str(aid), verb="update").exists()
    overdue = c.get(f"{API}/actions?overdue=true", **h).json()
    assert {a["id"] for a in overdue["items"]} == {world.others_action.pk, world.actions[3].pk}


def test_api_validation_errors(world):
    c = Client()
    h = token_for(world.users["manager"])
    r = c.post(
        f"{API}/actions",
        json.dumps({"priority_id": 999999, "title": "x"}),
        content_type="application/json",
        **h,
    )
    assert r.status_code == 400 and r.json()["detail"][0]["field"] == "priority_id"
    r = c.post(
        f"{API}/actions",
        json.dumps({"priority_id": world.priorities[0].pk, "title": "a\x00b"}),
        content_type="application/json",
        **h,
    )
    assert r.status_code == 422
    r = c.put(
        f"{API}/indicators/{world.indicators[-1].pk}/values/2025-01",
        json.dumps({"value": 1}),
        content_type="application/json",
        **h,
    )
    assert r.status_code == 400 and "warehouse" in r.json()["detail"][0]["message"]


def test_lead_enters_value_via_api(world):
    c = Client()
    h = token_for(world.users["lead_officer"])
    r = c.put(
        f"{API}/indicators/{world.own_indicator.pk}/values/2025-04",
        json.dumps({"value": 8.5, "note": "Monthly return"}),
        content_type="application/json",
        **h,
    )
    assert r.status_code == 200 and r.json()["value"] == 8.5
    assert (
        c.get(f"{API}/indicators/{world.own_indicator.pk}", **h).json()["values"][-1]["note"]
        == "Monthly return"
    )


def test_session_api_writes_need_csrf(world):
    c = Client(enforce_csrf_checks=True)
    c.force_login(world.users["manager"])
    assert c.get(f"{API}/dashboard").status_code == 200
    r = c.post(
        f"{API}/actions/{world.own_action.pk}/updates",
        json.dumps({"note": "x", "status": "complete"}),
        content_type="application/json",
    )
    assert r.status_code in (401, 403)


@pytest.fixture
def keep_test_connection():
    """Calls straight into the WSGI app fire request_started/finished, which would close the
    test's database connection mid-transaction (Django's own test client disconnects them too)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded at collection: the OpenAPI document needs no database.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_fuzz_has_no_server_errors(case, world, keep_test_connection):
    """Every operation, fuzzed as a manager on a real partnership: no 5xx, responses match the schema."""
    user = world.users["manager"]
    if not hasattr(world, "_token"):
        world._token = api_token_create(user=user, name="fuzz")[1]
    params = case.path_parameters or {}
    if "slug" in params:
        params["slug"] = "borough"
    # Half the time aim ids at real records, so the fuzzing reaches the services, not just 404s.
    for key, real in (("action_id", world.own_action.pk), ("indicator_id", world.own_indicator.pk)):
        if isinstance(params.get(key), int) and params[key] % 2:
            params[key] = real
    response = case.call(headers={"Authorization": f"Bearer {world._token}"})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
    # Refusals too are JSON, whichever layer refuses (ninja, Django, the body-size limit).
    # Runs on PostgreSQL as well with DATABASE_URL set (NUL and lone surrogates refused there).
    ctype = {k.lower(): v for k, v in response.headers.items()}.get("content-type", [""])
    assert ctype[0].startswith("application/json"), (response.status_code, ctype)
