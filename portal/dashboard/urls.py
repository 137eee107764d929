from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("export/<slug:table>.csv", views.export_csv, name="export"),
    path("targets/", views.targets, name="targets"),
    path("targets/<int:pk>/approve/", views.approve_targets, name="approve_targets"),
]
