"""Live co-editing in real browsers: people type into the same sentence at once.

Every browser and the database end up with the same text holding every keystroke; a
dropped connection keeps typing and merges on reconnect; a REST save shows up live; a
leadership page watches but cannot write; a launch reaches an open page without reload.
"""

import random
import time

import pytest
from playwright.sync_api import expect

from campaigns.planning import services as campaign_services
from personas import services
from personas.models import Persona
from tests.browser.conftest import login, screenshot
from tests.factories import make_campaign, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SENTENCE = "Hit 99.5% pick accuracy before peak"
GOALS = f"{SENTENCE}\nCut cost per order\n"


def editor(page, field: str = "goals"):
    return page.get_by_test_id(f"live-{field}").locator(".cm-content")


def open_live(page, persona, field: str = "goals"):
    page.goto(f"/personas/{persona.pk}/edit/")
    expect(page.get_by_test_id("live-status")).to_have_text("Synced")
    return editor(page, field)


def text_of(page, field: str = "goals") -> str:
    """The section's text as the page shows it, line by line."""
    lines = editor(page, field).locator(".cm-line").all_text_contents()
    return "\n".join(lines).rstrip("\n")


def is_subsequence(needle: str, haystack: str) -> bool:
    letters = iter(haystack)
    return all(letter in letters for letter in needle)


def wait_until(condition, timeout: float = 10, what: str = "", show=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out: {what}" + (f": {show()}" if show else ""))


def in_thread(work):
    """Run server-side work as a web request or worker would, outside Playwright's thread
    (whose event loop would make the after-commit pushes take their fallback path)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def run():
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def stored_goals(persona) -> str:
    return Persona.objects.get(pk=persona.pk).goals.rstrip("\n")


def type_interleaved(pages_and_words, seed: int) -> None:
    """Each page types its word one key at a time, turns interleaved, small random pauses."""
    rng = random.Random(seed)
    longest = max(len(word) for _, word in pages_and_words)
    for index in range(longest):
        for page, word in pages_and_words:
            if index < len(word):
                page.keyboard.type(word[index])
                time.sleep(rng.uniform(0, 0.03))


def put_cursor_after(page, anchor_text: str, field: str = "goals") -> None:
    """Click into the section, then move to just after `anchor_text` in its first line."""
    box = editor(page, field)
    box.click()
    page.keyboard.press("Control+Home")
    for _ in range(len(anchor_text)):
        page.keyboard.press("ArrowRight")


@pytest.mark.parametrize("people", [2, 3])
def test_people_typing_in_the_same_sentence_converge_with_every_keystroke(new_page, people):
    users = [
        make_user("marketer", first_name="Maya", last_name="Marketing"),
        make_user("sales_rep", first_name="Sam", last_name="Sales"),
        make_user("sales_lead", first_name="Sue", last_name="Lead"),
    ][:people]
    persona = services.create_persona(by=users[0], name="Ops Director", goals=GOALS)
    words = ["maya-types-this ", "SAM_ADDS_THAT ", "sue+also+this "][:people]
    pages = []
    for user in users:
        page = new_page()
        login(page, user)
        open_live(page, persona)
        pages.append(page)
    # Everyone sees the others, by name and team colour.
    expect(pages[0].get_by_test_id("present-person")).to_have_count(people - 1)
    for page in pages:
        put_cursor_after(page, "Hit 99.5% pick")
    type_interleaved(list(zip(pages, words, strict=True)), seed=people)

    for page in pages:
        expect(page.get_by_test_id("live-status")).to_have_text("Synced", timeout=15_000)
    wait_until(
        lambda: len({text_of(page) for page in pages}) == 1,
        what="browsers converge",
        show=lambda: [text_of(page) for page in pages],
    )
    final = text_of(pages[0])
    assert len(final) == len(GOALS.rstrip("\n")) + sum(len(w) for w in words)
    for word in words:
        assert is_subsequence(word, final), (word, final)
    assert final.startswith("Hit 99.5% pick") and final.endswith("Cut cost per order")
    # The columns follow within a couple of seconds of the last keystroke.
    wait_until(lambda: stored_goals(persona) == final, what="the database holds the live text")
    # Others' cursors show with their names (drawn by CSS, not part of the text).
    expect(pages[0].locator(".remote-caret").first).to_be_attached()
    screenshot(pages[0], f"persona-live-{people}-editors")


def test_a_dropped_connection_keeps_typing_and_merges_on_reconnect(new_page):
    maya_user = make_user("marketer", first_name="Maya", last_name="Marketing")
    sam_user = make_user("sales_rep", first_name="Sam", last_name="Sales")
    persona = services.create_persona(by=maya_user, name="Ops Director", goals=GOALS)
    maya, sam = new_page(), new_page()
    login(sam, sam_user)
    open_live(sam, persona)

    # Maya's network: a proxy to the server that the test can cut.
    network = {"up": True, "sockets": []}

    def route(ws):
        if not network["up"]:
            ws.close()
            return
        ws.connect_to_server()
        network["sockets"].append(ws)

    maya.route_web_socket("**/ws/personas/**", route)
    login(maya, maya_user)
    open_live(maya, persona)
    put_cursor_after(maya, "Hit 99.5% pick")
    maya.keyboard.type(" (before")
    expect(sam.get_by_test_id("live-goals")).to_contain_text("pick (before")

    # The connection drops mid-typing; Maya keeps typing, Sam types too.
    network["up"] = False
    for ws in network["sockets"]:
        ws.close()
    expect(maya.get_by_test_id("live-status")).to_have_text("Offline — your edits are kept")
    maya.keyboard.type(" offline edits)")
    put_cursor_after(sam, "Hit")
    sam.keyboard.type(" SAM")
    screenshot(maya, "persona-live-offline")
    expect(sam.get_by_test_id("live-goals")).not_to_contain_text("offline edits")

    network["up"] = True
    expect(maya.get_by_test_id("live-status")).to_have_text("Synced", timeout=20_000)
    expected = "Hit SAM 99.5% pick (before offline edits) accuracy before peak"
    expect(sam.get_by_test_id("live-goals")).to_contain_text(expected)
    expect(maya.get_by_test_id("live-goals")).to_contain_text(expected)
    wait_until(lambda: stored_goals(persona).startswith(expected), what="stored")


def test_a_rest_patch_appears_live_and_the_api_reads_the_live_text(new_page, api_as):
    maya_user = make_user("marketer", first_name="Maya", last_name="Marketing")
    sam_user = make_user("sales_rep", first_name="Sam", last_name="Sales")
    script = make_user("marketer", first_name="Import", last_name="Script")
    persona = services.create_persona(by=maya_user, name="Ops Director", goals=GOALS)
    maya, sam = new_page(), new_page()
    for page, user in ((maya, maya_user), (sam, sam_user)):
        login(page, user)
        open_live(page, persona)
    put_cursor_after(maya, SENTENCE)
    maya.keyboard.type(" this year")
    expect(sam.get_by_test_id("live-goals")).to_contain_text("peak this year")

    api = api_as(script)
    read = api.get(f"/api/personas/{persona.pk}/")
    wait_until(
        lambda: "this year" in api.get(f"/api/personas/{persona.pk}/").json()["goals"],
        what="the flush",
    )
    read = api.get(f"/api/personas/{persona.pk}/")
    started = time.monotonic()
    response = in_thread(
        lambda: api.patch(
            f"/api/personas/{persona.pk}/",
            {"pains": "Mis-picks cause returns\n", "goals": read.json()["goals"] + "Train temps\n"},
            format="json",
            HTTP_IF_MATCH=read["ETag"],
        )
    )
    assert response.status_code == 200, response.json()
    for page in (maya, sam):
        expect(page.get_by_test_id("live-pains")).to_contain_text(
            "Mis-picks cause returns", timeout=2_000
        )
        expect(page.get_by_test_id("live-goals")).to_contain_text("Train temps", timeout=2_000)
    assert time.monotonic() - started < 2.5
    # Typing goes on in the same section after the save; nothing of either is lost.
    maya.keyboard.type(", safely")
    expect(sam.get_by_test_id("live-goals")).to_contain_text("peak this year, safely")
    expect(maya.get_by_test_id("live-status")).to_have_text("Synced")
    wait_until(
        lambda: (
            api.get(f"/api/personas/{persona.pk}/").json()["goals"].rstrip("\n") == text_of(sam)
        ),
        what="the API reads the live text",
    )
    assert api.get(f"/api/personas/{persona.pk}/").json()["pains"] == "Mis-picks cause returns\n"


def test_leadership_watches_live_and_reads_the_new_version(new_page):
    maya_user = make_user("marketer", first_name="Maya", last_name="Marketing")
    leo_user = make_user("leadership", first_name="Leo", last_name="Grant")
    persona = services.create_persona(by=maya_user, name="Ops Director", goals=GOALS)
    maya, leo = new_page(), new_page()
    login(leo, leo_user)
    leo.goto(f"/personas/{persona.pk}/")
    login(maya, maya_user)
    open_live(maya, persona)
    expect(maya.get_by_test_id("present-person")).to_contain_text("Leo Grant · watching")
    expect(leo.get_by_test_id("present-person")).to_contain_text("Maya Marketing")
    put_cursor_after(maya, SENTENCE)
    maya.keyboard.type(" and peak season")
    # The read page refreshes its sections once the new version is saved.
    expect(leo.get_by_test_id("text-goals")).to_contain_text("peak and peak season", timeout=8_000)
    expect(leo.get_by_role("link", name="Edit all")).to_have_count(0)
    screenshot(leo, "persona-live-leadership-watching")


def test_a_launch_updates_an_open_pages_inbox_badge_without_reload(new_page):
    marketer = make_user("marketer")
    rep = make_user("sales_rep", first_name="Sam", last_name="Sales")
    campaign = make_campaign(owner=marketer, name="Q3 Warehouse Push", status="approved")
    page = new_page()
    login(page, rep)
    page.goto("/campaigns/")
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    page.wait_for_timeout(500)  # the socket connects
    in_thread(lambda: campaign_services.launch_campaign(campaign, by=marketer))
    expect(page.get_by_test_id("unread-count")).to_contain_text("1", timeout=5_000)
    expect(page.get_by_test_id("live-toast")).to_contain_text("Q3 Warehouse Push")
    screenshot(page, "live-notification")
