"""The test provider's claims: e-mail, whether it is verified, and how the person signed in."""

from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


class TestProviderValidator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "amr": "openid"}  # noqa: RUF012

    def get_additional_claims(self, request):
        person = next(
            (u for u in settings.CONFIG.get("users", []) if u["email"] == request.user.email), {}
        )
        return {
            "email": request.user.email,
            "email_verified": person.get("email_verified", True),
            "name": person.get("name", ""),
            # RFC 8176 authentication method references: "mfa" when a second factor was used.
            "amr": ["pwd", "mfa"] if person.get("mfa") else ["pwd"],
        }
