from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "saferplaces.web.meetings"
    label = "meetings"
