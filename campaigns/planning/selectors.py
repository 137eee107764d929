"""Campaign reads shared by pages, the API, the home page and the launch notification."""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from portal.models import User
from portal.periods import day_label

from ..models import (
    CAMPAIGN_FLOW,
    AssetStatus,
    Campaign,
    CampaignComment,
    CampaignReview,
    CampaignStatus,
    CampaignTransition,
    TalkingPointKind,
)

S = CampaignStatus
# Coming up: signed off by sales and not live yet, i.e. what may launch.
UPCOMING = CAMPAIGN_FLOW.step("launch").sources


def campaign_list() -> QuerySet[Campaign]:
    """The list the page and the API show (filtered by planning.filters.CampaignFilter),
    latest change first, ready to render in constant queries."""
    return (
        Campaign.objects.select_related("owner")
        .prefetch_related("personas")
        .order_by("-updated_at", "-id")
    )


def campaign_detail(pk: int) -> Campaign:
    return (
        Campaign.objects.select_related("owner")
        .prefetch_related(
            "personas",
            Prefetch("transitions", queryset=CampaignTransition.objects.select_related("by")),
            Prefetch("reviews", queryset=CampaignReview.objects.select_related("reviewer")),
            Prefetch("comments", queryset=CampaignComment.objects.select_related("author")),
        )
        .get(pk=pk)
    )


def status_counts() -> dict[str, int]:
    counts = dict(Campaign.objects.values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in S.values}


@dataclass
class Briefing:
    """What sales is told when a campaign goes live."""

    text: str
    talking_points: list = field(default_factory=list)
    assets: list = field(default_factory=list)


def launch_briefing(campaign: Campaign) -> Briefing:
    """What every sales rep reads when the campaign goes live: the story, what to say, what to send."""
    lines = []
    if campaign.objective:
        lines.append(f"Objective: {campaign.objective.strip()}")
    if campaign.brief:
        brief = campaign.brief.strip()
        lines.append(brief if len(brief) <= 1500 else brief[:1500].rsplit(" ", 1)[0] + "…")
    points = list(
        campaign.talking_points.exclude(kind=TalkingPointKind.OBJECTION).order_by("position", "id")[
            :5
        ]
    )
    if points:
        lines.append("Key talking points:\n" + "\n".join(f"• {point.title}" for point in points))
    assets = list(
        campaign.assets.filter(status=AssetStatus.PUBLISHED).order_by("-published_at", "-id")[:5]
    )
    if assets:
        lines.append(
            "Collateral:\n"
            + "\n".join(
                f"• {asset.title}: {settings.SITE_URL}{asset.get_absolute_url()}"
                for asset in assets
            )
        )
    facts = []
    if campaign.starts_on or campaign.ends_on:
        start = day_label(campaign.starts_on) if campaign.starts_on else "…"
        end = day_label(campaign.ends_on) if campaign.ends_on else "…"
        facts.append(f"Runs {start} to {end}")
    if campaign.channels:
        facts.append(f"Channels: {', '.join(campaign.channel_labels)}")
    personas = ", ".join(p.name for p in campaign.personas.all())
    if personas:
        facts.append(f"For: {personas}")
    if facts:
        lines.append(" · ".join(facts))
    return Briefing(text="\n\n".join(lines), talking_points=points, assets=assets)


# --- Home page ------------------------------------------------------------------------
def launched_recently(days: int = 14, limit: int = 6) -> list[Campaign]:
    since = timezone.now() - timedelta(days=days)
    return list(
        Campaign.objects.filter(status=S.LIVE, launched_at__gte=since)
        .select_related("owner")
        .order_by("-launched_at")[:limit]
    )


def coming_up(days: int = 45, limit: int = 6) -> list[Campaign]:
    today = timezone.localdate()
    horizon = today + timedelta(days=days)
    return list(
        Campaign.objects.filter(status__in=UPCOMING)
        .filter(Q(launch_at__date__lte=horizon) | Q(launch_at__isnull=True, starts_on__lte=horizon))
        .select_related("owner")
        .order_by("launch_at", "starts_on", "pk")[:limit]
    )


def waiting_for_review(limit: int = 10) -> list[Campaign]:
    return list(
        Campaign.objects.filter(status=S.IN_REVIEW)
        .select_related("owner")
        .order_by("updated_at")[:limit]
    )


def drafts_of(user: User, limit: int = 10) -> list[Campaign]:
    """The user's drafts, each marked when its last review asked for changes."""
    drafts = list(
        Campaign.objects.filter(owner=user, status=S.DRAFT)
        .annotate(changes_requested=Count("reviews", filter=Q(reviews__decision="request_changes")))
        .order_by("-updated_at")[:limit]
    )
    return drafts


# --- Calendar -------------------------------------------------------------------------
@dataclass
class CalendarBar:
    campaign: Campaign
    start_col: int  # 1..7 within the week
    span: int
    continues_before: bool
    continues_after: bool
    launch_col: int | None  # the day the campaign launches (or launched), within this week


@dataclass
class CalendarWeek:
    days: list[date]
    bars: list[CalendarBar]
    launches: dict[date, list[Campaign]]


def month_calendar(year: int, month: int) -> list[CalendarWeek]:
    """Weeks (Monday first) of a month, each with the campaigns running in it as bars."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks[0][0], weeks[-1][-1]
    campaigns = list(
        Campaign.objects.exclude(status=S.CANCELLED)
        .filter(Q(starts_on__lte=last) | Q(starts_on__isnull=True, launch_at__date__lte=last))
        .filter(Q(ends_on__gte=first) | Q(ends_on__isnull=True))
        .filter(Q(starts_on__isnull=False) | Q(launch_at__isnull=False))
        .select_related("owner")
        .order_by("starts_on", "launch_at", "pk")
    )
    result = []
    for days in weeks:
        week_start, week_end = days[0], days[-1]
        bars = []
        launches: dict[date, list[Campaign]] = {}
        for campaign in campaigns:
            launch_time = campaign.launched_at or campaign.launch_at
            launch_day = timezone.localtime(launch_time).date() if launch_time else None
            if launch_day and week_start <= launch_day <= week_end:
                launches.setdefault(launch_day, []).append(campaign)
            start = campaign.starts_on or launch_day
            end = campaign.ends_on or max(start, launch_day or start)
            if start is None or end < week_start or start > week_end:
                continue
            shown_start, shown_end = max(start, week_start), min(end, week_end)
            bars.append(
                CalendarBar(
                    campaign=campaign,
                    start_col=(shown_start - week_start).days + 1,
                    span=(shown_end - shown_start).days + 1,
                    continues_before=start < week_start,
                    continues_after=end > week_end,
                    launch_col=(launch_day - week_start).days + 1
                    if launch_day in launches
                    else None,
                )
            )
        result.append(CalendarWeek(days=days, bars=bars, launches=launches))
    return result
