from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "saferplaces.web.audit"
    label = "audit"
