from django.urls import path

from gongdan.notifications.views import admin, agent

app_name = "notifications"

urlpatterns = [
    path("notifications/", agent.notification_list, name="list"),
    path("notifications/bell/", agent.bell, name="bell"),
    path("notifications/read-all/", agent.notification_read_all, name="read_all"),
    path("notifications/<int:pk>/read/", agent.notification_read, name="read"),
    path("notifications/pages/", agent.page_list, name="pages"),
    path("notifications/pages/<int:pk>/ack/", agent.page_ack, name="page_ack"),
    path("notifications/pages/ack/<str:token>/", agent.page_ack_link, name="page_ack_link"),
    path("notifications/tickets/<str:number>/pages/", agent.ticket_pages, name="ticket_pages"),
    path("settings/on-call/", admin.schedule_list, name="schedule_list"),
    path("settings/on-call/new/", admin.schedule_create, name="schedule_create"),
    path("settings/on-call/<int:pk>/", admin.schedule_detail, name="schedule_detail"),
    path("settings/on-call/<int:pk>/edit/", admin.schedule_edit, name="schedule_edit"),
    path(
        "settings/on-call/<int:pk>/overrides/<int:override_id>/delete/",
        admin.override_delete,
        name="override_delete",
    ),
    path("settings/outbox/", admin.outbox_list, name="outbox"),
    path("settings/outbox/<int:pk>/retry/", admin.outbox_retry, name="outbox_retry"),
]
