from django.apps import AppConfig
from django.db.models.signals import post_migrate


def install_rollups(sender, using: str = "default", **kwargs) -> None:
    """After every migrate: the dashboard's rollup triggers (leads.rollups), current."""
    from . import rollups

    rollups.install(using)


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self):
        # Campaign pages show lead quality (campaigns can't import leads; we register).
        from campaigns.panels import campaign_panels

        from .panels import lead_quality_panel

        campaign_panels.register(lead_quality_panel)
        post_migrate.connect(install_rollups, sender=self, dispatch_uid="leads_rollups")
