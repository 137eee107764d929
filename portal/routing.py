"""Websocket routes (portal.asgi): the composition layer, like portal.urls."""

from django.urls import path, re_path

from personas.consumers import PersonaRoomConsumer

from .live import NotificationConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    # y-websocket's client appends the room name to its URL without a trailing slash.
    re_path(r"^ws/personas/(?P<pk>\d+)/?$", PersonaRoomConsumer.as_asgi()),
]
