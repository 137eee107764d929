from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self):
        # Persona pages show this app's talking points and collateral (personas can't import us).
        from personas.panels import register_persona_panel

        from .persona_panel import messaging_for_persona

        register_persona_panel(messaging_for_persona)
