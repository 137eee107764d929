from django.shortcuts import render

from campaigns import home as campaign_home
from portal import selectors
from portal.permissions import rule_required


@rule_required("view_portal")
def home(request):
    recent = list(selectors.inbox_for(request.user, unread_only=True)[:5])
    panels = campaign_home.panels_for(request.user)
    return render(request, "portal/home.html", {"recent_notifications": recent, "panels": panels})


def coming_soon(section: str, blurb: str):
    @rule_required("view_portal")
    def view(request):
        return render(request, "portal/coming_soon.html", {"section": section, "blurb": blurb})

    return view
