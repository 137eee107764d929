"""The production path, end to end, as an operator runs it from the repository.

It runs what the recipes run, read from the recipes themselves: the Dockerfile's build
step (vendored packages, `collectstatic` with the manifest storage into a fresh
STATIC_ROOT), `check --deploy --fail-level WARNING`, the Procfile's release line, the
README's `add_member`, then the Procfile's web, worker and beat lines, with DEBUG off, a
real SECRET_KEY and ALLOWED_HOSTS. Each Procfile and Dockerfile line is `python -m
portal.deploy STEP` (portal/deploy.py), so moving the web server to ASGI there changes
what this test starts.

HTTPS: the recipe puts Tandem behind a TLS-terminating proxy (BEHIND_PROXY=1), and this
test plays that proxy: its requests carry X-Forwarded-Proto: https and X-Forwarded-Host,
so the production security settings stay exactly as deployed (HTTPS redirect, HSTS,
Secure cookies), and a request the proxy marks as plain HTTP must be redirected.
Turning SECURE_SSL_REDIRECT off instead would test a configuration nobody runs.
"""

import contextlib
import json
import os
import re
import secrets
import shlex
import signal
import subprocess
import sys
from html.parser import HTMLParser
from http.client import HTTPConnection, HTTPResponse
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.conf import settings

from tests.integration.conftest import database_url, free_port, wait_for
from tests.recipes import dockerfile_build_step, procfile
from tests.services import IN_CI, need_redis

pytestmark = pytest.mark.integration

ROOT = Path(settings.BASE_DIR)
SITE_HOST = "tandem.test"
SITE = f"https://{SITE_HOST}"
HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
# What a browser (or its developer tools) loads from a stylesheet or a script.
LOADS = {
    ".css": re.compile(
        r"""url\(\s*['"]?([^'")]+)|@import\s*['"]([^'"]+)|/\*# sourceMappingURL=(\S+)"""
    ),
    ".js": re.compile(r"(?m)^//# sourceMappingURL=(\S+)"),
}
MEMBER = "lena"
PASSWORD = secrets.token_urlsafe(16)


class Assets(HTMLParser):
    """The URLs a page loads: script src, link href, img src."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url = {"script": attrs.get("src"), "link": attrs.get("href"), "img": attrs.get("src")}
        if url.get(tag):
            self.urls.append(url[tag])


class ThroughProxy:
    """HTTP to the web server as the TLS-terminating proxy forwards a browser's requests:
    cookies kept (Secure ones too: the browser's side of the connection is HTTPS)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.cookie_flags: dict[str, dict] = {}

    def request(
        self, method: str, path: str, body: dict | None = None, scheme: str = "https", **headers
    ) -> tuple[HTTPResponse, bytes]:
        connection = HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = {
            "X-Forwarded-Proto": scheme,
            "X-Forwarded-Host": SITE_HOST,
            "X-Forwarded-For": "203.0.113.7",
            **headers,
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
                self.cookie_flags[name] = {"secure": bool(morsel["secure"]), "header": header}
        return response, content

    def get(self, path: str, **headers) -> tuple[HTTPResponse, bytes]:
        return self.request("GET", path, **headers)


def assert_every_asset_answers(client: ThroughProxy, page: str, html: str) -> list[str]:
    """Every asset the page loads answers 200, and so does everything those load in turn
    (url() and @import in CSS, source maps). Returns the paths fetched."""
    parser = Assets()
    parser.feed(html)
    assert parser.urls, f"{page} loads no assets at all"
    queue = [urljoin(SITE + page, url) for url in parser.urls]
    fetched: list[str] = []
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.scheme == "data" or path in fetched:
            continue
        assert parts.netloc == SITE_HOST, f"{page} loads {url} from another site"
        fetched.append(path)
        response, body = client.get(path)
        assert response.status == 200, f"{page}: {path} answered {response.status}"
        if parts.path.startswith("/" + settings.STATIC_URL.strip("/") + "/"):
            assert HASHED_NAME.search(parts.path), f"{page}: {parts.path} is not a hashed name"
        loads = LOADS.get(Path(parts.path).suffix)
        for match in loads.finditer(body.decode("utf-8", "replace")) if loads else []:
            reference = next(group for group in match.groups() if group).strip()
            if not re.match(r"[a-z]+:|#", reference):
                queue.append(urljoin(url, reference))
    return fetched


def run(command: list[str], env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, (
        f"`{shlex.join(command)}` failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    )
    return result


@pytest.fixture
def production_env(transactional_db, tmp_path) -> dict:
    """What an operator sets, and nothing the test settings add (pytest-env's
    STATIC_MANIFEST=0, SECURE_HTTPS=0 ...): only PATH/HOME/LANG come from here."""
    if IN_CI or settings.REDIS_URL:
        need_redis()
    passed = {name: os.environ[name] for name in ("HOME", "LANG") if name in os.environ}
    return {
        **passed,
        # As the Dockerfile does: the project's virtualenv first on PATH.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": SITE_HOST,
        "SITE_URL": SITE,
        "BEHIND_PROXY": "1",
        "DATABASE_URL": database_url(),
        **({"REDIS_URL": settings.REDIS_URL} if settings.REDIS_URL else {}),
        # This run's own queue, static root and local state (the embedded broker too).
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "STATIC_ROOT": str(tmp_path / "staticfiles"),
        "VAR_DIR": str(tmp_path / "var"),
        # As in production (the deploy check refuses development backends); nothing here
        # sends mail, and nothing listens on that port if something tried.
        "EMAIL_BACKEND": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(free_port()),
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
        "WEB_CONCURRENCY": "2",
        "WORKER_CONCURRENCY": "1",
    }


@pytest.fixture
def start_process(production_env, tmp_path):
    """start_process(name, argv) -> Popen with its output in tmp_path/<name>.log; each is
    stopped (SIGTERM, then its whole process group killed) after the test."""
    started: list[subprocess.Popen] = []

    def start(name: str, argv: list[str]) -> subprocess.Popen:
        log = (tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(
            argv,
            env=production_env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log_path = tmp_path / f"{name}.log"
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
    for process in started:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
        # Its own group (start_new_session): the pool processes it may have left behind.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def log_of(process: subprocess.Popen) -> str:
    return process.log_path.read_text(errors="replace")


def test_the_production_recipe_starts_and_serves_every_page_and_asset(
    production_env, start_process
):
    env = production_env
    processes = procfile()
    static_root = Path(env["STATIC_ROOT"])

    # The image build (static files) and the release (database) do not depend on each
    # other, as in a real deploy; they run side by side to keep this test short.
    # Build, as the image does: vendored packages, then collectstatic with hashed names.
    build = start_process("build", ["sh", "-c", dockerfile_build_step()])

    # Deploy check with exactly these settings (manifest storage, HTTPS on).
    run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    # Release, a member the README way, then the processes that need no static files.
    run(processes["release"], env)
    run(
        [
            *["python", "manage.py", "add_member", MEMBER, "--team", "leadership"],
            *["--email", f"{MEMBER}@example.com", "--password", PASSWORD],
        ],
        env,
    )
    worker = start_process("worker", processes["worker"])
    beat = start_process("beat", processes["beat"])

    assert build.wait(timeout=180) == 0, f"the build failed:\n{log_of(build)}"
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    assert "vendor/chartjs/chart.umd.min.js" in manifest
    web = start_process("web", processes["web"])
    client = ThroughProxy(int(env["PORT"]))

    def healthy() -> bool:
        assert web.poll() is None, f"the web server exited:\n{log_of(web)}"
        try:
            return client.get("/healthz")[0].status == 200
        except OSError:
            return False

    wait_for(healthy, timeout=45, what="the web server's /healthz")
    # The container health check docker-compose.yml runs.
    health = run(["python", "-m", "portal.deploy", "healthcheck"], env)
    assert json.loads(health.stdout) == {"status": "ok", "database": "ok", "broker": "ok"}

    # A request the proxy received over plain HTTP is sent to HTTPS.
    response, _ = client.get("/login/", scheme="http")
    assert response.status == 301
    assert response.getheader("Location") == f"{SITE}/login/"

    # The login page and everything it loads.
    response, body = client.get("/login/")
    assert response.status == 200, body[:500]
    assert "max-age=" in response.getheader("Strict-Transport-Security", "")
    assert "script-src 'self'" in response.getheader("Content-Security-Policy", "")
    login_html = body.decode()
    fetched = assert_every_asset_answers(client, "/login/", login_html)
    assert any("bootstrap-icons" in url for url in fetched)
    assert any(".woff2" in url for url in fetched), "icon fonts from the CSS"
    assert any(url.endswith(".map") for url in fetched), "source maps"

    # Sign in through the form, as a browser behind the proxy does.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_html).group(1)
    response, body = client.request(
        "POST",
        "/login/",
        body={"csrfmiddlewaretoken": token, "username": MEMBER, "password": PASSWORD},
        Origin=SITE,
        Referer=f"{SITE}/login/",
    )
    assert response.status == 302, body.decode(errors="replace")[:2000]
    assert client.cookie_flags["sessionid"]["secure"], client.cookie_flags["sessionid"]
    assert "HttpOnly" in client.cookie_flags["sessionid"]["header"]
    assert client.cookie_flags["csrftoken"]["secure"]

    # The dashboard: a chart, Chart.js by its hashed name, and everything answering.
    response, body = client.get("/dashboard/")
    assert response.status == 200, body[:500]
    dashboard_html = body.decode()
    assert "data-chart=" in dashboard_html
    chart_js = "/static/" + manifest["vendor/chartjs/chart.umd.min.js"]
    assert f'src="{chart_js}"' in dashboard_html
    fetched = assert_every_asset_answers(client, "/dashboard/", dashboard_html)
    assert chart_js in fetched

    # The other pages with their own assets: the API docs and the Django admin.
    for page in ("/api/docs/", "/admin/login/"):
        response, body = client.get(page)
        assert response.status == 200, f"{page}: {response.status} {body[:300]}"
        assert_every_asset_answers(client, page, body.decode())

    # A static file by its hashed name: the collected bytes, cached for good, compressed.
    response, body = client.get(chart_js, **{"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert "immutable" in response.getheader("Cache-Control", "")
    response, body = client.get(chart_js)
    assert body == (static_root / manifest["vendor/chartjs/chart.umd.min.js"]).read_bytes()

    # Worker and beat came up on the same settings, and everything stops cleanly.
    wait_for(lambda: " ready." in log_of(worker), timeout=45, what="the Celery worker")
    wait_for(lambda: "beat: Starting" in log_of(beat), timeout=30, what="Celery beat")
    for name, process in {"web": web, "worker": worker, "beat": beat}.items():
        assert process.poll() is None, f"{name} exited early:\n{log_of(process)}"
        process.terminate()
    for name, process in {"web": web, "worker": worker, "beat": beat}.items():
        assert process.wait(timeout=30) == 0, f"{name} did not stop cleanly:\n{log_of(process)}"
