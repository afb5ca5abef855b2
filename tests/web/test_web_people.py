"""People administration: no self-granted roles, invitations, password reset, deactivation,
the password policy, view events and the two-factor throttle message.

Findings reproduced first: an administrator could give themselves the manager role; there was
no invitation, password reset or deactivation (leavers kept access) and no record of who viewed
people or the audit log; `aaaaaaaaaaaa` was accepted as a password; a throttled two-factor code
was reported as "The code is not right".
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import ProtectedError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from saferplaces.web.accounts.models import User
from saferplaces.web.accounts.services import api_token_create, user_deactivate
from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.audit.services import record_view
from saferplaces.web.partnerships import services as ps
from saferplaces.web.partnerships.models import Invitation, Membership, Role

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
NEW_PASSWORD = "Tamworth-board-meets-on-Thursdays"
B = "/partnerships/borough"


def error_summary(html: str) -> list[str]:
    m = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", m.group(1), re.S) if m else []


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _token(user) -> dict:
    _, key = api_token_create(user=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _link(message) -> str:
    return re.search(r"http://testserver(/\S+)", message.body).group(1)


# No self-granted roles ------------------------------------------------------------------------


def test_administrator_cannot_give_themselves_a_role(world):
    admin = world.users["administrator"]
    r = _client(admin).post(f"{B}/people/new/", {"email": admin.email, "role": "manager"})
    assert "You cannot change your own roles" in " ".join(error_summary(r.content.decode()))
    assert not Membership.objects.filter(user=admin, role="manager").exists()
    with pytest.raises(ValidationError):
        ps.membership_add(actor=admin, partnership=world.partnership, user=admin, role="manager")
    own = Membership.objects.get(user=admin, partnership=world.partnership)
    with pytest.raises(ValidationError):
        ps.membership_remove(actor=admin, membership=own)


def test_administrator_cannot_change_own_roles_through_the_api(world):
    admin = world.users["administrator"]
    api = Client()
    r = api.post(
        "/api/partnerships/borough/people",
        json.dumps({"email": admin.email, "role": "manager"}),
        content_type="application/json",
        **_token(admin),
    )
    assert r.status_code == 400 and "own roles" in r.json()["detail"][0]["message"]
    own = Membership.objects.get(user=admin, partnership=world.partnership)
    r = api.delete(f"/api/partnerships/borough/people/{own.pk}", **_token(admin))
    assert r.status_code == 400
    assert Membership.objects.filter(pk=own.pk).exists()


def test_role_changes_need_an_administrator_and_are_audited(world):
    admin, manager, lead = (world.users[k] for k in ("administrator", "manager", "lead_officer"))
    with pytest.raises(PermissionDenied):
        ps.membership_add(actor=manager, partnership=world.partnership, user=lead, role="analyst")
    ps.membership_add(actor=admin, partnership=world.partnership, user=lead, role="analyst")
    ev = AuditEvent.objects.filter(object_type="membership").first()
    assert ev.actor == admin and ev.verb == "create"
    assert ev.before == {"user": lead.email, "roles": ["lead_officer"]}
    assert ev.after == {"user": lead.email, "roles": ["analyst", "lead_officer"]}
    m = Membership.objects.get(user=lead, role="analyst")
    ps.membership_remove(actor=admin, membership=m)
    ev = AuditEvent.objects.filter(object_type="membership").first()
    assert ev.verb == "delete" and ev.after["roles"] == ["lead_officer"]


def test_api_people_add_and_remove_by_administrator(world):
    admin, lead = world.users["administrator"], world.users["lead_officer"]
    api = Client()
    r = api.post(
        "/api/partnerships/borough/people",
        json.dumps({"email": lead.email, "role": "analyst"}),
        content_type="application/json",
        **_token(admin),
    )
    assert r.status_code == 201 and r.json()["role"] == "analyst"
    r = api.delete(f"/api/partnerships/borough/people/{r.json()['id']}", **_token(admin))
    assert r.status_code == 204
    r = api.get("/api/partnerships/borough/people", **_token(world.users["manager"]))
    assert r.status_code == 200 and lead.email in {p["email"] for p in r.json()}
    assert AuditEvent.objects.filter(verb="viewed", actor=world.users["manager"]).exists()


# People are never deleted ---------------------------------------------------------------------


def test_people_with_history_cannot_be_deleted(world):
    with pytest.raises(ProtectedError):
        world.users["lead_officer"].delete()


# Invitations ----------------------------------------------------------------------------------


def test_invitation_journey(world, client):
    admin = world.users["administrator"]
    c = _client(admin)
    page = c.get(f"{B}/people/new/").content.decode()
    assert "First password" not in page  # administrators no longer set people's passwords
    r = c.post(
        f"{B}/people/new/",
        {"email": "New.Lead@Example.org", "role": "lead_officer", "job_title": "ASB Officer"},
    )
    assert r.status_code == 302
    assert "Invitation sent" in c.get(r["Location"]).content.decode()
    assert len(mail.outbox) == 1
    msg = mail.outbox[0]
    assert msg.to == ["new.lead@example.org"] and "Borough Partnership" in msg.subject
    assert "lead officer" in msg.body.lower() and "7 days" in msg.body
    link = _link(msg)
    people = c.get(f"{B}/people/").content.decode()
    assert "new.lead@example.org" in people and "Invited" in people

    page = client.get(link).content.decode()
    assert "Borough Partnership" in page and "Lead officer" in page
    r = client.post(link, {"new_password1": "aaaaaaaaaaaa", "new_password2": "aaaaaaaaaaaa"})
    assert error_summary(r.content.decode())
    assert not User.objects.filter(email="new.lead@example.org").exists()
    r = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert r.status_code == 302 and r["Location"] == f"{B}/"
    user = User.objects.get(email="new.lead@example.org")
    assert user.job_title == "ASB Officer" and user.check_password(NEW_PASSWORD)
    assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == [
        "lead_officer"
    ]
    assert client.get(f"{B}/").status_code == 200  # signed in and in the partnership
    ev = AuditEvent.objects.filter(object_type="membership", verb="create").first()
    assert ev.actor == admin  # the role was granted by the inviting administrator
    # The link works once.
    fresh = Client()
    r = fresh.get(link)
    assert r.status_code == 404 and "no longer works" in r.content.decode()


def test_invitation_expires(world):
    admin = world.users["administrator"]
    inv = ps.invitation_create(
        actor=admin,
        partnership=world.partnership,
        email="late@example.org",
        role="member",
        link_for=lambda key: f"http://testserver/invitation/{key}/",
    )
    link = _link(mail.outbox[0])
    Invitation.objects.filter(pk=inv.pk).update(expires_at=timezone.now())
    assert Client().get(link).status_code == 404


def test_invitation_void_if_inviter_no_longer_administrator(world):
    admin = world.users["administrator"]
    ps.invitation_create(
        actor=admin,
        partnership=world.partnership,
        email="late@example.org",
        role="manager",
        link_for=lambda key: f"http://testserver/invitation/{key}/",
    )
    Membership.objects.filter(user=admin).delete()  # (test set-up: the inviter has left)
    r = Client().post(
        _link(mail.outbox[0]), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert "no longer valid" in " ".join(error_summary(r.content.decode()))
    assert not User.objects.filter(email="late@example.org").exists()


def test_manager_cannot_invite(world):
    with pytest.raises(PermissionDenied):
        ps.invitation_create(
            actor=world.users["manager"],
            partnership=world.partnership,
            email="x@example.org",
            role="member",
            link_for=str,
        )
    assert not mail.outbox


def test_existing_account_gets_the_role_without_an_invitation(world):
    admin, outsider = world.users["administrator"], world.users["outsider"]
    r = _client(admin).post(f"{B}/people/new/", {"email": outsider.email, "role": "member"})
    assert r.status_code == 302 and not mail.outbox
    assert Membership.objects.filter(
        user=outsider, partnership=world.partnership, role="member"
    ).exists()


# Password reset -------------------------------------------------------------------------------


def test_password_reset_journey(world, client):
    user = world.users["analyst"]
    assert "Forgotten your password?" in client.get("/sign-in/").content.decode()
    r = client.post("/password-reset/", {"email": "ANALYST@example.org"})
    assert r.status_code == 302
    assert "Check your email" in client.get(r["Location"]).content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    r = client.get(_link(mail.outbox[0]))
    assert r.status_code == 302  # Django hides the token behind a set-password address
    form_url = r["Location"]
    r = client.post(form_url, {"new_password1": "password1234", "new_password2": "password1234"})
    assert error_summary(r.content.decode())
    r = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert r.status_code == 302
    assert "Your password has been reset" in client.get(r["Location"]).content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(actor=user, summary="Password reset by email link").exists()


def test_password_reset_does_not_reveal_accounts(world, client):
    r = client.post("/password-reset/", {"email": "nobody@example.org"})
    assert r.status_code == 302 and not mail.outbox


def test_deactivated_person_gets_no_reset_email(world, client):
    user_deactivate(actor=world.users["administrator"], user=world.users["member"])
    client.post("/password-reset/", {"email": world.users["member"].email})
    assert not mail.outbox


# Deactivation ---------------------------------------------------------------------------------


def test_deactivated_leaver_loses_access_everywhere(world):
    admin, leaver = world.users["administrator"], world.users["lead_officer_2"]
    session = _client(leaver)  # already signed in
    token = _token(leaver)
    assert session.get(f"{B}/").status_code == 200
    assert Client().get("/api/me", **token).status_code == 200

    c = _client(admin)
    page = c.get(f"{B}/people/{leaver.pk}/deactivate/").content.decode()
    assert "Are you sure" in page and leaver.display_name in page
    r = c.post(f"{B}/people/{leaver.pk}/deactivate/")
    assert r.status_code == 302
    leaver.refresh_from_db()
    assert not leaver.is_active
    assert "Deactivated" in c.get(f"{B}/people/").content.decode()
    # Opening the confirmation page was recorded, naming whose account it was.
    assert AuditEvent.objects.filter(
        verb="viewed", actor=admin, object_type="user", object_id=str(leaver.pk)
    ).exists()

    r = session.get(f"{B}/")
    assert r.status_code == 302 and r["Location"].startswith("/sign-in/")
    assert Client().get("/api/me", **token).status_code == 401
    r = Client().post("/sign-in/", {"username": leaver.email, "password": PASSWORD})
    assert "Enter a correct email address and password" in r.content.decode()
    # History stays: the memberships are still there.
    assert Membership.objects.filter(user=leaver).exists()
    ev = AuditEvent.objects.filter(object_type="user", summary="Account deactivated").get()
    assert ev.actor == admin and ev.before == {"is_active": True}

    r = c.post(f"{B}/people/{leaver.pk}/reactivate/")
    assert r.status_code == 302
    assert Client().get("/api/me", **token).status_code == 200


def test_deactivation_rules(world):
    admin = world.users["administrator"]
    with pytest.raises(ValidationError):
        user_deactivate(actor=admin, user=admin)
    # Someone with roles elsewhere is for a site administrator.
    ps.membership_add(
        actor=None, partnership=world.other, user=world.users["member"], role="member"
    )
    with pytest.raises(PermissionDenied):
        user_deactivate(actor=admin, user=world.users["member"])
    assert (
        _client(admin).post(f"{B}/people/{world.users['member'].pk}/deactivate/").status_code == 403
    )
    # The outsider has no role here: not found.
    assert (
        _client(admin).get(f"{B}/people/{world.users['outsider'].pk}/deactivate/").status_code
        == 404
    )
    assert (
        _client(world.users["manager"])
        .get(f"{B}/people/{world.users['analyst'].pk}/deactivate/")
        .status_code
        == 403
    )
    # The last active administrator stays.
    with pytest.raises(ValidationError, match="at least one administrator"):
        user_deactivate(actor=world.users["superuser"], user=admin)


# Password policy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaaaa", "abcdefghijkl", "123456789012", "password1234"]
)
def test_weak_passwords_rejected(password):
    with pytest.raises(ValidationError):
        validate_password(password, User(email="someone@example.org"))


def test_strong_passphrase_accepted():
    validate_password(NEW_PASSWORD, User(email="someone@example.org"))


def test_password_change_rejects_repeated_characters(world, client_for):
    c = client_for(world.users["manager"])
    r = c.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "aaaaaaaaaaaa",
            "new_password2": "aaaaaaaaaaaa",
        },
    )
    assert error_summary(r.content.decode())


# Two-factor throttle --------------------------------------------------------------------------


def test_throttled_code_is_reported_plainly(world, client):
    user = world.users["manager"]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.post("/sign-in/", {"username": user.email, "password": PASSWORD})
    wrong = "000000" if totp(device.bin_key) != 0 else "111111"
    r = client.post("/sign-in/code/", {"code": wrong})
    assert "The code is not right" in r.content.decode()
    # Straight away, even the right code is refused by django-otp's throttle: say so.
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    r = client.post("/sign-in/code/", {"code": code})
    html = r.content.decode()
    assert "The code is not right" not in html
    assert "You have tried too many codes" in html and "Try again after" in html


def test_throttled_code_on_set_up_is_reported_plainly(world, client_for):
    c = client_for(world.users["analyst"])
    c.get("/account/two-factor/")
    device = TOTPDevice.objects.get(user=world.users["analyst"], confirmed=False)
    wrong = "000000" if totp(device.bin_key) != 0 else "111111"
    assert (
        "The code is not right" in c.post("/account/two-factor/", {"code": wrong}).content.decode()
    )
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    html = c.post("/account/two-factor/", {"code": code}).content.decode()
    assert "You have tried too many codes" in html


# View events ----------------------------------------------------------------------------------


def test_viewing_people_and_the_audit_log_is_recorded(world, client_for):
    manager = world.users["manager"]
    c = client_for(manager)
    c.get(f"{B}/people/")
    c.get(f"{B}/audit/")
    views = AuditEvent.objects.filter(verb="viewed", actor=manager, partnership=world.partnership)
    assert sorted(views.values_list("summary", flat=True)) == [
        "Viewed People and their roles",
        "Viewed the audit log",
    ]
    # The audit log shows who looked.
    assert "Viewed People and their roles" in c.get(f"{B}/audit/").content.decode()


def test_record_view_is_one_insert(world):
    manager = world.users["manager"]
    manager.organisation  # noqa: B018 - loaded once per request by the page anyway
    with CaptureQueriesContext(connection) as q:
        record_view(actor=manager, partnership=world.partnership, what="a case record")
    assert len(q.captured_queries) == 1
    assert q.captured_queries[0]["sql"].lstrip().upper().startswith("INSERT")


def test_invitation_role_must_be_valid(world):
    with pytest.raises(ValidationError):
        ps.invitation_create(
            actor=world.users["administrator"],
            partnership=world.partnership,
            email="x@example.org",
            role="owner",
            link_for=str,
        )
    assert Role.ADMINISTRATOR in Role.values


def test_invitation_not_kept_when_the_mail_server_refuses(world, settings):
    # A real SMTP backend pointed at a closed port on this machine: nothing is kept.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with pytest.raises(ValidationError, match="could not be sent"):
        ps.invitation_create(
            actor=world.users["administrator"],
            partnership=world.partnership,
            email="x@example.org",
            role="member",
            link_for=str,
        )
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.filter(object_type="invitation").exists()
