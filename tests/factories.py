"""Small factories for tests: plain functions, one per model, sensible defaults."""

import functools
import itertools

from django.contrib.auth.hashers import make_password

from portal.models import Team, User

_counter = itertools.count(1)

ROLE_ATTRS = {
    "marketer": {"team": Team.MARKETING, "is_lead": False},
    "marketing_lead": {"team": Team.MARKETING, "is_lead": True},
    "sales_rep": {"team": Team.SALES, "is_lead": False},
    "sales_lead": {"team": Team.SALES, "is_lead": True},
    "leadership": {"team": Team.LEADERSHIP, "is_lead": False},
}
ROLES = list(ROLE_ATTRS)
PASSWORD = "correct-horse-battery"


def make_user(role: str = "marketer", username: str | None = None, **extra) -> User:
    n = next(_counter)
    username = username or f"{role.replace('_', '')}{n}"
    fields = {
        **ROLE_ATTRS[role],
        "email": f"{username}@example.com",
        "first_name": role.split("_")[0].title(),
        "last_name": f"Person{n}",
        **extra,
    }
    user = User(username=username, password=_password_hash(), **fields)
    user.save()
    return user


@functools.cache
def _password_hash() -> str:
    # Hashing is deliberately slow; hash the shared test password once per run.
    return make_password(PASSWORD)


def make_campaign(owner=None, status: str = "draft", **fields):
    """A campaign already in `status` (written directly: the transitions are what tests exercise)."""
    from datetime import timedelta

    from django.utils import timezone

    from campaigns.models import Campaign

    n = next(_counter)
    defaults = {
        "name": f"Campaign {n}",
        "objective": "Book demos with operations leaders.",
        "brief": "Webinar series with a customer story.",
        "channels": ["webinar", "email"],
    }
    if status == "scheduled":
        defaults["launch_at"] = timezone.now() + timedelta(days=2)
    if status in {"live", "completed"}:
        defaults["launched_at"] = timezone.now() - timedelta(days=1)
    return Campaign.objects.create(
        owner=owner or make_user("marketer"), status=status, **{**defaults, **fields}
    )


def make_persona(owner=None, **fields):
    from personas.models import Persona

    n = next(_counter)
    return Persona.objects.create(
        owner=owner or make_user("marketer"), **{"name": f"Persona {n}", **fields}
    )


def pdf_upload(name: str = "deck.pdf", title: str = "Deck"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from campaigns.demo import minimal_pdf

    return SimpleUploadedFile(
        name, minimal_pdf(title, ["Line one"]), content_type="application/pdf"
    )


def make_asset(owner=None, status: str = "published", **fields):
    """An asset through the service (so search documents and versions are real)."""
    from campaigns.messaging import services

    owner = owner or make_user("marketer")
    upload = None if fields.get("url") else fields.pop("file", None) or pdf_upload()
    asset = services.create_asset(
        by=owner, **{"title": f"Asset {next(_counter)}", "kind": "deck", **fields}, file=upload
    )
    if status in {"published", "retired"}:
        services.set_asset_status(asset, by=owner, status="published")
    if status == "retired":
        services.set_asset_status(asset, by=owner, status="retired")
    asset.refresh_from_db()
    return asset


def make_lead(**fields):
    """A lead written directly (tests of the services create leads through ingest instead)."""
    from leads.models import Lead

    n = next(_counter)
    email = fields.pop("email", f"lead{n}@acme{n}.example")
    fields = {"first_name": "Lee", "last_name": f"Lead{n}", **fields}
    return Lead.objects.create(email=email, email_domain=email.split("@")[1], **fields)


def make_mql(owner, **fields):
    """A lead already handed to `owner`, with SLA due times from now."""
    from django.utils import timezone

    from leads.services.sla import active_policy, due_times

    return make_lead(
        stage="mql",
        owner=owner,
        mql_at=timezone.now(),
        **due_times(timezone.now(), active_policy(), owner),
        **fields,
    )
