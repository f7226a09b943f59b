from django.contrib import admin
from django.urls import include, path
from django.urls.resolvers import RoutePattern

from gongdan.accounts.views.auth import login_view
from gongdan.project.deferred_urls import DeferredURLResolver
from gongdan.project.health import healthz

# The REST API is mounted by its module's name: Django imports gongdan.project.api_urls (ninja's routers and
# the API's ~700 pydantic schemas, a second of a start) on the first request under /api/v1/ or the first
# reverse("api:…"), not when the first page is served (decision 0176).
API_URLS = DeferredURLResolver(
    RoutePattern("api/v1/"), "gongdan.project.api_urls", app_name="ninja", namespace="api"
)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    API_URLS,
    # The Django admin signs in through our sign-in page, so the second factor and the lockout apply there too.
    path("django-admin/login/", login_view),
    path("django-admin/", admin.site.urls),
    path("", include("gongdan.notifications.urls")),  # /notifications/…, /settings/notification-rules/
    path("", include("gongdan.oncall.urls")),  # /notifications/pages/…, /settings/on-call/…
    path("", include("gongdan.outbox.urls")),  # /settings/outbox/, /settings/chat-bots/, /settings/webhooks/
    path("", include("gongdan.routing.urls")),  # /settings/routing/…, /routing/presence/
    path("", include("gongdan.maintenance.urls")),  # /tickets/<number>/asset-down/
    path("", include("gongdan.meters.urls")),  # /assets/<code>/meters/…, /settings/mqtt/
    path("", include("gongdan.parts.urls")),  # /parts/…, /tickets/<number>/parts/…, /settings/parts/
    path("", include("gongdan.rounds.urls")),  # /rounds/…, /settings/rounds/…, /m/rounds/… (the phone)
    path("", include("gongdan.sla.urls")),  # /settings/sla/…
    path("", include("gongdan.transfer.urls")),  # /settings/configuration/…
    path("", include("gongdan.automation.urls")),  # /settings/automation/…, /automation/macros/…
    path("", include("gongdan.integrations.urls")),  # /settings/integrations/…
    path("", include("gongdan.channels.urls")),  # /settings/mailboxes/…, /settings/incoming-mail/…
    path("", include("gongdan.approvals.urls")),  # /approvals/…, /settings/approvals/…
    path("", include("gongdan.portal.urls")),  # /portal/…, /settings/portal/
    path("m/", include("gongdan.field.urls")),  # the technician's phone app
    path("", include("gongdan.reports.urls")),  # /reports/…
    path("", include("gongdan.privacy.urls")),  # /settings/privacy/…
    path("settings/", include("gongdan.admin_console.urls")),
    path("", include("gongdan.audit.urls")),  # /audit/…
    path("", include("gongdan.mfa.urls")),  # /login/verify/, /account/two-factor/, /security/two-factor/
    path("", include("gongdan.sso.urls")),  # /sso/<key>/start/, /settings/sso/
    path("", include("gongdan.recovery.urls")),  # /password/reset/…
    path("", include("gongdan.accounts.urls")),  # /login/, /profile/, /settings/users/…
    path("", include("gongdan.assets.urls")),  # /settings/locations/
    path("", include("gongdan.tickets.urls")),  # the queue, /tickets/…, /settings/categories/…
]
