from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm

from saferplaces.web.core.forms import GovukForm, GovukFormMixin


class SignInForm(GovukForm):
    username = forms.EmailField(
        label="Email address",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(GovukForm):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6-digit code shown in the app",
        max_length=10,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "govuk-input--width-5",
            }
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError("The code must be 6 digits")
        return code


class GovukPasswordChangeForm(GovukFormMixin, PasswordChangeForm):
    pass


class TokenForm(GovukForm):
    name = forms.CharField(
        label="What is the token for?",
        help_text="For example, 'Monthly figures from the police data team'",
        max_length=100,
        error_messages={"required": "Enter what the token is for"},
    )
