from datetime import date, timedelta

from django import forms
from django.utils import timezone

from portal.forms import Form
from portal.services import quarter_of


def quarter_choices(today: date | None = None, count: int = 4) -> list[tuple[str, str]]:
    start, _ = quarter_of(today or timezone.localdate())
    choices = []
    for _ in range(count):
        first, last = quarter_of(start)
        choices.append(
            (
                first.isoformat(),
                f"Q{(first.month - 1) // 3 + 1} {first.year} ({first:%-d %b} to {last:%-d %b})",
            )
        )
        start = last + timedelta(days=1)
    return choices


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
        self.fields["period"].choices = quarter_choices()

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        start = date.fromisoformat(data.pop("period"))
        data["period_start"], data["period_end"] = quarter_of(start)
        return data
