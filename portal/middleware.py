import zoneinfo

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.core.handlers.asgi import ASGIRequest
from django.utils import timezone
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, streaming file bodies as async iterators when served over ASGI.

    Django's ASGI handler can only stream a synchronous iterator by first reading all of
    it in a thread (and warns each time); static files are small local reads, so they
    are read chunk by chunk on the event loop instead.
    """

    @staticmethod
    def serve(static_file, request):
        response = WhiteNoiseMiddleware.serve(static_file, request)
        if isinstance(request, ASGIRequest) and response.streaming and not response.is_async:
            chunks = response.streaming_content

            async def stream():
                for chunk in chunks:
                    yield chunk

            response.streaming_content = stream()
        return response


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page requires login unless its view is marked @login_not_required.

    The API is left to DRF, which answers 401 instead of redirecting to the login page;
    its default permission class (portal.permissions.RulePermission) requires a user.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class UserTimezoneMiddleware:
    """Times are stored in UTC and shown in the signed-in user's own timezone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.timezone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)
