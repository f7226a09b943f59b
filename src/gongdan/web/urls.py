from django.urls import include, path

from gongdan.web.views import auth, create, profile, queue

app_name = "web"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("tickets/bulk/", queue.bulk_action, name="bulk_action"),
    path("queue/panels/<slug:name>/", queue.queue_panel, name="queue_panel"),
    path("tickets/new/", create.ticket_new, name="ticket_new"),
    path("tickets/new/fields/", create.category_fields, name="ticket_new_fields"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("language/", auth.set_language, name="set_language"),
    path("profile/", profile.profile, name="profile"),
    path("profile/tokens/", profile.tokens, name="profile_tokens"),
    path("", include("gongdan.web.urls_ticket")),
]
