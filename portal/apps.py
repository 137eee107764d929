from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Tandem core"

    def ready(self):
        # Imported for their side effects, once the apps are loaded: `db` registers the
        # SQLite aggregates (median) on every new connection, `checks` the deploy checks.
        from . import checks, db  # noqa: F401
