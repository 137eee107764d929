from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self):
        # Persona pages show this app's talking points and collateral (personas can't import us).
        from personas.panels import persona_panels

        from .panels import messaging_for_persona

        persona_panels.register(messaging_for_persona)
