"""Home page panels about campaigns, per role (composed by portal/dashboard)."""

from dataclasses import dataclass, field

from portal.permissions import MARKETING, SALES, Role, role_of

from .planning import selectors


@dataclass
class Panel:
    title: str
    icon: str
    campaigns: list
    empty: str
    testid: str
    template: str = "campaigns/_home_panel.html"
    show: str = "dates"  # or "owner" / "draft"
    extra: dict = field(default_factory=dict)


def panels_for(user) -> list[Panel]:
    role = role_of(user)
    launched = Panel(
        "Launched recently",
        "rocket-takeoff",
        selectors.launched_recently(),
        "Nothing launched in the last two weeks.",
        "launched-recently",
    )
    coming = Panel(
        "Coming up",
        "calendar-event",
        selectors.coming_up(),
        "No approved or scheduled campaigns in the next weeks.",
        "coming-up",
    )
    if role == Role.SALES_LEAD:
        review = Panel(
            "Waiting for your review",
            "hourglass-split",
            selectors.waiting_for_review(),
            "Nothing to review. Marketing's next submission will show up here.",
            "waiting-for-review",
            show="owner",
        )
        return [review, launched, coming]
    if role in SALES or role == Role.LEADERSHIP:
        return [launched, coming]
    if role in MARKETING:
        drafts = Panel(
            "Your drafts",
            "pencil-square",
            selectors.drafts_of(user),
            "No drafts. Plan a campaign and ask sales to review it.",
            "your-drafts",
            show="draft",
        )
        return [drafts, coming, launched]
    return []
