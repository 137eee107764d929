"""Sections that higher apps add to the campaign page, without campaigns importing them.

The leads app shows lead quality on a campaign (DESIGN.md: the higher app provides
it). A panel is `func(campaign, user) -> (template_name, context) | None`, registered
from that app's AppConfig.ready(); the campaign page renders them in order.
"""

from collections.abc import Callable

PanelFunc = Callable[..., tuple[str, dict] | None]
_panels: list[PanelFunc] = []


def register_campaign_panel(func: PanelFunc) -> PanelFunc:
    if func not in _panels:
        _panels.append(func)
    return func


def unregister_campaign_panel(func: PanelFunc) -> None:
    if func in _panels:
        _panels.remove(func)


def campaign_panels(campaign, user) -> list[tuple[str, dict]]:
    return [panel for panel in (func(campaign, user) for func in _panels) if panel]
