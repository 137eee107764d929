from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from campaigns.messaging import api as collateral_api
from campaigns.planning import api as campaigns_api
from leads import api as leads_api
from personas import api as personas_api

from . import api, oidc, views
from .dashboard import api as dashboard_api
from .dashboard import views as dashboard_views

router = api.Router()
router.register("notifications", api.NotificationViewSet, basename="notification")
router.register("campaigns", campaigns_api.CampaignViewSet, basename="campaign")
router.register("talking-points", collateral_api.TalkingPointViewSet, basename="talking-point")
router.register("assets", collateral_api.AssetViewSet, basename="asset")
router.register("field-insights", collateral_api.FieldInsightViewSet, basename="field-insight")
router.register("personas", personas_api.PersonaViewSet, basename="persona")
router.register("icp-segments", personas_api.IcpSegmentViewSet, basename="icp-segment")
router.register("leads", leads_api.LeadViewSet, basename="lead")
router.register("scoring-rules", leads_api.ScoringRuleViewSet, basename="scoring-rule")
router.register("lead-imports", leads_api.LeadImportViewSet, basename="lead-import")

api_urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="token"),
    path("me/", api.MeView.as_view(), name="me"),
    path("lead-events/", leads_api.LeadEventView.as_view(), name="lead-events"),
    path(
        "campaigns/<int:pk>/lead-quality/",
        leads_api.CampaignLeadQualityView.as_view(),
        name="campaign-lead-quality",
    ),
    path("rejection-reasons/", leads_api.RejectionReasonList.as_view(), name="rejection-reasons"),
    path("scoring-settings/", leads_api.ScoringSettingsView.as_view(), name="scoring-settings"),
    path("sla-policy/", leads_api.SlaPolicyView.as_view(), name="sla-policy"),
    path("sla-policy/approve/", leads_api.SlaApproveView.as_view(), name="sla-policy-approve"),
    path("availability/", leads_api.AvailabilityView.as_view(), name="availability"),
    path("availability/away/", leads_api.AwayPeriodCreateView.as_view(), name="away-periods"),
    path(
        "availability/away/<int:pk>/", leads_api.AwayPeriodDetailView.as_view(), name="away-period"
    ),
    path("availability/<int:user_pk>/load/", leads_api.RepLoadView.as_view(), name="rep-load"),
    path(
        "availability/<int:user_pk>/reassign/",
        leads_api.AwayReassignView.as_view(),
        name="away-reassign",
    ),
    path(
        "lead-assignment-preview/",
        leads_api.AssignmentPreviewView.as_view(),
        name="lead-assignment-preview",
    ),
    path("dashboard/funnel/", dashboard_api.FunnelView.as_view(), name="dashboard-funnel"),
    path("dashboard/sla/", dashboard_api.SlaView.as_view(), name="dashboard-sla"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # A page people open in a browser: signed-out visitors go to the login page.
    path(
        "docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    *router.urls,
]


urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Accounts
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/company/", login_not_required(oidc.SignInView.as_view()), name="company_sign_in"),
    path(
        "login/company/callback/",
        login_not_required(oidc.CallbackView.as_view()),
        name="company_sign_in_callback",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", views.account, name="account"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/api-token/revoke/", views.revoke_api_token, name="revoke_api_token"),
    # Inbox
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.mark_all_notifications_read, name="inbox_read_all"),
    path("inbox/<int:pk>/", views.open_notification, name="notification_open"),
    path("inbox/<int:pk>/read/", views.mark_notification_read, name="notification_read"),
    # Feature areas
    path("campaigns/", include("campaigns.planning.urls")),
    path("collateral/", include("campaigns.messaging.urls")),
    path("personas/", include("personas.urls")),
    path("leads/", include("leads.urls")),
    path("dashboard/", include("portal.dashboard.urls")),
    # API and admin
    path("api/", include((api_urlpatterns, "api"))),
    path("admin/", admin.site.urls),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
