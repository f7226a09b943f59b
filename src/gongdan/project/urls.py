from django.contrib import admin
from django.urls import include, path

from gongdan.accounts.views.auth import login_view
from gongdan.project.api import api
from gongdan.project.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    # The Django admin signs in through our sign-in page, so the second factor and the lockout apply there too.
    path("django-admin/login/", login_view),
    path("django-admin/", admin.site.urls),
    path("", include("gongdan.notifications.urls")),  # /notifications/…, /settings/notification-rules/
    path("", include("gongdan.oncall.urls")),  # /notifications/pages/…, /settings/on-call/…
    path("", include("gongdan.outbox.urls")),  # /settings/outbox/, /settings/chat-bots/, /settings/webhooks/
    path("", include("gongdan.routing.urls")),  # /settings/routing/…, /routing/presence/
    path("", include("gongdan.maintenance.urls")),  # /tickets/<number>/asset-down/
    path("", include("gongdan.meters.urls")),
    path(
        "", include("gongdan.parts.urls")
    ),  # /parts/…, /tickets/<number>/parts/…, /settings/parts/  # /assets/<code>/meters/…, /settings/mqtt/
    path("", include("gongdan.sla.urls")),  # /settings/sla/…
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
