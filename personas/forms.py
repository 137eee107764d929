from django import forms

from portal.forms import Form, ModelForm

from .models import PERSONA_TEXT_FIELDS, IcpSegment, Persona, Seniority

MARKDOWN_HELP = "Light formatting: **bold**, *italic*, - lists. One idea per line merges best."
TEXTAREA_ROWS = {
    "summary": 3,
    "goals": 5,
    "pains": 5,
    "objections": 4,
    "triggers": 4,
    "decision_criteria": 4,
    "channels": 3,
    "quotes": 4,
}


def persona_field(name: str) -> forms.Field:
    model_field = Persona._meta.get_field(name)
    label = str(model_field.verbose_name).capitalize()
    if name == "seniority":
        return forms.ChoiceField(
            choices=[("", "Not set"), *Seniority.choices], required=False, label=label
        )
    if name in TEXTAREA_ROWS:
        # strip=False: text round-trips exactly, so an untouched line never looks edited.
        return forms.CharField(
            required=False, label=label, help_text=MARKDOWN_HELP, strip=False,
            widget=forms.Textarea(attrs={"rows": TEXTAREA_ROWS[name], "data-section": name}),
        )  # fmt: skip
    return forms.CharField(
        required=(name == "name"), label=label, max_length=model_field.max_length
    )


class PersonaEditForm(Form):
    """Edit any subset of sections. `version` is the version the editor started from."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, sections: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in sections or PERSONA_TEXT_FIELDS:
            self.fields[name] = persona_field(name)
        self.sections = [name for name in PERSONA_TEXT_FIELDS if name in self.fields]
        from portal.forms import style_widgets

        style_widgets(self)

    def submitted(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in self.sections}


class PersonaCreateForm(Form):
    name = forms.CharField(max_length=120)
    role = forms.CharField(max_length=200, required=False, label="Role / titles")
    seniority = forms.ChoiceField(choices=[("", "Not set"), *Seniority.choices], required=False)
    summary = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=MARKDOWN_HELP
    )


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
