"""Configuring identity providers (site administrators; audited) and deciding who a verified
identity is: an active person signs in, a pending invitation is accepted, anyone else is
refused in plain words. Every sign-in and refusal is written to the audit log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from saferplaces.web.accounts.models import (
    IdentityProvider,
    IdentityProviderDomain,
    Organisation,
    User,
)
from saferplaces.web.accounts.services import organisation_get_or_create
from saferplaces.web.accounts.sso.oidc import SsoRefused
from saferplaces.web.audit.services import record, snapshot

NOT_INVITED = (
    "Your organisation uses Safer Places, but no one has invited you yet. "
    "Ask your partnership's community safety manager."
)
UNKNOWN_DOMAIN = (
    "Your organisation does not sign in to Safer Places with its own account. "
    "Sign in with your email address and password, or ask your partnership's "
    "community safety manager."
)
DEACTIVATED = (
    "Your Safer Places account has been closed. If you still need it, ask your "
    "partnership's community safety manager."
)
ADMINISTRATOR = (
    "Site administrators sign in with their email address and password, not with an "
    "organisation's account."
)
UNVERIFIED = (
    "Your organisation's account did not confirm your email address, so we cannot sign you "
    "in with it. Ask your IT service desk, or sign in with your email address and password."
)

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower() if "@" in email else ""


# Reads -------------------------------------------------------------------------------------------


def provider_for_email(email: str) -> IdentityProvider | None:
    """The current identity provider for this address's domain, if its organisation has one."""
    domain = domain_of(email)
    if not domain:
        return None
    row = (
        IdentityProviderDomain.objects.select_related("provider", "provider__organisation")
        .filter(domain=domain, archived_at=None, provider__archived_at=None)
        .first()
    )
    return row.provider if row else None


def providers() -> list[IdentityProvider]:
    return list(IdentityProvider.objects.select_related("organisation").prefetch_related("domains"))


def provider_origins() -> list[str]:
    """The origins of the current providers' issuers (where their sign-in pages are)."""
    out = set()
    for issuer in IdentityProvider.objects.filter(archived_at=None).values_list(
        "issuer", flat=True
    ):
        parts = urlparse(issuer)
        out.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(out)


# Writes ------------------------------------------------------------------------------------------


def _check_issuer(issuer: str) -> str:
    parts = urlparse(issuer.strip())
    loopback = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValidationError({"issuer": "The issuer must be an https:// address"})
    if not parts.hostname or parts.query or parts.fragment:
        raise ValidationError(
            {"issuer": "Enter the issuer address exactly as the provider states it"}
        )
    if "{tenantid}" in issuer.lower() or parts.path.rstrip("/").split("/")[1:2] in (
        ["common"],
        ["organizations"],
    ):
        raise ValidationError(
            {"issuer": "Use the organisation's own tenant address, not a multi-tenant one"}
        )
    return issuer.strip()


@transaction.atomic
def provider_add(
    *,
    organisation: str | Organisation,
    name: str,
    slug: str,
    issuer: str,
    client_id: str,
    domains: list[str],
    client_secret_env: str = "",
    scopes: str = "openid email profile",
    actor: User | None = None,
) -> IdentityProvider:
    """Adds an organisation's identity provider and the e-mail domains it signs people in for.
    The client secret stays in the environment variable `client_secret_env`."""
    if isinstance(organisation, str):
        organisation = organisation_get_or_create(organisation, actor=actor)
    cleaned = sorted({d.strip().lower().lstrip("@") for d in domains if d.strip()})
    if not cleaned:
        raise ValidationError({"domains": "Enter at least one e-mail domain"})
    bad = [d for d in cleaned if not _DOMAIN.match(d)]
    if bad:
        raise ValidationError({"domains": f"Not an e-mail domain: {', '.join(bad)}"})
    taken = list(
        IdentityProviderDomain.objects.filter(domain__in=cleaned, archived_at=None).values_list(
            "domain", flat=True
        )
    )
    if taken:
        raise ValidationError(
            {"domains": f"Already signed in by another provider: {', '.join(taken)}"}
        )
    if client_secret_env and not _ENV.match(client_secret_env):
        raise ValidationError(
            {
                "client_secret_env": "Name an environment variable, e.g. SAFERPLACES_SSO_SECRET_TAMWORTH"
            }
        )
    if "openid" not in scopes.split():
        raise ValidationError({"scopes": "The scopes must include openid"})
    if IdentityProvider.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"There is already a provider called {slug}"})
    provider = IdentityProvider.objects.create(
        organisation=organisation,
        name=name.strip() or organisation.name,
        slug=slug,
        issuer=_check_issuer(issuer),
        client_id=client_id.strip(),
        client_secret_env=client_secret_env,
        scopes=scopes,
    )
    for d in cleaned:
        IdentityProviderDomain.objects.create(provider=provider, domain=d)
    record(
        actor=actor,
        verb="create",
        obj=provider,
        after={
            **snapshot(provider, ["name", "slug", "issuer", "client_id", "client_secret_env"]),
            "organisation": organisation.name,
            "domains": cleaned,
        },
        summary=f"Single sign-on added for {organisation.name}",
    )
    return provider


@transaction.atomic
def provider_archive(*, provider: IdentityProvider, actor: User | None = None) -> None:
    """Stops sign-ins through the provider; its domains are freed for another one."""
    if provider.archived_at is not None:
        raise ValidationError(f"{provider.name} is already archived")
    domains = list(provider.domains.filter(archived_at=None).values_list("domain", flat=True))
    provider.archived_at = timezone.now()
    provider.domains.filter(archived_at=None).update(archived_at=provider.archived_at)
    provider.save(update_fields=["archived_at"])
    record(
        actor=actor,
        verb="archived",
        obj=provider,
        before={"domains": domains},
        summary=f"Single sign-on archived for {provider.organisation.name}",
    )


# Signing in --------------------------------------------------------------------------------------


@dataclass
class Identity:
    user: User
    accepted: Any = None  # the Invitation accepted by this sign-in, if any


def _refuse(provider: IdentityProvider, who: str, message: str, reason: str, obj: Any = None):
    record(
        actor=f"{who} (single sign-on, {provider.name})",
        verb="sign-in-refused",
        obj=obj or provider,
        summary=f"Single sign-on refused: {reason}"[:300],
    )
    return SsoRefused(message, reason)


def refusal_record(provider: IdentityProvider | None, who: str, reason: str) -> None:
    """Audits a refusal the protocol made (bad token, wrong nonce, state, provider error)."""
    record(
        actor=f"{who or 'someone'} (single sign-on{', ' + provider.name if provider else ''})",
        verb="sign-in-refused",
        obj=provider,
        summary=f"Single sign-on refused: {reason}"[:300],
    )


def identity_resolve(*, provider: IdentityProvider, claims: dict[str, Any]) -> Identity:
    """Who the provider's verified claims are. The e-mail decides, and only if the provider
    confirmed it (`email_verified`, or Microsoft Entra ID's `xms_edov`) and it is in one of
    the provider's own domains: an active person signs in; a pending invitation is accepted
    (with the role it named); anyone else is refused in plain words (audited)."""
    from saferplaces.web.partnerships import services as partnership_services
    from saferplaces.web.partnerships.models import Invitation

    email = str(claims.get("email") or "").strip().lower()
    who = email or f"subject {claims.get('sub', '?')}"
    if not email or not (claims.get("email_verified") is True or claims.get("xms_edov") is True):
        raise _refuse(provider, who, UNVERIFIED, "the e-mail address was missing or not verified")
    domain = domain_of(email)
    if not provider.domains.filter(domain=domain, archived_at=None).exists():
        # A provider vouches only for its own organisation's addresses.
        raise _refuse(provider, who, UNKNOWN_DOMAIN, f"{domain} is not a domain of this provider")
    user = User.objects.filter(email=email).first()
    if user is not None:
        if not user.is_active:
            raise _refuse(provider, who, DEACTIVATED, "the account is deactivated", obj=user)
        if user.is_superuser:
            # An organisation's provider must not be able to grant site-wide powers.
            raise _refuse(provider, who, ADMINISTRATOR, "site administrator", obj=user)
        return Identity(user=user)
    now = timezone.now()
    invitation = (
        Invitation.objects.filter(
            email=email, accepted_at=None, cancelled_at=None, expires_at__gt=now
        )
        .select_related("partnership")
        .order_by("-created_at", "-id")
        .first()
    )
    if invitation is None:
        raise _refuse(provider, who, NOT_INVITED, "no account and no open invitation")
    try:
        # No local password (an unusable one is set): they sign in through their organisation.
        user = partnership_services.invitation_accept(
            invitation=invitation, password="", job_title=invitation.job_title
        )
    except ValidationError as exc:
        raise _refuse(
            provider, who, " ".join(exc.messages), "the invitation could not be accepted"
        ) from None
    if user.organisation_id is None:
        user.organisation = provider.organisation
        user.save(update_fields=["organisation"])
    return Identity(user=user, accepted=invitation)


def uses_mfa(claims: dict[str, Any]) -> bool:
    """Whether the provider says a second factor was used (RFC 8176 `amr` contains "mfa")."""
    amr = claims.get("amr") or []
    return isinstance(amr, list) and "mfa" in amr


def sign_in_record(
    *, provider: IdentityProvider, identity: Identity, mfa: bool, code_next: bool = False
) -> None:
    summary = f"{'Confirmed by' if code_next else 'Signed in with'} {provider.name}"
    if identity.accepted is not None:
        summary += f", accepting the invitation to {identity.accepted.partnership.name}"
    if mfa:
        summary += " (the provider confirmed a second factor)"
    if code_next:
        summary += "; asked for the two-factor code"
    record(actor=identity.user, verb="sign-in", obj=identity.user, summary=summary)
