"""`saferplaces sso`: site administrators add, list and archive organisations' identity
providers. Client secrets are never stored: each provider names the environment variable that
holds its secret on every web server."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

sso_app = typer.Typer(
    help="Single sign-on: each organisation's own OpenID Connect identity provider.",
    no_args_is_help=True,
)
console = Console()


def _setup() -> None:
    from saferplaces.cli import state
    from saferplaces.web import commands as web

    web.setup(workspace=state.workspace.ensure().home)
    web.migrate()


@sso_app.command("add")
def sso_add(
    slug: Annotated[str, typer.Argument(help="Short name, e.g. tamworth-council.")],
    organisation: Annotated[str, typer.Option(help="Organisation name (created if new).")],
    issuer: Annotated[
        str,
        typer.Option(help="Issuer, e.g. https://login.microsoftonline.com/<tenant id>/v2.0"),
    ],
    client_id: Annotated[str, typer.Option(help="Application (client) ID.")],
    domain: Annotated[
        list[str], typer.Option("--domain", help="E-mail domain it signs in (repeatable).")
    ],
    secret_env: Annotated[
        str,
        typer.Option(help="Environment variable holding the client secret (not stored)."),
    ] = "",
    name: Annotated[str, typer.Option(help="Name shown to administrators.")] = "",
    scopes: Annotated[str, typer.Option(help="Scopes requested.")] = "openid email profile",
) -> None:
    """Add an organisation's identity provider and the e-mail domains it signs people in for."""
    _setup()
    from django.core.exceptions import ValidationError

    from saferplaces.web.accounts.sso import services

    try:
        p = services.provider_add(
            organisation=organisation, name=name, slug=slug, issuer=issuer,
            client_id=client_id, domains=domain, client_secret_env=secret_env, scopes=scopes,
        )  # fmt: skip
    except ValidationError as exc:
        console.print("; ".join(exc.messages), style="red", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"Added {p.name} for {', '.join(sorted(d.lower() for d in domain))}.",
                  highlight=False)  # fmt: skip
    if secret_env:
        console.print(f"Set {secret_env} in the web servers' environment.", highlight=False)


@sso_app.command("list")
def sso_list() -> None:
    """List the identity providers, their domains and whether their secret is set here."""
    import os

    _setup()
    from saferplaces.web.accounts.sso import services

    for p in services.providers():
        state = "archived" if p.archived_at else "current"
        secret = (
            "no secret (public client)" if not p.client_secret_env
            else f"{p.client_secret_env} {'set' if os.environ.get(p.client_secret_env) else 'NOT SET'}"
        )  # fmt: skip
        domains = ", ".join(d.domain for d in p.domains.all()) or "-"
        console.print(f"{p.slug}\t{p.organisation.name}\t{state}\t{p.issuer}\t{domains}\t{secret}",
                      highlight=False)  # fmt: skip


@sso_app.command("archive")
def sso_archive(slug: Annotated[str, typer.Argument(help="The provider's short name.")]) -> None:
    """Stop sign-ins through a provider (kept for the audit log; its domains are freed)."""
    _setup()
    from saferplaces.web.accounts.models import IdentityProvider
    from saferplaces.web.accounts.sso import services

    provider = IdentityProvider.objects.filter(slug=slug).first()
    if provider is None:
        console.print(f"No provider called {slug}", style="red", highlight=False)
        raise typer.Exit(1)
    services.provider_archive(provider=provider)
    console.print(f"Archived {provider.name}.", highlight=False)
