from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "saferplaces.web.plans"
    label = "plans"
