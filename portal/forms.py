from datetime import datetime

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.forms.renderers import TemplatesSetting
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .models import User


class TandemFormRenderer(TemplatesSetting):
    """Every form renders its fields through one template (label, widget, help, errors)."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"


def style_widgets(form: forms.BaseForm) -> None:
    """Give widgets Bootstrap's classes, so templates stay free of per-field markup."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(
            widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect
        ):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        classes = widget.attrs.get("class", "").split()
        if css not in classes:  # idempotent: a form may style fields it adds later
            widget.attrs["class"] = " ".join([css, *classes])


class PlainSelect(forms.Select):
    """A <select> whose options are built here, not by a template each.

    Django renders every <option> through two template includes (~0.5 ms each on this
    machine): a filter menu listing every campaign cost a list page or the dashboard tens
    of milliseconds. The markup is the same (a test compares the two)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _ in widget["optgroups"]:
            rows = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (option["value"], flatatt(option["attrs"]), option["label"])
                    for option in options
                ),
            )
            groups.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, rows)
                if group_name
                else rows
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            format_html_join("", "{}", ((group,) for group in groups)),
        )


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker, in the signed-in person's timezone."""

    input_type = "datetime-local"

    def format_value(self, value):
        if isinstance(value, datetime):
            # The form field hands over naive local time already (to_current_timezone).
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            value = value.strftime("%Y-%m-%dT%H:%M")
        return value


class StyledFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class Form(StyledFormMixin, forms.Form):
    pass


class ModelForm(StyledFormMixin, forms.ModelForm):
    pass


class LoginForm(StyledFormMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That username and password do not match. Check both and try again.",
    }


class PasswordChangeStyledForm(StyledFormMixin, PasswordChangeForm):
    pass


class PreferencesForm(ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "timezone", "notify_by_email"]
        help_texts = {"timezone": "Dates and times in Tandem are shown in this timezone."}
