from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from saferplaces.web.accounts import services
from saferplaces.web.accounts.forms import CodeForm, GovukPasswordChangeForm, SignInForm, TokenForm
from saferplaces.web.accounts.models import ApiToken, User
from saferplaces.web.audit.services import record
from saferplaces.web.partnerships.selectors import memberships_for_user

PENDING = "sp_otp_pending_user"
PENDING_TRIES = "sp_otp_tries"


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
    if request.method == "POST" and form.is_valid():
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
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        record(actor=request.user, verb="update", obj=request.user, summary="Password changed")
        messages.success(request, "Your password has been changed")
        return redirect("accounts:account")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "errors": form.error_list(), "section": "account"},
    )


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = services.totp_start(user=user)
    form = CodeForm(request.POST or None)
    errors = form.error_list() if request.method == "POST" else []
    if request.method == "POST" and form.is_valid():
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
