"""Writes for people, organisations, tokens and two-factor devices."""

from __future__ import annotations

import datetime as dt
import secrets
from base64 import b32encode

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
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


def can_manage_account(actor: User, user: User) -> bool:
    """Whether `actor` may deactivate or reactivate `user`'s account.

    An account spans partnerships, so a partnership administrator may do it only when every
    role the person holds is in a partnership they administer; otherwise a site administrator.
    """
    from saferplaces.web import permissions
    from saferplaces.web.partnerships.models import Membership

    if not actor.is_active or actor.pk == user.pk:
        return False
    if actor.is_superuser:
        return True
    if user.is_superuser:
        return False
    ids = set(Membership.objects.filter(user=user).values_list("partnership_id", flat=True))
    return bool(ids) and all(permissions.can(actor, pid, permissions.MANAGE_PEOPLE) for pid in ids)


def _set_active(*, actor: User, user: User, active: bool, partnership: object = None) -> None:
    from saferplaces.web.partnerships.models import Membership, Role

    if actor.pk == user.pk:
        raise ValidationError("You cannot deactivate or reactivate your own account")
    if not can_manage_account(actor, user):
        raise PermissionDenied("manage_account")
    if user.is_active == active:
        raise ValidationError(
            f"{user.display_name}'s account is already {'active' if active else 'deactivated'}"
        )
    if not active:
        # Each partnership the person administers must keep another active administrator.
        for m in Membership.objects.filter(user=user, role=Role.ADMINISTRATOR).select_related(
            "partnership"
        ):
            others = Membership.objects.filter(
                partnership=m.partnership, role=Role.ADMINISTRATOR, user__is_active=True
            ).exclude(user=user)
            if not others.exists():
                raise ValidationError(
                    f"{m.partnership.name} must keep at least one administrator. "
                    "Give someone else the administrator role first"
                )
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(
        actor=actor,
        verb="update",
        obj=user,
        partnership=partnership,
        before={"is_active": not active},
        after={"is_active": active},
        summary="Account reactivated" if active else "Account deactivated",
    )


@transaction.atomic
def user_deactivate(*, actor: User, user: User, partnership: object = None) -> None:
    """A leaver: they can no longer sign in, open sessions end at their next request (Django
    refuses inactive users when it loads the session) and their API tokens stop working.
    Their roles and everything they did stay on record."""
    _set_active(actor=actor, user=user, active=False, partnership=partnership)


@transaction.atomic
def user_reactivate(*, actor: User, user: User, partnership: object = None) -> None:
    _set_active(actor=actor, user=user, active=True, partnership=partnership)


def totp_locked_until(user: User, *, confirmed: bool = True) -> dt.datetime | None:
    """When django-otp's throttling (1 s, 2 s, 4 s ... after wrong codes) lets the user try
    again, or None if they may try now."""
    latest = None
    for device in TOTPDevice.objects.filter(user=user, confirmed=confirmed):
        allowed, info = device.verify_is_allowed()
        if not allowed and info and info.get("locked_until"):
            latest = max(latest or info["locked_until"], info["locked_until"])
    return latest


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
