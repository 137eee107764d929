"""The persona page's sections from higher apps (talking points, collateral), registered
from their AppConfig.ready(): personas imports none of them (see portal.panels)."""

from portal.panels import Panels

persona_panels = Panels("persona page")

# What saving an ICP segment would do elsewhere (how many leads it rescores and hands off),
# shown before the change is confirmed: func(unsaved_segment, user) -> (template, context).
segment_change_previews = Panels("ICP segment change preview")
