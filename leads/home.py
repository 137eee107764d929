"""Home page panel for sales: the leads due next (composed by portal/dashboard)."""

from dataclasses import dataclass

from portal.permissions import SALES, role_of

from . import selectors


@dataclass
class Panel:
    leads: list
    template: str = "leads/_home_panel.html"


def panels_for(user) -> list[Panel]:
    if role_of(user) not in SALES:
        return []
    return [Panel(leads=list(selectors.queue_for(user)[:6]))]
