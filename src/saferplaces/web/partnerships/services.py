"""Writes for partnerships, their areas, partner organisations, members and meetings."""

from __future__ import annotations

import datetime as dt
import secrets
import smtplib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from saferplaces.web import permissions
from saferplaces.web.accounts.models import ApiToken, Organisation, User
from saferplaces.web.audit.services import record, snapshot
from saferplaces.web.partnerships.models import (
    CountyLinkRequest,
    Invitation,
    Membership,
    PartnerObjective,
    PartnerOrganisation,
    PartnerPlan,
    Partnership,
    PartnershipArea,
    Role,
)

# Not "kind" or "county": a partnership's type is changed by a site administrator
# (partnership_change_kind) and its county only through an accepted link request.
EDITABLE = [
    "name",
    "plan_title",
    "plan_start",
    "plan_end",
    "lead_organisation",
    "board_name",
    "scrutiny_body",
    "description",
]


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "partnership"
    slug, n = base, 2
    while Partnership.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def partnership_create(
    *,
    actor: User | None,
    name: str,
    kind: str = Partnership.Kind.DISTRICT,
    slug: str | None = None,
    **fields: Any,
) -> Partnership:
    county = fields.get("county")
    # Setting up a partnership already under a county is for the command line, the demo and
    # site administrators; everyone else asks the county (county_link_request).
    if county is not None and actor is not None and not actor.is_superuser:
        raise PermissionDenied(permissions.CHANGE_KIND)
    p = Partnership(name=name, kind=kind, slug=slug or _unique_slug(name), **fields)
    p.full_clean()
    p.save()
    record(actor=actor, verb="create", obj=p, partnership=p, after=snapshot(p))
    if county is not None:
        CountyLinkRequest.objects.create(
            district=p,
            county=county,
            status=CountyLinkRequest.Status.ACCEPTED,
            requested_by=actor,
            decided_by=actor,
            decided_at=timezone.now(),
        )
    return p


def _check_plan_dates(partnership: Partnership, fields: dict[str, Any]) -> None:
    """Once a plan period is recorded, the plan dates are the current period's: changing them
    here would make the partnership and its period disagree, so a new plan starts a new period
    (plans.services.period_start_next), which sets the dates and keeps the old period."""
    from saferplaces.web.plans.models import PlanPeriod  # plans depends on partnerships

    changed = [k for k in ("plan_start", "plan_end") if k in fields]
    changed = [k for k in changed if fields[k] != getattr(partnership, k)]
    if changed and PlanPeriod.objects.filter(partnership=partnership).exists():
        message = (
            "The plan dates are the current plan period's and cannot be changed here. "
            "For a new plan, use “Start the next plan period” on the plan periods page"
        )
        raise ValidationError({k: message for k in changed})


@transaction.atomic
def partnership_update(*, actor: User, partnership: Partnership, **fields: Any) -> Partnership:
    before = snapshot(partnership)
    _check_plan_dates(partnership, fields)
    for k, v in fields.items():
        if (k == "kind" and v == partnership.kind) or (k == "county" and v == partnership.county):
            continue  # an unchanged value, e.g. from an older form or API client
        if k == "kind":
            raise ValidationError(
                {"kind": "Only a site administrator can change the type of partnership"}
            )
        if k == "county":
            raise ValidationError(
                {
                    "county": "Ask to join a county agreement instead: its administrator "
                    "accepts or declines the request"
                }
            )
        if k not in EDITABLE:
            raise ValueError(f"{k} cannot be changed here")
        setattr(partnership, k, v)
    partnership.full_clean()
    partnership.save()
    record(
        actor=actor,
        verb="update",
        obj=partnership,
        partnership=partnership,
        before=before,
        after=snapshot(partnership),
    )
    return partnership


@transaction.atomic
def area_add(
    *,
    actor: User | None,
    partnership: Partnership,
    code: str,
    level: str = PartnershipArea.Level.CSP,
    name: str = "",
) -> PartnershipArea:
    code = code.strip().upper() if not code.strip().upper().startswith("LOC:") else code.strip()
    if partnership.areas.filter(code=code).exists():
        raise ValidationError({"code": "This area is already in the partnership"})
    area = PartnershipArea(partnership=partnership, code=code, level=level, name=name.strip())
    area.full_clean()
    area.save()
    record(actor=actor, verb="create", obj=area, partnership=partnership, after=snapshot(area))
    return area


@transaction.atomic
def area_remove(*, actor: User, area: PartnershipArea) -> None:
    record(
        actor=actor, verb="delete", obj=area, partnership=area.partnership, before=snapshot(area)
    )
    area.delete()


@transaction.atomic
def partner_add(
    *, actor: User | None, partnership: Partnership, organisation: Organisation, is_statutory: bool
) -> PartnerOrganisation:
    po, created = PartnerOrganisation.objects.get_or_create(
        partnership=partnership, organisation=organisation, defaults={"is_statutory": is_statutory}
    )
    if not created:
        raise ValidationError(
            {"organisation": "This organisation is already a member of the partnership"}
        )
    record(actor=actor, verb="create", obj=po, partnership=partnership, after=snapshot(po))
    return po


@transaction.atomic
def partner_remove(*, actor: User, partner: PartnerOrganisation) -> None:
    record(
        actor=actor,
        verb="delete",
        obj=partner,
        partnership=partner.partnership,
        before=snapshot(partner),
    )
    partner.delete()


def _check_role_change(actor: User | None, partnership: Partnership, user: User) -> None:
    """Nobody changes their own roles, and only an administrator changes anyone's.

    `actor=None` is the command line and the demo set-up, run by whoever runs the server.
    """
    if actor is None:
        return
    if actor.pk == user.pk:
        raise ValidationError(
            "You cannot change your own roles. Ask another administrator of the partnership"
        )
    permissions.require(actor, partnership, permissions.MANAGE_PEOPLE)


def _roles(partnership: Partnership, user: User) -> list[str]:
    return sorted(
        Membership.objects.filter(partnership=partnership, user=user).values_list("role", flat=True)
    )


@transaction.atomic
def membership_add(
    *, actor: User | None, partnership: Partnership, user: User, role: str
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": "Choose a role"})
    _check_role_change(actor, partnership, user)
    before = _roles(partnership, user)
    m, created = Membership.objects.get_or_create(partnership=partnership, user=user, role=role)
    if not created:
        raise ValidationError({"role": f"{user.display_name} already has this role"})
    record(
        actor=actor,
        verb="create",
        obj=m,
        partnership=partnership,
        before={"user": user.email, "roles": before},
        after={"user": user.email, "roles": sorted([*before, role])},
        summary=f"{user.email} given role {m.get_role_display()}",
    )
    return m


@transaction.atomic
def membership_remove(*, actor: User | None, membership: Membership) -> None:
    p = membership.partnership
    _check_role_change(actor, p, membership.user)
    if (
        membership.role == Role.ADMINISTRATOR
        and not Membership.objects.filter(
            partnership=p, role=Role.ADMINISTRATOR, user__is_active=True
        )
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError("A partnership must keep at least one administrator")
    before = _roles(p, membership.user)
    record(
        actor=actor,
        verb="delete",
        obj=membership,
        partnership=p,
        before={"user": membership.user.email, "roles": before},
        after={"user": membership.user.email, "roles": [r for r in before if r != membership.role]},
        summary=f"{membership.user.email} no longer {membership.get_role_display()}",
    )
    membership.delete()


# Invitations ----------------------------------------------------------------------------------

INVITATION_DAYS = 7


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    partnership: Partnership,
    email: str,
    role: str,
    link_for: Callable[[str], str],
    job_title: str = "",
    organisation: Organisation | None = None,
) -> Invitation:
    """Invites someone without an account; `link_for(key)` makes the one-time link's address.

    The e-mail is sent inside the transaction: if it cannot be sent, no invitation is left.
    """
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": "Choose a role"})
    permissions.require(actor, partnership, permissions.MANAGE_PEOPLE)
    if User.objects.filter(email=email).exists():
        raise ValidationError(
            {"email": "This person already has an account. Give them a role instead"}
        )
    # A new invitation replaces any still open for the same person and partnership.
    now = timezone.now()
    for old in Invitation.objects.filter(
        partnership=partnership, email=email, accepted_at=None, cancelled_at=None
    ):
        _invitation_close(actor=actor, invitation=old, summary="Invitation replaced by a new one")
    key = secrets.token_urlsafe(32)
    inv = Invitation.objects.create(
        partnership=partnership,
        email=email,
        role=role,
        job_title=job_title.strip(),
        organisation=organisation,
        invited_by=actor,
        key_hash=ApiToken.hash_key(key),
        created_at=now,
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
    )
    record(
        actor=actor,
        verb="create",
        obj=inv,
        partnership=partnership,
        after={"email": email, "role": role, "expires_at": inv.expires_at},
        summary=f"{email} invited as {inv.get_role_display().lower()}",
    )
    context = {"invitation": inv, "link": link_for(key), "days": INVITATION_DAYS}
    try:
        send_mail(
            subject=f"You are invited to {partnership.name} on {settings.SAFERPLACES_SERVICE_NAME}",
            message=render_to_string("partnerships/email/invitation.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    except (OSError, smtplib.SMTPException):
        # Raised inside the transaction, so the invitation and its audit entry are not kept.
        raise ValidationError(
            {
                "email": "The invitation could not be sent: the mail server did not accept it. "
                "Try again later, or ask your site administrator to check the email settings"
            }
        ) from None
    return inv


def _invitation_close(*, actor: User, invitation: Invitation, summary: str) -> None:
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["cancelled_at"])
    record(
        actor=actor,
        verb="update",
        obj=invitation,
        partnership=invitation.partnership,
        summary=summary,
    )


@transaction.atomic
def invitation_cancel(*, actor: User, invitation: Invitation) -> None:
    permissions.require(actor, invitation.partnership, permissions.MANAGE_PEOPLE)
    if not invitation.is_open:
        raise ValidationError("This invitation has already been used, cancelled or has expired")
    _invitation_close(actor=actor, invitation=invitation, summary="Invitation cancelled")


def invitation_for_key(key: str) -> Invitation | None:
    """The open invitation this link's key belongs to, or None (used, cancelled or expired)."""
    inv = (
        Invitation.objects.select_related("partnership", "invited_by")
        .filter(key_hash=ApiToken.hash_key(key))
        .first()
    )
    return inv if inv is not None and inv.is_open else None


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str, job_title: str = "") -> User:
    """The invitee sets a password; they get the role the inviting administrator chose."""
    from saferplaces.web.accounts.services import user_create

    inv = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not inv.is_open:
        raise ValidationError("This invitation has already been used, cancelled or has expired")
    if User.objects.filter(email=inv.email).exists():
        raise ValidationError(
            "There is already an account for this email address. Sign in, or reset your password"
        )
    user = user_create(
        email=inv.email,
        password=password,
        job_title=job_title.strip() or inv.job_title,
        organisation=inv.organisation,
        actor=None,
    )
    try:
        # The inviter must still be an administrator when the invitation is used.
        membership_add(actor=inv.invited_by, partnership=inv.partnership, user=user, role=inv.role)
    except PermissionDenied:
        raise ValidationError(
            "This invitation is no longer valid. Ask the partnership's administrator for a new one"
        ) from None
    inv.accepted_at = timezone.now()
    inv.accepted_by = user
    inv.save(update_fields=["accepted_at", "accepted_by"])
    record(
        actor=user,
        verb="update",
        obj=inv,
        partnership=inv.partnership,
        summary=(
            f"{user.email} accepted the invitation and set a password"
            if password
            else f"{user.email} accepted the invitation by signing in with their organisation's account"
        ),
    )
    return user


# County links ---------------------------------------------------------------------------------


def _record_on_both(
    actor: User | None, link: CountyLinkRequest, verb: str, summary: str, **kw: Any
) -> None:
    """Each partnership's own audit log shows the link, so both administrators can see it."""
    for p in (link.district, link.county):
        record(actor=actor, verb=verb, obj=link, partnership=p, summary=summary, **kw)


@transaction.atomic
def county_link_request(
    *, actor: User, district: Partnership, county: Partnership
) -> CountyLinkRequest:
    permissions.require(actor, district, permissions.REQUEST_COUNTY_LINK)
    if district.kind != Partnership.Kind.DISTRICT:
        # Unitary areas have no county tier; a county agreement cannot sit under another.
        raise ValidationError(
            {"county": "Only a district or borough partnership can join a county agreement"}
        )
    if not county.is_county or county.pk == district.pk:
        raise ValidationError({"county": "Choose a county community safety agreement"})
    if district.county_id == county.pk:
        raise ValidationError({"county": f"{district.name} is already part of {county.name}"})
    pending = CountyLinkRequest.objects.filter(
        district=district, status=CountyLinkRequest.Status.PENDING
    ).first()
    if pending is not None:
        raise ValidationError(
            {"county": f"A request to join {pending.county.name} is already waiting for a decision"}
        )
    link = CountyLinkRequest.objects.create(district=district, county=county, requested_by=actor)
    _record_on_both(
        actor,
        link,
        "create",
        f"{district.name} asked to join {county.name}",
        after={"status": link.status},
    )
    return link


def _end_accepted(actor: User | None, district: Partnership, summary: str) -> None:
    for old in CountyLinkRequest.objects.select_related("district", "county").filter(
        district=district, status=CountyLinkRequest.Status.ACCEPTED
    ):
        old.status = CountyLinkRequest.Status.ENDED
        old.ended_by = actor
        old.ended_at = timezone.now()
        old.save(update_fields=["status", "ended_by", "ended_at"])
        _record_on_both(
            actor, old, "update", summary, before={"status": "accepted"}, after={"status": "ended"}
        )


@transaction.atomic
def county_link_decide(*, actor: User, link: CountyLinkRequest, accept: bool) -> CountyLinkRequest:
    link = (
        CountyLinkRequest.objects.select_for_update()
        .select_related("district", "county")
        .get(pk=link.pk)
    )
    permissions.require(actor, link.county, permissions.DECIDE_COUNTY_LINK)
    if link.status != CountyLinkRequest.Status.PENDING:
        raise ValidationError("This request has already been decided")
    district = link.district
    if accept:
        if district.county_id and district.county_id != link.county_id:
            _end_accepted(actor, district, f"{district.name} moved to {link.county.name}")
        before = snapshot(district, ["county"])
        district.county = link.county
        district.save(update_fields=["county"])
        record(
            actor=actor,
            verb="update",
            obj=district,
            partnership=district,
            before=before,
            after=snapshot(district, ["county"]),
            summary=f"Now part of {link.county.name}",
        )
    link.status = CountyLinkRequest.Status.ACCEPTED if accept else CountyLinkRequest.Status.DECLINED
    link.decided_by = actor
    link.decided_at = timezone.now()
    link.save(update_fields=["status", "decided_by", "decided_at"])
    _record_on_both(
        actor,
        link,
        "update",
        f"{link.county.name} {'accepted' if accept else 'declined'} {district.name}'s request",
        before={"status": "pending"},
        after={"status": link.status},
    )
    return link


@transaction.atomic
def county_link_end(*, actor: User, district: Partnership) -> None:
    """Either side may end a link: the district's manager or the county's administrator."""
    if district.county_id is None:
        raise ValidationError(f"{district.name} is not part of a county agreement")
    county = district.county
    if not (
        permissions.can(actor, district, permissions.REQUEST_COUNTY_LINK)
        or permissions.can(actor, county, permissions.DECIDE_COUNTY_LINK)
    ):
        raise PermissionDenied(permissions.REQUEST_COUNTY_LINK)
    _end_accepted(actor, district, f"{district.name} left {county.name}")
    before = snapshot(district, ["county"])
    district.county = None
    district.save(update_fields=["county"])
    record(
        actor=actor,
        verb="update",
        obj=district,
        partnership=district,
        before=before,
        after=snapshot(district, ["county"]),
        summary=f"No longer part of {county.name}",
    )


@transaction.atomic
def partnership_change_kind(*, actor: User | None, partnership: Partnership, kind: str) -> None:
    """Site administrators only: making a partnership a county lets districts ask to join it."""
    if actor is not None:
        permissions.require(actor, partnership, permissions.CHANGE_KIND)
    if kind not in Partnership.Kind.values:
        raise ValidationError({"kind": "Choose the type of partnership"})
    if kind == partnership.kind:
        return
    if kind != Partnership.Kind.DISTRICT and partnership.county_id:
        raise ValidationError(
            {
                "kind": f"Leave {partnership.county.name} first: only a district or borough "
                "partnership sits under a county agreement"
            }
        )
    if partnership.is_county and partnership.districts.exists():
        raise ValidationError(
            {"kind": "Districts are part of this county agreement. End their links first"}
        )
    before = snapshot(partnership, ["kind"])
    partnership.kind = kind
    partnership.save(update_fields=["kind"])
    record(
        actor=actor,
        verb="update",
        obj=partnership,
        partnership=partnership,
        before=before,
        after=snapshot(partnership, ["kind"]),
        summary=f"Type changed to {partnership.get_kind_display().lower()}",
    )


@transaction.atomic
def partner_plan_create(
    *,
    actor: User | None,
    partnership: Partnership,
    title: str,
    owner: str = "",
    objectives: list[str] | None = None,
) -> PartnerPlan:
    plan = PartnerPlan.objects.create(partnership=partnership, title=title, owner=owner)
    for i, text in enumerate(o.strip() for o in objectives or []):
        if text:
            PartnerObjective.objects.create(plan=plan, title=text, position=i)
    record(
        actor=actor,
        verb="create",
        obj=plan,
        partnership=partnership,
        after={"title": title, "owner": owner, "objectives": objectives or []},
    )
    return plan
