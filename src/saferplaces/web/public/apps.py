from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "saferplaces.web.public"
    label = "public"
