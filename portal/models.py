import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from rest_framework.authtoken.models import Token

from .periods import Period


class Team(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
    LEADERSHIP = "leadership", "Leadership"


TIMEZONE_CHOICES = [
    (name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
]


class UserQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def in_team(self, team: str):
        return self.active().filter(team=team)

    def sales(self):
        return self.in_team(Team.SALES)

    def leads_of(self, team: str):
        return self.in_team(team).filter(is_lead=True)


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person at the company. Their team and lead flag decide their role (portal.permissions)."""

    team = models.CharField(max_length=20, choices=Team.choices, default=Team.MARKETING)
    is_lead = models.BooleanField("team lead", default=False)
    region = models.CharField(
        max_length=60, blank=True, help_text="Sales territory or segment, used for lead assignment."
    )
    timezone = models.CharField(max_length=64, choices=TIMEZONE_CHOICES, default="UTC")
    notify_by_email = models.BooleanField(
        "email me notifications",
        default=True,
        help_text="Off: notifications only appear in the Tandem inbox.",
    )

    objects = UserManager()

    class Meta:
        ordering = ["first_name", "last_name", "username"]
        indexes = [models.Index(fields=["team", "is_lead"])]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)

    def save(self, *args, **kwargs):
        password_changed = self._password is not None  # set_password() was called
        super().save(*args, **kwargs)
        if password_changed:
            # A new password rotates the API token: scripts holding the old one stop working.
            Token.objects.filter(user=self).delete()


class EmailStatus(models.TextChoices):
    NOT_WANTED = "not_wanted", "In-app only"
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Notification(models.Model):
    """One thing a person should know about, written in the same transaction as its cause.

    The row is the outbox: it exists in the inbox the moment the cause commits, and
    email delivery (portal.tasks) works from `email_status`, so a lost broker message
    only delays an email, and `dedupe_key` makes a repeated event notify once.
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=50)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    email_status = models.CharField(
        max_length=20, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key", "recipient"], name="notification_once_per_recipient"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            # The sweeper only ever scans rows still waiting for email.
            models.Index(
                fields=["last_enqueued_at"],
                condition=Q(email_status="pending"),
                name="notification_email_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class WebhookDelivery(models.Model):
    """An outgoing JSON POST (e.g. a Slack channel), written in the transaction of its cause.

    Like Notification, the row is the outbox: a task posts it after commit with the
    dedupe key as Idempotency-Key, retrying with backoff; the sweeper re-publishes rows a
    broker lost.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    url = models.URLField(max_length=500)
    payload = models.JSONField()
    dedupe_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(
                fields=["last_enqueued_at"], condition=Q(status="pending"), name="webhook_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dedupe_key} -> {self.url}"


class SharedTarget(models.Model):
    """Funnel targets for a period that both teams agreed on.

    Proposed by a marketing or sales lead; active once a marketing lead AND a sales lead
    have approved this very proposal (who and when is recorded). A newer proposal for the
    same period replaces the active one only when it is approved in turn.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for approval"
        ACTIVE = "active", "Active"
        SUPERSEDED = "superseded", "Superseded"

    period_start = models.DateField()
    period_end = models.DateField()
    new_leads = models.PositiveIntegerField(default=0)
    mqls = models.PositiveIntegerField("MQLs", default=0)
    accepted = models.PositiveIntegerField(default=0)
    sqls = models.PositiveIntegerField("SQLs", default=0)
    pipeline_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    won_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    marketing_approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    marketing_approved_at = models.DateTimeField(null=True, blank=True)
    sales_approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sales_approved_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["period_start"],
                condition=Q(status="active"),
                name="one_active_target_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="target_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"Targets {self.period_label} ({self.get_status_display()})"

    @property
    def period(self) -> Period:
        return Period(self.period_start, self.period_end)

    @property
    def period_label(self) -> str:
        return self.period.label


class CompanyAccount(models.Model):
    """A member's account at the company's identity provider (OpenID Connect sign-in).

    The provider's issuer and subject identify a person for good (OpenID Connect Core
    5.7: the only claims a client may rely on as a stable identifier), unlike an email
    address or a username, which can be reused for someone else.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="company_accounts")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="company_account_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"
