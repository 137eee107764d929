"""Core reads shared by pages, the API and the dashboard."""

from django.db.models import QuerySet
from rest_framework.authtoken.models import Token

from .models import Notification, User


def inbox_for(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def api_token_of(user: User) -> Token | None:
    return Token.objects.filter(user=user).first()
