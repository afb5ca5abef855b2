from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "saferplaces.web.notifications"
    label = "notifications"
    verbose_name = "Reminders and notifications"

    def ready(self) -> None:
        # Registers the "reminders" job kind with the background-job engine.
        from saferplaces.web.notifications import jobs  # noqa: F401
