"""Talking to the ASGI application's websockets in tests, without a server.

A small stand-in for channels.testing.WebsocketCommunicator (that package module
imports daphne, which Tandem does not use): the real application (portal.asgi, with
its session auth and origin check) driven through asgiref's ApplicationCommunicator.
"""

import asyncio

from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.test import Client

from personas.consumers import STATUS, SYNC, Reader


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class Socket(ApplicationCommunicator):
    def __init__(self, path: str, *, user=None, origin: str | None = "http://testserver"):
        from portal.asgi import application

        path, _, query = path.partition("?")
        headers = [(b"host", b"testserver")]
        if origin:
            headers.append((b"origin", origin.encode()))
        if user is not None:
            headers.append(
                (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_cookie(user)}".encode())
            )
        super().__init__(
            application,
            {
                "type": "websocket",
                "path": path,
                "query_string": query.encode(),
                "headers": headers,
                "subprotocols": [],
                "client": ("127.0.0.1", 50000),
                "server": ("testserver", 80),
            },
        )

    async def connect(self, timeout: float = 5) -> tuple[bool, int | None]:
        await self.send_input({"type": "websocket.connect"})
        response = await self.receive_output(timeout)  # connect answers at once
        if response["type"] == "websocket.close":
            return False, response.get("code")
        return True, None

    async def send_bytes(self, data: bytes) -> None:
        await self.send_input({"type": "websocket.receive", "bytes": data})

    async def send_text(self, text: str) -> None:
        await self.send_input({"type": "websocket.receive", "text": text})

    async def receive(self, timeout: float = 5) -> dict:
        return await self.receive_output(timeout)

    async def frames(self, seconds: float = 0.3) -> list[dict]:
        """Everything the server sends within `seconds` (without cancelling the app, which
        ApplicationCommunicator.receive_output does on a timeout)."""
        out = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            await asyncio.sleep(0.02)
            while not self.output_queue.empty():
                out.append(self.output_queue.get_nowait())
        if self.future.done() and not self.future.cancelled() and self.future.exception():
            raise self.future.exception()
        return out

    async def close(self) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(2)


def run_async(scenario) -> None:
    """Run `scenario()` to the end in a thread of its own: the test's thread may already
    run an event loop (Playwright's, when browser tests ran first in this session)."""
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import async_to_sync
    from django.db import connection

    def work():
        try:
            async_to_sync(scenario)()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(work).result()


def parse(frame: bytes) -> tuple[int, int | None, bytes | str]:
    """(message type, sync step or None, payload) of a y-websocket frame."""
    reader = Reader(frame)
    kind = reader.uint()
    if kind == SYNC:
        step = reader.uint()
        return kind, step, reader.bytes()
    if kind == STATUS:
        return kind, None, reader.string()
    return kind, None, reader.bytes()


# --- Real servers ------------------------------------------------------------------------
class AsgiLiveServer:
    """portal.asgi served by uvicorn in a thread of the test process (HTTP + websockets).

    Stands in for pytest-django's WSGI live server in browser tests, so the browser talks
    to what production runs. Same interface: `.url`, and settings changed per test.
    """

    def __init__(self, host: str = "127.0.0.1"):
        import threading

        import uvicorn
        from django.test.utils import modify_settings

        from portal.asgi import application

        self.port = free_port()
        self.url = f"http://{host}:{self.port}"
        self._live_server_modified_settings = modify_settings(
            ALLOWED_HOSTS={"append": [host, "localhost"]}
        )
        config = uvicorn.Config(
            application,
            host=host,
            port=self.port,
            log_level="warning",
            ws="websockets-sansio",
            lifespan="off",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="asgi-live-server")
        self.thread.start()
        wait_for_port(host, self.port)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(host: str, port: int, timeout: float = 30) -> None:
    import socket
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {host}:{port} after {timeout}s")
