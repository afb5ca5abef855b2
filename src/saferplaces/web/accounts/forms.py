from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm

from saferplaces.web.audit.services import record
from saferplaces.web.core.forms import GovukForm, GovukFormMixin

# Plain text rather than Django's HTML list of every validator's rule.
PASSWORD_HINT = (
    "At least 12 characters. Not a common password, not a run of the same or consecutive "
    "characters, and not like your email address. Three or four unrelated words work well"
)


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
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HINT


class GovukPasswordResetForm(GovukFormMixin, PasswordResetForm):
    """Django's own reset: it e-mails only active accounts with a usable password, and the
    page says the same whether or not the address has an account."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        f = self.fields["email"]
        f.label = "Email address"
        f.error_messages = {
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        }
        f.widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})

    def get_users(self, email: str):  # type: ignore[no-untyped-def]
        # Addresses are stored in lower case; Django's own lookup is case-insensitive too.
        return super().get_users(email.strip().lower())


class GovukSetPasswordForm(GovukFormMixin, SetPasswordForm):
    """Setting a password from a reset link (and, via InvitationForm, from an invitation)."""

    audit_summary = "Password reset by email link"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = PASSWORD_HINT
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Enter the password again"

    def save(self, commit: bool = True):  # type: ignore[no-untyped-def]
        user = super().save(commit)
        if commit:
            record(actor=user, verb="update", obj=user, summary=self.audit_summary)
        return user


class InvitationForm(GovukSetPasswordForm):
    """The invitee's own password (checked against the policy as if for the new account)."""

    job_title = forms.CharField(
        label="Your role title",
        max_length=200,
        required=False,
        help_text="For example, Community Safety Officer. Leave as it is if it is right",
    )
    field_order = ("job_title", "new_password1", "new_password2")

    def save(self, commit: bool = True):  # type: ignore[no-untyped-def]
        raise NotImplementedError("Use partnerships.services.invitation_accept")


class TokenForm(GovukForm):
    name = forms.CharField(
        label="What is the token for?",
        help_text="For example, 'Monthly figures from the police data team'",
        max_length=100,
        error_messages={"required": "Enter what the token is for"},
    )
