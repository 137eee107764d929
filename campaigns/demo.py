"""Demo campaigns in every state, created through the services so their history is real."""

from datetime import timedelta

from django.utils import timezone

from personas.models import Persona

from . import services
from .models import Campaign, CampaignStatus, CampaignTransition


def seed(context: dict) -> None:
    users = context["users"]
    maria, mark, sally, sam = users["maria"], users["mark"], users["sally"], users["sam"]
    personas = list(context.get("personas") or Persona.objects.order_by("pk")[:3])
    today = timezone.localdate()
    now = timezone.now()

    def plan(name, owner, *, days_from_now, length, **fields):
        existing = Campaign.objects.filter(name=name).first()
        if existing:
            return existing, False
        campaign = services.create_campaign(
            by=owner,
            name=name,
            starts_on=today + timedelta(days=days_from_now),
            ends_on=today + timedelta(days=days_from_now + length),
            personas=personas[:2],
            **fields,
        )
        return campaign, True

    live, new = plan(
        "Spring logistics webinar series", maria, days_from_now=-5, length=40,
        objective="Book 120 operations leaders into three webinars on cutting warehouse pick errors.",
        brief=(
            "Three 40-minute webinars with our customer Nordfreight on how they cut pick errors by 38%.\n\n"
            "Offer: a free pick-accuracy assessment for attendees.\n\n"
            "Expect questions on WMS integrations (SAP EWM, Manhattan) and on rollout time (6-8 weeks)."
        ),
        channels=["webinar", "email", "paid_social"], budget=18000, target_leads=400, target_mqls=120, target_pipeline=900000,
    )  # fmt: skip
    if new:
        services.submit_for_review(live, by=maria)
        services.review_campaign(
            live,
            by=sally,
            decision="approve",
            comment="Clear story. Reps will love the assessment offer.",
        )
        services.add_comment(
            live,
            by=sam,
            body="Two of my accounts asked about SAP EWM last week; glad it's covered.",
        )
        services.launch_campaign(live, by=maria)
        launched = now - timedelta(days=5)
        Campaign.objects.filter(pk=live.pk).update(launched_at=launched)
        CampaignTransition.objects.filter(campaign=live, to_status=CampaignStatus.LIVE).update(
            created_at=launched
        )

    scheduled, new = plan(
        "ROI calculator for mid-market SaaS", mark, days_from_now=3, length=60,
        objective="Give SaaS finance leads a 5-minute ROI estimate and hand warm leads to sales.",
        brief="An interactive calculator on the website, promoted by paid search and a nurture sequence.",
        channels=["content", "paid_search", "email"], budget=9500, target_leads=300, target_mqls=60,
    )  # fmt: skip
    if new:
        services.submit_for_review(scheduled, by=mark)
        services.review_campaign(scheduled, by=sally, decision="approve")
        services.schedule_campaign(scheduled, by=mark, launch_at=now + timedelta(days=3, hours=2))

    in_review, new = plan(
        "Customer story: Nordfreight", mark, days_from_now=10, length=30,
        objective="Arm reps with a referenceable logistics story for late-stage deals.",
        brief="Case study, one-pager and a 90-second video with Nordfreight's COO.",
        channels=["content", "outbound"], target_pipeline=400000,
    )  # fmt: skip
    if new:
        services.submit_for_review(in_review, by=mark)

    changes, new = plan(
        "Co-marketing with CloudOps partners", mark, days_from_now=20, length=45,
        objective="Source joint pipeline with our top three integration partners.",
        brief="Joint webinar and an email to shared prospects.",
        channels=["partner", "webinar"], budget=6000,
    )  # fmt: skip
    if new:
        services.submit_for_review(changes, by=mark)
        services.review_campaign(
            changes, by=sally, decision="request_changes",
            comment="Which accounts overlap with our open deals? Reps need that list before we email anyone.",
        )  # fmt: skip

    approved, new = plan(
        "LogiMAT trade show", maria, days_from_now=35, length=3,
        objective="Meet 60 qualified prospects at the booth and book 20 demos.",
        brief="Booth with live demo; pre-show outreach by reps to their top accounts.",
        channels=["events", "outbound"], budget=45000, target_leads=150, target_mqls=40,
    )  # fmt: skip
    if new:
        services.submit_for_review(approved, by=maria)
        services.review_campaign(
            approved, by=sally, decision="approve", comment="We'll staff the booth with 4 reps."
        )

    done, new = plan(
        "Year-end renewal push", maria, days_from_now=-70, length=30,
        objective="Renew 90% of expiring contracts before year end.", brief="Renewal offers and QBR invites.",
        channels=["email", "outbound"], target_pipeline=250000,
    )  # fmt: skip
    if new:
        services.submit_for_review(done, by=maria)
        services.review_campaign(done, by=sally, decision="approve")
        services.launch_campaign(done, by=maria)
        services.complete_campaign(done, by=maria)

    context["campaigns"] = {
        c.name: c for c in (live, scheduled, in_review, changes, approved, done)
    }
