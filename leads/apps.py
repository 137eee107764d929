from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self):
        # Lower apps can't import leads; leads registers what it adds to their pages and
        # what it does when their data changes. (Imported here: models load after apps.py.)
        from campaigns.panels import campaign_panels
        from personas.panels import segment_change_previews
        from personas.signals import segment_changed

        from .panels import lead_quality_panel, rescore_preview_panel

        campaign_panels.register(lead_quality_panel)
        segment_change_previews.register(rescore_preview_panel)
        segment_changed.connect(_rescore_after_segment_change, dispatch_uid="leads.rescore")


def _rescore_after_segment_change(sender, segment, by, deleted, **kwargs):
    from .services import scoring_rules  # not at the top: models load after apps.py

    scoring_rules.segment_changed(segment, by=by, deleted=deleted)
