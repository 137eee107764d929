"""Two web processes joined by Redis: one editor on each, typing into the same sentence.

Each process is started as production starts it (portal.server.web_command: uvicorn on
portal.asgi) on its own free port, against this run's database and Redis.
"""

import os
import subprocess
import uuid

import pytest
from django.conf import settings
from playwright.sync_api import expect

from personas import services
from portal.server import web_command
from tests.browser.conftest import login
from tests.browser.test_persona_live import (
    GOALS,
    is_subsequence,
    open_live,
    put_cursor_after,
    stored_goals,
    text_of,
    type_interleaved,
    wait_until,
)
from tests.factories import make_user
from tests.integration.conftest import database_url
from tests.live import free_port, wait_for_port
from tests.services import need_redis

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_servers(tmp_path):
    need_redis()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CHANNELS_PREFIX": f"tandem-test-{uuid.uuid4().hex[:8]}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "0",
        "CONN_MAX_AGE": "0",
    }
    servers = []
    for index in range(2):
        port = free_port()
        log = (tmp_path / f"web-{index}.log").open("wb")
        command = web_command(host="127.0.0.1", port=port, access_log=False)
        process = subprocess.Popen(
            command, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT
        )
        servers.append((process, f"http://127.0.0.1:{port}", log))
    for _, url, _ in servers:
        wait_for_port("127.0.0.1", int(url.rsplit(":", 1)[1]))
    yield [url for _, url, _ in servers]
    for process, _, log in servers:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_editors_on_two_processes_converge_through_redis(two_servers, new_page):
    # two_servers first: the pages close before the servers stop.
    maya_user = make_user("marketer", first_name="Maya", last_name="Marketing")
    sam_user = make_user("sales_rep", first_name="Sam", last_name="Sales")
    persona = services.create_persona(by=maya_user, name="Ops Director", goals=GOALS)
    maya, sam = new_page(base_url=two_servers[0]), new_page(base_url=two_servers[1])
    for page, user in ((maya, maya_user), (sam, sam_user)):
        login(page, user)
        open_live(page, persona)
    # Presence crosses processes too.
    expect(maya.get_by_test_id("present-person")).to_contain_text("Sam Sales")
    expect(sam.get_by_test_id("present-person")).to_contain_text("Maya Marketing")
    for page in (maya, sam):
        put_cursor_after(page, "Hit 99.5% pick")
    words = ["-maya-on-one-", "_SAM_ON_TWO_"]
    type_interleaved([(maya, words[0]), (sam, words[1])], seed=7)
    for page in (maya, sam):
        expect(page.get_by_test_id("live-status")).to_have_text("Synced", timeout=15_000)
    wait_until(
        lambda: text_of(maya) == text_of(sam),
        what="both processes' editors converge",
        show=lambda: (text_of(maya), text_of(sam)),
    )
    final = text_of(maya)
    assert len(final) == len(GOALS.rstrip("\n")) + sum(len(w) for w in words)
    assert all(is_subsequence(word, final) for word in words)
    wait_until(lambda: stored_goals(persona) == final, what="the database holds the live text")
