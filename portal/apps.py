from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Tandem core"

    def ready(self):
        # Registers the SQLite aggregates (median) on every new connection.
        from . import db  # noqa: F401
