import importlib
import logging

from django.apps import AppConfig

log = logging.getLogger("saferplaces.web.jobs")

# Modules that register job kinds when imported; a module not (yet) present is skipped.
HANDLER_MODULES = (
    "saferplaces.web.jobs.handlers",
    "saferplaces.web.refresh.jobs",
    "saferplaces.web.notifications.jobs",
)


class JobsConfig(AppConfig):
    name = "saferplaces.web.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        for name in HANDLER_MODULES:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name is None or not name.startswith(exc.name):
                    raise
                log.debug("No job handlers in %s", name)
