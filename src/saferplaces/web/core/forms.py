"""Form helpers that render Django forms as GOV.UK Design System components.

Every form is validated on the server; errors come back through the GOV.UK error summary
(`includes/error_summary.html`) and an error message beside each field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from saferplaces.web.core.text import clean_text, label_for


class GovukDateWidget(forms.MultiWidget):
    """The GOV.UK date input: three boxes for day, month and year."""

    template_name = "widgets/date_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = [
            forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "class": "govuk-input govuk-date-input__input govuk-input--width-2",
                }
            ),
            forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "class": "govuk-input govuk-date-input__input govuk-input--width-2",
                }
            ),
            forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "class": "govuk-input govuk-date-input__input govuk-input--width-4",
                }
            ),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        if isinstance(value, str) and value:
            try:
                d = dt.date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
            return [d.day, d.month, d.year]
        return [None, None, None]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        ctx = super().get_context(name, value, attrs)
        labels = ["Day", "Month", "Year"]
        for sub, label in zip(ctx["widget"]["subwidgets"], labels, strict=True):
            sub["label"] = label
        return ctx


class GovukDateField(forms.MultiValueField):
    widget = GovukDateWidget

    def __init__(self, **kwargs: Any) -> None:
        # Not required one by one: compress() names the missing parts ("Date must include a day").
        fields = (
            forms.CharField(required=False),
            forms.CharField(required=False),
            forms.CharField(required=False),
        )
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[str]) -> dt.date | None:
        if not data_list or not any(data_list):
            return None
        day, month, year = ((v or "").strip() for v in data_list)
        missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            raise forms.ValidationError(f"Date must include a {' and '.join(missing)}")
        try:
            d = dt.date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError("Date must be a real date, for example 31 3 2026") from None
        if not 1990 <= d.year <= 2100:
            raise forms.ValidationError("Year must be between 1990 and 2100")
        return d


def bind_text_rules(field: forms.Field, name: str) -> None:
    """Gives a field without its own "required" message one naming it, and makes a text field
    apply :func:`clean_text` before its own validators: NFC, stripped, no control characters
    (tab and line breaks allowed in a textarea), no lone surrogates, and at most the field's
    max_length (or the text cap), each refused with a message naming the field. Passwords are
    checked but never changed."""
    if getattr(field, "_text_rules", False):
        return
    label = label_for(name, field.label)
    if field.error_messages.get("required") == forms.Field.default_error_messages["required"]:
        # Django's "This field is required." names nothing; GOV.UK asks for "Enter …"/"Choose …".
        verb = (
            "Choose"
            if isinstance(field, forms.ChoiceField | forms.BooleanField | forms.FileField)
            else "Enter"
        )
        lowered = label if label[1:2].isupper() else label[:1].lower() + label[1:]
        field.error_messages["required"] = f"{verb} {lowered}"
    field._text_rules = True  # type: ignore[attr-defined]
    if isinstance(field, forms.MultiValueField):  # the date's day, month and year boxes
        for sub in field.fields:
            sub.label = sub.label or label
            bind_text_rules(sub, name)
        return
    if not isinstance(field, forms.CharField):
        return
    original = field.to_python
    widget = field.widget
    password = isinstance(widget, forms.PasswordInput)
    multiline = isinstance(widget, forms.Textarea)

    def to_python(value: Any) -> Any:
        value = original(value)
        if isinstance(value, str) and value:
            value = clean_text(
                value,
                max_length=field.max_length,
                field=label,
                multiline=multiline,
                normalise=not password,
            )
        return value

    field.to_python = to_python  # type: ignore[method-assign]


class GovukFormMixin:
    """Adds GOV.UK classes and the aria-describedby links for hints and errors, and the text
    rules (:func:`bind_text_rules`) to every text field: every form built on GovukForm,
    GovukModelForm or this mixin gets them, including fields added in a subclass's __init__."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            bind_text_rules(field, name)
            if isinstance(field.widget, forms.NumberInput):
                # GOV.UK asks for a text input with a numeric keyboard, not type=number (which
                # silently drops what it cannot parse and changes values on scroll).
                attrs = {
                    k: v for k, v in field.widget.attrs.items() if k not in ("step", "min", "max")
                }
                field.widget = forms.TextInput(
                    attrs={**attrs, "inputmode": "decimal", "spellcheck": "false"}
                )
            w = field.widget
            css = w.attrs.get("class", "")
            if isinstance(w, GovukDateWidget):
                continue
            if isinstance(w, forms.Textarea):
                css += " govuk-textarea"
                w.attrs.setdefault("rows", 4)
            elif isinstance(w, forms.RadioSelect | forms.CheckboxSelectMultiple):
                pass
            elif isinstance(w, forms.Select):
                css += " govuk-select"
            elif isinstance(w, forms.CheckboxInput):
                css += " govuk-checkboxes__input"
            elif isinstance(w, forms.ClearableFileInput | forms.FileInput):
                css += " govuk-file-upload"
            else:
                css += " govuk-input"
            w.attrs["class"] = css.strip()
            if field.help_text:
                w.attrs["aria-describedby"] = f"{self.add_prefix(name)}-hint"  # type: ignore[attr-defined]

    def full_clean(self) -> None:
        # Fields a subclass added or replaced after this __init__ get the rules too.
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            bind_text_rules(field, name)
        super().full_clean()  # type: ignore[misc]
        # After validation (never in __init__, before subclasses have set their choices):
        # mark fields in error and link their error messages for screen readers.
        for name in self.errors:  # type: ignore[attr-defined]
            field = self.fields.get(name)  # type: ignore[attr-defined]
            if field is None or isinstance(field.widget, GovukDateWidget):
                continue
            w = field.widget
            css = w.attrs.get("class", "")
            for base in ("govuk-input", "govuk-select", "govuk-textarea", "govuk-file-upload"):
                if base in css.split() and f"{base}--error" not in css:
                    w.attrs["class"] = f"{css} {base}--error"
                    break
            ids = [i for i in w.attrs.get("aria-describedby", "").split() if i]
            ids.append(f"{self.add_prefix(name)}-error")  # type: ignore[attr-defined]
            w.attrs["aria-describedby"] = " ".join(dict.fromkeys(ids))

    def error_list(self) -> list[dict[str, str]]:
        """Errors for the GOV.UK error summary: message and the id of the field to jump to."""
        out = []
        for name, errs in self.errors.items():  # type: ignore[attr-defined]
            if name == "__all__":
                anchor = ""
            else:
                field = self.fields.get(name)  # type: ignore[attr-defined]
                anchor = f"id_{self.add_prefix(name)}"  # type: ignore[attr-defined]
                if (field is not None and isinstance(field.widget, GovukDateWidget)) or (
                    field is not None and isinstance(field.widget, forms.RadioSelect)
                ):
                    anchor += "_0"
            for e in errs:
                out.append({"href": f"#{anchor}" if anchor else "", "text": e})
        return out


class GovukForm(GovukFormMixin, forms.Form):
    pass


class GovukModelForm(GovukFormMixin, forms.ModelForm):
    pass


# The CSV import of actions or indicator values (web/views_outputs.py): not one app's form.
class ImportForm(GovukForm):
    kind = forms.ChoiceField(
        label="What are you importing?",
        choices=[("actions", "Actions for the work plan"), ("values", "Indicator values")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what you are importing"},
    )
    file = forms.FileField(label="CSV file", error_messages={"required": "Choose a CSV file"})

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".csv"):
            raise forms.ValidationError("The file must be a CSV")
        if f.size > 2 * 1024 * 1024:
            raise forms.ValidationError("The file must be smaller than 2MB")
        return f
