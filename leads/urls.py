from django.urls import path

from . import views

app_name = "leads"

urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:pk>/", views.import_preview, name="import_preview"),
    path("import/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("import/<int:pk>/errors.csv", views.import_errors, name="import_errors"),
    path("scoring/", views.scoring_page, name="scoring"),
    path("scoring/settings/", views.scoring_settings, name="scoring_settings"),
    path("scoring/rules/new/", views.rule_form, name="rule_create"),
    path("scoring/rules/<int:pk>/", views.rule_form, name="rule_edit"),
    path("scoring/rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("scoring/rescores/<int:pk>/", views.rescore_job, name="rescore_job"),
    path("sla/", views.sla_page, name="sla"),
    path("sla/propose/", views.sla_propose, name="sla_propose"),
    path("sla/<int:pk>/approve/", views.sla_approve, name="sla_approve"),
    path("availability/", views.availability_page, name="availability"),
    path("availability/away/", views.away_add, name="away_add"),
    path("availability/away/<int:pk>/end/", views.away_end, name="away_end"),
    path("availability/load/", views.load_set, name="load_set"),
    path("availability/<int:user_pk>/reassign/", views.away_reassign, name="away_reassign"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/contacted/", views.contacted, name="contacted"),
    path("<int:pk>/convert/", views.convert, name="convert"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
    path("<int:pk>/recycle/", views.recycle, name="recycle"),
    path("<int:pk>/notes/", views.note, name="note"),
]
