"""The leads app's section on campaign pages: lead quality, and why sales rejected leads."""

from . import selectors


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
