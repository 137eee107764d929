from django.urls import path

from . import views

app_name = "personas"

urlpatterns = [
    path("", views.persona_list, name="index"),
    path("new/", views.persona_create, name="create"),
    path("icp/", views.icp, name="icp"),
    path("icp/new/", views.icp_form, name="icp_create"),
    path("icp/<int:pk>/edit/", views.icp_form, name="icp_edit"),
    path("icp/<int:pk>/delete/", views.icp_delete, name="icp_delete"),
    path("comments/<int:comment_pk>/resolve/", views.comment_resolve, name="comment_resolve"),
    path("<int:pk>/", views.persona_detail, name="detail"),
    path("<int:pk>/edit/", views.persona_edit, name="edit"),
    path("<int:pk>/rebase/", views.persona_rebase, name="rebase"),
    path("<int:pk>/presence/", views.persona_presence, name="presence"),
    path("<int:pk>/history/", views.persona_history, name="history"),
    path("<int:pk>/history/<int:version>/restore/", views.persona_restore, name="restore"),
    path("<int:pk>/comments/", views.comment_create, name="comment"),
]
