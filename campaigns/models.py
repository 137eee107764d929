from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from portal.workflow import History, Machine, Step


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    SCHEDULED = "scheduled", "Scheduled"
    LIVE = "live", "Live"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEBINAR = "webinar", "Webinar"
    EVENTS = "events", "Events"
    PAID_SOCIAL = "paid_social", "Paid social"
    PAID_SEARCH = "paid_search", "Paid search"
    CONTENT = "content", "Content & SEO"
    ABM = "abm", "Account-based"
    PARTNER = "partner", "Partner"
    DIRECT_MAIL = "direct_mail", "Direct mail"
    OUTBOUND = "outbound", "Sales outbound"


class ReviewDecision(models.TextChoices):
    APPROVE = "approve", "Approved"
    REQUEST_CHANGES = "request_changes", "Changes requested"


class CampaignQuerySet(models.QuerySet):
    def due_for_launch(self, now=None):
        return self.filter(status=CampaignStatus.SCHEDULED, launch_at__lte=now or timezone.now())


class Campaign(models.Model):
    """A campaign marketing plans with sales. Its status changes only through services."""

    name = models.CharField(max_length=160)
    objective = models.TextField(
        blank=True, help_text="What this campaign must achieve, in one or two sentences."
    )
    brief = models.TextField(
        blank=True, help_text="What sales needs to know: the story, the offer, who it targets."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaigns"
    )
    status = models.CharField(
        max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    channels = models.JSONField(default=list, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    launch_at = models.DateTimeField(null=True, blank=True)
    launched_at = models.DateTimeField(null=True, blank=True)
    budget = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    target_leads = models.PositiveIntegerField(null=True, blank=True)
    target_mqls = models.PositiveIntegerField("target MQLs", null=True, blank=True)
    target_pipeline = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    personas = models.ManyToManyField("personas.Persona", blank=True, related_name="campaigns")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="campaign_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="campaign_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(target_pipeline__isnull=True) | Q(target_pipeline__gte=0),
                name="campaign_pipeline_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(launch_at__isnull=False),
                name="scheduled_campaign_has_launch_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            # The launcher scans only scheduled campaigns by launch time.
            models.Index(
                fields=["launch_at"], condition=Q(status="scheduled"), name="campaign_due_launch"
            ),
            models.Index(fields=["starts_on", "ends_on"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("campaigns:detail", args=[self.pk])

    def validate_constraints(self, exclude=None):
        # Each database constraint above is also checked with a message on its field (field
        # validators and clean()); don't repeat it as a generic form-level error.
        return

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The end date cannot be before the start date."
        unknown = sorted(set(self.channels or []) - set(Channel.values))
        if unknown:
            errors["channels"] = f"Unknown channel(s): {', '.join(unknown)}."
        if errors:
            raise ValidationError(errors)

    @property
    def channel_labels(self) -> list[str]:
        labels = dict(Channel.choices)
        return [labels.get(code, code) for code in self.channels or []]

    @property
    def latest_review(self):
        """The last sign-off decision (uses prefetched reviews when there are some)."""
        reviews = list(self.reviews.all())
        return reviews[-1] if reviews else None

    @property
    def is_open(self) -> bool:
        return CAMPAIGN_FLOW.allows("cancel", self.status)


class CampaignTransition(models.Model):
    """Every status change: from, to, who (null for the scheduler), when, and why."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=CampaignStatus.choices)
    to_status = models.CharField(max_length=20, choices=CampaignStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.campaign}: {self.from_status} -> {self.to_status}"

    @property
    def label(self) -> str:
        """What happened, in the words people use ("Changes requested", not "Draft")."""
        if self.to_status == CampaignStatus.DRAFT and self.from_status == CampaignStatus.IN_REVIEW:
            return "Changes requested"
        return {
            CampaignStatus.IN_REVIEW: "Sent to sales for review",
            CampaignStatus.APPROVED: "Approved by sales",
            CampaignStatus.SCHEDULED: "Launch scheduled",
            CampaignStatus.LIVE: "Launched",
            CampaignStatus.COMPLETED: "Completed",
            CampaignStatus.CANCELLED: "Cancelled",
        }.get(self.to_status, self.get_to_status_display())


S = CampaignStatus
# The campaign's life, declared once: services move through it, the API's 409s and the
# page's buttons read it. "edit" and "edit_story" change no status: what can be edited when.
CAMPAIGN_FLOW = Machine(
    noun="campaign",
    model=Campaign,
    field="status",
    states=CampaignStatus,
    history=History(CampaignTransition, "campaign", "from_status", "to_status", "note"),
    steps=[
        Step(
            "edit_story",
            (S.DRAFT,),
            None,
            "plan_campaigns",
            verb="edit the story of",
            effects="name, objective, brief, channels and personas are what sales signs off",
        ),
        Step(
            "edit",
            (S.DRAFT, S.IN_REVIEW, S.APPROVED, S.SCHEDULED, S.LIVE),
            None,
            "plan_campaigns",
            effects="dates, budget and targets may move until the campaign is over",
        ),
        Step(
            "edit_launch_time",
            (S.DRAFT, S.IN_REVIEW, S.APPROVED, S.LIVE),
            None,
            "plan_campaigns",
            verb="edit the planned launch of",
            effects="once scheduled, only Schedule moves the launch",
        ),
        Step("delete", (S.DRAFT,), None, "plan_campaigns"),
        Step(
            "submit",
            (S.DRAFT,),
            S.IN_REVIEW,
            "plan_campaigns",
            effects="needs an objective and a brief; every sales lead is asked to review",
        ),
        Step(
            "approve",
            (S.IN_REVIEW,),
            S.APPROVED,
            "review_campaigns",
            effects="a review row; the owner is told",
        ),
        Step(
            "request_changes",
            (S.IN_REVIEW,),
            S.DRAFT,
            "review_campaigns",
            verb="request changes on",
            effects="a review row with the comment; the owner is told",
        ),
        Step(
            "schedule",
            (S.APPROVED, S.SCHEDULED),
            S.SCHEDULED,
            "plan_campaigns",
            effects="sets launch_at; beat launches it then",
        ),
        Step(
            "launch",
            (S.APPROVED, S.SCHEDULED),
            S.LIVE,
            "plan_campaigns",
            effects="stamps launched_at; every sales user is notified once, and the webhook",
        ),
        Step("complete", (S.LIVE,), S.COMPLETED, "plan_campaigns"),
        Step(
            "cancel",
            (S.DRAFT, S.IN_REVIEW, S.APPROVED, S.SCHEDULED, S.LIVE),
            S.CANCELLED,
            "plan_campaigns",
            effects="if it was live, sales is told to stop using it",
        ),
    ],
)


class CampaignReview(models.Model):
    """A sales lead's sign-off decision on a campaign in review."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaign_reviews"
    )
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.reviewer} on {self.campaign}"


class CampaignComment(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaign_comments"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.campaign}"


# --- Messaging -------------------------------------------------------------------------
class FunnelStage(models.TextChoices):
    AWARENESS = "awareness", "Awareness"
    CONSIDERATION = "consideration", "Consideration"
    DECISION = "decision", "Decision"
    EXPANSION = "expansion", "Expansion"


class TalkingPointKind(models.TextChoices):
    KEY_MESSAGE = "key_message", "Key message"
    VALUE_PROP = "value_prop", "Value proposition"
    PROOF_POINT = "proof_point", "Proof point"
    OBJECTION = "objection", "Objection"


class TalkingPoint(models.Model):
    """What to say: a key message, value proposition, proof point, or an objection with the answer.

    It belongs to a campaign, a persona, both, or neither: a point with neither is
    company-wide ("too expensive", "we already use a competitor") and every call sheet
    shows it.
    """

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="talking_points",
        help_text="Leave empty unless it is about one campaign.",
    )
    persona = models.ForeignKey(
        "personas.Persona",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="talking_points",
        help_text="Leave campaign and persona empty for a company-wide point: every call sheet"
        " shows it.",
    )
    stage = models.CharField(max_length=20, choices=FunnelStage.choices, blank=True)
    kind = models.CharField(max_length=20, choices=TalkingPointKind.choices)
    title = models.CharField(
        max_length=200, help_text="The message, or the objection as customers put it."
    )
    body = models.TextField(blank=True, help_text="The detail a rep can say out loud.")
    response = models.TextField(blank=True, help_text="For objections: the recommended answer.")
    position = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_company_wide(self) -> bool:
        return self.campaign_id is None and self.persona_id is None


class AssetKind(models.TextChoices):
    DECK = "deck", "Deck"
    ONE_PAGER = "one_pager", "One-pager"
    CASE_STUDY = "case_study", "Case study"
    BATTLECARD = "battlecard", "Battlecard"
    EMAIL_TEMPLATE = "email_template", "Email template"
    VIDEO = "video", "Video"
    LINK = "link", "Link"


class AssetStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"


class AssetTag(models.Model):
    name = models.CharField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AssetQuerySet(models.QuerySet):
    def current(self, today=None):
        """Not stale: within its review date and not flagged outdated since its last version."""
        today = today or timezone.localdate()
        return self.filter(
            Q(review_by__isnull=True) | Q(review_by__gte=today), flagged_outdated_at__isnull=True
        )

    def stale(self, today=None):
        today = today or timezone.localdate()
        return self.filter(Q(review_by__lt=today) | Q(flagged_outdated_at__isnull=False))


class Asset(models.Model):
    """A piece of collateral: an uploaded file (with versions) or a link."""

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=AssetKind.choices)
    description = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True, help_text="For links and hosted videos.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assets"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="assets"
    )
    personas = models.ManyToManyField("personas.Persona", blank=True, related_name="assets")
    stage = models.CharField(max_length=20, choices=FunnelStage.choices, blank=True)
    tags = models.ManyToManyField(AssetTag, blank=True, related_name="assets")
    tags_text = models.CharField(max_length=500, blank=True, editable=False)  # for search
    status = models.CharField(max_length=20, choices=AssetStatus.choices, default=AssetStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    review_by = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(
        default=0, help_text="Current version number (0: no file yet)."
    )
    # Set by the first "outdated" flag after the current version; a new version clears it.
    flagged_outdated_at = models.DateTimeField(null=True, blank=True)
    # Denormalised for the library page (constant queries at any size), kept by services.
    use_count = models.PositiveIntegerField(default=0)
    open_flags = models.PositiveIntegerField(
        default=0, help_text="Outdated flags since the current version."
    )
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    rating_count = models.PositiveIntegerField(default=0)
    # PostgreSQL full-text document (title A, tags B, description C), kept by services and
    # GIN-indexed by migration 0003 on PostgreSQL; unused on SQLite.
    search_document = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssetQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"]),
            models.Index(fields=["status", "-use_count"]),
            models.Index(fields=["review_by"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("collateral:detail", args=[self.pk])

    @property
    def is_stale(self) -> bool:
        overdue = self.review_by is not None and self.review_by < timezone.localdate()
        return overdue or self.flagged_outdated_at is not None

    @property
    def is_link(self) -> bool:
        return not self.version and bool(self.url)


A = AssetStatus
# Collateral's life, declared once: services move through it, the API's 409s and the asset
# page's buttons read it. Steps without a target change no status: what may be done when.
ASSET_FLOW = Machine(
    noun="asset",
    model=Asset,
    field="status",
    states=AssetStatus,
    steps=[
        Step(
            "publish",
            (A.DRAFT, A.RETIRED),
            A.PUBLISHED,
            "publish_collateral",
            effects="needs a file or a link; stamps published_at; review due in 180 days "
            "unless a later date is set; sales can find it",
        ),
        Step(
            "retire",
            (A.PUBLISHED,),
            A.RETIRED,
            "publish_collateral",
            effects="sales no longer sees it; its history stays",
        ),
        Step(
            "withdraw",
            (A.PUBLISHED,),
            A.DRAFT,
            "publish_collateral",
            verb="withdraw",
            effects="back to draft; sales no longer sees it",
        ),
        Step("edit", (A.DRAFT, A.PUBLISHED, A.RETIRED), None, "publish_collateral"),
        Step(
            "add_version",
            (A.DRAFT, A.PUBLISHED),
            None,
            "publish_collateral",
            verb="add a version to",
            effects="the new file is current; open outdated flags resolve and their reps are "
            "told; a published asset is due for review 180 days later",
        ),
        Step(
            "delete",
            (A.DRAFT,),
            None,
            "publish_collateral",
            effects="published material is retired instead, so its history stays",
        ),
        Step(
            "give_feedback",
            (A.PUBLISHED,),
            None,
            "give_collateral_feedback",
            verb="give feedback on",
            effects="a rating (one per person) and/or an outdated flag; the owner is told of a flag",
        ),
    ],
)


def asset_upload_path(instance, filename: str) -> str:
    # Random names: nothing about the stored path comes from the uploader.
    import uuid

    return f"assets/{instance.asset_id}/{uuid.uuid4().hex}"


class AssetVersion(models.Model):
    """One uploaded file of an asset; the highest number is current, older ones stay downloadable."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=asset_upload_path, max_length=300)
    filename = models.CharField(max_length=200, help_text="Sanitised name used for downloads.")
    content_type = models.CharField(
        max_length=100, help_text="Sniffed from the bytes, not the name."
    )
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    note = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "number"], name="asset_version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.asset} v{self.number}"


class AssetRating(models.Model):
    """A person's rating of an asset (one per person; rating again replaces it)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "user"], name="one_rating_per_person"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 for {self.asset} by {self.user}"


class OutdatedFlag(models.Model):
    """A rep saying "this is out of date". Open until a new version is uploaded."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="outdated_flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["asset"], condition=Q(resolved_at__isnull=True), name="open_outdated_flags"
            )
        ]
        constraints = [
            # One open flag per person per version: flagging again updates the reason.
            models.UniqueConstraint(
                fields=["asset", "user", "version"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_outdated_flag_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset} flagged by {self.user}"


class UsageAction(models.TextChoices):
    VIEW = "view", "Viewed"
    DOWNLOAD = "download", "Downloaded"


class AssetUsage(models.Model):
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="usage")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=10, choices=UsageAction.choices)
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["asset", "created_at"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.asset}"


class InsightKind(models.TextChoices):
    OBJECTION = "objection", "Objection"
    COMPETITOR = "competitor", "Competitor mention"
    QUESTION = "question", "Question"
    FEATURE_REQUEST = "feature_request", "Feature request"


class FieldInsight(models.Model):
    """What a rep heard on a call. Identical reports (kind, persona, text) form one group."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="field_insights"
    )
    kind = models.CharField(max_length=20, choices=InsightKind.choices)
    text = models.CharField(max_length=500)
    group_key = models.CharField(max_length=600, editable=False, db_index=True)
    persona = models.ForeignKey(
        "personas.Persona", on_delete=models.PROTECT, related_name="field_insights"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="field_insights"
    )
    competitor = models.CharField(max_length=100, blank=True)
    answer = models.ForeignKey(
        TalkingPoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answered_insights",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"
