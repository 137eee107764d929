"""The campaigns app's section on persona pages: talking points, collateral, call sheet."""

from .messaging import selectors


def messaging_for_persona(persona, user):
    points = list(selectors.talking_points(persona=persona))
    sheet = selectors.call_sheet(persona, user)
    return (
        "collateral/_persona_panel.html",
        {"persona": persona, "points": points, "collateral": sheet.collateral},
    )
