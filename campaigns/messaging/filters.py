"""Messaging's list filters, declared once for the pages and the API.

AssetFilter: the collateral library (/collateral/, GET /api/assets/).
TalkingPointFilter: talking points (/collateral/talking-points/, GET /api/talking-points/).
FieldInsightFilter: GET /api/field-insights/ (the insights page groups them by kind).
"""

import django_filters
from django.db.models import F, QuerySet

from personas.models import Persona
from portal.filters import CheckboxFilter, FilterSet
from portal.forms import Form

from ..models import (
    Asset,
    AssetKind,
    AssetStatus,
    Campaign,
    FieldInsight,
    FunnelStage,
    InsightKind,
    TalkingPoint,
    TalkingPointKind,
)
from .selectors import search_assets

LIBRARY_SORTS = {"relevance": "Most relevant", "newest": "Newest", "most_used": "Most used"}
LIBRARY_ORDER = {
    "newest": [F("published_at").desc(nulls_last=True), "-created_at", "-id"],
    "most_used": ["-use_count", "-published_at", "-id"],
}


class AssetFilter(FilterSet):
    """Current material unless include_stale; a search ranks by relevance unless another sort
    is chosen. Bind it even to an empty query: that still hides stale material."""

    q = django_filters.CharFilter(
        method="search",
        max_length=200,
        label="Search",
        help_text="Full text over title, description and tags",
    )
    kind = django_filters.ChoiceFilter(choices=AssetKind.choices, empty_label="Any kind")
    stage = django_filters.ChoiceFilter(choices=FunnelStage.choices, empty_label="Any stage")
    persona = django_filters.ModelChoiceFilter(
        field_name="personas", queryset=Persona.objects.order_by("name"), empty_label="Any persona"
    )
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.order_by("name"), empty_label="Any campaign"
    )
    tag = django_filters.CharFilter(method="tagged", max_length=40)
    status = django_filters.ChoiceFilter(choices=AssetStatus.choices, empty_label="Any status")
    include_stale = CheckboxFilter(
        method="current_unless_stale_asked",
        label="Include stale",
        help_text="Stale: review date passed or flagged outdated",
    )
    mine = CheckboxFilter(method="only_mine", label="Mine only")
    # Last: it orders what the filters above (and a search's rank) left.
    sort = django_filters.ChoiceFilter(
        choices=list(LIBRARY_SORTS.items()),
        method="sort_by",
        empty_label=None,
        help_text="relevance (the default when searching), newest or most_used",
    )

    class Meta(FilterSet.Meta):
        model = Asset
        fields = [
            "q",
            "kind",
            "stage",
            "persona",
            "campaign",
            "tag",
            "status",
            "include_stale",
            "mine",
            "sort",
        ]

    def search(self, assets: QuerySet[Asset], name: str, text: str) -> QuerySet[Asset]:
        return search_assets(assets, text).order_by("-rank", "-published_at", "-id")

    def tagged(self, assets: QuerySet[Asset], name: str, tag: str) -> QuerySet[Asset]:
        return assets.filter(tags__name=tag.lower())

    def current_unless_stale_asked(self, assets, name: str, include_stale: bool):
        return assets if include_stale else assets.current()

    def only_mine(self, assets: QuerySet[Asset], name: str, mine: bool) -> QuerySet[Asset]:
        return assets.filter(owner=self.request.user) if mine else assets

    def sort_by(self, assets: QuerySet[Asset], name: str, sort: str) -> QuerySet[Asset]:
        if sort == "relevance":  # ranked by the search, or newest first without one
            return assets
        return assets.order_by(*LIBRARY_ORDER[sort])

    @property
    def chosen(self) -> dict:
        """What the page shows as chosen: the valid values, with the sort in effect."""
        chosen = dict(self.form.cleaned_data) if self.is_valid() else {}
        chosen["sort"] = chosen.get("sort") or ("relevance" if chosen.get("q") else "newest")
        return chosen


class TalkingPointFilterForm(Form):
    def clean(self):
        data = super().clean()
        if data.get("company_wide") and (data.get("campaign") or data.get("persona")):
            self.add_error(
                "company_wide",
                "Company-wide points have no campaign or persona: choose one or the other.",
            )
        return data


class TalkingPointFilter(FilterSet):
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.order_by("name"), empty_label="Any campaign"
    )
    persona = django_filters.ModelChoiceFilter(
        queryset=Persona.objects.order_by("name"), empty_label="Any persona"
    )
    company_wide = CheckboxFilter(
        method="only_company_wide",
        label="Company-wide",
        help_text="Only points with neither a campaign nor a persona",
    )
    kind = django_filters.ChoiceFilter(choices=TalkingPointKind.choices, empty_label="Any kind")
    stage = django_filters.ChoiceFilter(choices=FunnelStage.choices, empty_label="Any stage")

    class Meta(FilterSet.Meta):
        model = TalkingPoint
        form = TalkingPointFilterForm
        fields = ["campaign", "persona", "company_wide", "kind", "stage"]

    def only_company_wide(self, points: QuerySet[TalkingPoint], name: str, on: bool):
        return points.filter(campaign__isnull=True, persona__isnull=True) if on else points


class FieldInsightFilter(FilterSet):
    kind = django_filters.ChoiceFilter(choices=InsightKind.choices, empty_label="Any kind")

    class Meta(FilterSet.Meta):
        model = FieldInsight
        fields = ["kind"]
