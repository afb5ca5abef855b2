from django.apps import AppConfig


class ConsultationConfig(AppConfig):
    name = "saferplaces.web.consultation"
    label = "consultation"
