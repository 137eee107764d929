"""Sections that higher apps add to the persona page (talking points, collateral), without
personas importing them. A panel is `func(persona, user) -> (template_name, context) | None`."""

from collections.abc import Callable

PanelFunc = Callable[..., tuple[str, dict] | None]
_panels: list[PanelFunc] = []


def register_persona_panel(func: PanelFunc) -> PanelFunc:
    if func not in _panels:
        _panels.append(func)
    return func


def unregister_persona_panel(func: PanelFunc) -> None:
    if func in _panels:
        _panels.remove(func)


def persona_panels(persona, user) -> list[tuple[str, dict]]:
    return [panel for panel in (func(persona, user) for func in _panels) if panel]
