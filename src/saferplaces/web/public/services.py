"""Switching a partnership's public pages on or off, and their words."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from saferplaces.web.audit.services import record
from saferplaces.web.partnerships.models import Partnership
from saferplaces.web.public.models import PublicSite

FIELDS = ["enabled", "introduction", "contact", "accessibility_contact"]


@transaction.atomic
def site_update(*, actor: Any, partnership: Partnership, **data: Any) -> PublicSite:
    site, _ = PublicSite.objects.select_for_update().get_or_create(partnership=partnership)
    before = {k: getattr(site, k) for k in FIELDS}
    for k, v in data.items():
        setattr(site, k, v)
    site.full_clean()
    site.save()
    record(actor=actor, verb="update", obj=site, partnership=partnership, object_label=str(site),
           before=before, after={k: getattr(site, k) for k in FIELDS},
           summary=("Public pages on" if site.enabled else "Public pages off") + " and their words saved")  # fmt: skip
    return site
