"""The audit log is append-only at the database level, on SQLite and on PostgreSQL.

Finding reproduced first: rows could be deleted with SQL (SQLite DELETE; PostgreSQL TRUNCATE).
Each statement goes straight to the database through the connection, past the model.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from saferplaces.web.audit.services import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(db):
    return record(actor=None, verb="create", summary="Something happened")


def _refused(sql: str) -> str:
    # A savepoint, so PostgreSQL's aborted statement does not spoil the test's transaction.
    with pytest.raises(DatabaseError) as exc, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql)
    return str(exc.value)


def _count() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM audit_auditevent")
        return cur.fetchone()[0]


def test_update_refused(event):
    msg = _refused(f"UPDATE audit_auditevent SET summary = 'changed' WHERE id = {event.pk}")
    assert "append-only" in msg
    event.refresh_from_db()
    assert event.summary == "Something happened"


def test_delete_one_row_refused(event):
    assert "append-only" in _refused(f"DELETE FROM audit_auditevent WHERE id = {event.pk}")
    assert _count() == 1


def test_delete_everything_refused(event):
    assert "append-only" in _refused("DELETE FROM audit_auditevent")
    assert _count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
def test_truncate_refused(event):
    assert "append-only" in _refused("TRUNCATE audit_auditevent")
    assert "append-only" in _refused("TRUNCATE audit_auditevent CASCADE")
    assert _count() == 1


def test_triggers_are_installed():
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'audit_auditevent' ORDER BY name"
            )
            names = [r[0] for r in cur.fetchall()]
            assert names == ["audit_auditevent_no_delete", "audit_auditevent_no_update"]
        else:
            cur.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_auditevent'::regclass "
                "AND NOT tgisinternal ORDER BY tgname"
            )
            names = [r[0] for r in cur.fetchall()]
            assert names == ["audit_auditevent_no_change", "audit_auditevent_no_truncate"]


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="PostgreSQL refuses the runner's TRUNCATE; transactional tests run on SQLite only",
)
def test_transactional_tests_can_still_end_with_a_flush(transactional_db):
    # The teardown flush (a DELETE on SQLite) must get through; see tests/web/conftest.py.
    record(actor=None, verb="create", summary="Left for the flush")
    assert _count() >= 1
