from django.urls import path

from . import views

app_name = "collateral"

urlpatterns = [
    path("", views.library, name="index"),
    path("new/", views.asset_create, name="create"),
    path("analytics/", views.analytics, name="analytics"),
    path("<int:pk>/", views.asset_detail, name="detail"),
    path("<int:pk>/edit/", views.asset_edit, name="edit"),
    path("<int:pk>/status/", views.asset_status, name="status"),
    path("<int:pk>/versions/", views.asset_add_version, name="add_version"),
    path("<int:pk>/feedback/", views.asset_feedback, name="feedback"),
    path("<int:pk>/delete/", views.asset_delete, name="delete"),
    path("<int:pk>/download/", views.asset_download, name="download"),
    path("<int:pk>/download/<int:number>/", views.asset_download, name="download_version"),
    path("talking-points/", views.talking_point_list, name="talking_points"),
    path("talking-points/new/", views.talking_point_form, name="talking_point_create"),
    path("talking-points/<int:pk>/edit/", views.talking_point_form, name="talking_point_edit"),
    path(
        "talking-points/<int:pk>/delete/", views.talking_point_delete, name="talking_point_delete"
    ),
    path("talking-points/<int:pk>/move/", views.talking_point_move, name="talking_point_move"),
    path("call-sheet/<int:persona_pk>/", views.call_sheet, name="call_sheet"),
    path("insights/", views.insights, name="insights"),
    path("insights/new/", views.insight_create, name="insight_create"),
    path("insights/<int:pk>/answer/", views.insight_answer, name="insight_answer"),
]
