"""People, the organisations they work for, and their API tokens."""

# ruff: noqa: RUF012 - Django's Meta options (ordering, constraints) are class-level lists by design.

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COUNCIL = "council", "Council"
        POLICE = "police", "Police"
        PCC = "pcc", "Police and Crime Commissioner's office"
        FIRE = "fire", "Fire and rescue"
        PROBATION = "probation", "Probation"
        HEALTH = "health", "Health"
        VOLUNTARY = "voluntary", "Voluntary sector"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An email address is needed")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Known by email address; shown by name or, failing that, role title."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="people"
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.full_name:
            return self.full_name
        # Role titles only ("Community Safety Manager, Tamworth Borough Council"): the demo and
        # many shared mailboxes have no person's name.
        if self.job_title and self.organisation_id:
            return f"{self.job_title}, {self.organisation.name}"
        return self.job_title or self.email


class ApiToken(models.Model):
    """A personal token for the JSON API. Only a hash is stored; the token is shown once."""

    # PROTECT: people are deactivated, never deleted (a deactivated person's tokens stop working).
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        # Tokens are long random strings, so a fast hash is enough (no dictionary to attack).
        return hashlib.sha256(key.encode()).hexdigest()


# Single sign-on (OpenID Connect) -----------------------------------------------------------------


class IdentityProvider(models.Model):
    """An organisation's own OpenID Connect identity provider (e.g. its Microsoft Entra ID tenant).

    Its client secret is never stored here: `client_secret_env` names the environment variable
    that holds it (see `accounts.sso`). People whose e-mail domain is one of `domains` sign in
    through it; the provider may only vouch for addresses in those domains.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="identity_providers"
    )
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    issuer = models.URLField(max_length=500)
    client_id = models.CharField(max_length=255)
    client_secret_env = models.CharField(max_length=100, blank=True)
    scopes = models.CharField(max_length=200, default="openid email profile")
    created_at = models.DateTimeField(default=timezone.now)
    # Archived, not deleted (the audit log names it). Like `core.models.Archivable`, which
    # accounts cannot import (core's models import partnerships', which import accounts').
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IdentityProviderDomain(models.Model):
    """An e-mail domain an identity provider signs people in for (one current provider per
    domain; archived with its provider, which frees the domain for another)."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.PROTECT, related_name="domains")
    domain = models.CharField(max_length=253)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"],
                condition=models.Q(archived_at=None),
                name="identity_provider_domain_current_unique",
            )
        ]

    def __str__(self) -> str:
        return self.domain
