"""Writes for people, organisations, tokens and two-factor devices."""

from __future__ import annotations

import secrets
from base64 import b32encode

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from saferplaces.web.accounts.models import ApiToken, Organisation, User
from saferplaces.web.audit.services import record, snapshot


def organisation_get_or_create(
    name: str, kind: str = Organisation.Kind.OTHER, *, actor: User | None = None
) -> Organisation:
    org, created = Organisation.objects.get_or_create(name=name.strip(), defaults={"kind": kind})
    if created:
        record(actor=actor, verb="create", obj=org, after=snapshot(org))
    return org


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    full_name: str = "",
    job_title: str = "",
    organisation: Organisation | None = None,
    is_superuser: bool = False,
    actor: User | None = None,
    check_password: bool = True,
) -> User:
    email = email.strip().lower()
    if password and check_password:
        validate_password(password, User(email=email, full_name=full_name))
    user = User.objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        job_title=job_title,
        organisation=organisation,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    if not password:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    record(
        actor=actor,
        verb="create",
        obj=user,
        after=snapshot(user, ["email", "full_name", "job_title", "organisation", "is_superuser"]),
    )
    return user


@transaction.atomic
def password_set(*, user: User, password: str, actor: User | None = None) -> None:
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record(actor=actor or user, verb="update", obj=user, summary="Password changed")


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the stored token and the secret, which is shown once and never again."""
    key = "sp_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or "API token",
        prefix=key[:10],
        key_hash=ApiToken.hash_key(key),
    )
    record(actor=user, verb="create", obj=token, summary="API token created")
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    record(
        actor=actor,
        verb="delete",
        obj=token,
        summary="API token revoked",
        before=snapshot(token, ["name", "prefix"]),
    )
    token.delete()


def api_token_authenticate(key: str) -> User | None:
    try:
        token = ApiToken.objects.select_related("user").get(key_hash=ApiToken.hash_key(key))
    except ApiToken.DoesNotExist:
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    # Written at most once a minute, so a busy client doesn't write on every call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def totp_start(*, user: User) -> TOTPDevice:
    """A new unconfirmed authenticator for the user (replacing any unconfirmed one)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def totp_secret(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


@transaction.atomic
def totp_confirm(*, device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token.replace(" ", "")):
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save()
    record(
        actor=device.user,
        verb="update",
        obj=device.user,
        summary="Two-factor authentication turned on",
    )
    return True


@transaction.atomic
def totp_remove(*, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    record(actor=user, verb="update", obj=user, summary="Two-factor authentication turned off")
