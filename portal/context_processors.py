from django.conf import settings

from . import selectors
from .permissions import UserCan, role_of


def tandem(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"product_name": settings.SITE_NAME}
    match = request.resolver_match
    return {
        # Not "site_name": Django's login view sets that to the request's host name.
        "product_name": settings.SITE_NAME,
        # Which navigation item is current: the app namespace, or the page name in the core.
        "nav_section": (match.namespace or match.url_name) if match else "",
        "can": UserCan(user),
        "role": role_of(user),
        # Lazy: only costs a query on pages that render the navigation.
        "unread_count": lambda: selectors.unread_count(user),
    }
