"""A real OpenID Connect provider for the single sign-on tests.

It is django-oauth-toolkit (a maintained OAuth 2.0 / OpenID Connect provider) in its own
process, with its own settings and its own SQLite database, listening on 127.0.0.1 on a port
the operating system chose. It publishes discovery, a JWKS, signs ID tokens with RS256,
requires PKCE and shows a plain sign-in form that the tests fill in.

`launcher.start(...)` starts it; nothing here imports the provider's Django settings, so the
test process's own Django is unaffected.
"""
