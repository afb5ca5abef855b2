"""Pages and journeys through the Django test client (the browser tests repeat the key ones)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from sp_web_fixtures import PASSWORD

from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.core.models import ImportBatch
from saferplaces.web.performance.models import IndicatorValue
from saferplaces.web.plans.models import Action, Decision, Priority, Review

pytestmark = pytest.mark.django_db

B = "/partnerships/borough"


def error_summary(html: str) -> list[str]:
    m = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", m.group(1), re.S) if m else []


# Signing in ----------------------------------------------------------------------------------


def test_sign_in_and_argon2_hash(world, client):
    from saferplaces.web.accounts.services import user_create

    u = user_create(
        email="new@example.org", password="a-long-enough-passphrase", check_password=False
    )
    assert u.password.startswith("argon2")
    r = client.post(
        "/sign-in/", {"username": "new@example.org", "password": "a-long-enough-passphrase"}
    )
    assert r.status_code == 302 and r["Location"] == "/partnerships/"


def test_sign_in_errors_use_the_error_summary(world, client):
    r = client.post("/sign-in/", {"username": "manager@example.org", "password": "wrong"})
    assert r.status_code == 200
    assert error_summary(r.content.decode()) == [
        '<a href="#id_username">Enter a correct email address and password</a>'
    ]
    r = client.post("/sign-in/", {"username": "", "password": ""})
    assert len(error_summary(r.content.decode())) == 2
    assert "<title>Error: " in r.content.decode()


def test_sign_in_is_throttled(world, client):
    for _ in range(5):
        client.post("/sign-in/", {"username": "manager@example.org", "password": "wrong"})
    r = client.post("/sign-in/", {"username": "manager@example.org", "password": PASSWORD})
    assert r.status_code == 429
    assert "You cannot sign in for 30 minutes" in r.content.decode()


def test_open_redirect_is_refused(world, client):
    r = client.post(
        "/sign-in/?next=https://evil.example/",
        {"username": "manager@example.org", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert r["Location"] == "/partnerships/"


def test_two_factor_sign_in(world, client):
    user = world.users["manager"]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    r = client.post("/sign-in/", {"username": user.email, "password": PASSWORD})
    assert r["Location"] == "/sign-in/code/"
    assert client.get(f"{B}/").status_code == 302  # not signed in yet
    r = client.post("/sign-in/code/", {"code": "000000" if totp(device.bin_key) != 0 else "111111"})
    assert "The code is not right" in r.content.decode()
    # django-otp throttles after a wrong code (1s, 2s, 4s...); the wait is not the point here.
    device.refresh_from_db()
    device.throttle_reset()
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    r = client.post("/sign-in/code/", {"code": code})
    assert r.status_code == 302
    assert client.get(f"{B}/").status_code == 200


def test_two_factor_set_up(world, client_for):
    c = client_for(world.users["analyst"])
    r = c.get("/account/two-factor/")
    assert "<svg" in r.content.decode() and "Key:" in r.content.decode()
    device = TOTPDevice.objects.get(user=world.users["analyst"], confirmed=False)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    r = c.post("/account/two-factor/", {"code": code})
    assert r.status_code == 302
    assert TOTPDevice.objects.get(user=world.users["analyst"]).confirmed


def test_security_headers(world, client_for):
    r = client_for(world.users["member"]).get(f"{B}/")
    csp = r["Content-Security-Policy"]
    assert (
        "script-src 'self' 'nonce-" in csp
        and "frame-ancestors 'none'" in csp
        and "unsafe-inline" not in csp
    )
    assert r["X-Frame-Options"] == "DENY" and r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"


def test_csrf_is_enforced(world):
    c = Client(enforce_csrf_checks=True)
    c.force_login(world.users["lead_officer"])
    r = c.post(
        f"{B}/work-plan/{world.own_action.pk}/update/", {"note": "x", "status": "in_progress"}
    )
    assert r.status_code == 403


def test_api_tokens(world, client_for):
    c = client_for(world.users["analyst"])
    r = c.post("/account/tokens/new/", {"name": "Police data team"})
    key = re.search(r'<code id="token">(sp_[^<]+)</code>', r.content.decode()).group(1)
    api = Client()
    assert api.get("/api/partnerships", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert api.get("/api/partnerships", HTTP_AUTHORIZATION="Bearer sp_wrong").status_code == 401


# Work plan -----------------------------------------------------------------------------------


def test_lead_officer_updates_own_action(world, client_for):
    c = client_for(world.users["lead_officer"])
    url = f"{B}/work-plan/{world.own_action.pk}/update/"
    r = c.post(url, {"note": "", "status": ""})
    assert r.status_code == 200 and len(error_summary(r.content.decode())) == 2
    assert not world.own_action.updates.exists()
    r = c.post(url, {"note": "Two joint visits done", "status": "complete", "rag": "green"})
    assert r.status_code == 302
    page = c.get(f"{B}/work-plan/{world.own_action.pk}/").content.decode()
    assert "Two joint visits done" in page
    assert (
        c.post(
            f"{B}/work-plan/{world.others_action.pk}/update/", {"note": "x", "status": "complete"}
        ).status_code
        == 403
    )
    assert (
        "Give an update" not in c.get(f"{B}/work-plan/{world.others_action.pk}/").content.decode()
    )


def test_manager_adds_action_with_validation(world, client_for):
    c = client_for(world.users["manager"])
    n = Action.objects.count()
    r = c.post(
        f"{B}/work-plan/new/",
        {
            "priority": "",
            "title": "",
            "due_date_0": "31",
            "due_date_1": "2",
            "due_date_2": "2026",
            "status": "not_started",
        },
    )
    errs = error_summary(r.content.decode())
    assert any("#id_due_date_0" in e and "real date" in e for e in errs)
    assert any("#id_priority" in e for e in errs) and any("#id_title" in e for e in errs)
    assert Action.objects.count() == n
    r = c.post(
        f"{B}/work-plan/new/",
        {
            "priority": world.priorities[0].pk,
            "title": "New action",
            "owner": world.users["lead_officer"].pk,
            "due_date_0": "31",
            "due_date_1": "3",
            "due_date_2": "2026",
            "status": "not_started",
            "rag": "",
        },
    )
    assert r.status_code == 302
    a = Action.objects.get(title="New action")
    assert a.due_date == dt.date(2026, 3, 31) and a.owner == world.users["lead_officer"]
    # An owner from outside the partnership is not a valid choice.
    r = c.post(
        f"{B}/work-plan/new/",
        {
            "priority": world.priorities[0].pk,
            "title": "Sneaky",
            "owner": world.users["outsider"].pk,
            "status": "not_started",
        },
    )
    assert "Select a valid choice" in r.content.decode()


def test_workplan_filters_and_htmx_fragment(world, client_for):
    c = client_for(world.users["member"])
    page = c.get(f"{B}/work-plan/?only=overdue").content.decode()
    assert world.others_action.title in page and world.own_action.title not in page
    frag = c.get(f"{B}/work-plan/?status=open", HTTP_HX_REQUEST="true").content.decode()
    assert frag.lstrip().startswith('<div id="workplan-table"') and "<html" not in frag


def test_quarterly_review(world, client_for):
    c = client_for(world.users["manager"])
    r = c.get(f"{B}/reviews/new/")
    assert all(a.title in r.content.decode() for a in world.actions)
    data = {
        "quarter": "2025-26 Q3",
        "held_on_0": "5",
        "held_on_1": "1",
        "held_on_2": "2026",
        "summary": "Good progress",
    }
    for p in world.priorities:
        data[f"p{p.pk}-rag"] = "green"
    for a in world.actions:
        data[f"a{a.pk}-status"] = a.status
        data[f"a{a.pk}-rag"] = "amber"
    data[f"a{world.own_action.pk}-comment"] = "Raised at the board"
    data[f"a{world.others_action.pk}-status"] = "nonsense"
    r = c.post(f"{B}/reviews/new/", data)
    assert any("Choose a status" in e for e in error_summary(r.content.decode()))
    assert not Review.objects.exists()
    data[f"a{world.others_action.pk}-status"] = "on_hold"
    r = c.post(f"{B}/reviews/new/", data)
    review = Review.objects.get()
    assert r["Location"] == f"{B}/reviews/{review.pk}/"
    assert world.own_action.updates.get().note == "Raised at the board"
    assert Action.objects.get(pk=world.others_action.pk).status == "on_hold"
    assert "2025-26 Q3 quarterly review" in c.get(r["Location"]).content.decode()


# Performance ---------------------------------------------------------------------------------


def test_lead_enters_value_for_own_indicator(world, client_for):
    c = client_for(world.users["lead_officer"])
    url = f"{B}/performance/{world.own_indicator.pk}/values/new/"
    r = c.post(url, {"period": "2025-13", "value": "many"})
    errs = error_summary(r.content.decode())
    assert len(errs) == 2 and "#id_period" in errs[0]
    r = c.post(url, {"period": "2025-06", "value": "12.5", "note": "From the MARAC return"})
    assert r.status_code == 302
    assert (
        IndicatorValue.objects.get(indicator=world.own_indicator, period=dt.date(2025, 6, 1)).value
        == 12.5
    )
    assert (
        c.post(
            f"{B}/performance/{world.indicators[1].pk}/values/new/",
            {"period": "2025-06", "value": "1"},
        ).status_code
        == 403
    )


def test_dashboard_shows_what_the_board_needs(world, client_for):
    from django.utils import timezone

    from saferplaces.web.meetings import services as meeting_services

    board = meeting_services.body_create(actor=None, partnership=world.partnership, name="Board")
    meeting_services.meeting_create(
        actor=None, body=board, starts_at=timezone.now() - dt.timedelta(days=1)
    )
    page = client_for(world.users["scrutiny"]).get(f"{B}/").content.decode()
    assert "Priority 1" in page and "Indicator 1" in page
    assert '<svg class="sp-sparkline"' in page
    assert world.others_action.title in page  # overdue
    assert "No warehouse data loaded" in page
    assert "County-wide fraud" in page
    assert "Since Board on" in page


def test_board_pack_pdf_and_word(world, client_for):
    from docx import Document
    from pdfminer.high_level import extract_text

    c = client_for(world.users["scrutiny"])
    r = c.get(f"{B}/pack/download.pdf")
    assert r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    text = extract_text(io.BytesIO(r.content))
    assert "Borough Partnership: performance pack" in text and "Indicator 1" in text
    r = c.get(f"{B}/pack/download.docx")
    doc = Document(io.BytesIO(r.content))
    body = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    assert "Overdue actions" in body and world.others_action.title in body and "Indicator 1" in body


def test_exports(world, client_for):
    from openpyxl import load_workbook

    c = client_for(world.users["member"])
    r = c.get(f"{B}/export/actions.csv")
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id,priority,action") and world.own_action.title in text
    r = c.get(f"{B}/export/indicator-values.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws["B1"].value == "indicator" and ws.max_row == 1 + 6
    assert c.get(f"{B}/export/secrets.csv").status_code == 404


def test_csv_injection_is_neutralised(world):
    from saferplaces.web.transfers import to_csv

    assert "'=HYPERLINK" in to_csv(["a"], [["=HYPERLINK(1)"]]).decode("utf-8-sig")


# Imports -------------------------------------------------------------------------------------


def upload(c, kind: str, text: str):
    f = io.BytesIO(text.encode())
    f.name = "rows.csv"
    return c.post(f"{B}/import/", {"kind": kind, "file": f})


def test_import_actions_lists_every_row_error_and_saves_nothing(world, client_for):
    c = client_for(world.users["manager"])
    n = Action.objects.count()
    csv = (
        "priority,action,owner_email,organisation,due_date,status,rag\n"
        "Priority 1,Good row,lead_officer@example.org,Testshire Borough Council,2026-03-31,In progress,green\n"
        "Nope,,nobody@example.org,Unknown Org,31/02/2026,Sleeping,purple\n"
        "Priority 2,Another good row,,,,,\n"
    )
    r = upload(c, "actions", csv)
    assert r.status_code == 302
    preview = c.get(r["Location"]).content.decode()
    errs = error_summary(preview)
    assert len(errs) == 7 and all("Row 3" in e for e in errs)
    assert "Save" not in preview.split("</main>")[0].split("Problems, by row")[1]
    assert Action.objects.count() == n
    batch = ImportBatch.objects.get()
    assert c.post(f"{B}/import/{batch.pk}/confirm/").status_code == 302
    assert Action.objects.count() == n


def test_import_actions_preview_then_confirm(world, client_for):
    c = client_for(world.users["manager"])
    n = Action.objects.count()
    r = upload(
        c,
        "actions",
        "priority,action,due_date,status\nPriority 1,Imported A,31/03/2026,Not started\npriority 2,Imported B,,complete\n",
    )
    preview = c.get(r["Location"]).content.decode()
    assert "2 rows ready to save" in preview and Action.objects.count() == n
    batch = ImportBatch.objects.get()
    r = c.post(f"{B}/import/{batch.pk}/confirm/")
    assert r["Location"] == f"{B}/work-plan/"
    assert Action.objects.count() == n + 2
    assert Action.objects.get(title="Imported B").status == "complete"
    assert AuditEvent.objects.filter(verb="import").count() == 1
    # A batch is saved once only.
    c.post(f"{B}/import/{batch.pk}/confirm/")
    assert Action.objects.count() == n + 2


def test_import_values_and_discard(world, client_for):
    c = client_for(world.users["analyst"])
    r = upload(
        c,
        "values",
        "indicator,period,value,note\nIndicator 1,2025-05,7,\nIndicator 1,2025-05,8,dup\nASB incidents,2025-05,3,\n",
    )
    errs = error_summary(c.get(r["Location"]).content.decode())
    assert (
        len(errs) == 2
        and any("computed from the warehouse" in e for e in errs)
        and any("earlier in the file" in e for e in errs)
    )
    r = upload(
        c,
        "values",
        'indicator,period,value\nIndicator 1,2025-05,7\nIndicator 2,2025-05,"1,234.5"\n',
    )
    batch = ImportBatch.objects.order_by("-id").first()
    c.post(f"{B}/import/{batch.pk}/confirm/", {"discard": "1"})
    assert not IndicatorValue.objects.filter(period=dt.date(2025, 5, 1)).exists()
    r = upload(
        c,
        "values",
        'indicator,period,value\nIndicator 1,2025-05,7\nIndicator 2,2025-05,"1,234.5"\n',
    )
    batch = ImportBatch.objects.order_by("-id").first()
    c.post(f"{B}/import/{batch.pk}/confirm/")
    assert (
        IndicatorValue.objects.get(indicator=world.indicators[1], period=dt.date(2025, 5, 1)).value
        == 1234.5
    )


def test_import_rejects_bad_files(world, client_for):
    c = client_for(world.users["manager"])
    r = upload(c, "actions", "title,owner\nx,y\n")
    assert any(
        "header row with the columns priority, action" in e
        for e in error_summary(r.content.decode())
    )
    f = io.BytesIO(b"x")
    f.name = "rows.xlsx"
    r = c.post(f"{B}/import/", {"kind": "actions", "file": f})
    assert any("must be a CSV" in e for e in error_summary(r.content.decode()))
    # A lead officer may not import actions.
    lead = Client()
    lead.force_login(world.users["lead_officer"])
    assert lead.get(f"{B}/import/").status_code == 403


# Assessments ----------------------------------------------------------------------------------


def test_run_without_engine_shows_clear_message(world, client_for, monkeypatch):
    from saferplaces.web import integrations

    def missing(*a, **k):
        raise integrations.AssessmentEngineMissing(
            "The assessment engine is not installed, so an assessment cannot be run here."
        )

    monkeypatch.setattr(integrations, "run_assessment", missing)
    c = client_for(world.users["analyst"])
    r = c.post(
        f"{B}/assessments/run/",
        {
            "area_code": "E22000271",
            "start_0": "1",
            "start_1": "1",
            "start_2": "2025",
            "end_0": "31",
            "end_1": "12",
            "end_2": "2025",
        },
        follow=True,  # to the background job's page, which gives the reason
    )
    assert "assessment engine is not installed" in r.content.decode()


def test_upload_then_adopt_assessment(world, client_for):
    c = client_for(world.users["manager"])
    f = io.BytesIO(
        json.dumps(
            {
                "area_code": "E22000271",
                "recommended_priorities": [
                    {
                        "theme": "Shoplifting",
                        "score": 3.2,
                        "rationale": "Up 40% with a significant E-test",
                    }
                ],
                "priority_localities": [
                    {
                        "name": "Town centre",
                        "score": 1.5,
                        "rationale": "Persistent hotspot",
                        "area_codes": ["E05007069"],
                    }
                ],
            }
        ).encode()
    )
    f.name = "assessment.json"
    r = c.post(f"{B}/assessments/upload/", {"file": f})
    assert r.status_code == 302
    detail = c.get(r["Location"]).content.decode()
    assert "Shoplifting" in detail and "Adopt into the plan" in detail
    adopt_url = r["Location"] + "adopt/"
    r = c.post(
        adopt_url,
        {"decided_on_0": "1", "decided_on_1": "4", "decided_on_2": "2025", "decision_maker": ""},
    )
    assert any("Choose at least one" in e for e in error_summary(r.content.decode()))
    r = c.post(
        adopt_url,
        {
            "priorities": ["0"],
            "localities": ["0"],
            "decided_on_0": "1",
            "decided_on_1": "4",
            "decided_on_2": "2025",
            "decision_maker": "Borough board",
            "minute": "Minute 12",
            "lead_0": str(world.users["lead_officer"].pk),  # Shoplifting is new to the plan
        },
    )
    assert r["Location"] == f"{B}/plan/"
    assert Priority.objects.filter(
        partnership=world.partnership, title="Shoplifting", source="assessment"
    ).exists()
    assert Decision.objects.get().minute == "Minute 12"
    plan_page = c.get(f"{B}/plan/").content.decode()
    assert "Town centre" in plan_page and "Borough board adopted 1 priority" in plan_page


def test_upload_rejects_non_json(world, client_for):
    c = client_for(world.users["analyst"])
    f = io.BytesIO(b"not json")
    f.name = "a.json"
    r = c.post(f"{B}/assessments/upload/", {"file": f})
    assert any("not valid JSON" in e for e in error_summary(r.content.decode()))


# Partnership administration ------------------------------------------------------------------


def test_administrator_adds_a_person(world, client_for):
    # Someone new is invited by email and chooses their own password (tests/web/test_web_people.py
    # follows the whole journey); the administrator never sets it.
    from django.core import mail

    c = client_for(world.users["administrator"])
    r = c.post(f"{B}/people/new/", {"email": "not-an-email", "role": "lead_officer"})
    assert any("correct format" in e for e in error_summary(r.content.decode()))
    r = c.post(
        f"{B}/people/new/",
        {"email": "newlead@example.org", "role": "lead_officer", "job_title": "ASB Officer"},
    )
    assert r.status_code == 302 and len(mail.outbox) == 1
    assert "newlead@example.org" in c.get(f"{B}/people/").content.decode()


def test_manager_edits_partnership_and_areas(world, client_for):
    c = client_for(world.users["manager"])
    r = c.post(f"{B}/about/areas/new/", {"code": "not-a-code", "level": "csp"})
    assert any("9-character ONS code" in e for e in error_summary(r.content.decode()))
    r = c.post(
        f"{B}/about/areas/new/", {"code": "e07000199", "level": "lad", "name": "Tamworth district"}
    )
    assert r.status_code == 302 and world.partnership.areas.filter(code="E07000199").exists()
    r = c.post(
        f"{B}/about/edit/",
        {
            "name": "Borough Partnership",
            "kind": "district",
            "plan_start_0": "1",
            "plan_start_1": "4",
            "plan_start_2": "2026",
            "plan_end_0": "1",
            "plan_end_1": "4",
            "plan_end_2": "2025",
        },
    )
    assert any("must end after it starts" in e for e in error_summary(r.content.decode()))


def test_accessibility_statement_is_public(client):
    r = client.get("/accessibility/")
    assert r.status_code == 200 and "Accessibility statement" in r.content.decode()


def test_no_gov_uk_crown_or_font(world, client_for):
    from pathlib import Path

    page = client_for(world.users["member"]).get(f"{B}/").content.decode()
    assert "govuk-logo" not in page and "crown" not in page.lower()
    css = (
        Path(__import__("saferplaces.web", fromlist=["x"]).__file__).parent
        / "static"
        / "vendor"
        / "govuk-frontend"
        / "govuk-frontend.min.css"
    )
    if css.exists():
        assert "GDS Transport" not in css.read_text()


def test_locality_drawn_from_warehouse_wards(world, client_for, warehouse_file):
    from saferplaces.web.plans.models import PriorityLocality

    c = client_for(world.users["manager"])
    page = c.get(f"{B}/plan/localities/new/").content.decode()
    assert "Castle (E05007069)" in page  # Tamworth's wards, from the warehouse
    r = c.post(
        f"{B}/plan/localities/new/",
        {
            "name": "Town centre",
            "wards": ["E05007069", "E05007070"],
            "area_codes": "",
            "rationale": "Persistent hotspot",
        },
    )
    assert r.status_code == 302
    loc = PriorityLocality.objects.get(name="Town centre")
    assert loc.area_codes == ["E05007069", "E05007070"] and loc.source == "warehouse"
    r = c.post(f"{B}/plan/localities/new/", {"name": "Bad", "wards": ["E05999999"]})
    assert any("valid choice" in e for e in error_summary(r.content.decode()))
