"""Signing in with an organisation's account: the e-mail-first page (which finds the
organisation's provider from the address's domain) and the provider's callback."""

from __future__ import annotations

import secrets
import time

from django import forms
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_otp import devices_for_user

from saferplaces.web.accounts.models import IdentityProvider
from saferplaces.web.accounts.sso import oidc, services
from saferplaces.web.accounts.views import PENDING, PENDING_TRIES, _next_url
from saferplaces.web.core.forms import GovukForm
from saferplaces.web.partnerships.selectors import memberships_for_user

SESSION_KEY = "sp_sso_pending"
MAX_SECONDS = 15 * 60  # a sign-in must come back from the provider within this time


class OrganisationEmailForm(GovukForm):
    email = forms.EmailField(
        label="Your work email address",
        error_messages={
            "required": "Enter your work email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )


def sso_start(request: HttpRequest) -> HttpResponse:
    """Step 1: the person gives their work e-mail; their organisation's provider takes over."""
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = OrganisationEmailForm(request.POST or None)
    errors = form.error_list() if request.method == "POST" else []
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        provider = services.provider_for_email(email)
        if provider is None:
            errors = [{"href": "#id_email", "text": services.UNKNOWN_DOMAIN}]
        else:
            try:
                url, pending = oidc.begin(
                    provider,
                    redirect_uri=request.build_absolute_uri(reverse("accounts:sso-callback")),
                    login_hint=email,
                )
            except oidc.SsoRefused as exc:
                services.refusal_record(provider, email, exc.reason)
                return _refused(request, exc.message, status=502)
            request.session[SESSION_KEY] = {**pending.as_dict(), "next": _next_url(request)}
            return redirect(url)
    response = render(
        request,
        "accounts/sso_start.html",
        {"form": form, "errors": errors, "next": request.GET.get("next", "")},
    )
    # Browsers apply this page's CSP form-action to the redirect that follows the form, so it
    # must allow the providers' sign-in pages (django-csp adds these to the site's policy).
    origins = services.provider_origins()
    if origins:
        response._csp_update = {"form-action": origins}  # type: ignore[attr-defined]
    return response


def _refused(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    return render(request, "accounts/sso_refused.html", {"message": message}, status=status)


def sso_callback(request: HttpRequest) -> HttpResponse:
    """Step 2: the provider sends the person back with a code; we check the state, redeem the
    code (PKCE), verify the ID token (signature, issuer, audience, expiry, nonce) and decide."""
    data = request.session.pop(SESSION_KEY, None)
    nxt = (data or {}).pop("next", "/partnerships/")
    pending = oidc.Pending(**data) if data else None
    provider = (
        IdentityProvider.objects.filter(pk=pending.provider, archived_at=None)
        .select_related("organisation")
        .first()
        if pending
        else None
    )
    if pending is None or provider is None or time.time() - pending.started > MAX_SECONDS:
        if provider is not None:  # audited when one was started (not for stray requests)
            services.refusal_record(provider, "", "the sign-in took more than 15 minutes")
        return _refused(
            request,
            "Your sign-in took too long or was started in another window. Start again.",
            status=400,
        )
    if not secrets.compare_digest(request.GET.get("state", ""), pending.state):
        services.refusal_record(provider, "", "the state did not match")
        return _refused(request, oidc.PLAIN_FAILURE, status=400)
    if request.GET.get("error"):
        # The provider's own refusal (e.g. access_denied: not assigned to the application).
        services.refusal_record(provider, "", f"the provider answered {request.GET['error'][:80]}")
        return _refused(request, oidc.PLAIN_FAILURE)
    try:
        claims = oidc.finish(provider, pending, request.build_absolute_uri())
        identity = services.identity_resolve(provider=provider, claims=claims)
    except oidc.SsoRefused as exc:
        if exc.message == oidc.PLAIN_FAILURE:  # the protocol's refusals are audited here
            services.refusal_record(provider, "", exc.reason)
        return _refused(request, exc.message)
    user = identity.user
    mfa = services.uses_mfa(claims)
    if request.user.is_authenticated:
        logout(request)
    # Local two-factor: someone who turned it on is asked for their code unless their
    # organisation's provider says it already checked a second factor (amr contains "mfa").
    if not mfa and any(True for _ in devices_for_user(user, confirmed=True)):
        request.session[PENDING] = user.pk
        request.session[PENDING_TRIES] = 0
        request.session["sp_next"] = nxt
        services.sign_in_record(provider=provider, identity=identity, mfa=False, code_next=True)
        return redirect("accounts:sign-in-code")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session["sp_sso_provider"] = provider.pk
    services.sign_in_record(provider=provider, identity=identity, mfa=mfa)
    if identity.accepted is not None:
        return redirect("partnerships:dashboard", identity.accepted.partnership.slug)
    if nxt == "/partnerships/":
        roles = list(memberships_for_user(user))
        if len(roles) == 1:
            return redirect("partnerships:dashboard", roles[0].partnership.slug)
    return redirect(nxt)
