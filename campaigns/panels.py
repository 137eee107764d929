"""Page sections across apps (see portal.panels), without importing upward.

- `campaign_panels`: what higher apps add to the campaign page (leads: lead quality).
- `messaging_for_persona`: what this app adds to the persona page (talking points,
  collateral, the call sheet), registered in CampaignsConfig.ready().
"""

from portal.panels import Panels

from .messaging.selectors import call_sheet, talking_points

campaign_panels = Panels("campaign page")


def messaging_for_persona(persona, user):
    sheet = call_sheet(persona, user)
    return (
        "collateral/_persona_panel.html",
        {
            "persona": persona,
            "points": list(talking_points(persona=persona)),
            "collateral": sheet.collateral,
        },
    )
