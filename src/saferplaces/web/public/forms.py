from __future__ import annotations

from django import forms

from saferplaces.web.core.forms import GovukForm


class SiteForm(GovukForm):
    enabled = forms.BooleanField(label="Publish the partnership's public pages", required=False,
                                 help_text="Anyone can read them without signing in")  # fmt: skip
    introduction = forms.CharField(widget=forms.Textarea, required=False,
                                   help_text="A few sentences about the partnership for residents")  # fmt: skip
    contact = forms.CharField(
        label="How residents contact the partnership", widget=forms.Textarea, required=False,
        help_text="A team mailbox, telephone number or form, never a person's own e-mail. "
        "Say to call 999 in an emergency and 101 otherwise",
    )  # fmt: skip
    accessibility_contact = forms.CharField(
        label="Who to contact about the pages' accessibility", max_length=300, required=False
    )
