"""Reads for the collateral library, talking points, call sheets and field insights."""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from portal.models import Team, User
from portal.permissions import SALES, role_of

from ..models import (
    Asset,
    AssetStatus,
    AssetUsage,
    AssetVersion,
    CampaignStatus,
    FieldInsight,
    OutdatedFlag,
    TalkingPoint,
    TalkingPointKind,
    UsageAction,
)


def visible_assets(user: User) -> QuerySet[Asset]:
    """Sales sees only published collateral; marketing and leadership see everything."""
    assets = Asset.objects.all()
    if role_of(user) in SALES:
        assets = assets.filter(status=AssetStatus.PUBLISHED)
    return assets


def library(user: User) -> QuerySet[Asset]:
    """The collateral library as `user` may see it, newest first (messaging.filters.AssetFilter
    hides stale material, searches and sorts it).

    A constant number of queries at any size: counts and ratings are denormalised on
    Asset, and the page prefetches only tags.
    """
    return (
        visible_assets(user)
        .select_related("campaign")
        .prefetch_related("tags")
        .order_by(F("published_at").desc(nulls_last=True), "-created_at", "-id")
    )


def search_assets(assets: QuerySet[Asset], text: str) -> QuerySet[Asset]:
    """The assets matching `text`, annotated with `rank` (higher: more relevant).

    PostgreSQL: full text (stemmed, weighted title > tags > description, GIN-indexed).
    SQLite (the embedded default): every word must start a word somewhere ("roi" finds "ROI
    calculator", not "Heroic"); titles that contain the words rank first. There is no
    stemming there: ranking as people expect it needs PostgreSQL.
    """
    text = text.strip()
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config="english")
        return assets.filter(search_document=query).annotate(
            rank=SearchRank(F("search_document"), query)
        )
    for word in text.split()[:8]:
        starts_a_word = rf"\b{re.escape(word)}"
        assets = assets.filter(
            Q(title__iregex=starts_a_word)
            | Q(description__iregex=starts_a_word)
            | Q(tags_text__iregex=starts_a_word)
        )
    rank = Case(
        When(title__icontains=text, then=Value(2)), default=Value(1), output_field=IntegerField()
    )
    return assets.annotate(rank=rank)


def asset_detail(user: User, pk: int) -> Asset:
    return (
        visible_assets(user)
        .select_related("owner", "campaign")
        .prefetch_related(
            "tags",
            "personas",
            Prefetch("versions", queryset=AssetVersion.objects.select_related("uploaded_by")),
            Prefetch(
                "outdated_flags",
                queryset=OutdatedFlag.objects.filter(resolved_at__isnull=True).select_related(
                    "user"
                ),
                to_attr="open_flag_list",
            ),
        )
        .get(pk=pk)
    )


def usage_by_person(asset: Asset) -> list[dict]:
    """Who used this asset and how often (marketing's view)."""
    return list(
        AssetUsage.objects.filter(asset=asset)
        .values("user__id", "user__first_name", "user__last_name", "user__username", "user__team")
        .annotate(
            views=Count("id", filter=Q(action=UsageAction.VIEW)),
            downloads=Count("id", filter=Q(action=UsageAction.DOWNLOAD)),
            last_used=Max("created_at"),
        )
        .order_by("-last_used")
    )


def most_used_this_month(limit: int = 10, *, now=None) -> list[Asset]:
    now = now or timezone.now()
    start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return list(
        Asset.objects.annotate(
            month_uses=Count(
                "usage", filter=Q(usage__created_at__gte=start, usage__user__team=Team.SALES)
            )
        )
        .filter(month_uses__gt=0)
        .order_by("-month_uses", "title")[:limit]
    )


def most_used_between(start, end, limit: int = 10) -> list[Asset]:
    """Assets sales opened or downloaded most in [start, end), with `uses` and `users`."""
    in_period = Q(
        usage__created_at__gte=start, usage__created_at__lt=end, usage__user__team=Team.SALES
    )
    return list(
        Asset.objects.annotate(
            uses=Count("usage", filter=in_period),
            users=Count("usage__user", filter=in_period, distinct=True),
        )
        .filter(uses__gt=0)
        .order_by("-uses", "title")[:limit]
    )


def collateral_health(today=None) -> dict[str, int]:
    """Published assets: how many, how many stale, how many no rep has ever opened."""
    used_by_sales = AssetUsage.objects.filter(asset=OuterRef("pk"), user__team=Team.SALES)
    published = Asset.objects.filter(status=AssetStatus.PUBLISHED)
    return {
        "published": published.count(),
        "stale": published.stale(today).count(),
        "never_used": published.exclude(Exists(used_by_sales)).count(),
    }


def never_used(limit: int = 50) -> list[Asset]:
    """Published, and no sales rep has ever opened or downloaded it."""
    used_by_sales = AssetUsage.objects.filter(asset=OuterRef("pk"), user__team=Team.SALES)
    return list(
        Asset.objects.filter(status=AssetStatus.PUBLISHED)
        .exclude(Exists(used_by_sales))
        .select_related("owner")
        .order_by("published_at")[:limit]
    )


def talking_points(*, campaign=None, persona=None) -> QuerySet[TalkingPoint]:
    """Talking points in their order (of one campaign and/or persona when given); the list
    page and the API filter them with messaging.filters.TalkingPointFilter."""
    points = TalkingPoint.objects.select_related("campaign", "persona")
    if campaign is not None:
        points = points.filter(campaign=campaign)
    if persona is not None:
        points = points.filter(persona=persona)
    # Company-wide points (neither) after the others, on PostgreSQL and SQLite alike.
    return points.order_by(
        F("campaign_id").asc(nulls_last=True),
        F("persona_id").asc(nulls_last=True),
        "position",
        "id",
    )


def campaign_collateral(campaign, user: User) -> list[Asset]:
    return list(
        visible_assets(user)
        .filter(campaign=campaign)
        .prefetch_related("tags")
        .order_by("-published_at")
    )


@dataclass
class CallSheet:
    persona: object
    messages: list[TalkingPoint]
    objections: list[TalkingPoint]
    collateral: list[Asset]


# A campaign's talking points reach call sheets once sales signed it off, until it is over.
SIGNED_OFF = (CampaignStatus.APPROVED, CampaignStatus.SCHEDULED, CampaignStatus.LIVE)
COMPANY_WIDE = Q(campaign__isnull=True, persona__isnull=True)


def call_sheet(persona, user: User) -> CallSheet:
    """One page a rep prints before a call: what to say, what they will object, what to send.

    The persona's own points come first, then the company-wide ones (every call sheet
    has those; the page labels them)."""
    for_persona = Q(persona=persona) & (
        Q(campaign__isnull=True) | Q(campaign__status__in=SIGNED_OFF)
    )
    points = list(
        TalkingPoint.objects.filter(for_persona | COMPANY_WIDE)
        .select_related("campaign")
        .order_by(F("persona_id").asc(nulls_last=True), "position", "id")
    )
    collateral = list(
        visible_assets(user)
        .filter(status=AssetStatus.PUBLISHED, personas=persona)
        .current()
        .order_by(F("rating_avg").desc(nulls_last=True), "-use_count", "-published_at")[:6]
    )
    return CallSheet(
        persona=persona,
        messages=[p for p in points if p.kind != TalkingPointKind.OBJECTION],
        objections=[p for p in points if p.kind == TalkingPointKind.OBJECTION],
        collateral=collateral,
    )


def insight_groups(
    *, kind: str = "", persona=None, answered: bool | None = None, between=None
) -> list[dict]:
    """Identical field insights counted together, most reported first (optionally in [start, end))."""
    insights = FieldInsight.objects.all()
    if between is not None:
        insights = insights.filter(created_at__gte=between[0], created_at__lt=between[1])
    if kind:
        insights = insights.filter(kind=kind)
    if persona is not None:
        insights = insights.filter(persona=persona)
    if answered is not None:
        insights = insights.filter(answer__isnull=not answered)
    groups = list(
        insights.values("group_key", "kind", "persona_id", "persona__name")
        .annotate(
            reports=Count("id"),
            reporters=Count("author", distinct=True),
            first_id=Min("id"),
            text=Min("text"),
            competitor=Max("competitor"),
            last_heard=Max("created_at"),
            answer_id=Max("answer_id"),
        )
        .order_by("-reports", "-last_heard")
    )
    answers = TalkingPoint.objects.in_bulk([g["answer_id"] for g in groups if g["answer_id"]])
    for group in groups:
        group["answer"] = answers.get(group["answer_id"])
    return groups
