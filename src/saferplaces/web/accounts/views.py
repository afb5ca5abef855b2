"""Signing in and out, a person's own account, and accepting an invitation. The form pages that
save and redirect are `views_common.form_view`; signing in, two-factor set-up and a new token
show their own result pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from saferplaces.web.accounts import services
from saferplaces.web.accounts.forms import (
    CodeForm,
    GovukPasswordChangeForm,
    GovukPasswordResetForm,
    GovukSetPasswordForm,
    InvitationForm,
    SignInForm,
    TokenForm,
)
from saferplaces.web.accounts.models import ApiToken, User
from saferplaces.web.audit.services import record
from saferplaces.web.partnerships import services as partnership_services
from saferplaces.web.partnerships.selectors import memberships_for_user
from saferplaces.web.views_common import form_view

PENDING = "sp_otp_pending_user"
PENDING_TRIES = "sp_otp_tries"


def _throttled(user: User, *, confirmed: bool) -> dict[str, str] | None:
    """The error to show when django-otp's throttle would refuse any code, even a right one
    (it waits 1 s, 2 s, 4 s ... after each wrong code), so nobody is told a right code is wrong."""
    until = services.totp_locked_until(user, confirmed=confirmed)
    if until is None:
        return None
    return {
        "href": "#id_code",
        "text": "You have tried too many codes. Try again after "
        f"{timezone.localtime(until):%H:%M:%S}, with the newest code from your app",
    }


def _next_url(request: HttpRequest) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, {request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return "/partnerships/"


def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = SignInForm(request.POST or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["username"].lower(),
            password=form.cleaned_data["password"],
        )
        if user is None:
            # One message for both cases, so the form does not reveal which accounts exist.
            errors = [
                {"href": "#id_username", "text": "Enter a correct email address and password"}
            ]
        elif any(True for _ in devices_for_user(user, confirmed=True)):
            request.session[PENDING] = user.pk
            request.session[PENDING_TRIES] = 0
            request.session["sp_next"] = _next_url(request)
            return redirect("accounts:sign-in-code")
        else:
            login(request, user)
            record(actor=user, verb="sign-in", obj=user, summary="Signed in")
            return redirect(_next_url(request))
    return render(
        request,
        "accounts/sign_in.html",
        {"form": form, "errors": errors or form.error_list(), "next": request.GET.get("next", "")},
    )


def sign_in_code(request: HttpRequest) -> HttpResponse:
    pk = request.session.get(PENDING)
    if not pk:
        return redirect("accounts:sign-in")
    user = get_object_or_404(User, pk=pk, is_active=True)
    form = CodeForm(request.POST or None)
    errors = form.error_list() if request.method == "POST" else []
    throttled = _throttled(user, confirmed=True) if request.method == "POST" else None
    if throttled is not None:
        errors = [throttled]
    elif request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"])
        if device is None:
            tries = request.session.get(PENDING_TRIES, 0) + 1
            request.session[PENDING_TRIES] = tries
            if tries >= 5:
                request.session.pop(PENDING, None)
                messages.error(request, "Too many wrong codes. Sign in again.")
                return redirect("accounts:sign-in")
            errors = [
                {
                    "href": "#id_code",
                    "text": "The code is not right. Check your authenticator app and try again",
                }
            ]
        else:
            nxt = request.session.pop("sp_next", "/partnerships/")
            request.session.pop(PENDING, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            record(actor=user, verb="sign-in", obj=user, summary="Signed in with two-factor code")
            return redirect(nxt)
    return render(request, "accounts/sign_in_code.html", {"form": form, "errors": errors})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, "You have signed out")
    return redirect("accounts:sign-in")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "accounts/account.html",
        {
            "section": "account",
            "memberships": memberships_for_user(user),
            "has_totp": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "tokens": ApiToken.objects.filter(user=user),
        },
    )


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = GovukPasswordChangeForm(request.user, request.POST or None)

    def save(d: dict[str, Any]) -> None:
        form.save()
        update_session_auth_hash(request, form.user)  # this session stays signed in
        record(actor=request.user, verb="update", obj=request.user, summary="Password changed")

    return form_view(
        request,
        form,
        None,
        save=save,
        success="Your password has been changed",
        next_url=reverse("accounts:account"),
        template="accounts/password_change.html",
        section="account",
    )


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = services.totp_start(user=user)
    form = CodeForm(request.POST or None)
    errors = form.error_list() if request.method == "POST" else []
    throttled = _throttled(user, confirmed=False) if request.method == "POST" else None
    if throttled is not None:
        errors = [throttled]
    elif request.method == "POST" and form.is_valid():
        if services.totp_confirm(device=device, token=form.cleaned_data["code"]):
            otp_login(request, device)
            messages.success(
                request,
                "Two-factor authentication is on. You will be asked for a code each time you sign in",
            )
            return redirect("accounts:account")
        errors = [
            {
                "href": "#id_code",
                "text": "The code is not right. Check the time on your phone is correct and try again",
            }
        ]
    qr_svg = ""
    try:
        import segno

        qr_svg = segno.make(device.config_url, error="m").svg_inline(
            scale=4, title="QR code to add Safer Places to an authenticator app"
        )
    except ImportError:  # the key is shown as text anyway
        pass
    return render(
        request,
        "accounts/two_factor.html",
        {
            "form": form,
            "errors": errors,
            "secret": services.totp_secret(device),
            "qr_svg": qr_svg,
            "section": "account",
        },
    )


@login_required
@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    services.totp_remove(user=request.user)  # type: ignore[arg-type]
    messages.success(request, "Two-factor authentication is off")
    return redirect("accounts:account")


@login_required
def token_new(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, key = services.api_token_create(user=request.user, name=form.cleaned_data["name"])  # type: ignore[arg-type]
        return render(
            request,
            "accounts/token_created.html",
            {"token": token, "key": key, "section": "account"},
        )
    return render(
        request,
        "accounts/token_new.html",
        {"form": form, "errors": form.error_list(), "section": "account"},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(token=token, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, f"The token '{token.name}' no longer works")
    return redirect("accounts:account")


# Invitations ------------------------------------------------------------------------------------


def invitation(request: HttpRequest, key: str) -> HttpResponse:
    """The invitee's one-time link: they choose a password and land in the partnership."""
    inv = partnership_services.invitation_for_key(key)
    if inv is None:
        return render(request, "accounts/invitation_invalid.html", status=404)
    provisional = User(email=inv.email, job_title=inv.job_title)
    form = InvitationForm(provisional, request.POST or None, initial={"job_title": inv.job_title})

    def save(d: dict[str, Any]) -> None:
        user = partnership_services.invitation_accept(
            invitation=inv, password=d["new_password1"], job_title=d["job_title"]
        )
        if request.user.is_authenticated:
            logout(request)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        record(actor=user, verb="sign-in", obj=user, summary="Signed in after accepting")

    return form_view(
        request,
        form,
        None,
        save=save,
        success=f"Welcome to {inv.partnership.name}",
        next_url=reverse("partnerships:dashboard", args=[inv.partnership.slug]),
        template="accounts/invitation.html",
        invitation=inv,
    )


# Password reset: Django's own views, with GOV.UK templates and forms -------------------------

password_reset = auth_views.PasswordResetView.as_view(
    form_class=GovukPasswordResetForm,
    template_name="accounts/password_reset_form.html",
    email_template_name="accounts/email/password_reset.txt",
    subject_template_name="accounts/email/password_reset_subject.txt",
    success_url=reverse_lazy("accounts:password-reset-sent"),
    extra_context={"service_name": "Safer Places"},
)
password_reset_sent = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    form_class=GovukSetPasswordForm,
    template_name="accounts/password_reset_confirm.html",
    success_url=reverse_lazy("accounts:password-reset-complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
