from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


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
        return self.status not in {CampaignStatus.COMPLETED, CampaignStatus.CANCELLED}


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
