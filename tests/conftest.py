"""Fixtures shared by every test folder: the real data, and real warehouses built from it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("SAFERPLACES_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (or $SAFERPLACES_SHARED_DATA): the real public data the tests stand on."""
    if not (SHARED / "police_uk").is_dir():
        pytest.skip(f"real data not found at {SHARED} (set SAFERPLACES_SHARED_DATA)")
    return SHARED


def _build(path: Path, folders: list[Path]):
    from saferplaces.warehouse.police import load_police
    from saferplaces.warehouse.store import connect

    con = connect(path)
    report = load_police(con, folders)
    assert not report.failed, [r.error for r in report.failed]
    con.close()
    return path


@pytest.fixture(scope="session")
def four_forces_warehouse(shared_data: Path, tmp_path_factory) -> Path:
    """A warehouse with the real Staffordshire, Surrey, West Mercia and City of London files."""
    path = tmp_path_factory.mktemp("four-forces") / "warehouse.duckdb"
    forces = ["staffordshire", "surrey", "west-mercia", "city-of-london"]
    return _build(path, [shared_data / "police_uk" / f for f in forces])
