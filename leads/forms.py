from datetime import datetime, time

from django import forms
from django.core.exceptions import ValidationError

from campaigns.models import Campaign
from portal.filters import PersonField
from portal.forms import Form, ModelForm
from portal.models import User

from .imports import IMPORTABLE
from .models import CONVERSION_TARGETS, EventKind, LeadStage, RejectionReason, ScoringRule
from .scoring import SCORABLE_FIELDS
from .services import sla
from .working_time import WEEKDAYS


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
    """The SLA's windows and working hours; lines of text for region hours and holidays."""

    accept_within_hours = forms.IntegerField(
        min_value=1, max_value=720, label="Accept or reject within (hours)"
    )
    contact_within_hours = forms.IntegerField(
        min_value=1, max_value=720, label="First contact within (hours)"
    )
    around_the_clock = forms.BooleanField(
        required=False, label="Count every hour (no working hours)",
        help_text="Otherwise the clocks count only working hours, in each owner's time zone.",
    )  # fmt: skip
    days = forms.MultipleChoiceField(
        choices=[(day, day) for day in WEEKDAYS], required=False, label="Working days",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )  # fmt: skip
    opens = forms.TimeField(
        required=False, label="Day starts", widget=forms.TimeInput(attrs={"type": "time"})
    )
    closes = forms.TimeField(
        required=False, label="Day ends", widget=forms.TimeInput(attrs={"type": "time"})
    )
    region_hours = forms.CharField(
        required=False, label="Other hours for a region",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "APAC: Mon-Fri 08:00-16:00"}),
        help_text="One region per line, e.g. “APAC: Mon-Fri 08:00-16:00”.",
    )  # fmt: skip
    holidays = forms.CharField(
        required=False, label="Public holidays",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2026-12-25 Christmas Day"}),
        help_text="One per line: “2026-12-25 Christmas Day”, or “2026-12-26 EMEA: Boxing Day” for one region.",
    )  # fmt: skip

    @classmethod
    def initial_from(cls, policy) -> dict:
        """The form filled in from a policy; one without working hours suggests Mon-Fri 09-17."""
        hours = {entry["region"]: entry for entry in policy.working_hours}
        default = hours.pop("", {"days": WEEKDAYS[:5], "start": "09:00", "end": "17:00"})
        return {
            "accept_within_hours": policy.accept_within_hours,
            "contact_within_hours": policy.contact_within_hours,
            "around_the_clock": False,
            "days": default["days"],
            "opens": default["start"],
            "closes": default["end"],
            "region_hours": "\n".join(sla.hours_line(entry) for entry in hours.values()),
            "holidays": "\n".join(sla.holiday_line(holiday) for holiday in policy.holidays),
        }

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        hours = []
        if not data["around_the_clock"]:
            if not data["days"]:
                self.add_error("days", "Tick the working days, or count every hour.")
            if not (data["opens"] and data["closes"]):
                self.add_error("closes", "Give the hours of a working day, e.g. 09:00 to 17:00.")
            if self.errors:
                return data
            hours.append({"region": "", "days": data["days"], "start": f"{data['opens']:%H:%M}",
                          "end": f"{data['closes']:%H:%M}"})  # fmt: skip
            for line in filter(None, map(str.strip, data["region_hours"].splitlines())):
                try:
                    hours.append(sla.parse_hours_line(line))
                except (KeyError, ValueError):
                    self.add_error(
                        "region_hours", f"“{line[:60]}”: write it as “APAC: Mon-Fri 08:00-16:00”."
                    )
        elif data["region_hours"].strip():
            self.add_error(
                "region_hours", "Region hours need working hours; untick “Count every hour”."
            )
        holidays = [
            sla.parse_holiday_line(line)
            for line in filter(None, map(str.strip, data["holidays"].splitlines()))
        ]
        if self.errors:
            return data
        try:
            data["working_hours"], data["holiday_list"] = sla.clean_calendar(hours, holidays)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error("holidays" if name == "holidays" else "region_hours", messages)
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "accept_within_hours": data["accept_within_hours"],
            "contact_within_hours": data["contact_within_hours"],
            "working_hours": data["working_hours"],
            "holidays": data["holiday_list"],
        }


class AwayForm(Form):
    """Out of office by whole days in the person's time zone: from the first day away until
    the morning they are back."""

    user = forms.ModelChoiceField(
        queryset=User.objects.sales().order_by("first_name", "username"), required=False,
        label="Who", empty_label="Me",
    )  # fmt: skip
    starts_at = forms.DateField(
        label="First day away", widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_at = forms.DateField(label="Back on", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(required=False, max_length=200, label="Note (optional)")

    def service_fields(self, me) -> dict:
        """The person and the period as moments: midnight at the start of each day, theirs."""
        data = self.cleaned_data
        person = data["user"] or me
        zone = sla.zone_of(person)
        return {
            "person": person,
            "starts_at": datetime.combine(data["starts_at"], time(0), zone),
            "ends_at": datetime.combine(data["ends_at"], time(0), zone),
            "note": data["note"],
        }


class LoadForm(Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.sales().order_by("first_name", "username"), required=False,
        label="Who", empty_label="Me",
    )  # fmt: skip
    capacity = forms.IntegerField(
        required=False, min_value=1, max_value=10_000, label="Open MQLs at most",
        help_text="Empty: no limit. New leads skip anyone holding this many.",
    )  # fmt: skip
    weight = forms.IntegerField(
        min_value=1, max_value=10, initial=1, label="Share of new leads (weight)",
        help_text="2 gets twice the leads of 1.",
    )  # fmt: skip
