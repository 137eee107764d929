"""Playwright driving Debian's chromium against the ASGI application served by uvicorn.

`live_server` is portal.asgi under uvicorn in a thread (tests/live.py), as production
serves it: pages, static files and websockets. Each test gets fresh browser contexts;
`login(page, user)` signs in through the real login form. A test fails on any JavaScript
error, console error or Content Security Policy violation. Screenshots go to
var/test/screenshots/ for people to look at.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import PASSWORD
from tests.live import AsgiLiveServer
from tests.services import need_chromium

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(settings.VAR_DIR) / "test" / "screenshots"
# Chromium logs every 4xx page as a console error; these are answers Tandem gives people on
# purpose (form errors 400, refusals 403, conflicts 409/412). A 404 or a 5xx still fails.
ANSWERED_ON_PURPOSE = re.compile(r"the server responded with a status of (400|403|409|412)\b")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    executable = need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(django_db_setup, django_db_blocker):
    """Replaces pytest-django's WSGI live server (same fixture name and interface)."""
    from django.db import connections

    # Connections opened by the server's threads close after each request, so the test
    # database can be flushed between tests and dropped at the end.
    for alias in connections:
        connections.settings[alias]["CONN_MAX_AGE"] = 0
    with django_db_blocker.unblock():
        server = AsgiLiveServer()
    yield server
    server.stop()


@pytest.fixture
def new_page(browser, live_server):
    """new_page() -> a page in its own context (its own cookies: one person each)."""
    contexts = []

    def make(width: int = 1366, height: int = 860, *, websockets: bool = True, base_url: str = ""):
        context = browser.new_context(
            base_url=base_url or live_server.url, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        if not websockets:
            # A browser (or network) without websockets: pages fall back to forms and polling.
            context.add_init_script("delete window.WebSocket;")
        contexts.append(context)
        watch(context.new_page())
        return context.pages[-1]

    def watch(page):
        page.on("pageerror", lambda error: errors.append(str(error)))
        # The page reports each CSP violation with where it happened (app.js).
        # Console errors include CSP violations ("Refused to ... because it violates the
        # following Content Security Policy directive") and missing files (404).
        page.on(
            "console",
            lambda message: (
                errors.append(message.text)
                if message.type == "error" and not ANSWERED_ON_PURPOSE.search(message.text)
                else None
            ),
        )

    errors: list[str] = []
    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"JavaScript or console errors on the page: {errors}"


@pytest.fixture
def page(new_page):
    return new_page()


def login(page, user, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
