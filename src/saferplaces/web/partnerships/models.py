"""Partnerships, the areas they cover, the organisations in them and who may do what."""

# ruff: noqa: RUF012 - Django's Meta options (ordering, constraints) are class-level lists by design.

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from saferplaces.web.accounts.models import Organisation


class Partnership(models.Model):
    class Kind(models.TextChoices):
        DISTRICT = "district", "District or borough community safety partnership"
        COUNTY = "county", "County community safety agreement"
        UNITARY = "unitary", "Unitary community safety partnership"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DISTRICT)
    # A district partnership in a two-tier area sits under the county agreement, whose
    # county-wide priorities then also appear in the district's plan.
    county = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="districts",
        limit_choices_to={"kind": "county"},
    )
    plan_title = models.CharField(max_length=200, blank=True)
    plan_start = models.DateField(null=True, blank=True)
    plan_end = models.DateField(null=True, blank=True)
    lead_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    board_name = models.CharField(max_length=200, blank=True)
    scrutiny_body = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_county(self) -> bool:
        return self.kind == self.Kind.COUNTY


class PartnershipArea(models.Model):
    """A warehouse area the partnership covers (a CSP, LAD, ward, LSOA or locality code)."""

    class Level(models.TextChoices):
        CSP = "csp", "Community safety partnership"
        LAD = "lad", "Local authority district"
        PFA = "pfa", "Police force area"
        WARD = "ward", "Ward"
        LSOA = "lsoa", "Lower layer super output area"
        LOCALITY = "locality", "Locality"

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="areas")
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.CSP)
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "code"], name="unique_area_per_partnership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})" if self.name else self.code


class PartnerOrganisation(models.Model):
    """An organisation that sits on the partnership, statutory (responsible authority) or not."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="partners")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="partnerships"
    )
    is_statutory = models.BooleanField("Responsible authority", default=False)

    class Meta:
        ordering = ["-is_statutory", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organisation"], name="unique_partner_org"
            )
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class Role(models.TextChoices):
    MANAGER = "manager", "Manager"
    ANALYST = "analyst", "Analyst"
    LEAD_OFFICER = "lead_officer", "Lead officer"
    MEMBER = "member", "Member"
    SCRUTINY = "scrutiny", "Scrutiny viewer"
    ADMINISTRATOR = "administrator", "Administrator"


class Membership(models.Model):
    """One role one person holds in one partnership. A person may hold several."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="memberships"
    )
    # PROTECT: people are deactivated, never deleted, so who held which role stays on record.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partnership", "user__email", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "user", "role"], name="unique_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.partnership}"


class CountyLinkRequest(models.Model):
    """A district's request to sit under a county agreement, and the county's decision.

    `Partnership.county` is written only when the county's administrator (or a site
    administrator) accepts one of these, so a district reads county-wide priorities only
    through an accepted link. Declined and ended requests stay as the record of who decided.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a decision"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        ENDED = "ended", "Ended"

    district = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="county_requests"
    )
    county = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="district_requests"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district"],
                condition=models.Q(status="pending"),
                name="one_pending_county_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.district} under {self.county} ({self.get_status_display().lower()})"


class Invitation(models.Model):
    """An administrator's invitation to join a partnership in a role, sent as a one-time link.

    Only a hash of the link's key is stored (like API tokens); the link works once and until
    `expires_at`.
    """

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    job_title = models.CharField(max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Invitation for {self.email} ({self.get_role_display()})"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.cancelled_at is None
            and self.expires_at > timezone.now()
        )


class Meeting(models.Model):
    """A board meeting. The dashboard shows what changed since the last one."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField()
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%d %B %Y})"


class PartnerPlan(models.Model):
    """Another body's plan the partnership's priorities must have regard to (e.g. the PCC's)."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="partner_plans"
    )
    title = models.CharField(max_length=200)
    owner = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class PartnerObjective(models.Model):
    # PROTECT: priorities record links to objectives; deleting a plan must not take them.
    plan = models.ForeignKey(PartnerPlan, on_delete=models.PROTECT, related_name="objectives")
    title = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position", "id"]

    def __str__(self) -> str:
        return f"{self.plan.title}: {self.title}"
