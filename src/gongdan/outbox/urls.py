"""The outbox's settings screens: every message and its delivery, chat bots, webhooks and their deliveries."""

from django.urls import path

from gongdan.outbox import views

app_name = "outbox"

urlpatterns = [
    path("settings/outbox/", views.outbox_list, name="outbox"),
    path("settings/outbox/<int:pk>/", views.outbox_message, name="outbox_message"),
    path("settings/outbox/<int:pk>/retry/", views.outbox_retry, name="outbox_retry"),
    path("settings/chat-bots/", views.chat_bot_list, name="chat_bot_list"),
    path("settings/chat-bots/new/", views.chat_bot_create, name="chat_bot_create"),
    path("settings/chat-bots/<int:pk>/edit/", views.chat_bot_edit, name="chat_bot_edit"),
    path("settings/webhooks/", views.webhook_list, name="webhook_list"),
    path("settings/webhooks/new/", views.webhook_create, name="webhook_create"),
    path("settings/webhooks/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("settings/webhooks/<int:pk>/edit/", views.webhook_edit, name="webhook_edit"),
    path("settings/webhooks/<int:pk>/rotate-secret/", views.webhook_rotate, name="webhook_rotate"),
    path("settings/deliveries/<int:pk>/replay/", views.delivery_replay, name="delivery_replay"),
]
