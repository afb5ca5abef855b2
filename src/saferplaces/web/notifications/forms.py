from __future__ import annotations

from typing import Any

from django import forms

from saferplaces.web.core.forms import GovukForm
from saferplaces.web.notifications.models import Frequency, Kind


class PreferencesForm(GovukForm):
    """One choice of e-mail frequency per kind of notification."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Radios need none of the classes GovukFormMixin adds, so fields may follow its set-up.
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=Frequency.choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose how often to be e-mailed about {label.lower()}"
                },
            )
