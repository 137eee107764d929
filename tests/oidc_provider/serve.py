"""Run the test identity provider: `python -m tests.oidc_provider.serve DATA_DIR`.

Binds a free port on 127.0.0.1, makes an RSA key, migrates its own SQLite database, then
prints `READY <issuer> <control token>` on stdout and serves until it is terminated.
"""

import os
import secrets
import sys
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # the tests read stdout; requests go to stderr
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def rsa_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def main(data_dir: str) -> None:
    server = make_server(
        "127.0.0.1", 0, None, server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
    issuer = f"http://127.0.0.1:{server.server_port}/o"
    token = secrets.token_urlsafe(24)
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
            "PROVIDER_DATA_DIR": data_dir,
            "PROVIDER_ISSUER": issuer,
            "PROVIDER_SECRET_KEY": secrets.token_urlsafe(40),
            "PROVIDER_RSA_PRIVATE_KEY": rsa_private_key_pem(),
            "PROVIDER_CONTROL_TOKEN": token,
        }
    )
    import django
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    django.setup()
    call_command("migrate", verbosity=0)
    server.set_app(get_wsgi_application())
    print(f"READY {issuer} {token}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])
