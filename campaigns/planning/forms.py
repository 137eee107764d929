from django import forms

from personas.models import Persona
from portal.forms import DateInput, DateTimeInput, Form, ModelForm

from ..models import CAMPAIGN_FLOW, Campaign, Channel, ReviewDecision
from .services import CONTENT_FIELDS, EDITABLE_FIELDS


class CampaignForm(ModelForm):
    channels = forms.MultipleChoiceField(
        choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    personas = forms.ModelMultipleChoiceField(
        queryset=Persona.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Who this campaign speaks to.",
    )

    class Meta:
        model = Campaign
        fields = list(EDITABLE_FIELDS)
        widgets = {
            "objective": forms.Textarea(attrs={"rows": 2}),
            "brief": forms.Textarea(attrs={"rows": 8}),
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "launch_at": DateTimeInput(),
        }
        labels = {
            "launch_at": "Planned launch",
            "target_pipeline": "Target pipeline",
            "budget": "Budget",
        }
        help_texts = {
            "launch_at": "In your timezone. You schedule the actual launch after sales approves.",
            "budget": "In your company currency.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("budget", "target_pipeline", "target_leads", "target_mqls"):
            self.fields[name].widget.attrs["min"] = "0"
        campaign = self.instance
        if not campaign.pk:
            return
        # What may change in which status is CAMPAIGN_FLOW's (campaigns.models).
        if not CAMPAIGN_FLOW.allows("edit_story", campaign.status):
            for name in CONTENT_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = "Frozen: sales reviewed the campaign as it is."
        if not CAMPAIGN_FLOW.allows("edit_launch_time", campaign.status):
            self.fields["launch_at"].disabled = True
            self.fields[
                "launch_at"
            ].help_text = "Use Schedule on the campaign page to move the launch."

    def service_fields(self) -> dict:
        """The changed values to hand to the service (disabled fields are left out)."""
        return {
            name: self.cleaned_data[name] for name in self.fields if not self.fields[name].disabled
        }


class ReviewForm(Form):
    decision = forms.ChoiceField(choices=ReviewDecision.choices)
    comment = forms.CharField(
        label="Note to marketing",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required when you request changes: say what your reps need.",
    )


class ScheduleForm(Form):
    launch_at = forms.DateTimeField(
        label="Go live at", widget=DateTimeInput(), help_text="In your timezone."
    )


class CancelForm(Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Why?")


class CommentForm(Form):
    body = forms.CharField(
        label="Comment",
        max_length=5000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": "Ask, suggest or share what customers say…"}
        ),
    )
