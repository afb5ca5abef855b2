"""Fixtures shared by every test folder: the real data, and real warehouses built from it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# The workspace's settings are read once, by whichever test module starts Django first (some
# outside tests/web do, while they are collected), so its test environment is set here.
_TMP = Path(tempfile.mkdtemp(prefix="saferplaces-tests-"))
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-0123456789")
# The warehouse path points at a file that does not exist unless a test builds one, so no test
# reads a developer's real warehouse.
os.environ.setdefault("SAFERPLACES_WAREHOUSE", str(_TMP / "no-warehouse.duckdb"))
# A fixed key for statutory review case fields, so no test writes one into a home folder.
os.environ.setdefault("SAFERPLACES_FIELD_KEY", "dGVzdHMtb25seS1maWVsZC1rZXktMDEyMzQ1Njc4OTA=")
# Background jobs run in the request that queues them (the jobs tests start real workers).
os.environ.setdefault("SAFERPLACES_JOBS_INLINE", "1")

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
