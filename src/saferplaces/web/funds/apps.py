from django.apps import AppConfig


class FundsConfig(AppConfig):
    name = "saferplaces.web.funds"
    label = "funds"
