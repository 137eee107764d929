"""Demo users, one per role. Every app adds its own demo content in `<app>/demo.py`."""

from .models import Team, User

DEMO_PASSWORD = "tandem-demo"  # noqa: S105 (documented demo login, never used in production)

DEMO_USERS = [
    # username, first, last, team, is_lead, region, what they show
    ("maria", "Maria", "Lopez", Team.MARKETING, True, "", "marketing lead"),
    ("mark", "Mark", "Ellis", Team.MARKETING, False, "", "marketer"),
    ("sally", "Sally", "Brooks", Team.SALES, True, "EMEA", "sales lead"),
    ("sam", "Sam", "Carter", Team.SALES, False, "EMEA", "sales rep"),
    ("sofia", "Sofia", "Nguyen", Team.SALES, False, "North America", "sales rep"),
    ("leo", "Leo", "Grant", Team.LEADERSHIP, False, "", "leadership"),
]

# Where the demo people work: SLA clocks count working hours in each owner's time zone.
DEMO_TIME_ZONES = {"sally": "Europe/Berlin", "sam": "Europe/London", "sofia": "America/New_York"}


def seed(context: dict) -> None:
    users = {}
    for username, first, last, team, is_lead, region, _ in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.com",
                "team": team,
                "is_lead": is_lead,
                "region": region,
                "timezone": DEMO_TIME_ZONES.get(username, "UTC"),
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users[username] = user
    admin, created = User.objects.get_or_create(
        username="admin",
        defaults={
            "first_name": "Ada",
            "last_name": "Admin",
            "email": "admin@example.com",
            "team": Team.LEADERSHIP,
            "is_staff": True,
            "is_superuser": True,
        },
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save(update_fields=["password"])
    users["admin"] = admin
    context["users"] = users


def logins_text() -> str:
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    for username, first, last, _, _, _, what in DEMO_USERS:
        lines.append(f"  {username:<7} {first} {last}, {what}")
    lines.append(f"  {'admin':<7} Django admin (/admin/)")
    return "\n".join(lines)
