import zoneinfo

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone


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


class RejectNulCharactersMiddleware:
    """Text with a NUL character is refused with a 400 naming the field, everywhere.

    PostgreSQL cannot store NUL in text, so it must never reach a query. This checks
    the query string on every request and the posted fields of HTML forms; API bodies
    are checked by portal.api_input.JSONParser, and Django's upload parser already drops
    non-printable characters from file names.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = self._field_with_nul(request)
        if field is not None:
            message = f"{field}: text may not contain NUL (\\u0000) characters."
            if request.path_info.startswith("/api/"):
                return JsonResponse({field: [message.split(": ", 1)[1]]}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _field_with_nul(request) -> str | None:
        if "\x00" in request.path_info:
            return "path"
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return key.replace("\x00", "") or "query"
        if request.method == "POST" and not request.path_info.startswith("/api/"):
            for key, values in request.POST.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return key.replace("\x00", "") or "form"
        return None
