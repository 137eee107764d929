from django import forms

from campaigns.models import Campaign
from portal.filters import PersonField
from portal.forms import Form, ModelForm
from portal.models import User

from .imports import IMPORTABLE
from .models import CONVERSION_TARGETS, EventKind, LeadStage, RejectionReason, ScoringRule
from .scoring import SCORABLE_FIELDS


class LeadFilterForm(Form):
    """Filters shared by the lead list page and GET /api/leads/."""

    stage = forms.ChoiceField(choices=[("", "Any stage"), *LeadStage.choices], required=False)
    owner = PersonField()
    source_campaign = forms.IntegerField(required=False, min_value=1)
    min_score = forms.IntegerField(required=False)
    q = forms.CharField(required=False, max_length=100)
    breached = forms.BooleanField(required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].me = user


class RejectForm(Form):
    reason = forms.ModelChoiceField(
        queryset=RejectionReason.objects.filter(active=True),
        to_field_name="code",
        empty_label="Pick a reason",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text="Marketing reads this: be specific."
    )


class ConvertForm(Form):
    stage = forms.ChoiceField(
        choices=[(stage, LeadStage(stage).label) for stage in CONVERSION_TARGETS]
    )
    amount = forms.DecimalField(required=False, min_value=0, max_digits=14, decimal_places=2,
                                help_text="Pipeline for an opportunity, value for a win.")  # fmt: skip


class ReassignForm(Form):
    owner = forms.ModelChoiceField(
        queryset=User.objects.sales().order_by("first_name", "last_name"), label="Give it to"
    )
    reason = forms.CharField(required=False, max_length=200)


class NoteForm(Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What happened on the call?"}),
        label="Note",
    )


class ImportUploadForm(Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, comma or semicolon separated, with a header row.",
                           allow_empty_file=True)  # fmt: skip
    source_campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("-created_at"),
        required=False,
        label="Campaign these leads came from",
    )


class MappingForm(Form):
    """One select per CSV column: which lead field it fills (or not imported)."""

    def __init__(self, *args, header: list[str], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            ("", "Not imported"),
            *[(f, f.replace("_", " ").capitalize()) for f in IMPORTABLE],
        ]
        self.columns = header
        for index, column in enumerate(header):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                choices=choices,
                required=False,
                label=column,
                initial=initial_mapping.get(column, ""),
            )
        from portal.forms import style_widgets

        style_widgets(self)

    def mapping(self) -> dict[str, str]:
        return {
            column: self.cleaned_data.get(f"col_{i}", "") for i, column in enumerate(self.columns)
        }


class RuleForm(ModelForm):
    value = forms.CharField(
        required=False,
        help_text="One value; a list separated by commas (is one of); two numbers 'low, high' (between); "
        "or pick an ICP segment id.",
    )

    class Meta:
        model = ScoringRule
        fields = ["name", "kind", "field", "operator", "value", "event_kind", "points", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"] = forms.ChoiceField(
            choices=[("", "—"), *[(f, f.replace("_", " ")) for f in sorted(SCORABLE_FIELDS)]],
            required=False,
        )
        self.fields["event_kind"] = forms.ChoiceField(
            choices=[("", "—"), *EventKind.choices], required=False
        )
        self.fields["operator"].required = False
        if self.instance.pk and self.instance.value is not None:
            value = self.instance.value
            self.initial["value"] = (
                ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
            )
        from portal.forms import style_widgets

        style_widgets(self)

    def clean_value(self):
        raw = self.cleaned_data["value"].strip()
        operator = self.data.get("operator") or ""
        if operator in ("in", "between"):
            items = [item.strip() for item in raw.split(",") if item.strip()]
            if operator == "between":
                try:
                    return [float(i) if "." in i else int(i) for i in items]
                except ValueError:
                    raise forms.ValidationError("Two numbers: low, high.") from None
            return items
        if operator in ("gte", "lte"):
            try:
                return float(raw) if "." in raw else int(raw)
            except ValueError:
                raise forms.ValidationError("A number.") from None
        return raw or None

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ScoringSettingsForm(Form):
    mql_threshold = forms.IntegerField(min_value=1, max_value=10_000, label="MQL threshold")
    engagement_half_life_days = forms.IntegerField(
        min_value=1, max_value=365, label="Engagement half-life (days)"
    )


class SlaForm(Form):
    accept_within_hours = forms.IntegerField(
        min_value=1, max_value=720, label="Accept or reject within (hours)"
    )
    contact_within_hours = forms.IntegerField(
        min_value=1, max_value=720, label="First contact within (hours)"
    )

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)
