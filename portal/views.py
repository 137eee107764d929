"""Core pages: inbox, account preferences, health check, section placeholders."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import oidc, selectors, services
from .actions import next_url
from .auth import token_expires_at
from .celery import app as celery_app
from .forms import LoginForm, PasswordChangeStyledForm, PreferencesForm
from .permissions import rule_required


class LoginView(auth_views.LoginView):
    """Tandem password sign-in; with company sign-in set up, its button comes first."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return oidc.landing_url(self.request.user)

    def get_context_data(self, **kwargs):
        company = oidc.config()
        return super().get_context_data(company_sign_in=company and company.provider_name, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeStyledForm
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        messages.success(self.request, "Your password has been changed.")
        return super().form_valid(form)


@rule_required("manage_own_account")
def account(request):
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your preferences are saved.")
        return redirect("account")
    token = selectors.api_token_of(request.user)
    company = oidc.config()
    return render(
        request,
        "portal/account.html",
        {
            "form": form,
            "api_token": token,
            "api_token_expires": token and token_expires_at(token),
            "company_sign_in": company
            and request.user.company_accounts.exists()
            and company.provider_name,
        },
    )


@require_POST
@rule_required("manage_own_account")
def revoke_api_token(request):
    if services.revoke_api_token(request.user):
        messages.success(request, "Your API token is revoked: scripts using it stop working now.")
    else:
        messages.info(request, "You had no API token.")
    return redirect("account")


@rule_required("manage_own_account")
def inbox(request):
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(selectors.inbox_for(request.user, unread_only=unread_only), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "portal/inbox.html", {"page": page, "unread_only": unread_only})


@require_GET
@rule_required("manage_own_account")
def open_notification(request, pk: int):
    """Mark a notification read and go where it points (like opening an email)."""
    notification = get_object_or_404(selectors.inbox_for(request.user), pk=pk)
    services.mark_read(notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("inbox")


@require_POST
@rule_required("manage_own_account")
def mark_notification_read(request, pk: int):
    notification = get_object_or_404(selectors.inbox_for(request.user), pk=pk)
    services.mark_read(notification)
    if request.headers.get("HX-Request"):
        return render(request, "portal/_notification.html", {"notification": notification})
    return redirect(next_url(request, "inbox"))


@require_POST
@rule_required("manage_own_account")
def mark_all_notifications_read(request):
    marked = services.mark_all_read(request.user)
    if marked:
        messages.success(
            request, f"Marked {marked} notification{'s' if marked != 1 else ''} as read."
        )
    else:
        messages.info(request, "Nothing unread.")
    return redirect("inbox")


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """Database and broker reachability for load balancers and monitoring (no data exposed)."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "error"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception:
        checks["broker"] = "error"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


# Error pages. Under /api/ every answer is JSON with a `detail`, errors included (the
# API's error model); elsewhere a page in the portal's layout.
def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def csrf_failure(request, reason=""):
    if _is_api(request):
        return JsonResponse({"detail": f"CSRF check failed: {reason}"}, status=403)
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


def bad_request(request, exception=None):
    if _is_api(request):
        return JsonResponse(
            {"detail": "Bad request: the body is too large or malformed."}, status=400
        )
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "Your role cannot open this page."
    if _is_api(request):
        return JsonResponse({"detail": message}, status=403)
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if _is_api(request):
        return JsonResponse(
            {"detail": "Server error. It has been logged; try again in a moment."}, status=500
        )
    # No context: whatever failed (the database, a context processor) is not asked again.
    return HttpResponseServerError(loader.get_template("500.html").render())
