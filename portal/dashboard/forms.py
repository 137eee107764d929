from datetime import date

from django import forms

from campaigns.models import Campaign
from portal.forms import Form, PlainSelect
from portal.periods import Period, quarters


def recent_quarters(count: int = 8) -> list[tuple[str, str]]:
    """The next quarter, this one and the ones before it, newest first (the dashboard)."""
    first = Period.this_quarter().next()
    return [(period.key, period.label) for period in quarters(first, count, backwards=True)]


def upcoming_quarters(count: int = 4) -> list[tuple[str, str]]:
    """This quarter and the next ones, for proposing targets."""
    return [
        (period.start.isoformat(), period.long_label)
        for period in quarters(Period.this_quarter(), count)
    ]


class TargetProposalForm(Form):
    period = forms.ChoiceField(label="Quarter")
    new_leads = forms.IntegerField(min_value=0, label="New leads")
    mqls = forms.IntegerField(min_value=0, label="MQLs")
    accepted = forms.IntegerField(min_value=0, label="Accepted by sales")
    sqls = forms.IntegerField(min_value=0, label="SQLs")
    pipeline_amount = forms.DecimalField(
        min_value=0, max_digits=14, decimal_places=2, label="Pipeline"
    )
    won_amount = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2, label="Won")
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Why these numbers?"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = upcoming_quarters()

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        quarter = Period.quarter_of(date.fromisoformat(data.pop("period")))
        data["period_start"], data["period_end"] = quarter.start, quarter.end
        return data


class DashboardFilterForm(Form):
    """Which period (a quarter, or from/to dates) and which campaign the dashboard shows."""

    period = forms.ChoiceField(label="Quarter", required=False)
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.only("name").order_by("name"),
        required=False,
        empty_label="All campaigns",
        widget=PlainSelect,  # every campaign: Django's per-option templates cost the page
    )

    def __init__(self, data=None, **kwargs):
        # The API spells the dates from/to (shared/API.md); the page uses the same names.
        if data is not None:
            data = {
                "period": data.get("period", ""),
                "start": data.get("from", data.get("start", "")),
                "end": data.get("to", data.get("end", "")),
                "campaign": data.get("campaign", ""),
            }
            if data["start"] or data["end"]:
                # Typed dates are what the person means, whatever the quarter menu still says.
                data["period"] = ""
        super().__init__(data, **kwargs)
        self.fields["period"].choices = [("", "Custom dates"), *recent_quarters()]
        if data is None:
            self.initial["period"] = Period.this_quarter().key

    def clean_period(self):
        key = self.cleaned_data["period"]
        return Period.from_key(key) if key else None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.errors or cleaned.get("period"):
            return cleaned  # a quarter, with no dates typed
        if not (start or end):
            cleaned["period"] = Period.this_quarter()
            return cleaned
        if not (start and end):
            raise forms.ValidationError("Pick a quarter, or give both dates (from and to).")
        if end < start:
            raise forms.ValidationError("The end date cannot be before the start date.")
        if (end - start).days > 3 * 366:
            raise forms.ValidationError("Pick a period of at most three years.")
        cleaned["period"] = Period(start, end)
        return cleaned
