import re

from django import forms

from portal.forms import Form, ModelForm, style_widgets

from .models import (
    BASIC_FIELDS,
    PERSONA_TEXT_FIELDS,
    SECTION_FIELDS,
    SECTION_MAX_CHARS,
    IcpSegment,
    Persona,
    Seniority,
    field_label,
)

# A conflict's resolution starts with both versions, each under a marker line; the page
# refuses to save while a marker is left, so nobody drops the other side by accident.
THEIRS_MARK = "<<< {who}'s version"
YOURS_MARK = ">>> Your version"
MARKER_LINE = re.compile(r"^(<<< .*'s version|>>> Your version)\s*$", re.MULTILINE)


def both_marked(who: str, theirs: str, yours: str) -> str:
    return f"{THEIRS_MARK.format(who=who)}\n{theirs.rstrip()}\n{YOURS_MARK}\n{yours.rstrip()}\n"


MARKDOWN_HELP = "Light formatting: **bold**, *italic*, - lists. One idea per line merges best."


def persona_field(name: str) -> forms.Field:
    """The form field for one persona field, from the model's declaration."""
    model_field = Persona._meta.get_field(name)
    if name in SECTION_FIELDS:
        # strip=False: text round-trips exactly, so an untouched line never looks edited.
        return forms.CharField(
            required=False,
            label=field_label(name),
            help_text=MARKDOWN_HELP,
            strip=False,
            max_length=SECTION_MAX_CHARS,
            widget=forms.Textarea(attrs={"rows": 4, "data-section": name}),
        )
    field = model_field.formfield()
    field.label = field_label(name)
    if name == "seniority":
        field.choices = [("", "Not set"), *Seniority.choices]
    return field


class PersonaEditForm(Form):
    """Edit any subset of sections. `version` is the version the editor started from."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, sections: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in sections or PERSONA_TEXT_FIELDS:
            self.fields[name] = persona_field(name)
        self.sections = [name for name in PERSONA_TEXT_FIELDS if name in self.fields]
        style_widgets(self)

    def clean(self):
        cleaned = super().clean()
        for name in self.sections:
            if MARKER_LINE.search(cleaned.get(name) or ""):
                self.add_error(
                    name,
                    "Both versions are still here: keep what should stay, and delete the "
                    "“<<< …'s version” and “>>> Your version” lines.",
                )
        return cleaned

    def submitted(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in self.sections}


class PersonaCreateForm(Form):
    """A new persona starts with its basics and a summary; both teams fill in the rest."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in [*BASIC_FIELDS, "summary"]:
            self.fields[name] = persona_field(name)
        style_widgets(self)


class CommentForm(Form):
    section = forms.ChoiceField(
        choices=[(name, name) for name in PERSONA_TEXT_FIELDS], widget=forms.HiddenInput
    )
    body = forms.CharField(
        max_length=5000, label="Comment",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Suggest a change; @username to ask someone"}),
    )  # fmt: skip


class ListField(forms.CharField):
    """Comma-separated words in the form, a list in the model."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        value = super().to_python(value)
        return [item.strip() for item in value.split(",") if item.strip()]


class IcpSegmentForm(ModelForm):
    industries = ListField(required=False, help_text="Comma-separated, e.g. Logistics, Retail")
    regions = ListField(required=False, help_text="Regions or country codes, e.g. EMEA, DE, US")
    technologies = ListField(required=False, help_text="e.g. SAP EWM, Manhattan")
    exclusions = ListField(
        required=False, help_text="Anything that rules a company out, e.g. Government"
    )

    class Meta:
        model = IcpSegment
        fields = [
            "name", "description", "industries", "employees_min", "employees_max", "revenue_min", "revenue_max",
            "regions", "technologies", "exclusions", "is_active",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {"employees_min": "Employees from", "employees_max": "Employees to",
                  "revenue_min": "Revenue from", "revenue_max": "Revenue to", "is_active": "Used for scoring"}  # fmt: skip
