"""What the leads app adds to lower apps' pages: lead quality and rejection reasons on a
campaign page; what an ICP segment change would do to lead scores, before it is saved."""

from . import selectors
from .services import scoring_rules


def lead_quality_panel(campaign, user):
    quality = selectors.campaign_quality(campaign)
    return (
        "leads/_campaign_quality.html",
        {
            "campaign": campaign,
            "quality": quality,
            "rejections": selectors.recent_rejections(campaign),
        },
    )


def rescore_preview_panel(segment, user):
    impact = scoring_rules.preview_segment(segment)
    if impact is None:
        return None
    return ("leads/_rescore_preview.html", {"impact": impact, "what": "this segment"})
