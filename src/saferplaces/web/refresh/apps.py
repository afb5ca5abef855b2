from django.apps import AppConfig


class RefreshConfig(AppConfig):
    name = "saferplaces.web.refresh"
    label = "refresh"
    verbose_name = "Scheduled data refresh"

    def ready(self) -> None:
        # Registers the "refresh" job kind with the background-job engine.
        from saferplaces.web.refresh import jobs  # noqa: F401
