"""Forms for the collateral library, talking points and field insights."""

from django import forms

from personas.models import Persona
from portal.forms import DateInput, Form, ModelForm

from ..models import (
    Asset,
    Campaign,
    CampaignStatus,
    FieldInsight,
    InsightKind,
    TalkingPoint,
)
from .services import ASSET_FIELDS, TALKING_POINT_FIELDS


def open_campaigns():
    return Campaign.objects.exclude(status=CampaignStatus.CANCELLED).order_by("name")


class TagsField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return [tag.strip() for tag in value.split(",") if tag.strip()]

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(getattr(tag, "name", tag) for tag in value)
        return value


class AssetForm(ModelForm):
    file = forms.FileField(
        required=False,
        allow_empty_file=True,
        help_text="PDF, Office document, image or video, up to 50 MB.",
    )
    note = forms.CharField(required=False, max_length=300, label="Version note")
    tags = TagsField(required=False, help_text="Comma-separated, e.g. pricing, logistics, sap")
    personas = forms.ModelMultipleChoiceField(
        queryset=Persona.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.none(), required=False)
    field_order = ["title", "kind", "description", "file"]  # then the rest, in ASSET_FIELDS order

    class Meta:
        model = Asset
        fields = [*ASSET_FIELDS, "file"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "review_by": DateInput()}
        labels = {"url": "Or a link", "review_by": "Review by"}
        help_texts = {
            "description": "What it is for and when to use it; sales searches these words.",
            "review_by": "Defaults to 180 days after publishing.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = open_campaigns()
        if self.instance.pk:
            # Files change through "Upload a new version", which keeps the history.
            del self.fields["file"], self.fields["note"]
            self.initial["tags"] = list(self.instance.tags.all())

    def service_fields(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in {"file", "note"}}
        return data


class VersionForm(Form):
    file = forms.FileField(label="New file", allow_empty_file=True)
    note = forms.CharField(required=False, max_length=300, label="What changed?")


class FeedbackForm(Form):
    rating = forms.TypedChoiceField(
        choices=[("", "No rating"), *[(str(i), "★" * i) for i in range(5, 0, -1)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    outdated = forms.BooleanField(required=False, label="This is out of date")
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="If it is outdated, say what changed (pricing, logo, customer left…).",
    )


class TalkingPointForm(ModelForm):
    class Meta:
        model = TalkingPoint
        fields = list(TALKING_POINT_FIELDS)
        widgets = {
            "body": forms.Textarea(attrs={"rows": 3}),
            "response": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = open_campaigns()
        self.fields["campaign"].empty_label = "No campaign"
        self.fields["persona"].queryset = Persona.objects.order_by("name")
        self.fields["persona"].empty_label = "No persona"


class InsightForm(ModelForm):
    class Meta:
        model = FieldInsight
        fields = ["kind", "text", "persona", "campaign", "competitor"]
        labels = {"text": "What did you hear?", "kind": "It was a…"}
        widgets = {"kind": forms.RadioSelect, "text": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"competitor": "For competitor mentions: which one?"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = InsightKind.choices
        self.fields["campaign"].queryset = open_campaigns()
        self.fields["persona"].queryset = Persona.objects.order_by("name")


class AnswerInsightForm(Form):
    talking_point = forms.ModelChoiceField(
        queryset=TalkingPoint.objects.order_by("title"),
        required=False,
        label="Use an existing talking point",
    )
    title = forms.CharField(
        required=False, max_length=200, label="Or write one: the objection or message"
    )
    response = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Recommended answer"
    )
