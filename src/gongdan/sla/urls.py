from django.urls import path

from gongdan.sla import views

app_name = "sla"

urlpatterns = [
    path("settings/sla/calendars/", views.calendar_list, name="calendar_list"),
    path("settings/sla/calendars/new/", views.calendar_create, name="calendar_create"),
    path("settings/sla/calendars/<int:pk>/", views.calendar_edit, name="calendar_edit"),
    path("settings/sla/calendars/<int:pk>/delete/", views.calendar_delete, name="calendar_delete"),
    path("settings/sla/calendars/<int:pk>/days/", views.day_add, name="day_add"),
    path("settings/sla/calendars/<int:pk>/import/", views.calendar_import, name="calendar_import"),
    path("settings/sla/days/<int:pk>/delete/", views.day_delete, name="day_delete"),
    path("settings/sla/policies/", views.policy_list, name="policy_list"),
    path("settings/sla/policies/new/", views.policy_create, name="policy_create"),
    path("settings/sla/policies/<int:pk>/", views.policy_edit, name="policy_edit"),
    path("settings/sla/policies/<int:pk>/delete/", views.policy_delete, name="policy_delete"),
    path("settings/sla/policies/<int:pk>/steps/", views.step_add, name="step_add"),
    path("settings/sla/steps/<int:pk>/delete/", views.step_delete, name="step_delete"),
]
