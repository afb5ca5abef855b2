# ruff: noqa: RUF012 - Django migrations declare dependencies and operations as class-level lists.
"""The audit log refuses DELETE on SQLite and TRUNCATE on PostgreSQL at the database level.

With 0002 (UPDATE refused on both; DELETE refused row by row on PostgreSQL) every way of
changing or removing rows is now refused by the database itself:

- SQLite has no TRUNCATE; its DELETE trigger fires for every row. The trigger asks the function
  `sp_audit_clearing_allowed()`, which the workspace registers on each of its own connections
  (see `saferplaces.web.audit.apps`) and which says yes only while the test runner empties
  every table between browser tests. Any other program opening the file has no such function,
  so its DELETE fails too.
- PostgreSQL's TRUNCATE does not fire row triggers, so a statement trigger refuses it.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent "
            "WHEN sp_audit_clearing_allowed() IS NOT 1 "
            "BEGIN SELECT RAISE(ABORT, 'The audit log is append-only'); END;"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE TRIGGER audit_auditevent_no_truncate BEFORE TRUNCATE ON audit_auditevent "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_append_only();"
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_auditevent_no_delete;")
    elif vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent;"
        )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
