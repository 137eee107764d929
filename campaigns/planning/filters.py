"""The campaign list's filters, declared once for /campaigns/ and GET /api/campaigns/."""

import django_filters
from django.db.models import Q, QuerySet

from portal.filters import FilterSet, PersonFilter
from portal.models import Team, User

from ..models import Campaign, CampaignStatus


class CampaignFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=CampaignStatus.choices, empty_label="Any status")
    owner = PersonFilter(help_text="A user id, or me")
    q = django_filters.CharFilter(
        method="search", max_length=100, label="Search", help_text="Name, objective and brief"
    )

    class Meta(FilterSet.Meta):
        model = Campaign
        fields = ["status", "owner", "q"]

    def search(self, campaigns: QuerySet[Campaign], name: str, text: str) -> QuerySet[Campaign]:
        return campaigns.filter(
            Q(name__icontains=text) | Q(objective__icontains=text) | Q(brief__icontains=text)
        )

    @property
    def owner_choices(self) -> QuerySet[User]:
        """The people the page offers as owners (any id is accepted)."""
        return User.objects.in_team(Team.MARKETING).order_by("first_name", "last_name")
