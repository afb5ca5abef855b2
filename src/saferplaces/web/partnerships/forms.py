"""Forms for tenancy links and a partnership's type (the other workspace forms are in web/forms.py)."""

from __future__ import annotations

from typing import Any

from django import forms

from saferplaces.web.core.forms import GovukForm
from saferplaces.web.partnerships.models import Partnership


class CountyRequestForm(GovukForm):
    county = forms.ChoiceField(
        label="Which county community safety agreement?",
        widget=forms.RadioSelect,
        help_text="Its administrator will accept or decline the request. Until then, the "
        "county-wide priorities do not appear in your plan",
        error_messages={"required": "Choose the county community safety agreement"},
    )

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.counties = {
            str(c.pk): c
            for c in Partnership.objects.filter(kind=Partnership.Kind.COUNTY)
            .exclude(pk__in=[partnership.pk, partnership.county_id or 0])
            .order_by("name")
        }
        self.fields["county"].choices = [(k, c.name) for k, c in self.counties.items()]

    def chosen(self) -> Partnership:
        return self.counties[self.cleaned_data["county"]]


class CountyDecisionForm(GovukForm):
    decision = forms.ChoiceField(
        label="Do you accept this district into the county agreement?",
        choices=[("accept", "Yes, accept"), ("decline", "No, decline")],
        widget=forms.RadioSelect,
        help_text="If you accept, the county-wide priorities appear in the district's plan, "
        "dashboard and board pack. The county does not see the district's records",
        error_messages={"required": "Choose whether to accept or decline the request"},
    )


class KindForm(GovukForm):
    kind = forms.ChoiceField(
        label="Type of partnership",
        choices=Partnership.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the type of partnership"},
    )
