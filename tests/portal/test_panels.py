"""One panel registry (portal.panels) for every page that higher apps add sections to."""

from campaigns.panels import campaign_panels, messaging_for_persona
from leads.panels import lead_quality_panel
from personas.panels import persona_panels
from portal.panels import Panels


def test_panels_show_in_the_order_registered_once_each_and_only_when_they_have_something():
    page = Panels("test page")
    first = page.register(lambda obj, user: ("first.html", {"obj": obj}))
    page.register(lambda obj, user: None)  # nothing to show for this object
    page.register(lambda obj, user: ("last.html", {"user": user}))
    page.register(first)  # AppConfig.ready() running twice registers nothing new
    assert page.for_page("campaign", "sam") == [
        ("first.html", {"obj": "campaign"}),
        ("last.html", {"user": "sam"}),
    ]
    page.unregister(first)
    assert page.for_page("campaign", "sam") == [("last.html", {"user": "sam"})]


def test_the_apps_register_their_sections_on_the_lower_apps_pages():
    assert lead_quality_panel in campaign_panels
    assert messaging_for_persona in persona_panels
