from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from portal.errors import Conflict

from . import services
from .models import PERSONA_TEXT_FIELDS, IcpSegment, Persona, PersonaComment, PersonaRevision


class PersonaAdminForm(forms.ModelForm):
    """The admin saves through the same guarded save as the page and the API.

    The save happens in clean(), so a conflict (someone saved since this form was
    opened) comes back as a form error instead of silently overwriting their edit.
    """

    base_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Persona
        fields = PERSONA_TEXT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PERSONA_TEXT_FIELDS:
            if hasattr(self.fields[name], "strip"):
                self.fields[name].strip = False  # text round-trips exactly (see personas.forms)
        if self.instance.pk:
            self.fields["base_version"].initial = self.instance.version
        else:
            self.fields["base_version"].required = False
        self.saved = None

    def clean(self):
        cleaned = super().clean()
        if self.errors or not self.instance.pk:
            return cleaned
        base_version = cleaned["base_version"]
        changes = {
            name: cleaned.get(name) or ""
            for name in self.changed_data
            if name in PERSONA_TEXT_FIELDS
        }
        if not changes:
            return cleaned
        try:
            self.saved = services.save_persona(
                Persona.objects.get(pk=self.instance.pk),
                changes=changes,
                base_version=base_version,
                by=self.user,
            )
        except Conflict as conflict:
            raise ValidationError(
                f"{conflict.message} Reload this page to see the latest version."
            ) from conflict
        return cleaned


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    form = PersonaAdminForm
    list_display = ["name", "role", "owner", "version", "updated_by", "updated_at"]
    search_fields = ["name", "role"]
    readonly_fields = ["version", "owner", "updated_by", "updated_at"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        return form

    def save_model(self, request, obj, form, change):
        if change:
            return  # saved by PersonaAdminForm.clean through services.save_persona
        created = services.create_persona(
            by=request.user, **{n: form.cleaned_data.get(n) or "" for n in PERSONA_TEXT_FIELDS}
        )
        obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        return False  # personas carry history other records point to


@admin.register(PersonaRevision)
class PersonaRevisionAdmin(admin.ModelAdmin):
    list_display = ["persona", "version", "author", "team", "created_at"]
    readonly_fields = [f.name for f in PersonaRevision._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(IcpSegment)
admin.site.register(PersonaComment)
