"""Single sign-on through a real OpenID Connect provider (django-oauth-toolkit in its own
process on 127.0.0.1, see tests/web/sp_oidc_provider/): discovery, JWKS, PKCE, its own sign-in
form. The tests drive the provider's form with requests and our pages with Django's client."""

from __future__ import annotations

import base64
import json
import os
import re
import time

import pytest
import requests
from sp_oidc_provider import launcher

from saferplaces.web.accounts.models import User
from saferplaces.web.accounts.sso import oidc, services
from saferplaces.web.audit.models import AuditEvent
from saferplaces.web.partnerships.models import Invitation, Membership, Role

CALLBACK = "http://testserver/sign-in/organisation/callback/"
CLIENT_ID = "saferplaces-test"
SECRET = "test-client-secret-0123456789"
OP_PASSWORD = "provider-password-42"
PEOPLE = {
    "manager@example.org": {},
    "analyst@example.org": {"mfa": True},
    "lead_officer@example.org": {},
    "newcomer@example.org": {},
    "stranger@example.org": {},
    "outsider@example.org": {},
    "unverified@example.org": {"email_verified": False},
    "someone@elsewhere.example": {},
    "root@example.org": {},
}


@pytest.fixture(scope="module")
def op():
    provider = launcher.start(
        users=[{"email": e, "password": OP_PASSWORD, **extra} for e, extra in PEOPLE.items()],
        clients=[{"client_id": CLIENT_ID, "client_secret": SECRET, "redirect_uris": [CALLBACK]}],
    )
    yield provider
    provider.stop()


@pytest.fixture
def idp(op, world, monkeypatch):
    monkeypatch.setenv("SAFERPLACES_SSO_SECRET_TEST", SECRET)
    return services.provider_add(
        organisation="Testshire Borough Council",
        name="Testshire Borough Council (test provider)",
        slug="testshire-council",
        issuer=op.issuer,
        client_id=CLIENT_ID,
        client_secret_env="SAFERPLACES_SSO_SECRET_TEST",
        domains=["example.org"],
    )


def _to_callback(client, op, email: str) -> str:
    """Starts at our e-mail-first page and signs in at the provider's own form; returns the
    address the provider sends the browser back to (our callback, with code and state)."""
    r = client.post("/sign-in/organisation/", {"email": email})
    assert r.status_code == 302, r.content[:500]
    url = r["Location"]
    assert url.startswith(op.issuer + "/authorize/")
    assert "code_challenge_method=S256" in url and "nonce=" in url and "state=" in url
    browser = requests.Session()
    page = browser.get(url, timeout=10)  # the provider asks the person to sign in
    assert "Sign in to the test identity provider" in page.text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    nxt = re.search(r'name="next" value="([^"]*)"', page.text).group(1).replace("&amp;", "&")
    r = browser.post(
        f"http://127.0.0.1:{op.port}/login/",
        data={"csrfmiddlewaretoken": csrf, "username": email, "password": OP_PASSWORD, "next": nxt},
        allow_redirects=False,
        timeout=10,
    )
    for _ in range(5):
        location = r.headers["Location"]
        if location.startswith("/"):
            location = f"http://127.0.0.1:{op.port}{location}"
        if location.startswith(CALLBACK):
            return location
        r = browser.get(location, allow_redirects=False, timeout=10)
    raise AssertionError("the provider did not send the browser back")


def _refusals() -> list[str]:
    return list(
        AuditEvent.objects.filter(verb="sign-in-refused")
        .order_by("id")
        .values_list("summary", flat=True)
    )


def test_sign_in_lands_a_member_in_their_partnership(client, idp, op, world):
    back = _to_callback(client, op, "manager@example.org")
    r = client.get(back)
    assert r.status_code == 302 and r["Location"] == "/partnerships/borough/"
    page = client.get(r["Location"])
    assert page.status_code == 200 and "Borough Partnership" in page.content.decode()
    event = AuditEvent.objects.filter(verb="sign-in").latest("id")
    assert event.summary == "Signed in with Testshire Borough Council (test provider)"
    assert event.actor_id == world.users["manager"].pk


def test_invitation_is_accepted_by_signing_in(client, idp, op, world):
    from saferplaces.web.partnerships import services as ps

    inv = ps.invitation_create(
        actor=world.users["administrator"],
        partnership=world.partnership,
        email="newcomer@example.org",
        role=Role.ANALYST,
        job_title="Community Safety Analyst",
        link_for=lambda key: f"http://testserver/invitation/{key}/",
    )
    r = client.get(_to_callback(client, op, "newcomer@example.org"))
    assert r.status_code == 302 and r["Location"] == "/partnerships/borough/"
    user = User.objects.get(email="newcomer@example.org")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user, partnership=world.partnership).role == Role.ANALYST
    inv.refresh_from_db()
    assert inv.accepted_by == user and not Invitation.objects.get(pk=inv.pk).is_open
    assert client.get("/partnerships/borough/").status_code == 200
    summary = AuditEvent.objects.filter(verb="sign-in").latest("id").summary
    assert summary.endswith("accepting the invitation to Borough Partnership")


def test_known_domain_without_invitation_is_refused(client, idp, op):
    r = client.get(_to_callback(client, op, "stranger@example.org"))
    assert r.status_code == 403
    assert services.NOT_INVITED in r.content.decode().replace("&#x27;", "'")
    assert not User.objects.filter(email="stranger@example.org").exists()
    assert "no account and no open invitation" in _refusals()[-1]
    assert client.get("/partnerships/").status_code == 302  # not signed in


def test_unknown_domain_is_refused_plainly(client, idp, op):
    # Typed on our page: no provider for the domain.
    r = client.post("/sign-in/organisation/", {"email": "someone@elsewhere.example"})
    assert r.status_code == 200
    assert "does not sign in to Safer Places with its own account" in r.content.decode()
    # Vouched for by a provider that does not own the domain.
    r = client.post("/sign-in/organisation/", {"email": "manager@example.org"})  # known ...
    url = r["Location"]
    browser = requests.Session()
    page = browser.get(url, timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    nxt = re.search(r'name="next" value="([^"]*)"', page.text).group(1).replace("&amp;", "&")
    r = browser.post(  # ... but sign in at the provider as someone at another domain
        f"http://127.0.0.1:{op.port}/login/",
        data={
            "csrfmiddlewaretoken": csrf,
            "username": "someone@elsewhere.example",
            "password": OP_PASSWORD,
            "next": nxt,
        },
        timeout=10,
        allow_redirects=False,
    )
    r = browser.get(f"http://127.0.0.1:{op.port}{r.headers['Location']}", allow_redirects=False)
    r = client.get(r.headers["Location"])
    assert r.status_code == 403
    assert "does not sign in to Safer Places with its own account" in r.content.decode()
    assert "elsewhere.example is not a domain of this provider" in _refusals()[-1]


def test_deactivated_unverified_and_site_administrators_are_refused(client, idp, op, world):
    from saferplaces.web.accounts import services as acc

    acc.user_deactivate(actor=world.users["superuser"], user=world.users["outsider"])
    r = client.get(_to_callback(client, op, "outsider@example.org"))
    assert r.status_code == 403 and "account has been closed" in r.content.decode()
    r = client.get(_to_callback(client, op, "unverified@example.org"))
    assert r.status_code == 403 and "did not confirm your email address" in r.content.decode()
    assert ["the account is deactivated" in s for s in _refusals()[-2:]] == [True, False]
    # Site administrators keep their local password (and code): no provider grants that power.
    r = client.get(_to_callback(client, op, "root@example.org"))
    assert r.status_code == 403 and "Site administrators sign in with" in r.content.decode()


def test_local_two_factor_is_skipped_only_when_the_provider_says_mfa(client, idp, op, world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for role in ("analyst", "lead_officer"):
        TOTPDevice.objects.create(user=world.users[role], name="app", confirmed=True)
    r = client.get(_to_callback(client, op, "lead_officer@example.org"))  # amr: pwd
    assert r["Location"] == "/sign-in/code/"
    assert client.get("/partnerships/").status_code == 302  # not signed in yet
    client.session.flush()
    r = client.get(_to_callback(client, op, "analyst@example.org"))  # amr: pwd, mfa
    assert r["Location"] == "/partnerships/borough/"
    assert (
        AuditEvent.objects.filter(verb="sign-in")
        .latest("id")
        .summary.endswith("(the provider confirmed a second factor)")
    )


def test_wrong_nonce_or_state_in_the_flow_is_refused(client, idp, op):
    back = _to_callback(client, op, "manager@example.org")
    session = client.session
    session["sp_sso_pending"] = {**session["sp_sso_pending"], "nonce": "not-the-nonce-sent"}
    session.save()
    r = client.get(back)
    assert r.status_code == 403 and client.get("/partnerships/").status_code == 302
    assert "nonce" in _refusals()[-1]
    back = _to_callback(client, op, "manager@example.org")
    r = client.get(back.replace("state=", "state=x"))
    assert r.status_code == 400 and "the state did not match" in _refusals()[-1]
    # A callback nobody started (or replayed after use) is refused too.
    assert client.get(back).status_code == 400


def _real_id_token(client, op) -> tuple[str, str]:
    """An ID token the provider really issued (code redeemed with PKCE), and its nonce."""
    back = _to_callback(client, op, "manager@example.org")
    pending = client.session["sp_sso_pending"]
    code = re.search(r"code=([^&]+)", back).group(1)
    r = requests.post(
        f"{op.issuer}/token/",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": pending["code_verifier"],
        },
        auth=(CLIENT_ID, SECRET),
        timeout=10,
    )
    r.raise_for_status()
    return r.json()["id_token"], pending["nonce"]


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_id_token_checks(client, idp, op):
    token, nonce = _real_id_token(client, op)
    claims = oidc.verify_id_token(idp, token, nonce=nonce)
    assert claims["email"] == "manager@example.org" and claims["iss"] == op.issuer
    assert claims["aud"] == CLIENT_ID and claims["amr"] == ["pwd"]
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    cases = {
        "payload changed": f"{header}.{_b64({**body, 'email': 'administrator@example.org'})}.{signature}",
        "signature changed": f"{header}.{payload}.{signature[:-4]}AAAA",
        "unsigned": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
    }
    for bad in cases.values():
        with pytest.raises(oidc.SsoRefused, match="signature is not valid"):
            oidc.verify_id_token(idp, bad, nonce=nonce)
    with pytest.raises(oidc.SsoRefused, match="nonce"):
        oidc.verify_id_token(idp, token, nonce="another-nonce")
    # Expired: the same token checked after its exp (plus the 60 s leeway).
    with pytest.raises(oidc.SsoRefused, match="exp"):
        oidc.verify_id_token(idp, token, nonce=nonce, now=body["exp"] + oidc.LEEWAY + 1)
    assert body["exp"] > time.time()
    # For another client (audience) or another issuer.
    idp.client_id = "someone-else"
    with pytest.raises(oidc.SsoRefused, match="aud"):
        oidc.verify_id_token(idp, token, nonce=nonce)
    # The same provider reached as "localhost" states that issuer (and serves the same keys),
    # so a token it issued as 127.0.0.1 is from another issuer.
    idp.client_id, idp.issuer = CLIENT_ID, op.issuer.replace("127.0.0.1", "localhost")
    with pytest.raises(oidc.SsoRefused, match="iss"):
        oidc.verify_id_token(idp, token, nonce=nonce)


def test_provider_configuration_rules(idp, op):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Already signed in by another provider"):
        services.provider_add(
            organisation="Testshire Police", name="", slug="police", issuer=op.issuer,
            client_id="x", domains=["example.org"],
        )  # fmt: skip
    with pytest.raises(ValidationError, match="https"):
        services.provider_add(
            organisation="Testshire Police", name="", slug="police",
            issuer="http://login.example.net/tenant/v2.0", client_id="x", domains=["police.example"],
        )  # fmt: skip
    with pytest.raises(ValidationError, match="own tenant"):
        services.provider_add(
            organisation="Testshire Police", name="", slug="police",
            issuer="https://login.microsoftonline.com/common/v2.0", client_id="x",
            domains=["police.example"],
        )  # fmt: skip
    assert services.provider_for_email("Manager@Example.org") == idp
    assert services.provider_for_email("a@police.example") is None
    services.provider_archive(provider=idp)
    assert services.provider_for_email("manager@example.org") is None
    # Archived, not deleted: the domain is kept with it and free for a new provider.
    assert list(idp.domains.values_list("domain", flat=True)) == ["example.org"]
    again = services.provider_add(
        organisation="Testshire Borough Council", name="", slug="council-2", issuer=op.issuer,
        client_id=CLIENT_ID, domains=["example.org"],
    )  # fmt: skip
    assert services.provider_for_email("manager@example.org") == again


# In real Chromium, with the site's own content security policy (not bypassed): the e-mail-first
# form's redirect to the provider must be allowed by form-action.


@pytest.mark.browser
def test_browser_signs_in_through_the_provider(live_server, transactional_db, monkeypatch):
    from test_web_browser import ARGS, AXE, CHROMIUM, axe_problems

    if not CHROMIUM.exists() or not AXE.exists():
        pytest.skip("Debian chromium or node_modules/axe-core is missing")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright
    from sp_web_fixtures import make_world

    make_world()
    callback = f"{live_server.url}/sign-in/organisation/callback/"
    provider = launcher.start(
        users=[{"email": "manager@example.org", "password": OP_PASSWORD}],
        clients=[{"client_id": CLIENT_ID, "client_secret": SECRET, "redirect_uris": [callback]}],
    )
    try:
        monkeypatch.setenv("SAFERPLACES_SSO_SECRET_TEST", SECRET)
        services.provider_add(
            organisation="Testshire Borough Council",
            name="Testshire Borough Council (test provider)",
            slug="testshire-council",
            issuer=provider.issuer,
            client_id=CLIENT_ID,
            client_secret_env="SAFERPLACES_SSO_SECRET_TEST",
            domains=["example.org"],
        )
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            ctx = browser.new_context()
            page = ctx.new_page()
            blocked: list[str] = []
            page.on(
                "console",
                lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
            )
            page.goto(f"{live_server.url}/sign-in/")
            page.click("text=Sign in with your organisation's account")
            page.fill("#id_email", "manager@example.org")
            page.click("button:has-text('Continue')")
            page.wait_for_url(f"{provider.issuer.rsplit('/o', 1)[0]}/login/**")
            page.fill("#id_username", "manager@example.org")
            page.fill("#id_password", OP_PASSWORD)
            page.click("button:has-text('Sign in')")
            page.wait_for_url(f"{live_server.url}/partnerships/borough/")
            assert "Borough Partnership" in page.inner_text("main")
            assert blocked == []
            checker = browser.new_context(bypass_csp=True).new_page()  # to inject axe-core
            checker.goto(f"{live_server.url}/sign-in/organisation/")
            assert not axe_problems(checker)
            browser.close()
    finally:
        provider.stop()


def test_cli_adds_lists_and_archives_providers(db, op, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from saferplaces import cli
    from saferplaces.config import Workspace

    monkeypatch.setattr(cli.state, "workspace", Workspace.resolve(tmp_path))
    monkeypatch.setenv("SAFERPLACES_HOME", str(tmp_path))  # restored after the test
    runner = CliRunner()
    add = [
        "sso", "add", "testshire-police", "--organisation", "Testshire Police",
        "--issuer", op.issuer, "--client-id", CLIENT_ID, "--domain", "Police.Example",
        "--secret-env", "SAFERPLACES_SSO_SECRET_POLICE",
    ]  # fmt: skip
    r = runner.invoke(cli.app, add)
    assert r.exit_code == 0, r.output
    assert "Added Testshire Police for police.example." in r.output
    assert "Set SAFERPLACES_SSO_SECRET_POLICE" in r.output
    r = runner.invoke(cli.app, add)  # the same domain again
    assert r.exit_code == 1 and "Already signed in by another provider: police.example" in r.output
    monkeypatch.setenv("SAFERPLACES_SSO_SECRET_POLICE", "x")
    r = runner.invoke(cli.app, ["sso", "list"])
    assert "testshire-police" in r.output and "SAFERPLACES_SSO_SECRET_POLICE set" in r.output
    r = runner.invoke(cli.app, ["sso", "archive", "testshire-police"])
    assert r.exit_code == 0 and services.provider_for_email("a@police.example") is None
    assert AuditEvent.objects.filter(verb="archived", object_type="identity provider").exists()
