"""The ASGI application: Django's HTTP views and the websockets, one process serving both.

Websockets are authenticated by the Django session cookie (AuthMiddlewareStack) and
refused unless the page that opens them comes from an allowed origin (a websocket is not
covered by the browser's same-origin policy, so a foreign site could otherwise open one
with the user's cookie).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# Django must be set up before the consumers (and their models) are imported.
django_http = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from portal.live import SameSiteOriginValidator  # noqa: E402
from portal.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_http,
        "websocket": SameSiteOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
