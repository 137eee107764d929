"""The persona page's sections from higher apps (talking points, collateral), registered
from their AppConfig.ready(): personas imports none of them (see portal.panels)."""

from portal.panels import Panels

persona_panels = Panels("persona page")
