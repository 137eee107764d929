from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q


class Seniority(models.TextChoices):
    INDIVIDUAL = "individual", "Individual contributor"
    MANAGER = "manager", "Manager"
    DIRECTOR = "director", "Director"
    VP = "vp", "VP"
    EXECUTIVE = "executive", "C-level / owner"


# Characters per persona section: generous for real writing, small enough that a page,
# its history diff and its Markdown stay fast (a larger paste is refused, clearly).
SECTION_MAX_CHARS = 20_000


def _section(verbose_name: str | None = None) -> models.TextField:
    return models.TextField(
        verbose_name, blank=True, validators=[MaxLengthValidator(SECTION_MAX_CHARS)]
    )


class Persona(models.Model):
    """A buyer persona both teams write together. `version` counts saves (the ETag)."""

    name = models.CharField(max_length=120, error_messages={"blank": "A persona needs a name."})
    role = models.CharField("role / titles", max_length=200, blank=True)
    seniority = models.CharField(max_length=20, choices=Seniority.choices, blank=True)
    summary = _section()
    goals = _section()
    pains = _section()
    objections = _section()
    triggers = _section("buying triggers")
    decision_criteria = _section()
    channels = _section()
    quotes = _section()
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


# What both teams write in a persona, declared once, in the order the page shows it; the
# form, the merge, the API, the admin, the live editor and the revisions all read these.
# Basics are short and all-or-nothing; sections are long text, merged line by line.
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
BASIC_FIELDS = [
    name
    for name in PERSONA_TEXT_FIELDS
    if not isinstance(Persona._meta.get_field(name), models.TextField)
]
SECTION_FIELDS = [name for name in PERSONA_TEXT_FIELDS if name not in BASIC_FIELDS]


def field_label(name: str) -> str:
    """A persona field as people call it ("Buying triggers", "Role / titles")."""
    return str(Persona._meta.get_field(name).verbose_name).capitalize()


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
    # Live editing writes a revision on every flush (each version must stay a merge base
    # for If-Match); consecutive live revisions by one person within a few minutes share
    # `group` (the first version of the group), and history shows them as one entry.
    live = models.BooleanField(default=False)
    group = models.PositiveIntegerField(null=True, blank=True)
    # Everyone whose live edits went into this revision: [{"id", "name", "team"}].
    contributors = models.JSONField(default=list, blank=True)
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


class PersonaDoc(models.Model):
    """The live (CRDT) document of a persona: a Yjs snapshot plus the updates after it.

    One Y.Text per field of PERSONA_TEXT_FIELDS (personas.livedoc). Created from the
    columns when the persona is first opened live; from then on it is the source of truth
    for the text and the columns are written from it (personas.services.flush_live_doc).
    """

    persona = models.OneToOneField(
        Persona, on_delete=models.CASCADE, primary_key=True, related_name="live_doc"
    )
    snapshot = models.BinaryField()
    # Updates up to this id are reflected in the persona's columns.
    flushed_through = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Live document of persona {self.persona_id}"


class PersonaDocUpdate(models.Model):
    """One accepted Yjs update, appended as it arrives; folded into the snapshot later."""

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="doc_updates")
    data = models.BinaryField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["persona", "id"], name="persona_doc_update_order")]

    def __str__(self) -> str:
        return f"Update {self.pk} of persona {self.persona_id}"
