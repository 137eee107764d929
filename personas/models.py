from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q


class Seniority(models.TextChoices):
    INDIVIDUAL = "individual", "Individual contributor"
    MANAGER = "manager", "Manager"
    DIRECTOR = "director", "Director"
    VP = "vp", "VP"
    EXECUTIVE = "executive", "C-level / owner"


# The persona's text sections, in the order the page shows them. These are the fields a
# concurrent save merges one by one (and, for long text, line by line).
PERSONA_TEXT_FIELDS = [
    "name",
    "role",
    "seniority",
    "summary",
    "goals",
    "pains",
    "objections",
    "triggers",
    "decision_criteria",
    "channels",
    "quotes",
]


class Persona(models.Model):
    """A buyer persona both teams write together. `version` counts saves (the ETag)."""

    name = models.CharField(max_length=120)
    role = models.CharField("role / titles", max_length=200, blank=True)
    seniority = models.CharField(max_length=20, choices=Seniority.choices, blank=True)
    summary = models.TextField(blank=True)
    goals = models.TextField(blank=True)
    pains = models.TextField(blank=True)
    objections = models.TextField(blank=True)
    triggers = models.TextField("buying triggers", blank=True)
    decision_criteria = models.TextField(blank=True)
    channels = models.TextField(blank=True)
    quotes = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_personas"
    )
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("personas:detail", args=[self.pk])


class IcpSegment(models.Model):
    """A slice of the Ideal Customer Profile. Lead fit scoring reads these."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    industries = models.JSONField(default=list, blank=True, help_text="Industry names")
    employees_min = models.PositiveIntegerField(null=True, blank=True)
    employees_max = models.PositiveIntegerField(null=True, blank=True)
    revenue_min = models.DecimalField(
        max_digits=14, decimal_places=0, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    revenue_max = models.DecimalField(
        max_digits=14, decimal_places=0, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    regions = models.JSONField(default=list, blank=True, help_text="Regions or country codes")
    technologies = models.JSONField(default=list, blank=True)
    exclusions = models.JSONField(
        default=list, blank=True, help_text="Industries, domains or traits that rule a company out"
    )
    is_active = models.BooleanField(default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_icp_segments"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(employees_min__isnull=True)
                | Q(employees_max__isnull=True)
                | Q(employees_min__lte=F("employees_max")),
                name="icp_employee_range_ordered",
                violation_error_message="The employees maximum is below the minimum.",
            ),
            models.CheckConstraint(
                condition=Q(revenue_min__isnull=True)
                | Q(revenue_max__isnull=True)
                | Q(revenue_min__lte=F("revenue_max")),
                name="icp_revenue_range_ordered",
                violation_error_message="The revenue maximum is below the minimum.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PersonaRevision(models.Model):
    """Every save of a persona: a full snapshot (the next merge base), who, which team, what changed."""

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    team = models.CharField(max_length=20)
    changed_fields = models.JSONField(default=list)
    base_version = models.PositiveIntegerField(null=True, blank=True)
    merged_fields = models.JSONField(default=list, blank=True)
    restored_from = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["persona", "version"], name="one_revision_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.persona} v{self.version}"


class PersonaComment(models.Model):
    """A comment on one section of a persona; @mentions notify; resolved when handled."""

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="comments")
    section = models.CharField(max_length=30)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["persona", "section"])]

    def __str__(self) -> str:
        return f"Comment on {self.persona} / {self.section}"
