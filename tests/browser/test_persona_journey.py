"""Two people edit one persona at the same time, in two browsers; nobody's edit is lost.

This journey is the fallback: browsers without websockets get the edit form, heartbeat
presence and the save-time merge. The live journey is in test_persona_live.py.
"""

import pytest
from playwright.sync_api import expect

from personas import services
from tests.browser.conftest import login, screenshot
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOALS = "Cut cost per order by 10% this year\nHit 99.5% pick accuracy before peak\n"
PAINS = "Mis-picks cause returns\n"


def test_without_websockets_two_editors_merge_then_resolve_a_real_conflict(new_page):
    marketer = make_user("marketer", first_name="Maya", last_name="Marketing")
    rep = make_user("sales_rep", first_name="Sam", last_name="Sales")
    persona = services.create_persona(
        by=marketer, name="Operations Director", goals=GOALS, pains=PAINS
    )

    maya, sam = new_page(websockets=False), new_page(websockets=False)
    login(maya, marketer)
    login(sam, rep)
    for page in (maya, sam):
        page.goto(f"/personas/{persona.pk}/")
    # Presence: each sees the other within a heartbeat or two.
    expect(maya.get_by_test_id("present-person")).to_contain_text("Sam Sales", timeout=15_000)

    # Both open an editor at version 1: Maya edits Goals, Sam edits Pains.
    maya.get_by_test_id("edit-goals").click()
    sam.get_by_test_id("edit-pains").click()
    maya.get_by_label("Goals").fill(GOALS + "Onboard seasonal staff in days\n")
    sam.get_by_label("Pains").fill(PAINS + "Temps make most errors in week one\n")
    maya.get_by_test_id("save").click()
    expect(maya.get_by_text("Saved as version 2.")).to_be_visible()
    # Sam's editor is told someone saved, and what.
    expect(sam.get_by_test_id("saved-elsewhere")).to_contain_text("Goals", timeout=15_000)
    sam.get_by_test_id("save").click()
    expect(
        sam.get_by_text("Saved as version 3, merged with others' changes to goals.")
    ).to_be_visible()
    expect(sam.get_by_test_id("text-goals")).to_contain_text("Onboard seasonal staff in days")
    expect(sam.get_by_test_id("text-pains")).to_contain_text("Temps make most errors in week one")

    # Now both change the same sentence.
    maya.goto(f"/personas/{persona.pk}/edit/?section=goals")
    sam.goto(f"/personas/{persona.pk}/edit/?section=goals")
    maya.get_by_label("Goals").fill(
        maya.get_by_label("Goals").input_value().replace("99.5%", "99.7%")
    )
    sam.get_by_label("Goals").fill(
        sam.get_by_label("Goals").input_value().replace("99.5%", "99.9%")
    )
    maya.get_by_test_id("save").click()
    expect(maya.get_by_text("Saved as version 4.")).to_be_visible()
    sam.get_by_test_id("save").click()
    expect(sam.get_by_test_id("conflict-title")).to_be_visible()
    screenshot(sam, "persona-conflict")
    expect(sam.get_by_test_id("conflict-goals")).to_contain_text("99.7%")
    sam.get_by_test_id("use-theirs-goals").click()
    resolution = sam.get_by_test_id("resolve-goals")
    resolution.fill(resolution.input_value().replace("99.7%", "99.8% (agreed with Maya)"))
    sam.get_by_test_id("save-resolution").click()
    expect(sam.get_by_text("Saved as version 5.")).to_be_visible()
    expect(sam.get_by_test_id("text-goals")).to_contain_text("99.8% (agreed with Maya)")

    # The history shows both authors and their teams.
    sam.get_by_role("link", name="History").click()
    revisions = sam.get_by_test_id("revision")
    expect(revisions).to_have_count(5)
    expect(revisions.nth(0)).to_contain_text("Sam Sales")
    expect(revisions.nth(0)).to_contain_text("sales")
    expect(revisions.nth(1)).to_contain_text("Maya Marketing")
    expect(revisions.nth(1)).to_contain_text("marketing")
    screenshot(sam, "persona-history")
