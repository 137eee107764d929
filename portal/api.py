"""API foundation: error format, router, auth token, /api/me/, notifications.

Hostile input is answered once for every endpoint: bodies by portal.api_input (JSON
objects without NUL), ids in paths by the Router (numbers only), methods an endpoint
does not have by portal.permissions (405), errors by exception_handler (JSON).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from . import selectors, services
from .auth import token_expires_at
from .errors import Conflict
from .models import Notification, User
from .permissions import RulePermission


class Router(SimpleRouter):
    """Object ids in API paths are numbers; anything else is a 404, not a lookup error."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if not hasattr(viewset, "lookup_value_regex"):
            viewset.lookup_value_regex = r"[0-9]+"
        return super().get_lookup_regex(viewset, lookup_prefix)


def exception_handler(exc, context):
    """DRF's handler, plus the service-layer errors (portal.errors) in the same shapes."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {
                field: [str(m) for m in messages] for field, messages in exc.message_dict.items()
            }
            data = {("non_field_errors" if k == "__all__" else k): v for k, v in data.items()}
        else:
            data = {"non_field_errors": list(exc.messages)}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Conflict):
        return Response(exc.as_dict(), status=exc.status_code)
    return drf_exception_handler(exc, context)


class TokenView(ObtainAuthToken):
    """POST {"username", "password"} -> {"token"}; locked after repeated failures (django-axes).
    DELETE (signed in) revokes the caller's token. A new password also revokes it."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    rules = {"write": "manage_own_account"}

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [RulePermission()]

    def get_throttles(self):
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses=inline_serializer(
            "TokenResponse",
            {
                "token": serializers.CharField(),
                "expires_at": serializers.DateTimeField(allow_null=True),
            },
        ),
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # django-axes flags the request when this username+address is locked out.
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": "Too many failed attempts. Try again in 15 minutes."},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise serializers.ValidationError(serializer.errors)
        token = services.api_token_for(serializer.validated_data["user"])
        return Response({"token": token.key, "expires_at": token_expires_at(token)})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, *args, **kwargs):
        services.revoke_api_token(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "team",
            "is_lead",
            "region",
            "timezone",
        ]


class MeView(APIView):
    rules = {"read": "manage_own_account"}

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]


class NotificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The signed-in user's notifications, newest first. Other people's are 404."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # typing for the schema; get_queryset scopes to the user
    rules = {"read": "manage_own_account", "write": "manage_own_account"}

    def get_queryset(self):
        unread = self.request.query_params.get("unread") in {"1", "true", "yes"}
        return selectors.inbox_for(self.request.user, unread_only=unread and self.action == "list")

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="Only unread notifications")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = get_object_or_404(selectors.inbox_for(request.user), pk=pk)
        services.mark_read(notification)
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        request=None, responses=inline_serializer("ReadAll", {"marked": serializers.IntegerField()})
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.mark_all_read(request.user)})
