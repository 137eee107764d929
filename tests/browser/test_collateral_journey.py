"""A deck goes from marketing's upload to a rep's search, an outdated flag, and a fresh version."""

import pytest
from playwright.sync_api import expect

from campaigns.demo import minimal_pdf
from tests.browser.conftest import login, screenshot
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_publish_find_download_flag_and_replace(new_page, tmp_path):
    marketer = make_user("marketer", first_name="Mark")
    rep = make_user("sales_rep", first_name="Sam")
    deck_v1 = tmp_path / "Pick accuracy deck.pdf"
    deck_v1.write_bytes(minimal_pdf("Pick accuracy", ["Version one"]))
    deck_v2 = tmp_path / "Pick accuracy deck v2.pdf"
    deck_v2.write_bytes(minimal_pdf("Pick accuracy", ["Version two"]))

    # The marketer uploads a deck and publishes it.
    mark = new_page()
    login(mark, marketer)
    mark.get_by_test_id("main-nav").get_by_role("link", name="Collateral").click()
    mark.get_by_test_id("new-asset").click()
    mark.get_by_label("Title").fill("Pick accuracy deck")
    mark.get_by_label("Kind").select_option("deck")
    mark.get_by_label("Description").fill(
        "Slides on scan-to-confirm for warehouse operations leaders."
    )
    mark.get_by_label("File").set_input_files(str(deck_v1))
    mark.get_by_label("Tags").fill("logistics, webinar")
    mark.get_by_role("button", name="Save draft").click()
    expect(mark.get_by_test_id("freshness")).to_have_text("Draft")
    mark.get_by_test_id("publish").click()
    expect(mark.get_by_test_id("freshness")).to_contain_text("Current")
    asset_url = mark.url

    # A rep finds it by a word that is only in its description, downloads it, flags it.
    sam = new_page()
    login(sam, rep)
    sam.goto("/collateral/")
    sam.get_by_test_id("library-search").fill("scan-to-confirm")
    sam.get_by_test_id("library-search").press("Enter")
    card = sam.get_by_test_id("asset-card").filter(has_text="Pick accuracy deck")
    expect(card).to_have_count(1)
    screenshot(sam, "library-search")
    card.get_by_role("link", name="Pick accuracy deck").click()
    with sam.expect_download() as download:
        sam.get_by_test_id("download").click()
    assert download.value.suggested_filename == "Pick_accuracy_deck.pdf"
    sam.get_by_label("This is out of date").check()
    sam.get_by_label("Comment").fill("Still shows last year's Nordfreight numbers.")
    sam.get_by_role("button", name="Send feedback").click()
    expect(sam.get_by_text("Marketing has been told it is outdated.")).to_be_visible()
    expect(sam.get_by_test_id("freshness")).to_contain_text("Flagged outdated")

    # Stale material leaves the default library view, but stays findable with the switch.
    sam.goto("/collateral/?q=scan-to-confirm")
    expect(sam.get_by_test_id("asset-card")).to_have_count(0)
    sam.get_by_test_id("include-stale").check()
    sam.get_by_role("button", name="Apply").click()
    expect(sam.get_by_test_id("asset-card").get_by_test_id("freshness")).to_contain_text(
        "Flagged outdated"
    )

    # The marketer sees the flag (inbox and page) and uploads a new version.
    mark.goto("/inbox/")
    mark.get_by_role("link", name="flagged Pick accuracy deck as outdated").click()
    expect(mark.get_by_test_id("outdated-banner")).to_contain_text(
        "last year's Nordfreight numbers"
    )
    screenshot(mark, "asset-flagged")
    mark.get_by_label("New file").set_input_files(str(deck_v2))
    mark.get_by_label("What changed?").fill("This year's numbers")
    mark.get_by_role("button", name="Upload version").click()
    expect(mark.get_by_test_id("version")).to_have_text("Version 2")
    expect(mark.get_by_test_id("freshness")).to_contain_text("Current")

    # The rep sees it current again.
    sam.goto("/collateral/?q=scan-to-confirm")
    expect(sam.get_by_test_id("asset-card").get_by_test_id("freshness")).to_contain_text("Current")
    sam.goto(asset_url)
    expect(sam.get_by_test_id("version")).to_have_text("Version 2")
    screenshot(sam, "asset-current-again")
