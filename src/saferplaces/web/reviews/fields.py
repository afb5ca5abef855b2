"""A text field encrypted at rest with Fernet (AES-128-CBC with HMAC-SHA256, from the
``cryptography`` package), for the few case fields that hold personal data.

The key comes from ``SAFERPLACES_FIELD_KEY`` (a Fernet key, or several separated by commas: the
first encrypts, all decrypt, so a key can be rotated) or else is generated once into the
workspace folder as ``field_key.txt`` (mode 600), the way the secret key is. It is kept apart
from the database so a copy of the database (a backup, a dump handed to a supplier) does not
disclose the case details; it is not derived from ``SECRET_KEY`` so that rotating the session
key does not make the case records unreadable. Back the key up with the database: without it the
encrypted fields cannot be read. Encrypted values cannot be searched or sorted by the database,
which is why only free-text personal fields use it (references, dates and states do not).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.db import models

PREFIX = "fernet:"


def _key_file():
    from django.conf import settings

    return settings.WORKSPACE.home / "field_key.txt"


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    raw = os.environ.get("SAFERPLACES_FIELD_KEY", "").strip()
    if not raw:
        path = _key_file()
        try:
            raw = path.read_text().strip()
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            raw = Fernet.generate_key().decode()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(raw)
    return MultiFernet([Fernet(k.strip().encode()) for k in raw.split(",") if k.strip()])


def encrypt(text: str) -> str:
    return PREFIX + _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken:
        return "[cannot be read with this workspace's field key]"


class EncryptedTextField(models.TextField):
    """Stored as ``fernet:<token>``; read back as the plain text. Empty stays empty."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if value else value

    def to_python(self, value: Any) -> Any:
        return decrypt(value) if isinstance(value, str) and value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
