"""OpenID Connect relying party: discovery, the authorization code flow with PKCE, state and
nonce, and ID token verification (signature against the provider's JWKS; issuer, audience,
expiry, issued-at and nonce checked).

authlib's OAuth2Session makes the authorization address (state, S256 code challenge, nonce)
and redeems the code (checking the state); joserfc verifies the ID token.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.errors import MismatchingStateException
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from saferplaces.web.accounts.models import IdentityProvider

# Asymmetric algorithms only: never "none", and never HS256 (it would make the client secret
# a signing key any holder of the secret could use).
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
LEEWAY = 60  # seconds of clock difference allowed on exp and iat
TIMEOUT = 10  # seconds for each call to the provider
METADATA_SECONDS = 3600  # discovery documents and keys are kept this long


class SsoRefused(Exception):
    """A refused sign-in: `message` is shown to the person, `reason` goes to the audit log."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(reason)
        self.message = message
        self.reason = reason


PLAIN_FAILURE = (
    "We could not sign you in with your organisation's account. Try again, or sign in with "
    "your email address and password"
)


@dataclass
class Pending:
    """What the session keeps between leaving for the provider and coming back."""

    provider: int
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    started: float

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def client_secret(provider: IdentityProvider) -> str | None:
    """The client secret, from the environment variable the provider names (never stored in
    the database); None for a public client that relies on PKCE alone."""
    if not provider.client_secret_env:
        return None
    secret = os.environ.get(provider.client_secret_env, "")
    if not secret:
        raise SsoRefused(
            PLAIN_FAILURE,
            f"the environment variable {provider.client_secret_env} (client secret) is not set",
        )
    return secret


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SsoRefused(PLAIN_FAILURE, f"could not read {url}: {exc}") from None


def metadata(provider: IdentityProvider) -> dict[str, Any]:
    """The provider's discovery document, whose issuer must be the configured one exactly."""
    key = f"sso:metadata:{provider.pk}:{provider.issuer}"
    doc = cache.get(key)
    if doc is None:
        doc = _get_json(provider.issuer.rstrip("/") + "/.well-known/openid-configuration")
        if doc.get("issuer") != provider.issuer:
            raise SsoRefused(
                PLAIN_FAILURE,
                f"the discovery document names issuer {doc.get('issuer')!r}, "
                f"not {provider.issuer!r}",
            )
        missing = [
            k for k in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not doc.get(k)
        ]
        if missing:
            raise SsoRefused(PLAIN_FAILURE, f"the discovery document has no {', '.join(missing)}")
        cache.set(key, doc, METADATA_SECONDS)
    return doc


def signing_keys(provider: IdentityProvider, *, refresh: bool = False) -> KeySet:
    key = f"sso:jwks:{provider.pk}:{provider.issuer}"
    data = None if refresh else cache.get(key)
    if data is None:
        data = _get_json(metadata(provider)["jwks_uri"])
        cache.set(key, data, METADATA_SECONDS)
    try:
        return KeySet.import_key_set(data)
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise SsoRefused(PLAIN_FAILURE, f"the provider's JWKS could not be read: {exc}") from None


def _session(provider: IdentityProvider, redirect_uri: str, state: str | None = None):
    return OAuth2Session(
        client_id=provider.client_id,
        client_secret=client_secret(provider),
        token_endpoint_auth_method="client_secret_basic" if provider.client_secret_env else "none",
        scope=provider.scopes,
        redirect_uri=redirect_uri,
        state=state,
        code_challenge_method="S256",
        default_timeout=TIMEOUT,
    )


def begin(
    provider: IdentityProvider, *, redirect_uri: str, login_hint: str = ""
) -> tuple[str, Pending]:
    """The provider's sign-in address (with state, nonce and a PKCE S256 code challenge) and
    what the session must keep to check the answer."""
    nonce = generate_token(32)
    verifier = generate_token(64)
    extra = {"login_hint": login_hint} if login_hint else {}
    with _session(provider, redirect_uri) as client:
        url, state = client.create_authorization_url(
            metadata(provider)["authorization_endpoint"],
            code_verifier=verifier,
            nonce=nonce,
            **extra,
        )
    return url, Pending(
        provider=provider.pk,
        state=state,
        nonce=nonce,
        code_verifier=verifier,
        redirect_uri=redirect_uri,
        started=time.time(),
    )


def finish(provider: IdentityProvider, pending: Pending, authorization_response: str) -> dict:
    """Redeems the code (the state must match) and returns the verified ID token's claims."""
    with _session(provider, pending.redirect_uri, state=pending.state) as client:
        try:
            token = client.fetch_token(
                metadata(provider)["token_endpoint"],
                authorization_response=authorization_response,
                state=pending.state,
                code_verifier=pending.code_verifier,
            )
        except MismatchingStateException:
            raise SsoRefused(PLAIN_FAILURE, "the state did not match") from None
        except (AuthlibBaseError, requests.RequestException) as exc:
            raise SsoRefused(PLAIN_FAILURE, f"the code could not be redeemed: {exc}") from None
    id_token = token.get("id_token")
    if not id_token:
        raise SsoRefused(PLAIN_FAILURE, "the provider returned no ID token")
    return verify_id_token(provider, id_token, nonce=pending.nonce)


def verify_id_token(
    provider: IdentityProvider, id_token: str, *, nonce: str, now: int | None = None
) -> dict[str, Any]:
    """The ID token's claims once its signature (the provider's JWKS, asymmetric algorithms
    only), issuer, audience (and authorised party), expiry, issued-at and nonce are right.
    `now` (seconds since 1970) is for checking expiry at another time."""
    try:
        try:
            token = jwt.decode(id_token, signing_keys(provider), algorithms=ALGORITHMS)
        except JoseError:
            # The provider may have rotated its keys since they were read: read them once more.
            token = jwt.decode(
                id_token, signing_keys(provider, refresh=True), algorithms=ALGORITHMS
            )
    except (JoseError, ValueError) as exc:
        raise SsoRefused(
            PLAIN_FAILURE, f"the ID token's signature is not valid ({type(exc).__name__})"
        ) from None
    claims = token.claims
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise SsoRefused(PLAIN_FAILURE, f"the ID token was refused: {exc}") from None
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != provider.client_id:
        raise SsoRefused(PLAIN_FAILURE, "the ID token is for several audiences and not for us")
    return claims
