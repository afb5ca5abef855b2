"""Meeting papers on disk: the workspace media folder, each file stored once under its checksum.

A stored file is never changed or removed (a paper is part of the meeting's record); the same
bytes uploaded twice are one file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings


def media_root() -> Path:
    return Path(settings.SAFERPLACES_MEDIA_ROOT)


def store(data: bytes, extension: str) -> tuple[str, str]:
    """Writes the bytes (atomically: a half-written file never has the final name) and returns
    (path relative to the media folder, SHA-256)."""
    digest = hashlib.sha256(data).hexdigest()
    rel = f"meetings/{digest[:2]}/{digest}.{extension}"
    target = media_root() / rel
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return rel, digest


def read(rel: str, sha256: str) -> bytes:
    """The stored bytes, checked against the checksum recorded when they were stored."""
    root = media_root().resolve()
    path = (root / rel).resolve()
    if root not in path.parents:
        raise FileNotFoundError(rel)
    data = path.read_bytes()
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        raise OSError(f"The stored paper {rel} does not match its checksum")
    return data
