"""Runs the test provider: migrates its own database, adds the configured people and client
applications, then serves on 127.0.0.1 on a free port and prints `PORT <n>` when ready."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sp_oidc_provider.settings")


def main() -> None:
    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from oauth2_provider.models import Application
    from waitress.server import create_server

    call_command("migrate", verbosity=0)
    for person in settings.CONFIG.get("users", []):
        User.objects.create_user(
            username=person["email"], email=person["email"], password=person["password"]
        )
    for client in settings.CONFIG.get("clients", []):
        Application.objects.create(
            name=client["client_id"],
            client_id=client["client_id"],
            client_secret=client["client_secret"],
            hash_client_secret=False,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(client["redirect_uris"]),
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )
    server = create_server(WSGIHandler(), host="127.0.0.1", port=0, threads=4)
    print(f"PORT {server.effective_port}", flush=True)
    server.run()


if __name__ == "__main__":
    sys.exit(main())
