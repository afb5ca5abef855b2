"""The partnership's public pages: off until its manager switches them on."""

from __future__ import annotations

from django.db import models

from saferplaces.web.partnerships.models import Partnership


class PublicSite(models.Model):
    partnership = models.OneToOneField(
        Partnership, on_delete=models.PROTECT, related_name="public_site"
    )
    enabled = models.BooleanField(default=False)
    introduction = models.TextField(blank=True)
    # A team mailbox or a contact form's address, never a person's own e-mail.
    contact = models.TextField(blank=True)
    accessibility_contact = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Public pages of {self.partnership}"
