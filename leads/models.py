from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from portal.workflow import History, Machine, Step


class LeadStage(models.TextChoices):
    NEW = "new", "New"
    MQL = "mql", "MQL"
    ACCEPTED = "accepted", "Accepted"
    SQL = "sql", "SQL"
    OPPORTUNITY = "opportunity", "Opportunity"
    WON = "won", "Won"
    LOST = "lost", "Lost"
    REJECTED = "rejected", "Rejected"
    RECYCLED = "recycled", "Recycled"


class EventKind(models.TextChoices):
    EMAIL_OPEN = "email_open", "Email opened"
    EMAIL_CLICK = "email_click", "Email clicked"
    PAGE_VIEW = "page_view", "Page viewed"
    FORM_SUBMIT = "form_submit", "Form submitted"
    WEBINAR = "webinar", "Webinar attended"
    DEMO_REQUEST = "demo_request", "Demo requested"
    UNSUBSCRIBE = "unsubscribe", "Unsubscribed"


class RejectionReason(models.Model):
    """The picklist sales chooses from when rejecting a lead (seeded by migration)."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class Lead(models.Model):
    email = models.EmailField(max_length=254)
    email_domain = models.CharField(max_length=200, editable=False, db_index=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    company = models.CharField(max_length=200, blank=True)
    company_domain = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    employees = models.PositiveIntegerField(null=True, blank=True)
    annual_revenue = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO country code, e.g. DE")
    region = models.CharField(
        max_length=60, blank=True, help_text="Sales region, from the country when not given"
    )
    # No single-column index: (source_campaign, stage) below serves it; fewer indexes, faster writes.
    source_campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        db_index=False,
    )
    persona = models.ForeignKey(
        "personas.Persona", on_delete=models.SET_NULL, null=True, blank=True, related_name="leads"
    )
    external_id = models.CharField(max_length=100, null=True, blank=True)
    technologies = models.CharField(
        max_length=500, blank=True, help_text="What the company uses, comma-separated"
    )

    fit_score = models.IntegerField(default=0)
    engagement_score = models.IntegerField(default=0)
    score = models.IntegerField(default=0)
    scored_at = models.DateTimeField(null=True, blank=True, help_text="When the score last changed")

    stage = models.CharField(max_length=20, choices=LeadStage.choices, default=LeadStage.NEW)
    owner = models.ForeignKey(  # indexed by (owner, stage) below
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        db_index=False,
    )
    mql_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    # SLA: due times and the 75% warning times are set on assignment, so the sweep is an index scan.
    # The SLA version whose working hours the clocks run on (null: before working hours, wall time).
    sla_policy = models.ForeignKey(
        "SlaPolicy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    accept_due_at = models.DateTimeField(null=True, blank=True)
    accept_warn_at = models.DateTimeField(null=True, blank=True)
    accept_warned_at = models.DateTimeField(null=True, blank=True)
    accept_breached_at = models.DateTimeField(null=True, blank=True)
    contact_due_at = models.DateTimeField(null=True, blank=True)
    contact_warn_at = models.DateTimeField(null=True, blank=True)
    contact_warned_at = models.DateTimeField(null=True, blank=True)
    contact_breached_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)
    # When the lead first reached each later stage (a jump sets the skipped ones too), so
    # the dashboard's funnel is a count of timestamps in a period.
    sql_at = models.DateTimeField("reached SQL at", null=True, blank=True)
    opportunity_at = models.DateTimeField("became an opportunity at", null=True, blank=True)
    won_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.ForeignKey(
        RejectionReason, on_delete=models.PROTECT, null=True, blank=True
    )
    rejection_note = models.TextField(blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="lead_email_unique_any_case"),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=Q(external_id__isnull=False),
                name="lead_external_id_unique",
            ),
        ]
        indexes = [
            # No index holds a score column: rescoring then updates rows in place.
            models.Index(fields=["stage", "created_at"]),
            models.Index(fields=["owner", "stage"]),
            models.Index(fields=["source_campaign", "stage"]),
            models.Index(fields=["created_at"]),
            # The dashboard: "reached this stage in the period" is a range scan on each date.
            # Partial (not null), so a new lead costs none of them.
            *(
                models.Index(
                    fields=[name],
                    condition=Q(**{f"{name}__isnull": False}),
                    name=f"lead_{name}_reached",
                )
                for name in (
                    "mql_at",
                    "accepted_at",
                    "sql_at",
                    "opportunity_at",
                    "won_at",
                    "closed_at",
                )
            ),
            # The SLA figures' medians (leads assigned in a period) read only this index
            # (an index-only scan on PostgreSQL): it carries what they compute from (as key
            # columns, not INCLUDE, which SQLite lacks and `check --deploy` warns about).
            models.Index(
                fields=["assigned_at", "owner", "accepted_at", "contacted_at"],
                condition=Q(assigned_at__isnull=False),
                name="lead_assigned_at_reached",
            ),
            # The SLA figures: leads still inside a window are neither a success nor a
            # miss yet; they are few, found by their due time.
            models.Index(
                fields=["accept_due_at"], condition=Q(stage="mql"), name="lead_accept_waiting"
            ),
            models.Index(
                fields=["contact_due_at"],
                condition=Q(accepted_at__isnull=False, contacted_at__isnull=True),
                name="lead_contact_waiting",
            ),
            # The SLA sweep: only leads still waiting, by the time something is due.
            models.Index(
                fields=["accept_warn_at"],
                condition=Q(stage="mql", accept_warned_at__isnull=True),
                name="lead_accept_warn_due",
            ),
            models.Index(
                fields=["accept_due_at"],
                condition=Q(stage="mql", accept_breached_at__isnull=True),
                name="lead_accept_breach_due",
            ),
            models.Index(
                fields=["contact_warn_at"],
                condition=Q(
                    stage="accepted", contacted_at__isnull=True, contact_warned_at__isnull=True
                ),
                name="lead_contact_warn_due",
            ),
            models.Index(
                fields=["contact_due_at"],
                condition=Q(
                    stage="accepted", contacted_at__isnull=True, contact_breached_at__isnull=True
                ),
                name="lead_contact_breach_due",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def get_absolute_url(self) -> str:
        return reverse("leads:detail", args=[self.pk])

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def breached(self) -> bool:
        return bool(self.accept_breached_at or self.contact_breached_at)

    @property
    def due_at(self):
        """The next SLA deadline that applies now, if any."""
        if self.stage == LeadStage.MQL:
            return self.accept_due_at
        if self.stage == LeadStage.ACCEPTED and not self.contacted_at:
            return self.contact_due_at
        return None


class Transition(models.Model):
    """Every stage change of a lead: from, to, who (null for the system), when, why."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField(max_length=20, choices=LeadStage.choices)
    to_stage = models.CharField(max_length=20, choices=LeadStage.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["lead", "created_at"]),
            models.Index(fields=["to_stage", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.from_stage} -> {self.to_stage}"


S = LeadStage
# The lead's life, declared once: services move through it, the API's 409s and the lead
# page's buttons read it. "contact" and "reassign" change no stage: when they are possible.
# A conversion's action is "convert_to_" + the stage it reaches (see conversion()).
LEAD_FLOW = Machine(
    noun="lead",
    model=Lead,
    field="stage",
    states=LeadStage,
    history=History(Transition, "lead", "from_stage", "to_stage", "reason"),
    steps=[
        Step(
            "hand_off",
            sources=(S.NEW, S.RECYCLED),
            target=S.MQL,
            rule=None,
            verb="hand off",
            effects="the score reached the MQL threshold: a rep by round-robin, SLA due times, "
            "the owner is told",
        ),
        Step(
            "accept",
            sources=(S.MQL,),
            target=S.ACCEPTED,
            rule="work_leads",
            effects="stamps accepted_at; the first-contact clock keeps running",
        ),
        Step(
            "reject",
            sources=(S.MQL, S.ACCEPTED),
            target=S.REJECTED,
            rule="work_leads",
            effects="a reason from the picklist and a note, both shown to marketing; "
            "stamps closed_at",
        ),
        Step(
            "contact",
            sources=(S.ACCEPTED,),
            target=None,
            rule="work_leads",
            verb="mark as contacted",
            effects="stamps contacted_at, once: meets the first-contact SLA",
        ),
        Step(
            "convert_to_sql",
            sources=(S.ACCEPTED,),
            target=S.SQL,
            rule="work_leads",
            verb="convert to SQL",
            effects="stamps sql_at the first time",
        ),
        Step(
            "convert_to_opportunity",
            sources=(S.ACCEPTED, S.SQL),
            target=S.OPPORTUNITY,
            rule="work_leads",
            verb="convert to opportunity",
            effects="needs the pipeline amount; stamps the stages reached the first time",
        ),
        Step(
            "convert_to_won",
            sources=(S.OPPORTUNITY,),
            target=S.WON,
            rule="work_leads",
            verb="convert to won",
            effects="needs the amount won; stamps won_at and closed_at",
        ),
        Step(
            "convert_to_lost",
            sources=(S.SQL, S.OPPORTUNITY),
            target=S.LOST,
            rule="work_leads",
            verb="convert to lost",
            effects="stamps closed_at",
        ),
        Step(
            "recycle",
            sources=(S.REJECTED, S.LOST, S.MQL),
            target=S.RECYCLED,
            rule="recycle_leads",
            effects="no owner, no SLA; it qualifies again when its score crosses the threshold",
        ),
        Step(
            "reassign",
            sources=(S.MQL, S.ACCEPTED, S.SQL, S.OPPORTUNITY),
            target=None,
            rule="assign_leads",
            effects="the new owner is told; the SLA clock starts again for them",
        ),
    ],
)


def conversion(stage: str) -> str:
    """The action of LEAD_FLOW that converts a lead to `stage`."""
    return f"convert_to_{stage}"


# Where sales may move a lead forward in the funnel: SQL, opportunity, won, lost.
CONVERSION_TARGETS = tuple(
    step.target for step in LEAD_FLOW.steps if step.action == conversion(step.target or "")
)


class Assignment(models.Model):
    """Who owned a lead from when, and who decided (null: the round-robin)."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="assignments")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.lead_id} -> {self.owner_id}"


class LeadNote(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note on {self.lead_id}"


class EngagementEvent(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    occurred_at = models.DateTimeField()
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["lead", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.lead_id}"


class ScoringRule(models.Model):
    """A fit rule (a test on a lead field, or on an ICP segment) or an engagement rule (points per event)."""

    class Kind(models.TextChoices):
        FIT = "fit", "Fit"
        ENGAGEMENT = "engagement", "Engagement"

    class Operator(models.TextChoices):
        EQ = "eq", "is"
        IN = "in", "is one of"
        CONTAINS = "contains", "contains"
        GTE = "gte", "is at least"
        LTE = "lte", "is at most"
        BETWEEN = "between", "is between"
        ICP = "icp", "matches ICP segment"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    field = models.CharField(max_length=40, blank=True)
    operator = models.CharField(max_length=20, choices=Operator.choices, blank=True)
    value = models.JSONField(null=True, blank=True)
    event_kind = models.CharField(max_length=20, choices=EventKind.choices, blank=True)
    points = models.IntegerField()
    active = models.BooleanField(default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "-points", "name"]

    def __str__(self) -> str:
        return self.name


class ScoringSettings(models.Model):
    """The MQL threshold and engagement decay both teams agreed on (a single row)."""

    mql_threshold = models.PositiveIntegerField(default=60)
    engagement_half_life_days = models.PositiveIntegerField(default=14)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    rescore_requested_at = models.DateTimeField(null=True, blank=True)
    rescored_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"MQL at {self.mql_threshold}"

    @classmethod
    def current(cls) -> "ScoringSettings":
        return cls.objects.order_by("pk").first() or cls.objects.create()


class ScoringChange(models.Model):
    """Who changed which scoring rule or setting, when, from what to what."""

    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    summary = models.CharField(max_length=300)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.summary


class SlaPolicy(models.Model):
    """Accept within N working hours, first contact within M; active once both leads approve.

    Working hours are per sales region ('' for every other region), in each owner's time
    zone: `[{"region": "", "days": ["Mon", ...], "start": "09:00", "end": "17:00"}]`; none
    means around the clock. Holidays are dated exceptions, for one region or all ('').
    A version never changes once proposed: leads keep the version they were handed over on.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for approval"
        ACTIVE = "active", "Active"
        SUPERSEDED = "superseded", "Superseded"

    version = models.PositiveIntegerField(unique=True)
    accept_within_hours = models.PositiveIntegerField()
    contact_within_hours = models.PositiveIntegerField()
    working_hours = models.JSONField(default=list, blank=True)
    holidays = models.JSONField(default=list, blank=True, help_text='[{"date", "region", "name"}]')
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    marketing_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marketing_approved_at = models.DateTimeField(null=True, blank=True)
    sales_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sales_approved_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="one_active_sla_policy"
            )
        ]

    def __str__(self) -> str:
        return f"SLA v{self.version}: accept {self.accept_within_hours}h, contact {self.contact_within_hours}h"


class RepLoad(models.Model):
    """How much new work a sales rep takes: a capacity (open MQLs at most, none: no limit),
    a weight (a rep of weight 2 gets twice the leads of weight 1), and where the weighted
    round-robin stands for them (`turn`: virtual time, the smallest goes next; locked
    while assigning). Created on first use; reps without a row have the defaults."""

    MAX_WEIGHT = 10
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lead_load"
    )
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Open MQLs this rep can hold; empty: no limit"
    )
    weight = models.PositiveSmallIntegerField(default=1, help_text="Share of new leads, 1 to 10")
    turn = models.BigIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: weight {self.weight}, capacity {self.capacity or 'none'}"


class AwayPeriod(models.Model):
    """A rep is out of office from `starts_at` until `ends_at` (back then): no new leads."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="away_periods"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["ends_at", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="away_ends_after_it_starts"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} away {self.starts_at:%Y-%m-%d} to {self.ends_at:%Y-%m-%d}"


class AssignmentCursor(models.Model):
    """Where the round-robin stands in each region ('' for everyone); locked while assigning.

    `turn` is the region's virtual time: the next turn to be served among the reps taking
    leads. A rep who was away, full or new joins at it, so they get their share from now
    on, not a backlog."""

    region = models.CharField(max_length=60, unique=True)
    last_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    turn = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return self.region or "(all regions)"


class RescoreJob(models.Model):
    """Rescoring every lead after a scoring change (a rule, the threshold, the decay, an ICP
    segment): who asked and why, progress for the scoring page, and what it did."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Rescoring"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    reason = models.CharField(max_length=300, help_text="e.g. rescored after ICP change by Maria")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    handed_off = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reason} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return round(100 * self.processed / self.total) if self.total else 0


class ImportJob(models.Model):
    class Status(models.TextChoices):
        PREVIEW = "preview", "Waiting for the column mapping"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    file = models.FileField(upload_to="imports/%Y/%m/")
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    mapping = models.JSONField(default=dict, help_text="CSV column -> lead field")
    source_campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="[{line, message}]")
    failure = models.TextField(blank=True, help_text="Why the whole import failed")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last progress; the watchdog restarts a silent import"
    )
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Restarts by the watchdog")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import {self.filename} ({self.status})"

    @property
    def percent(self) -> int:
        return (
            round(100 * self.processed / self.total)
            if self.total
            else (100 if self.status == "done" else 0)
        )


# --- Per-day rollups of the lead table for the dashboard (kept by leads.rollups) -----------
class RollupRow(models.Model):
    """What the leads add up to on one UTC day under one key.

    Written only by the database triggers of leads.rollups, as signed rows (a lead counts
    -1 where it was and +1 where it is), folded into one row per key by `compact`. Keys
    are plain numbers, 0 for none, not foreign keys: the counts of a deleted campaign or
    owner move to 0 through the same triggers.
    """

    day = models.DateField()
    compact = models.BooleanField(default=False, help_text="Folded by compaction or rebuilt")

    class Meta:
        abstract = True


class FunnelDay(RollupRow):
    """Per day and source campaign: leads that reached each stage that day (its date says
    so), closed, were rejected; the pipeline and won amounts of that day."""

    campaign_id = models.BigIntegerField()
    new = models.IntegerField(default=0)
    mql = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    sql = models.IntegerField(default=0)
    opportunity = models.IntegerField(default=0)
    won = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    pipeline = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    won_amount = models.DecimalField(max_digits=20, decimal_places=2, default=0)

    class Meta:
        indexes = [
            models.Index(fields=["day", "campaign_id"], name="funnelday_key"),
            models.Index(fields=["day"], condition=Q(compact=False), name="funnelday_delta"),
        ]

    def __str__(self) -> str:
        return f"{self.day} campaign_id {self.campaign_id}"


class RejectionDay(RollupRow):
    """Per day, source campaign and reason: leads rejected (closed_at) that day."""

    campaign_id = models.BigIntegerField()
    reason_id = models.BigIntegerField()
    rejected = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["day", "campaign_id", "reason_id"], name="rejectionday_key"),
            models.Index(fields=["day"], condition=Q(compact=False), name="rejectionday_delta"),
        ]

    def __str__(self) -> str:
        return f"{self.day} reason_id {self.reason_id}"


class ScoreDay(RollupRow):
    """Per day and score band (leads.metrics.SCORE_BANDS): leads created that day, and how
    many of them reached MQL, SQL and won so far."""

    band = models.SmallIntegerField()
    leads = models.IntegerField(default=0)
    mqls = models.IntegerField(default=0)
    sqls = models.IntegerField(default=0)
    won = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["day", "band"], name="scoreday_key"),
            models.Index(fields=["day"], condition=Q(compact=False), name="scoreday_delta"),
        ]

    def __str__(self) -> str:
        return f"{self.day} band {self.band}"


class SlaDay(RollupRow):
    """Per day and owner: leads assigned that day, accepted, accepted and contacted within
    their windows, breached."""

    owner_id = models.BigIntegerField()
    assigned = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    accepted_within = models.IntegerField(default=0)
    contacted_within = models.IntegerField(default=0)
    breached = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["day", "owner_id"], name="sladay_key"),
            models.Index(fields=["day"], condition=Q(compact=False), name="sladay_delta"),
        ]

    def __str__(self) -> str:
        return f"{self.day} owner_id {self.owner_id}"
