"""Every URL the project routes, checked for every role.

`test_every_route_has_an_expectation` walks the URL resolver and fails on any named
route missing from MATRIX, so a new endpoint cannot ship without saying who may use it.
Feature apps add their routes here as they land. Statuses: pages send anonymous
visitors to login (302), the API answers 401; a role that may not act gets 403, and
an object outside the user's scope is 404.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal import services
from portal.models import Notification
from tests.conftest import api_for, client_for
from tests.factories import ROLES, make_user

ANON = "anonymous"
ALL_ROLES = [ANON, *ROLES]


def statuses(anonymous: int, default: int, **per_role: int) -> dict[str, int]:
    return {ANON: anonymous, **{role: per_role.get(role, default) for role in ROLES}}


PAGE_FOR_EVERYONE = statuses(302, 200)
API_FOR_EVERYONE = statuses(401, 200)
MARKETING_PAGE = statuses(302, 403, marketer=200, marketing_lead=200)
MARKETING_REDIRECT = statuses(302, 403, marketer=302, marketing_lead=302)
SALES_LEAD_REDIRECT = statuses(302, 403, sales_lead=302)
MARKETING_API = statuses(401, 403, marketer=200, marketing_lead=200)
MARKETING_API_CREATE = statuses(401, 403, marketer=201, marketing_lead=201)
EDITOR_PAGE = statuses(302, 200, leadership=403)
WORKER_REDIRECT = statuses(302, 403, sales_rep=302, sales_lead=302)
SCORING_PAGE = statuses(302, 403, marketer=200, marketing_lead=200, sales_lead=200)
SCORING_REDIRECT = statuses(302, 403, marketer=302, marketing_lead=302, sales_lead=302)
EDITOR_REDIRECT = statuses(302, 302, leadership=403)


@dataclass
class World:
    """Objects the checks point at, built once per test."""

    users: dict
    objects: dict = field(default_factory=dict)


@dataclass
class Check:
    method: str
    expect: dict[str, int]
    kwargs: Callable[[World, object], dict] | None = None
    data: Callable[[World, object], dict] | None = None
    api: bool = False
    settings: dict | None = None


# Company sign-in set up, with the provider's endpoints given (nothing is fetched).
COMPANY_SIGN_IN = {
    "OIDC_ISSUER": "https://login.corp.example",
    "OIDC_CLIENT_ID": "tandem",
    "OIDC_CLIENT_SECRET": "secret",
    "OIDC_TEAM_GROUPS": "sales=tandem-sales",
    "OIDC_AUTHORIZATION_ENDPOINT": "https://login.corp.example/authorize",
    "OIDC_TOKEN_ENDPOINT": "https://login.corp.example/token",
    "OIDC_USERINFO_ENDPOINT": "https://login.corp.example/userinfo",
    "OIDC_JWKS_URI": "https://login.corp.example/jwks",
}


def own_notification(world: World, user) -> dict:
    """A notification belonging to the requester (or to someone, for anonymous)."""
    recipient = user or world.users["marketer"]
    services.notify(
        [recipient], kind="test", title="Hi", url="/", dedupe_key=f"matrix:{recipient.pk}"
    )
    return {
        "pk": Notification.objects.get(recipient=recipient, dedupe_key=f"matrix:{recipient.pk}").pk
    }


def others_notification(world: World, user) -> dict:
    stranger = world.objects.setdefault("stranger", make_user("sales_rep"))
    services.notify([stranger], kind="test", title="Hi", dedupe_key="matrix:stranger")
    return {"pk": Notification.objects.get(recipient=stranger, dedupe_key="matrix:stranger").pk}


def campaign_in(status: str):
    def kwargs(world: World, user) -> dict:
        from tests.factories import make_campaign

        return {"pk": make_campaign(owner=world.users["marketer"], status=status).pk}

    return kwargs


def asset_in(status: str):
    def kwargs(world: World, user) -> dict:
        from tests.factories import make_asset

        return {"pk": make_asset(owner=world.users["marketer"], status=status).pk}

    return kwargs


def persona_for(world: World):
    from tests.factories import make_persona

    if "persona" not in world.objects:
        world.objects["persona"] = make_persona(owner=world.users["marketer"])
    return world.objects["persona"]


def talking_point(world: World, user) -> dict:
    from campaigns.models import TalkingPoint

    point = TalkingPoint.objects.create(
        persona=persona_for(world), kind="key_message", title="Fast"
    )
    return {"pk": point.pk}


def insight(world: World, user) -> dict:
    from campaigns.messaging import services as campaign_services

    point = campaign_services.record_insight(
        by=world.users["sales_rep"], kind="question", text="Offline?", persona=persona_for(world)
    )
    return {"pk": point.pk}


def proposed_target(world: World, user) -> dict:
    from datetime import date

    from portal import services as core

    target = core.propose_targets(
        by=world.users["marketing_lead"], period_start=date(2027, 1, 1), period_end=date(2027, 3, 31),
        new_leads=1, mqls=1, accepted=1, sqls=1, pipeline_amount=1, won_amount=1,
    )  # fmt: skip
    return {"pk": target.pk}


def persona_pk(world: World, user) -> dict:
    if "persona_pk" not in world.objects:
        from personas import services as persona_services

        world.objects["persona_pk"] = persona_services.create_persona(
            by=world.users["marketer"], name="Ops"
        ).pk
    return {"pk": world.objects["persona_pk"]}


def persona_comment(world: World, user) -> dict:
    from personas import services as persona_services
    from personas.models import Persona

    persona = Persona.objects.get(pk=persona_pk(world, user)["pk"])
    return {
        "comment_pk": persona_services.add_comment(
            persona, by=world.users["marketer"], section="goals", body="x"
        ).pk
    }


def segment_pk(world: World, user) -> dict:
    from personas.models import IcpSegment

    return {
        "pk": IcpSegment.objects.create(
            name=f"Segment {IcpSegment.objects.count()}", owner=world.users["marketer"]
        ).pk
    }


def rep_mql(world: World, user) -> dict:
    """An MQL owned by the matrix's sales rep (so the rep may work it)."""
    if "lead_pk" not in world.objects:
        from tests.factories import make_mql

        world.objects["lead_pk"] = make_mql(world.users["sales_rep"]).pk
    return {"pk": world.objects["lead_pk"]}


def colleague_mql(world: World, user) -> dict:
    """An MQL owned by another rep: the matrix's rep may read it but not act on it."""
    if "colleague_lead_pk" not in world.objects:
        from tests.factories import make_mql

        world.objects["colleague_lead_pk"] = make_mql(make_user("sales_rep")).pk
    return {"pk": world.objects["colleague_lead_pk"]}


def import_job(world: World, user) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from leads import imports

    upload = SimpleUploadedFile("l.csv", b"email\na@x.example\n")
    return {"pk": imports.create_job(upload=upload, by=world.users["marketer"]).pk}


def rescore_job(world: World, user) -> dict:
    from leads.models import RescoreJob

    return {"pk": RescoreJob.objects.create(reason="rescored after a rule change").pk}


def scoring_rule(world: World, user) -> dict:
    from leads.models import ScoringRule

    return {
        "pk": ScoringRule.objects.create(
            name="W", kind="engagement", event_kind="webinar", points=5
        ).pk
    }


def proposed_sla(world: World, user) -> dict:
    from leads.services import sla

    return {
        "pk": sla.propose_sla(
            by=world.users["sales_lead"], accept_within_hours=3, contact_within_hours=20
        ).pk
    }


def away_period_of(who: str):
    """An out-of-office period of the world's sales rep ('rep') or of another rep ('other')."""

    def kwargs(world: World, user) -> dict:
        from datetime import timedelta

        from django.utils import timezone

        from leads.models import AwayPeriod

        person = world.users["sales_rep"] if who == "rep" else make_user("sales_rep")
        now = timezone.now()
        period = AwayPeriod.objects.create(
            user=person, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=2)
        )
        return {"pk": period.pk}

    return kwargs


def away_rep(world: World, user) -> dict:
    """A rep out of office now, with a lead waiting on them."""
    from datetime import timedelta

    from django.utils import timezone

    from leads.models import AwayPeriod
    from tests.factories import make_mql

    person = make_user("sales_rep")
    make_mql(person)
    now = timezone.now()
    AwayPeriod.objects.create(user=person, starts_at=now, ends_at=now + timedelta(days=2))
    return {"user_pk": person.pk}


def the_rep(world: World, user) -> dict:
    return {"user_pk": world.users["sales_rep"].pk}


def days_away(world: World, user) -> dict:
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    return {"starts_at": str(today), "ends_at": str(today + timedelta(days=3))}


def moments_away(world: World, user) -> dict:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    return {"starts_at": now.isoformat(), "ends_at": (now + timedelta(days=3)).isoformat()}


SALES_REDIRECT = statuses(302, 403, sales_rep=302, sales_lead=302)


def missing(world: World, user) -> dict:
    return {"pk": 999_999}


MATRIX: dict[str, list[Check]] = {
    # Core pages
    "home": [Check("get", PAGE_FOR_EVERYONE)],
    "healthz": [Check("get", statuses(200, 200))],  # public by design: load balancers, no data
    "login": [Check("get", statuses(200, 302))],  # signed-in people are sent home
    "logout": [Check("post", statuses(302, 302))],
    # Company sign-in: a 404 until it is set up; then off to the provider (signed-in
    # people go home), and a callback without the state it started is a 400 page.
    "company_sign_in": [
        Check("get", statuses(404, 404)),
        Check("get", statuses(302, 302), settings=COMPANY_SIGN_IN),
    ],
    "company_sign_in_callback": [
        Check("get", statuses(404, 404)),
        Check("get", statuses(400, 400), settings=COMPANY_SIGN_IN),
    ],
    "account": [Check("get", PAGE_FOR_EVERYONE)],
    "password_change": [Check("get", PAGE_FOR_EVERYONE)],
    "revoke_api_token": [Check("post", statuses(302, 302))],
    "inbox": [Check("get", PAGE_FOR_EVERYONE)],
    "inbox_read_all": [Check("post", statuses(302, 302))],
    "notification_open": [
        Check("get", statuses(302, 302), kwargs=own_notification),
        Check("get", statuses(302, 404), kwargs=others_notification),
    ],
    "notification_read": [
        Check("post", statuses(302, 302), kwargs=own_notification),
        Check("post", statuses(302, 404), kwargs=others_notification),
    ],
    # Campaigns: marketing plans, sales leads review, both teams comment, leadership reads
    "campaigns:index": [Check("get", PAGE_FOR_EVERYONE)],
    "campaigns:calendar": [Check("get", PAGE_FOR_EVERYONE)],
    "campaigns:create": [Check("get", MARKETING_PAGE)],
    "campaigns:detail": [
        Check("get", PAGE_FOR_EVERYONE, kwargs=campaign_in("draft")),
        Check("get", statuses(302, 404), kwargs=missing),
    ],
    "campaigns:edit": [Check("get", MARKETING_PAGE, kwargs=campaign_in("draft"))],
    "campaigns:delete": [Check("post", MARKETING_REDIRECT, kwargs=campaign_in("draft"))],
    "campaigns:submit": [Check("post", MARKETING_REDIRECT, kwargs=campaign_in("draft"))],
    "campaigns:review": [
        Check(
            "post",
            SALES_LEAD_REDIRECT,
            kwargs=campaign_in("in_review"),
            data=lambda w, u: {"decision": "approve"},
        )
    ],
    "campaigns:schedule": [
        Check(
            "post",
            MARKETING_REDIRECT,
            kwargs=campaign_in("approved"),
            data=lambda w, u: {"launch_at": "2099-01-01T10:00"},
        )
    ],
    "campaigns:launch": [Check("post", MARKETING_REDIRECT, kwargs=campaign_in("approved"))],
    "campaigns:complete": [Check("post", MARKETING_REDIRECT, kwargs=campaign_in("live"))],
    "campaigns:cancel": [Check("post", MARKETING_REDIRECT, kwargs=campaign_in("approved"))],
    "campaigns:comment": [
        Check(
            "post",
            statuses(302, 302, leadership=403),
            kwargs=campaign_in("draft"),
            data=lambda w, u: {"body": "Hi"},
        )
    ],
    # Collateral: marketing publishes, both teams give feedback, sales records insights
    "collateral:index": [Check("get", PAGE_FOR_EVERYONE)],
    "collateral:create": [Check("get", MARKETING_PAGE)],
    "collateral:analytics": [
        Check("get", statuses(302, 403, marketer=200, marketing_lead=200, leadership=200))
    ],
    "collateral:detail": [
        Check("get", PAGE_FOR_EVERYONE, kwargs=asset_in("published")),
        Check("get", statuses(302, 200, sales_rep=404, sales_lead=404), kwargs=asset_in("draft")),
    ],
    "collateral:edit": [Check("get", MARKETING_PAGE, kwargs=asset_in("draft"))],
    "collateral:status": [
        Check(
            "post",
            MARKETING_REDIRECT,
            kwargs=asset_in("draft"),
            data=lambda w, u: {"status": "published"},
        )
    ],
    "collateral:add_version": [
        Check(
            "post",
            statuses(302, 403, marketer=400, marketing_lead=400),
            kwargs=asset_in("published"),
        )
    ],
    "collateral:feedback": [
        Check(
            "post",
            statuses(302, 302, leadership=403),
            kwargs=asset_in("published"),
            data=lambda w, u: {"rating": "4"},
        )
    ],
    "collateral:delete": [Check("post", MARKETING_REDIRECT, kwargs=asset_in("draft"))],
    "collateral:download": [Check("get", PAGE_FOR_EVERYONE, kwargs=asset_in("published"))],
    "collateral:download_version": [
        Check(
            "get",
            PAGE_FOR_EVERYONE,
            kwargs=lambda w, u: {**asset_in("published")(w, u), "number": 1},
        )
    ],
    "collateral:talking_points": [Check("get", PAGE_FOR_EVERYONE)],
    "collateral:talking_point_create": [Check("get", MARKETING_PAGE)],
    "collateral:talking_point_edit": [Check("get", MARKETING_PAGE, kwargs=talking_point)],
    "collateral:talking_point_delete": [Check("post", MARKETING_REDIRECT, kwargs=talking_point)],
    "collateral:talking_point_move": [
        Check(
            "post", MARKETING_REDIRECT, kwargs=talking_point, data=lambda w, u: {"direction": "up"}
        )
    ],
    "collateral:call_sheet": [
        Check("get", PAGE_FOR_EVERYONE, kwargs=lambda w, u: {"persona_pk": persona_for(w).pk})
    ],
    "collateral:insights": [Check("get", PAGE_FOR_EVERYONE)],
    "collateral:insight_create": [
        Check(
            "post",
            statuses(302, 403, sales_rep=302, sales_lead=302),
            data=lambda w, u: {
                "kind": "question",
                "text": "Does it work offline?",
                "persona": persona_for(w).pk,
            },
        )
    ],
    "collateral:insight_answer": [Check("get", MARKETING_PAGE, kwargs=insight)],
    # Placeholders until their issues land
    # Personas: both teams edit, leadership reads
    "personas:index": [Check("get", PAGE_FOR_EVERYONE)],
    "personas:create": [Check("get", EDITOR_PAGE)],
    "personas:detail": [
        Check("get", PAGE_FOR_EVERYONE, kwargs=persona_pk),
        Check("get", statuses(302, 404), kwargs=missing),
    ],
    "personas:edit": [
        Check("get", EDITOR_PAGE, kwargs=persona_pk),
        Check(
            "post",
            EDITOR_REDIRECT,
            kwargs=persona_pk,
            data=lambda w, u: {"version": 1, "section_group": "goals", "goals": f"by {u}"},
        ),
    ],
    "personas:rebase": [
        Check(
            "post",
            statuses(302, 200, leadership=403),
            kwargs=persona_pk,
            data=lambda w, u: {"version": 1, "section_group": "goals", "goals": "x"},
        )
    ],
    "personas:presence": [
        Check("post", statuses(302, 200), kwargs=persona_pk, data=lambda w, u: {"version": 1})
    ],
    "personas:history": [Check("get", PAGE_FOR_EVERYONE, kwargs=persona_pk)],
    "personas:restore": [
        Check("post", EDITOR_REDIRECT, kwargs=lambda w, u: {**persona_pk(w, u), "version": 1})
    ],
    "personas:comment": [
        Check(
            "post",
            EDITOR_REDIRECT,
            kwargs=persona_pk,
            data=lambda w, u: {"section": "goals", "body": "hi"},
        )
    ],
    "personas:comment_resolve": [
        Check("post", EDITOR_REDIRECT, kwargs=persona_comment, data=lambda w, u: {"resolved": "1"})
    ],
    "personas:icp": [Check("get", PAGE_FOR_EVERYONE)],
    "personas:icp_create": [Check("get", EDITOR_PAGE)],
    "personas:icp_edit": [Check("get", EDITOR_PAGE, kwargs=segment_pk)],
    "personas:icp_delete": [
        Check("get", EDITOR_PAGE, kwargs=segment_pk),
        Check("post", EDITOR_REDIRECT, kwargs=segment_pk),
    ],
    # Leads: marketing ingests, sales works its own (leads: any), leads agree the SLA
    "leads:index": [Check("get", PAGE_FOR_EVERYONE)],
    "leads:detail": [
        Check("get", PAGE_FOR_EVERYONE, kwargs=rep_mql),
        Check("get", statuses(302, 404), kwargs=missing),
    ],
    "leads:accept": [
        Check("post", WORKER_REDIRECT, kwargs=rep_mql),
        Check("post", statuses(302, 403, sales_lead=302), kwargs=colleague_mql),
    ],
    "leads:reject": [
        Check(
            "post",
            WORKER_REDIRECT,
            kwargs=rep_mql,
            data=lambda w, u: {"reason": "no-budget", "note": "x"},
        ),
        Check(
            "post",
            statuses(302, 403, sales_lead=302),
            kwargs=colleague_mql,
            data=lambda w, u: {"reason": "no-budget", "note": "x"},
        ),
    ],
    "leads:contacted": [
        Check("post", statuses(302, 403, sales_rep=409, sales_lead=409), kwargs=rep_mql),
        Check("post", statuses(302, 403, sales_lead=409), kwargs=colleague_mql),
    ],
    "leads:convert": [
        Check(
            "post",
            statuses(302, 403, sales_rep=409, sales_lead=409),
            kwargs=rep_mql,
            data=lambda w, u: {"stage": "sql"},
        ),
        Check(
            "post",
            statuses(302, 403, sales_lead=409),
            kwargs=colleague_mql,
            data=lambda w, u: {"stage": "sql"},
        ),
    ],
    "leads:reassign": [
        Check(
            "post",
            statuses(302, 403, sales_lead=302),
            kwargs=rep_mql,
            data=lambda w, u: {"owner": w.users["sales_rep"].pk},
        ),
        Check(
            "post",
            statuses(302, 403, sales_lead=302),
            kwargs=colleague_mql,
            data=lambda w, u: {"owner": w.users["sales_rep"].pk},
        ),
    ],
    # Marketing and sales leads recycle any lead, a rep only their own (issue 19, item 5).
    "leads:recycle": [
        Check("post", statuses(302, 302, leadership=403), kwargs=rep_mql),
        Check("post", statuses(302, 302, sales_rep=403, leadership=403), kwargs=colleague_mql),
    ],
    "leads:note": [
        Check(
            "post",
            statuses(302, 302, leadership=403),
            kwargs=rep_mql,
            data=lambda w, u: {"body": "Called"},
        ),
        Check(  # notes are shared: any rep may add what they know about a colleague's lead
            "post",
            statuses(302, 302, leadership=403),
            kwargs=colleague_mql,
            data=lambda w, u: {"body": "Called"},
        ),
    ],
    "leads:import": [Check("get", MARKETING_PAGE)],
    "leads:import_preview": [Check("get", MARKETING_PAGE, kwargs=import_job)],
    "leads:import_progress": [Check("get", PAGE_FOR_EVERYONE, kwargs=import_job)],
    "leads:import_errors": [Check("get", PAGE_FOR_EVERYONE, kwargs=import_job)],
    "leads:scoring": [Check("get", PAGE_FOR_EVERYONE)],
    "leads:scoring_settings": [
        Check(  # first what it would do (200), then saved once confirmed
            "post",
            SCORING_PAGE,
            data=lambda w, u: {"mql_threshold": 60, "engagement_half_life_days": 14},
        ),
        Check(
            "post",
            SCORING_REDIRECT,
            data=lambda w, u: {
                "mql_threshold": 60,
                "engagement_half_life_days": 14,
                "confirmed": "1",
            },
        ),
    ],
    "leads:rescore_job": [Check("get", PAGE_FOR_EVERYONE, kwargs=rescore_job)],
    "leads:rule_create": [Check("get", SCORING_PAGE)],
    "leads:rule_edit": [Check("get", SCORING_PAGE, kwargs=scoring_rule)],
    "leads:rule_delete": [
        Check("get", SCORING_PAGE, kwargs=scoring_rule),
        Check("post", SCORING_REDIRECT, kwargs=scoring_rule),
    ],
    "leads:sla": [Check("get", PAGE_FOR_EVERYONE)],
    "leads:sla_propose": [
        Check(
            "post",
            statuses(302, 403, marketing_lead=302, sales_lead=302),
            data=lambda w, u: {
                "accept_within_hours": 4,
                "contact_within_hours": 24,
                "days": ["Mon", "Fri"],
                "opens": "09:00",
                "closes": "17:00",
            },
        )
    ],
    "leads:sla_approve": [
        Check("post", statuses(302, 403, marketing_lead=302, sales_lead=409), kwargs=proposed_sla)
    ],
    "leads:availability": [Check("get", PAGE_FOR_EVERYONE)],
    "leads:away_add": [Check("post", SALES_REDIRECT, data=days_away)],
    "leads:away_end": [
        Check("post", SALES_REDIRECT, kwargs=away_period_of("rep")),
        # Another rep's time away: only a sales lead may end it.
        Check("post", statuses(302, 403, sales_lead=302), kwargs=away_period_of("other")),
    ],
    "leads:load_set": [Check("post", SALES_REDIRECT, data=lambda w, u: {"weight": 2})],
    "leads:away_reassign": [Check("post", SALES_LEAD_REDIRECT, kwargs=away_rep)],
    "dashboard:index": [Check("get", PAGE_FOR_EVERYONE)],
    "dashboard:export": [
        Check("get", PAGE_FOR_EVERYONE, kwargs=lambda world, user: {"table": "funnel"})
    ],
    "dashboard:targets": [
        Check("get", PAGE_FOR_EVERYONE),
        Check(
            "post", statuses(302, 403, marketing_lead=400, sales_lead=400)
        ),  # leads only; empty form
    ],
    "dashboard:approve_targets": [
        Check(
            "post", statuses(302, 403, sales_lead=302, marketing_lead=409), kwargs=proposed_target
        )
    ],
    # API
    "api:token": [
        Check(
            "post",
            statuses(400, 400),
            data=lambda w, u: {"username": "nobody", "password": "x"},
            api=True,
        ),
        Check("delete", statuses(401, 204), api=True),
    ],
    "api:me": [Check("get", API_FOR_EVERYONE, api=True)],
    "api:schema": [Check("get", API_FOR_EVERYONE, api=True)],
    "api:docs": [Check("get", PAGE_FOR_EVERYONE)],
    "api:notification-list": [Check("get", API_FOR_EVERYONE, api=True)],
    "api:notification-detail": [
        Check("get", API_FOR_EVERYONE, kwargs=own_notification, api=True),
        Check("get", statuses(401, 404), kwargs=others_notification, api=True),
    ],
    "api:notification-read": [
        Check("post", API_FOR_EVERYONE, kwargs=own_notification, api=True),
        Check("post", statuses(401, 404), kwargs=others_notification, api=True),
    ],
    "api:notification-read-all": [Check("post", API_FOR_EVERYONE, api=True)],
    "api:campaign-list": [
        Check("get", API_FOR_EVERYONE, api=True),
        Check("post", MARKETING_API_CREATE, data=lambda w, u: {"name": "New"}, api=True),
    ],
    "api:campaign-detail": [
        Check("get", API_FOR_EVERYONE, kwargs=campaign_in("draft"), api=True),
        Check("get", statuses(401, 404), kwargs=missing, api=True),
        Check(
            "patch",
            MARKETING_API,
            kwargs=campaign_in("draft"),
            data=lambda w, u: {"name": "Renamed"},
            api=True,
        ),
        Check(
            "delete",
            statuses(401, 403, marketer=204, marketing_lead=204),
            kwargs=campaign_in("draft"),
            api=True,
        ),
    ],
    "api:campaign-submit": [Check("post", MARKETING_API, kwargs=campaign_in("draft"), api=True)],
    "api:campaign-schedule": [
        Check(
            "post",
            MARKETING_API,
            kwargs=campaign_in("approved"),
            data=lambda w, u: {"launch_at": "2099-01-01T10:00:00Z"},
            api=True,
        )
    ],
    "api:campaign-launch": [Check("post", MARKETING_API, kwargs=campaign_in("approved"), api=True)],
    "api:campaign-complete": [Check("post", MARKETING_API, kwargs=campaign_in("live"), api=True)],
    "api:campaign-cancel": [Check("post", MARKETING_API, kwargs=campaign_in("approved"), api=True)],
    "api:campaign-reviews": [
        Check("get", API_FOR_EVERYONE, kwargs=campaign_in("in_review"), api=True),
        Check(
            "post",
            statuses(401, 403, sales_lead=201),
            kwargs=campaign_in("in_review"),
            data=lambda w, u: {"decision": "approve"},
            api=True,
        ),
    ],
    "api:campaign-comments": [
        Check("get", API_FOR_EVERYONE, kwargs=campaign_in("draft"), api=True),
        Check(
            "post",
            statuses(401, 201, leadership=403),
            kwargs=campaign_in("draft"),
            data=lambda w, u: {"body": "Hi"},
            api=True,
        ),
    ],
    "api:campaign-transitions": [
        Check("get", API_FOR_EVERYONE, kwargs=campaign_in("live"), api=True)
    ],
    "api:talking-point-list": [
        Check("get", API_FOR_EVERYONE, api=True),
        Check(
            "post",
            MARKETING_API_CREATE,
            api=True,
            data=lambda w, u: {"kind": "key_message", "title": "x", "persona": persona_for(w).pk},
        ),
    ],
    "api:talking-point-detail": [
        Check("get", API_FOR_EVERYONE, kwargs=talking_point, api=True),
        Check(
            "patch", MARKETING_API, kwargs=talking_point, data=lambda w, u: {"title": "y"}, api=True
        ),
        Check(
            "delete",
            statuses(401, 403, marketer=204, marketing_lead=204),
            kwargs=talking_point,
            api=True,
        ),
    ],
    "api:asset-list": [
        Check("get", API_FOR_EVERYONE, api=True),
        Check(
            "post",
            MARKETING_API_CREATE,
            api=True,
            data=lambda w, u: {"title": "Calc", "kind": "link", "url": "https://example.com"},
        ),
    ],
    "api:asset-detail": [
        Check("get", API_FOR_EVERYONE, kwargs=asset_in("published"), api=True),
        Check(
            "get",
            statuses(401, 200, sales_rep=404, sales_lead=404),
            kwargs=asset_in("draft"),
            api=True,
        ),
        Check(
            "patch",
            MARKETING_API,
            kwargs=asset_in("draft"),
            data=lambda w, u: {"title": "z"},
            api=True,
        ),
        Check(
            "delete",
            statuses(401, 403, marketer=204, marketing_lead=204),
            kwargs=asset_in("draft"),
            api=True,
        ),
    ],
    "api:asset-versions": [
        Check("get", API_FOR_EVERYONE, kwargs=asset_in("published"), api=True),
        Check(
            "post",
            statuses(401, 403, marketer=400, marketing_lead=400),
            kwargs=asset_in("published"),
            api=True,
        ),
    ],
    "api:asset-feedback": [
        Check(
            "post",
            statuses(401, 200, leadership=403),
            kwargs=asset_in("published"),
            data=lambda w, u: {"rating": 4},
            api=True,
        )
    ],
    "api:asset-download": [Check("get", API_FOR_EVERYONE, kwargs=asset_in("published"), api=True)],
    "api:field-insight-list": [
        Check("get", API_FOR_EVERYONE, api=True),
        Check(
            "post",
            statuses(401, 403, sales_rep=201, sales_lead=201),
            api=True,
            data=lambda w, u: {
                "kind": "question",
                "text": "Offline?",
                "persona": persona_for(w).pk,
            },
        ),
    ],
    "api:field-insight-detail": [Check("get", API_FOR_EVERYONE, kwargs=insight, api=True)],
    "api:persona-list": [
        Check("get", API_FOR_EVERYONE, api=True),
        Check(
            "post",
            statuses(401, 201, leadership=403),
            data=lambda w, u: {"name": "New persona"},
            api=True,
        ),
    ],
    "api:persona-detail": [
        Check("get", API_FOR_EVERYONE, kwargs=persona_pk, api=True),
        Check("get", statuses(401, 404), kwargs=missing, api=True),
        Check(
            "patch",
            statuses(401, 428, leadership=403),
            kwargs=persona_pk,
            data=lambda w, u: {"goals": "x"},
            api=True,
        ),
    ],
    "api:persona-revisions": [Check("get", API_FOR_EVERYONE, kwargs=persona_pk, api=True)],
    "api:persona-revision": [
        Check(
            "get",
            API_FOR_EVERYONE,
            kwargs=lambda w, u: {**persona_pk(w, u), "version": 1},
            api=True,
        )
    ],
    "api:persona-restore": [
        Check(
            "post",
            statuses(401, 200, leadership=403),
            kwargs=lambda w, u: {**persona_pk(w, u), "version": 1},
            api=True,
        )
    ],
    "api:lead-list": [
        Check("get", API_FOR_EVERYONE, api=True),
        Check(
            "post",
            MARKETING_API_CREATE,
            data=lambda w, u: {"email": f"new-{u.username if u else 0}@x.example"},
            api=True,
        ),
    ],
    "api:lead-detail": [
        Check("get", API_FOR_EVERYONE, kwargs=rep_mql, api=True),
        Check("get", statuses(401, 404), kwargs=missing, api=True),
        Check("patch", MARKETING_API, kwargs=rep_mql, data=lambda w, u: {"title": "COO"}, api=True),
    ],
    "api:lead-bulk": [
        Check(
            "post",
            MARKETING_API,
            data=lambda w, u: [{"email": f"b-{u.username if u else 0}@x.example"}],
            api=True,
        )
    ],
    "api:lead-accept": [
        Check("post", statuses(401, 403, sales_rep=200, sales_lead=200), kwargs=rep_mql, api=True),
        Check("post", statuses(401, 403, sales_lead=200), kwargs=colleague_mql, api=True),
    ],
    "api:lead-reject": [
        Check(
            "post",
            statuses(401, 403, sales_rep=200, sales_lead=200),
            kwargs=rep_mql,
            data=lambda w, u: {"reason": "no-budget", "note": "x"},
            api=True,
        ),
        Check(
            "post",
            statuses(401, 403, sales_lead=200),
            kwargs=colleague_mql,
            data=lambda w, u: {"reason": "no-budget", "note": "x"},
            api=True,
        ),
    ],
    "api:lead-contacted": [
        Check("post", statuses(401, 403, sales_rep=409, sales_lead=409), kwargs=rep_mql, api=True),
        Check("post", statuses(401, 403, sales_lead=409), kwargs=colleague_mql, api=True),
    ],
    "api:lead-convert": [
        Check(
            "post",
            statuses(401, 403, sales_rep=409, sales_lead=409),
            kwargs=rep_mql,
            data=lambda w, u: {"stage": "sql"},
            api=True,
        ),
        Check(
            "post",
            statuses(401, 403, sales_lead=409),
            kwargs=colleague_mql,
            data=lambda w, u: {"stage": "sql"},
            api=True,
        ),
    ],
    "api:lead-assign": [
        Check(
            "post",
            statuses(401, 403, sales_lead=200),
            kwargs=rep_mql,
            data=lambda w, u: {"owner": w.users["sales_rep"].pk},
            api=True,
        ),
        Check(
            "post",
            statuses(401, 403, sales_lead=200),
            kwargs=colleague_mql,
            data=lambda w, u: {"owner": w.users["sales_rep"].pk},
            api=True,
        ),
    ],
    "api:lead-recycle": [
        Check("post", statuses(401, 200, leadership=403), kwargs=rep_mql, api=True),
        Check(
            "post",
            statuses(401, 200, sales_rep=403, leadership=403),
            kwargs=colleague_mql,
            api=True,
        ),
    ],
    "api:lead-notes": [
        Check(
            "post",
            statuses(401, 201, leadership=403),
            kwargs=rep_mql,
            data=lambda w, u: {"body": "Called"},
            api=True,
        ),
        Check(
            "post",
            statuses(401, 201, leadership=403),
            kwargs=colleague_mql,
            data=lambda w, u: {"body": "Called"},
            api=True,
        ),
    ],
    "api:lead-transitions": [Check("get", API_FOR_EVERYONE, kwargs=rep_mql, api=True)],
    "api:lead-events": [
        Check(
            "post",
            statuses(401, 403, marketer=201, marketing_lead=201),
            data=lambda w, u: {"lead": rep_mql(w, u)["pk"], "kind": "webinar"},
            api=True,
        )
    ],
    "api:rejection-reasons": [Check("get", API_FOR_EVERYONE, api=True)],
    "api:campaign-lead-quality": [
        Check("get", API_FOR_EVERYONE, api=True, kwargs=campaign_in("live"))
    ],
    "api:dashboard-funnel": [Check("get", API_FOR_EVERYONE, api=True)],
    "api:dashboard-sla": [Check("get", API_FOR_EVERYONE, api=True)],
    "api:scoring-rule-list": [
        Check("get", API_FOR_EVERYONE, api=True),
        Check(
            "post",
            statuses(401, 403, marketer=201, marketing_lead=201, sales_lead=201),
            data=lambda w, u: {
                "name": "W",
                "kind": "engagement",
                "event_kind": "webinar",
                "points": 5,
            },
            api=True,
        ),
    ],
    "api:scoring-rule-detail": [
        Check("get", API_FOR_EVERYONE, kwargs=scoring_rule, api=True),
        Check(
            "patch",
            statuses(401, 403, marketer=200, marketing_lead=200, sales_lead=200),
            kwargs=scoring_rule,
            data=lambda w, u: {"points": 7},
            api=True,
        ),
        Check(
            "delete",
            statuses(401, 403, marketer=204, marketing_lead=204, sales_lead=204),
            kwargs=scoring_rule,
            api=True,
        ),
    ],
    "api:scoring-settings": [
        Check("get", API_FOR_EVERYONE, api=True),
        Check(
            "put",
            statuses(401, 403, marketer=200, marketing_lead=200, sales_lead=200),
            data=lambda w, u: {"mql_threshold": 60, "engagement_half_life_days": 14},
            api=True,
        ),
    ],
    "api:sla-policy": [
        Check("get", API_FOR_EVERYONE, api=True),
        Check(
            "put",
            statuses(401, 403, marketing_lead=202, sales_lead=202),
            data=lambda w, u: {"accept_within_hours": 4, "contact_within_hours": 24},
            api=True,
        ),
    ],
    "api:availability": [Check("get", API_FOR_EVERYONE, api=True)],
    "api:away-periods": [
        Check(
            "post", statuses(401, 403, sales_rep=201, sales_lead=201), data=moments_away, api=True
        )
    ],
    "api:away-period": [
        Check(
            "delete",
            statuses(401, 403, sales_rep=204, sales_lead=204),
            kwargs=away_period_of("rep"),
            api=True,
        ),
        Check(
            "delete", statuses(401, 403, sales_lead=204), kwargs=away_period_of("other"), api=True
        ),
    ],
    "api:rep-load": [
        Check(
            "put",
            statuses(401, 403, sales_rep=200, sales_lead=200),
            kwargs=the_rep,
            data=lambda w, u: {"capacity": 5, "weight": 2},
            api=True,
        ),
    ],
    "api:away-reassign": [
        Check("post", statuses(401, 403, sales_lead=200), kwargs=away_rep, api=True)
    ],
    "api:lead-assignment-preview": [
        Check(
            "post",
            API_FOR_EVERYONE,
            data=lambda w, u: {"leads": [{"country": "DE"}, {"region": "APAC"}]},
            api=True,
        )
    ],
    "api:sla-policy-approve": [
        Check("post", statuses(401, 403, marketing_lead=404, sales_lead=404), api=True)
    ],
    "api:lead-import-list": [
        Check("post", statuses(401, 403, marketer=400, marketing_lead=400), api=True)
    ],
    "api:lead-import-detail": [Check("get", API_FOR_EVERYONE, kwargs=import_job, api=True)],
    "api:icp-segment-list": [
        Check("get", API_FOR_EVERYONE, api=True),
        Check(
            "post",
            statuses(401, 201, leadership=403),
            data=lambda w, u: {"name": f"Segment {u}"},
            api=True,
        ),
    ],
    "api:icp-segment-detail": [
        Check("get", API_FOR_EVERYONE, kwargs=segment_pk, api=True),
        Check(
            "patch",
            statuses(401, 200, leadership=403),
            kwargs=segment_pk,
            data=lambda w, u: {"description": "x"},
            api=True,
        ),
        Check("delete", statuses(401, 204, leadership=403), kwargs=segment_pk, api=True),
    ],
    "api:field-insight-answer": [
        Check(
            "post", MARKETING_API, kwargs=insight, data=lambda w, u: {"title": "Answer"}, api=True
        )
    ],
}

# Django's admin guards itself (staff only); checked through its index page.
ADMIN_NAMESPACE = "admin"
ADMIN_CHECK = Check("get", statuses(302, 302))


def routed_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace: list[str]):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(
                    pattern.url_patterns,
                    namespace + ([pattern.namespace] if pattern.namespace else []),
                )
            elif isinstance(pattern, URLPattern):
                if namespace[:1] == [ADMIN_NAMESPACE]:
                    continue
                name = ":".join([*namespace, pattern.name or f"<unnamed {pattern.pattern}>"])
                names.add(name)

    walk(get_resolver().url_patterns, [])
    return names


def test_every_route_has_an_expectation():
    missing = sorted(routed_names() - set(MATRIX))
    assert missing == [], f"routes with no permission expectations: {missing}"


def test_every_expectation_is_routed():
    assert sorted(set(MATRIX) - routed_names()) == []


def test_every_expectation_covers_every_role():
    for name, checks in MATRIX.items():
        for check in checks:
            assert set(check.expect) == set(ALL_ROLES), name


CASES = [
    (name, i, role)
    for name, checks in MATRIX.items()
    for i, _ in enumerate(checks)
    for role in ALL_ROLES
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "index", "role"), CASES, ids=[f"{n}[{i}]-{r}" for n, i, r in CASES]
)
def test_route_answers_each_role_as_expected(name, index, role, users, settings):
    check = MATRIX[name][index]
    for setting, value in (check.settings or {}).items():
        setattr(settings, setting, value)
    user = users.get(role)
    world = World(users=users)
    url = reverse(name, kwargs=check.kwargs(world, user) if check.kwargs else None)
    data = check.data(world, user) if check.data else {}
    client = api_for(user) if check.api else client_for(user)
    response = getattr(client, check.method)(
        url, data, **({"format": "json"} if check.api and data else {})
    )
    assert response.status_code == check.expect[role], f"{check.method.upper()} {url} as {role}"


@pytest.mark.django_db
def test_admin_is_for_staff_only(users):
    url = reverse("admin:index")
    for role in ALL_ROLES:
        assert client_for(users.get(role)).get(url).status_code == ADMIN_CHECK.expect[role], role
    staff = make_user("marketing_lead", is_staff=True, is_superuser=True)
    assert client_for(staff).get(url).status_code == 200
