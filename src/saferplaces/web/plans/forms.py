"""Forms for plan periods and versions, on the GOV.UK base form."""

from __future__ import annotations

from typing import Any

from django import forms

from saferplaces.web.core.forms import GovukDateField, GovukForm
from saferplaces.web.forms import AdoptForm, person_choices


class PeriodForm(GovukForm):
    title = forms.CharField(
        max_length=200,
        label="Name of the plan",
        help_text="For example, Community Safety Partnership Plan 2026 to 2029",
    )
    starts_on = GovukDateField(
        label="First day of the period", error_messages={"required": "Enter the first day"}
    )
    ends_on = GovukDateField(
        label="Last day of the period", error_messages={"required": "Enter the last day"}
    )


class VersionForm(GovukForm):
    title = forms.CharField(
        max_length=200, help_text="For example, Draft for consultation with partners"
    )
    drafted_on = GovukDateField(
        label="Date of the draft", error_messages={"required": "Enter the date of the draft"}
    )
    notes = forms.CharField(widget=forms.Textarea, required=False)


class VersionStagesForm(GovukForm):
    consulted_on = GovukDateField(label="Consultation closed on", required=False)
    endorsing_resolution = forms.ChoiceField(
        label="Minuted approval",
        required=False,
        choices=(),
        help_text="The resolution of type approved that endorsed the plan, if it was minuted",
    )
    endorsed_by = forms.ChoiceField(label="Endorsed by", required=False, choices=())
    endorsed_on = GovukDateField(
        label="Endorsed on",
        required=False,
        help_text="Leave empty to use the date of the meeting that approved it",
    )
    sent_to_pcc_on = GovukDateField(
        label="Sent to the Police and Crime Commissioner on", required=False
    )

    def __init__(self, *args: Any, bodies: list[Any], resolutions: list[Any], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.bodies = {str(b.pk): b for b in bodies}
        self.resolutions = {str(r.pk): r for r in resolutions}
        self.fields["endorsed_by"].choices = [("", "Choose a body")] + [
            (k, b.name) for k, b in self.bodies.items()
        ]
        self.fields["endorsing_resolution"].choices = [("", "None minuted")] + [
            (
                k,
                f"{r.item.meeting.body.name}, {r.item.meeting.held_on:%d %B %Y}, "
                f"item {r.item.number} {r.letter}): {r.text[:80]}",
            )
            for k, r in self.resolutions.items()
        ]

    def clean_endorsed_by(self) -> Any:
        v = self.cleaned_data.get("endorsed_by")
        return self.bodies.get(v) if v else None

    def clean_endorsing_resolution(self) -> Any:
        v = self.cleaned_data.get("endorsing_resolution")
        return self.resolutions.get(v) if v else None


class AdoptWithLeadsForm(AdoptForm):
    """Adopting an assessment, asking for a lead officer for each priority it would add (those
    already in the plan, by title or theme, keep their lead)."""

    def __init__(
        self,
        *args: Any,
        priorities: list[Any],
        localities: list[Any],
        people: list[Any],
        matches: dict[str, Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, priorities=priorities, localities=localities, **kwargs)
        self.people_by_id = {u.pk: u for u in people}
        self.new_priorities = {r.index: r.name for r in priorities if matches.get(r.name) is None}
        self.fields["priorities"].choices = [
            (
                str(r.index),
                r.name
                if matches.get(r.name) is None
                else f"{r.name} (already in the plan as {matches[r.name].title})",
            )
            for r in priorities
        ]
        # Placed before the date, in the order of the recommendations.
        order = ["priorities"]
        for index, name in self.new_priorities.items():
            field_name = f"lead_{index}"
            self.fields[field_name] = forms.ChoiceField(
                label=f"Lead officer for {name}",
                help_text="Needed if this priority is adopted: it is new to the plan",
                required=False,
                choices=person_choices(people),
            )
            order.append(field_name)
        self.order_fields(order)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for index in (int(i) for i in data.get("priorities") or []):
            name = self.new_priorities.get(index)
            if name is not None and not data.get(f"lead_{index}"):
                self.add_error(f"lead_{index}", f"Choose a lead officer for {name}")
        return data

    def leads(self) -> dict[int, Any]:
        out = {}
        for index in self.new_priorities:
            v = self.cleaned_data.get(f"lead_{index}")
            if v:
                out[index] = self.people_by_id.get(int(v))
        return out
