from django.urls import path

from gongdan.notifications.views import notices, rules

app_name = "notifications"

urlpatterns = [
    path("notifications/", notices.notification_list, name="list"),
    path("notifications/bell/", notices.bell, name="bell"),
    path("notifications/read-all/", notices.notification_read_all, name="read_all"),
    path("notifications/<int:pk>/read/", notices.notification_read, name="read"),
    path("notifications/preferences/", rules.preferences, name="preferences"),
    path("settings/notification-rules/", rules.rule_list, name="rule_list"),
    path("settings/notification-rules/new/", rules.rule_create, name="rule_create"),
    path("settings/notification-rules/<int:pk>/edit/", rules.rule_edit, name="rule_edit"),
    path("settings/notification-rules/<int:pk>/delete/", rules.rule_delete, name="rule_delete"),
]
