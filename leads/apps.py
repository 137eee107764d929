from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self):
        # Campaign pages show lead quality (campaigns can't import leads; we register).
        from campaigns.panels import campaign_panels

        from .panels import lead_quality_panel

        campaign_panels.register(lead_quality_panel)
