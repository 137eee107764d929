from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="index"),
    path("calendar/", views.campaign_calendar, name="calendar"),
    path("new/", views.campaign_create, name="create"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/delete/", views.campaign_delete, name="delete"),
    path("<int:pk>/submit/", views.campaign_submit, name="submit"),
    path("<int:pk>/review/", views.campaign_review, name="review"),
    path("<int:pk>/schedule/", views.campaign_schedule, name="schedule"),
    path("<int:pk>/launch/", views.campaign_launch, name="launch"),
    path("<int:pk>/complete/", views.campaign_complete, name="complete"),
    path("<int:pk>/cancel/", views.campaign_cancel, name="cancel"),
    path("<int:pk>/comments/", views.campaign_comment, name="comment"),
]
