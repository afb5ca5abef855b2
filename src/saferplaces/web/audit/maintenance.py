"""The one case where audit rows may go: the test runner emptying every table on SQLite.

Django's TransactionTestCase (pytest-django's `transactional_db`, used by the browser tests)
ends each test with `flush`, which on SQLite is a DELETE from every table. The audit log's
DELETE trigger lets that through only while this switch is on. The switch lives in the
workspace's Python process, so nothing outside it (the sqlite3 shell, another program) can
turn it on; on PostgreSQL there is no switch at all and TRUNCATE is always refused.
"""

from __future__ import annotations

_allowed = False


def clearing_allowed() -> bool:
    return _allowed


def allow_clearing(allowed: bool) -> None:
    """For test teardown only: lets the next flush empty the audit table on SQLite."""
    global _allowed
    _allowed = allowed
