"""Starts the test OpenID Connect provider in its own process (see `serve.py`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Provider:
    port: int
    process: subprocess.Popen
    folder: tempfile.TemporaryDirectory
    users: list[dict] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}/o"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.folder.cleanup()


def start(*, users: list[dict], clients: list[dict], timeout: float = 60.0) -> Provider:
    """`users`: {email, password, email_verified?, mfa?}; `clients`: {client_id,
    client_secret, redirect_uris}."""
    folder = tempfile.TemporaryDirectory(prefix="sp-test-oidc-")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")]),
        "DJANGO_SETTINGS_MODULE": "sp_oidc_provider.settings",
        "OP_DB": str(Path(folder.name) / "provider.sqlite3"),
        "OP_CONFIG": json.dumps({"users": users, "clients": clients}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "sp_oidc_provider.serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The first line is "PORT <n>" once it listens; anything else means it failed to start.
    line = process.stdout.readline() if process.stdout else ""
    if not line.startswith("PORT "):
        process.kill()
        err = process.stderr.read() if process.stderr else ""
        folder.cleanup()
        raise RuntimeError(f"the test OpenID Connect provider did not start: {line}{err[-2000:]}")
    return Provider(port=int(line.split()[1]), process=process, folder=folder, users=users)
