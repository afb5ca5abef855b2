"""Writes for partnerships, their areas, partner organisations, members and meetings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from saferplaces.web.accounts.models import Organisation, User
from saferplaces.web.audit.services import record, snapshot
from saferplaces.web.partnerships.models import (
    Meeting,
    Membership,
    PartnerObjective,
    PartnerOrganisation,
    PartnerPlan,
    Partnership,
    PartnershipArea,
    Role,
)

EDITABLE = [
    "name",
    "kind",
    "county",
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
    p = Partnership(name=name, kind=kind, slug=slug or _unique_slug(name), **fields)
    p.full_clean()
    p.save()
    record(actor=actor, verb="create", obj=p, partnership=p, after=snapshot(p))
    return p


@transaction.atomic
def partnership_update(*, actor: User, partnership: Partnership, **fields: Any) -> Partnership:
    before = snapshot(partnership)
    for k, v in fields.items():
        if k not in EDITABLE:
            raise ValueError(f"{k} cannot be changed here")
        setattr(partnership, k, v)
    if partnership.county_id == partnership.pk:
        raise ValidationError({"county": "A partnership cannot be its own county agreement"})
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


@transaction.atomic
def membership_add(
    *, actor: User | None, partnership: Partnership, user: User, role: str
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": "Choose a role"})
    m, created = Membership.objects.get_or_create(partnership=partnership, user=user, role=role)
    if not created:
        raise ValidationError({"role": f"{user.display_name} already has this role"})
    record(
        actor=actor,
        verb="create",
        obj=m,
        partnership=partnership,
        after=snapshot(m),
        summary=f"{user.email} given role {m.get_role_display()}",
    )
    return m


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    p = membership.partnership
    if (
        membership.role == Role.ADMINISTRATOR
        and not Membership.objects.filter(partnership=p, role=Role.ADMINISTRATOR)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError("A partnership must keep at least one administrator")
    record(
        actor=actor,
        verb="delete",
        obj=membership,
        partnership=p,
        before=snapshot(membership),
        summary=f"{membership.user.email} no longer {membership.get_role_display()}",
    )
    membership.delete()


@transaction.atomic
def meeting_create(
    *, actor: User | None, partnership: Partnership, held_on: dt.date, title: str, notes: str = ""
) -> Meeting:
    m = Meeting(partnership=partnership, held_on=held_on, title=title, notes=notes)
    m.full_clean()
    m.save()
    record(actor=actor, verb="create", obj=m, partnership=partnership, after=snapshot(m))
    return m


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
