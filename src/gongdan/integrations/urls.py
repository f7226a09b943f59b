from django.urls import path

from gongdan.integrations import views

app_name = "integrations"

urlpatterns = [
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
