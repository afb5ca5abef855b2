from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "saferplaces.web.performance"
    label = "performance"
