"""Demo campaigns in every state, created through the services so their history is real."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from personas.models import Persona

from .messaging import services as messaging
from .models import (
    Asset,
    AssetStatus,
    Campaign,
    CampaignStatus,
    CampaignTransition,
    FieldInsight,
    OutdatedFlag,
    TalkingPoint,
)
from .planning import services as planning


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
        campaign = planning.create_campaign(
            by=owner,
            name=name,
            starts_on=today + timedelta(days=days_from_now),
            ends_on=today + timedelta(days=days_from_now + length),
            personas=personas[:2],
            **fields,
        )
        return campaign, True

    live, new = plan(
        "Spring logistics webinar series",
        maria,
        days_from_now=-5,
        length=40,
        objective="Book 120 operations leaders into three webinars on cutting warehouse pick errors.",
        brief=(
            "Three 40-minute webinars with our customer Nordfreight on how they cut pick errors by 38%.\n\n"
            "Offer: a free pick-accuracy assessment for attendees.\n\n"
            "Expect questions on WMS integrations (SAP EWM, Manhattan) and on rollout time (6-8 weeks)."
        ),
        channels=["webinar", "email", "paid_social"],
        budget=18000,
        target_leads=400,
        target_mqls=120,
        target_pipeline=900000,
    )
    if new:
        planning.submit_for_review(live, by=maria)
        planning.review_campaign(
            live,
            by=sally,
            decision="approve",
            comment="Clear story. Reps will love the assessment offer.",
        )
        planning.add_comment(
            live,
            by=sam,
            body="Two of my accounts asked about SAP EWM last week; glad it's covered.",
        )
        planning.launch_campaign(live, by=maria)
        launched = now - timedelta(days=5)
        Campaign.objects.filter(pk=live.pk).update(launched_at=launched)
        # Keep the history in order: submitted and approved a few days before the launch.
        for to_status, days_before in (("in_review", 3), ("approved", 2), (CampaignStatus.LIVE, 0)):
            CampaignTransition.objects.filter(campaign=live, to_status=to_status).update(
                created_at=launched - timedelta(days=days_before)
            )

    scheduled, new = plan(
        "ROI calculator for mid-market SaaS",
        mark,
        days_from_now=3,
        length=60,
        objective="Give SaaS finance leads a 5-minute ROI estimate and hand warm leads to sales.",
        brief="An interactive calculator on the website, promoted by paid search and a nurture sequence.",
        channels=["content", "paid_search", "email"],
        budget=9500,
        target_leads=300,
        target_mqls=60,
    )
    if new:
        planning.submit_for_review(scheduled, by=mark)
        planning.review_campaign(scheduled, by=sally, decision="approve")
        planning.schedule_campaign(scheduled, by=mark, launch_at=now + timedelta(days=3, hours=2))

    in_review, new = plan(
        "Customer story: Nordfreight",
        mark,
        days_from_now=10,
        length=30,
        objective="Arm reps with a referenceable logistics story for late-stage deals.",
        brief="Case study, one-pager and a 90-second video with Nordfreight's COO.",
        channels=["content", "outbound"],
        target_pipeline=400000,
    )
    if new:
        planning.submit_for_review(in_review, by=mark)

    changes, new = plan(
        "Co-marketing with CloudOps partners",
        mark,
        days_from_now=20,
        length=45,
        objective="Source joint pipeline with our top three integration partners.",
        brief="Joint webinar and an email to shared prospects.",
        channels=["partner", "webinar"],
        budget=6000,
    )
    if new:
        planning.submit_for_review(changes, by=mark)
        planning.review_campaign(
            changes,
            by=sally,
            decision="request_changes",
            comment="Which accounts overlap with our open deals? Reps need that list before we email anyone.",
        )

    approved, new = plan(
        "LogiMAT trade show",
        maria,
        days_from_now=35,
        length=3,
        objective="Meet 60 qualified prospects at the booth and book 20 demos.",
        brief="Booth with live demo; pre-show outreach by reps to their top accounts.",
        channels=["events", "outbound"],
        budget=45000,
        target_leads=150,
        target_mqls=40,
    )
    if new:
        planning.submit_for_review(approved, by=maria)
        planning.review_campaign(
            approved, by=sally, decision="approve", comment="We'll staff the booth with 4 reps."
        )

    done, new = plan(
        "Year-end renewal push",
        maria,
        days_from_now=-70,
        length=30,
        objective="Renew 90% of expiring contracts before year end.",
        brief="Renewal offers and QBR invites.",
        channels=["email", "outbound"],
        target_pipeline=250000,
    )
    if new:
        planning.submit_for_review(done, by=maria)
        planning.review_campaign(done, by=sally, decision="approve")
        planning.launch_campaign(done, by=maria)
        planning.complete_campaign(done, by=maria)

    context["campaigns"] = {
        c.name: c for c in (live, scheduled, in_review, changes, approved, done)
    }
    seed_messaging(context)


# --- Messaging demo: talking points, collateral with real small files, feedback, insights ---
def minimal_pdf(title: str, lines: list[str]) -> bytes:
    """A valid one-page PDF with a title and a few lines of text (no dependency needed)."""
    text = [f"BT /F1 20 Tf 72 720 Td ({_pdf_escape(title)}) Tj ET"]
    for index, line in enumerate(lines):
        text.append(f"BT /F1 12 Tf 72 {680 - index * 20} Td ({_pdf_escape(line)}) Tj ET")
    stream = "\n".join(text).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def seed_messaging(context: dict) -> None:
    users = context["users"]
    maria, mark, sam, sofia, sally = (users[n] for n in ("maria", "mark", "sam", "sofia", "sally"))
    campaigns = context.get("campaigns", {})
    webinar = campaigns.get("Spring logistics webinar series")
    roi = campaigns.get("ROI calculator for mid-market SaaS")
    personas = list(context.get("personas") or Persona.objects.order_by("pk")[:3])
    ops = personas[0] if personas else None

    if webinar and not TalkingPoint.objects.filter(campaign=webinar).exists():
        for fields in [
            {
                "kind": "key_message",
                "stage": "awareness",
                "title": "Nordfreight cut pick errors by 38% in eight weeks",
                "body": "Same warehouse, same people: the change was scan-to-confirm on every pick.",
            },
            {
                "kind": "value_prop",
                "stage": "consideration",
                "title": "Fewer returns, happier end customers",
                "body": "Each avoided mis-pick saves a return and a support call.",
            },
            {
                "kind": "proof_point",
                "stage": "decision",
                "title": "Live in 6-8 weeks with SAP EWM or Manhattan",
                "body": "Standard connectors; no custom integration project.",
            },
            {
                "kind": "objection",
                "stage": "decision",
                "title": "We already have a WMS",
                "response": "We sit on top of it: your WMS keeps the stock, we make every pick right. Nordfreight kept SAP EWM.",
            },
        ]:
            messaging.create_talking_point(by=maria, campaign=webinar, persona=ops, **fields)
    if ops and not TalkingPoint.objects.filter(campaign__isnull=True, persona=ops).exists():
        messaging.create_talking_point(
            by=mark,
            persona=ops,
            kind="objection",
            stage="consideration",
            title="It's too expensive for us",
            response="Start with one site: the pick-accuracy assessment shows the payback before you commit.",
        )
    if not TalkingPoint.objects.filter(campaign__isnull=True, persona__isnull=True).exists():
        messaging.create_talking_point(  # company-wide: on every persona's call sheet
            by=mark,
            kind="objection",
            title="We already use a competitor",
            response="Most customers did too. Run us beside it on one line for a month and compare the error rates.",
        )

    def asset(
        title, kind, lines, *, status="published", tags=(), campaign=None, url="", description=""
    ):
        existing = Asset.objects.filter(title=title).first()
        if existing:
            return existing, False
        upload = None
        if not url:
            upload = SimpleUploadedFile(
                f"{title}.pdf", minimal_pdf(title, lines), content_type="application/pdf"
            )
        created = messaging.create_asset(
            by=maria,
            title=title,
            kind=kind,
            description=description,
            url=url,
            file=upload,
            campaign=campaign,
            personas=[ops] if ops else [],
            tags=list(tags),
            stage="consideration",
        )
        if status == AssetStatus.PUBLISHED:
            messaging.set_asset_status(created, by=maria, status="published")
        return created, True

    case, new = asset(
        "Nordfreight case study",
        "case_study",
        [
            "Nordfreight cut pick errors by 38% in eight weeks.",
            "Warehouses: 4. Pickers: 220. WMS: SAP EWM.",
        ],
        tags=["logistics", "case study", "sap"],
        campaign=webinar,
        description="How a 4-site logistics firm cut pick errors by 38%. Use it late in deals with operations leaders.",
    )
    if new:
        messaging.give_feedback(case, by=sam, rating=5, comment="Customers love the numbers.")
        messaging.give_feedback(case, by=sofia, rating=4)
        for user, action in [
            (sam, "view"),
            (sam, "download"),
            (sofia, "download"),
            (sally, "view"),
        ]:
            messaging.record_usage(case, user=user, action=action)
    asset(
        "Pick-accuracy webinar deck",
        "deck",
        ["Three ways to stop mis-picks", "Scan-to-confirm", "Live demo"],
        tags=["webinar", "logistics"],
        campaign=webinar,
        description="The 20-slide deck from the spring webinars, with speaker notes on the SAP EWM integration.",
    )
    battlecard, new = asset(
        "Battlecard: LegacyWMS",
        "battlecard",
        ["Where we win: pick accuracy, rollout time", "Where they win: price"],
        tags=["competitor", "legacywms"],
        description="How to position against LegacyWMS when they discount.",
    )
    if new:  # overdue for review: shows as stale
        Asset.objects.filter(pk=battlecard.pk).update(
            review_by=timezone.localdate() - timedelta(days=3)
        )
    pricing, new = asset(
        "Pricing one-pager",
        "one_pager",
        ["Starter: per site", "Growth: per picker", "Enterprise: custom"],
        tags=["pricing"],
        description="List prices and packaging for the current year.",
    )
    if new and not OutdatedFlag.objects.filter(asset=pricing).exists():
        messaging.give_feedback(
            pricing,
            by=sam,
            outdated=True,
            comment="Prices changed on 1 October; this shows the old Growth price.",
        )
    asset(
        "ROI calculator",
        "link",
        [],
        status="draft",
        url="https://example.com/roi-calculator",
        campaign=roi,
        tags=["roi", "saas"],
        description="Interactive ROI estimate for finance leads (goes live with the campaign).",
    )

    if ops and not FieldInsight.objects.exists():
        for user, kind, text, competitor in [
            (sam, "objection", "Too expensive for a single site", ""),
            (sofia, "objection", "Too expensive for a single site", ""),
            (sam, "competitor", "LegacyWMS offered a 30% discount to stay", "LegacyWMS"),
            (sofia, "question", "Does it work with Manhattan SCALE?", ""),
            (sally, "feature_request", "Mobile app for team leads on the floor", ""),
        ]:
            messaging.record_insight(
                by=user, kind=kind, text=text, persona=ops, campaign=webinar, competitor=competitor
            )
