"""Single sign-on with each organisation's own OpenID Connect identity provider.

- `oidc`: the protocol (discovery, authorization code flow with PKCE, state and nonce, ID token
  verification against the provider's JWKS), on authlib (client) and joserfc (JOSE), both
  maintained by the Authlib project. authlib rather than mozilla-django-oidc because that
  supports one provider per site, and partnerships need one per organisation at once.
- `services`: configuring providers (writes, audited) and deciding who an identity is.
- `views`: the e-mail-first sign-in page and the callback.
- `cli`: `saferplaces sso add / list / archive` for site administrators.
"""
