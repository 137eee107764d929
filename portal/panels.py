"""Sections a higher app adds to a lower app's page, without the lower app importing it.

Apps depend one way (portal <- personas <- campaigns <- leads). Where a page needs what a
higher app knows (lead quality on a campaign page, talking points on a persona page), the
lower app declares one `Panels` for that page in its `panels.py`, and the higher app
registers a panel from its AppConfig.ready(). A panel is `func(obj, user) ->
(template_name, context) | None`; the page includes them in the order they registered.
"""

from collections.abc import Callable
from typing import Any

Panel = Callable[[Any, Any], tuple[str, dict] | None]


class Panels:
    """The panels registered for one kind of page (`page` names it, for readers)."""

    def __init__(self, page: str):
        self.page = page
        self._panels: list[Panel] = []

    def register(self, panel: Panel) -> Panel:
        if panel not in self._panels:  # ready() may run twice (tests, autoreload)
            self._panels.append(panel)
        return panel

    def unregister(self, panel: Panel) -> None:
        if panel in self._panels:
            self._panels.remove(panel)

    def for_page(self, obj, user) -> list[tuple[str, dict]]:
        """The (template, context) of each panel that has something to show."""
        return [shown for shown in (panel(obj, user) for panel in self._panels) if shown]

    def __contains__(self, panel: Panel) -> bool:
        return panel in self._panels

    def __repr__(self) -> str:
        return f"Panels({self.page!r}, {len(self._panels)} registered)"
