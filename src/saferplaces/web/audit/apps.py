from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        from saferplaces.web.audit.maintenance import clearing_allowed

        # Read by the audit log's DELETE trigger (migration 0003); not deterministic, since
        # the answer changes while the test runner empties the tables.
        connection.connection.create_function(
            "sp_audit_clearing_allowed", 0, lambda: 1 if clearing_allowed() else 0
        )


class AuditConfig(AppConfig):
    name = "saferplaces.web.audit"
    label = "audit"

    def ready(self) -> None:
        connection_created.connect(_register_sqlite_functions, dispatch_uid="sp_audit_sqlite")
