"""The performance app's forms: an indicator and a month's value."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from saferplaces.web.accounts.models import User
from saferplaces.web.core.forms import GovukForm
from saferplaces.web.forms import PeopleMixin, person_choices
from saferplaces.web.performance.models import Indicator
from saferplaces.web.plans.models import Priority


class IndicatorForm(PeopleMixin, GovukForm):
    name = forms.CharField(
        label="Indicator", max_length=200, error_messages={"required": "Enter the indicator's name"}
    )
    definition = forms.CharField(
        widget=forms.Textarea,
        required=False,
        help_text="What is counted, and where the figure comes from",
    )
    priority = forms.ChoiceField(
        label="Priority",
        required=False,
        help_text="Leave as 'None' for indicators that watch for emerging themes beyond the priorities",
    )
    source = forms.ChoiceField(
        label="Where the figures come from",
        choices=Indicator.Source.choices,
        widget=forms.RadioSelect,
    )
    measure = forms.ChoiceField(
        label="Warehouse measure",
        choices=[("", "Not from the warehouse"), *Indicator.Measure.choices],
        required=False,
    )
    category = forms.ChoiceField(label="Crime category", required=False)
    partner_measure = forms.ChoiceField(
        label="Partner measure",
        required=False,
        help_text="A partner's data loaded into the warehouse (saferplaces load measure)",
    )
    area_code = forms.CharField(
        label="Area",
        max_length=40,
        required=False,
        help_text="Leave empty for the partnership's whole area, or enter a ward, district or locality code",
    )
    owner = forms.ChoiceField(
        label="Owner", required=False, help_text="The person who enters the figures"
    )
    unit = forms.CharField(
        max_length=60, required=False, help_text="For example, referrals or per 1,000 residents"
    )
    baseline_value = forms.FloatField(
        label="Baseline",
        required=False,
        error_messages={"invalid": "The baseline must be a number"},
    )
    baseline_label = forms.CharField(
        label="Baseline period",
        max_length=100,
        required=False,
        help_text="For example, 2022-23 monthly average",
    )
    target_value = forms.FloatField(
        label="Target", required=False, error_messages={"invalid": "The target must be a number"}
    )
    direction = forms.ChoiceField(
        label="Which way is better?", choices=Indicator.Direction.choices, widget=forms.RadioSelect
    )
    green_at = forms.FloatField(
        label="Green when at or better than",
        required=False,
        error_messages={"invalid": "The green threshold must be a number"},
    )
    red_at = forms.FloatField(
        label="Red when worse than",
        required=False,
        error_messages={"invalid": "The red threshold must be a number"},
    )

    def __init__(
        self,
        *args: Any,
        people: list[User],
        priorities: list[Priority],
        categories: list[str],
        partner_measures: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner_measure"].choices = [
            ("", "Not a partner measure"),
            *sorted((partner_measures or {}).items(), key=lambda kv: kv[1]),
        ]
        self.people_by_id = {u.pk: u for u in people}
        self.priorities_by_id = {p.pk: p for p in priorities}
        self.fields["priority"].choices = [("", "None (emerging themes)")] + [
            (str(p.pk), p.title) for p in priorities
        ]
        self.fields["owner"].choices = person_choices(people)
        self.fields["category"].choices = [("", "All crime (not anti-social behaviour)")] + [
            (c, c) for c in categories
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("source") == Indicator.Source.WAREHOUSE and not data.get("measure"):
            self.add_error("measure", "Choose what to measure from the warehouse")
        if data.get("source") == Indicator.Source.PARTNER and not data.get("partner_measure"):
            self.add_error("partner_measure", "Choose the partner measure from the warehouse")
        if data.get("source") == Indicator.Source.MANUAL:
            data["measure"], data["category"] = "", ""
        if data.get("source") != Indicator.Source.PARTNER:
            data["partner_measure"] = ""
        return data

    def to_fields(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["priority"] = self.priorities_by_id.get(int(d["priority"])) if d.get("priority") else None
        d["owner"] = self._person("owner")
        d["area_code"] = (d.get("area_code") or "").strip().upper()
        return d


class ValueForm(GovukForm):
    period = forms.CharField(
        label="Month",
        max_length=7,
        help_text="Year and month, for example 2025-09",
        error_messages={"required": "Enter the month, for example 2025-09"},
    )
    value = forms.FloatField(
        label="Value",
        error_messages={
            "required": "Enter the value",
            "invalid": "The value must be a number, like 42 or 3.5",
        },
    )
    note = forms.CharField(
        label="Note (optional)", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean_period(self) -> dt.date:
        raw = self.cleaned_data["period"].strip()
        try:
            y, m = raw.split("-")
            return dt.date(int(y), int(m), 1)
        except ValueError:
            raise forms.ValidationError(
                "Enter the month as year and month, for example 2025-09"
            ) from None
