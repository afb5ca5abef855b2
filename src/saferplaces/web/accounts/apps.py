from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "saferplaces.web.accounts"
    label = "accounts"
    verbose_name = "People and access"
