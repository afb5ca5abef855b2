from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "saferplaces.web.core"
    label = "core"
