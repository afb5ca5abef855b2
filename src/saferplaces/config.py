"""Where Safer Places keeps its state.

A *workspace* is one folder: ``warehouse.duckdb`` (police data, geography, reference data) and,
for the partnership workspace, ``workspace.sqlite3`` (unless ``DATABASE_URL`` names PostgreSQL).

The folder is chosen, first match wins, by ``--workspace DIR`` on the command line, the
``SAFERPLACES_HOME`` environment variable, or ``$XDG_DATA_HOME/saferplaces`` (by default
``~/.local/share/saferplaces``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_HOME = "SAFERPLACES_HOME"


def default_home() -> Path:
    if os.environ.get(ENV_HOME):
        return Path(os.environ[ENV_HOME]).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "saferplaces"


@dataclass(frozen=True)
class Workspace:
    """The folder holding one installation's warehouse and partnership records."""

    home: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> Workspace:
        return cls(Path(home).expanduser().resolve() if home else default_home().resolve())

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def workspace_db_path(self) -> Path:
        return self.home / "workspace.sqlite3"

    @property
    def downloads(self) -> Path:
        return self.home / "downloads"

    def ensure(self) -> Workspace:
        self.home.mkdir(parents=True, exist_ok=True)
        return self
