"""Test set-up for the partnership workspace (pytest-django, configured here and not in pyproject).

DJANGO_SETTINGS_MODULE is set before Django loads; the rest of the test environment is set in
tests/conftest.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The workspace's test environment (secret key, no real warehouse, jobs in the request, a
# fixed field key) is set in tests/conftest.py: some modules outside tests/web start Django
# while they are collected, before this file is read.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saferplaces.web.settings")

import django

django.setup()

import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sp_web_fixtures import World, make_world  # noqa: E402


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture
def client_for(client):
    """Signs the test client in as one of the world's people."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def warehouse_file(tmp_path, settings):
    """A small real warehouse: Staffordshire geography and one month of street records."""
    import sp_web_warehouse as warehouse

    if not warehouse.shared_available():
        pytest.skip("shared/data police files are not available (set SAFERPLACES_SHARED_DATA)")
    path = warehouse.build(tmp_path / "warehouse.duckdb", months=["2025-01", "2025-02"])
    settings.SAFERPLACES_WAREHOUSE_PATH = path
    return path


@pytest.fixture(autouse=True)
def _audit_clearing_between_transactional_tests(request):
    """Lets the test runner's flush empty the audit log on SQLite after a transactional test.

    The audit log's triggers refuse DELETE (see saferplaces.web.audit.maintenance); a
    transactional test (the browser tests) ends with a flush that deletes every row. This
    fixture is set up after `transactional_db`, so its teardown runs just before that flush.
    """
    from saferplaces.web.audit.maintenance import allow_clearing

    allow_clearing(False)
    if "transactional_db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    allow_clearing(True)


@pytest.fixture(autouse=True)
def _fast_passwords(request, settings):
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher."""
    if "argon2" not in request.node.name:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
