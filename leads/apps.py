from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self):
        # Campaign pages show lead quality (campaigns can't import leads; we register).
        from campaigns.panels import register_campaign_panel

        from .panels import lead_quality_panel

        register_campaign_panel(lead_quality_panel)
