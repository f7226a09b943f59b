from django.urls import path

from gongdan.integrations import views
from gongdan.integrations.chat import screens as chat_screens
from gongdan.integrations.chat import views as chat_views

app_name = "integrations"

urlpatterns = [
    path("hooks/chat/<int:pk>/", chat_views.callback, name="chat_callback"),
    path("settings/chat-apps/", chat_screens.chat_app_list, name="chat_app_list"),
    path("settings/chat-apps/new/", chat_screens.chat_app_create, name="chat_app_create"),
    path("settings/chat-apps/<int:pk>/", chat_screens.chat_app_edit, name="chat_app_edit"),
    path("settings/chat-apps/<int:pk>/delete/", chat_screens.chat_app_delete, name="chat_app_delete"),
    path("settings/chat-apps/<int:pk>/accounts/", chat_screens.chat_account_add, name="chat_account_add"),
    path(
        "settings/chat-apps/accounts/<int:pk>/remove/",
        chat_screens.chat_account_remove,
        name="chat_account_remove",
    ),
    path("settings/chat-apps/<int:pk>/groups/", chat_screens.chat_group_add, name="chat_group_add"),
    path(
        "settings/chat-apps/groups/<int:pk>/remove/", chat_screens.chat_group_remove, name="chat_group_remove"
    ),
    path("settings/integrations/", views.integration_list, name="integration_list"),
    path("settings/integrations/new/<slug:kind>/", views.integration_create, name="integration_create"),
    path("settings/integrations/<int:pk>/", views.integration_edit, name="integration_edit"),
    path("settings/integrations/<int:pk>/rotate/", views.integration_rotate, name="integration_rotate"),
    path("settings/integrations/<int:pk>/delete/", views.integration_delete, name="integration_delete"),
    path("settings/integrations/<int:pk>/severities/", views.severity_add, name="severity_add"),
    path("settings/integrations/severities/<int:pk>/delete/", views.severity_delete, name="severity_delete"),
    path("settings/integrations/<int:pk>/fields/", views.mapping_add, name="mapping_add"),
    path("settings/integrations/fields/<int:pk>/delete/", views.mapping_delete, name="mapping_delete"),
    path("settings/integrations/<int:pk>/services/", views.service_add, name="service_add"),
    path("settings/integrations/services/<int:pk>/delete/", views.service_delete, name="service_delete"),
]
