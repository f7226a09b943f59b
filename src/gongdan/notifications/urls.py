from django.urls import path

from gongdan.notifications.views import admin, agent, integrations

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
    path("notifications/preferences/", integrations.preferences, name="preferences"),
    path("settings/notification-rules/", integrations.rule_list, name="rule_list"),
    path("settings/notification-rules/new/", integrations.rule_create, name="rule_create"),
    path("settings/notification-rules/<int:pk>/edit/", integrations.rule_edit, name="rule_edit"),
    path("settings/notification-rules/<int:pk>/delete/", integrations.rule_delete, name="rule_delete"),
    path("settings/chat-bots/", integrations.chat_bot_list, name="chat_bot_list"),
    path("settings/chat-bots/new/", integrations.chat_bot_create, name="chat_bot_create"),
    path("settings/chat-bots/<int:pk>/edit/", integrations.chat_bot_edit, name="chat_bot_edit"),
    path("settings/webhooks/", integrations.webhook_list, name="webhook_list"),
    path("settings/webhooks/new/", integrations.webhook_create, name="webhook_create"),
    path("settings/webhooks/<int:pk>/", integrations.webhook_detail, name="webhook_detail"),
    path("settings/webhooks/<int:pk>/edit/", integrations.webhook_edit, name="webhook_edit"),
    path("settings/webhooks/<int:pk>/rotate-secret/", integrations.webhook_rotate, name="webhook_rotate"),
    path("settings/deliveries/<int:pk>/replay/", integrations.delivery_replay, name="delivery_replay"),
]
