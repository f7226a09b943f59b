from django.urls import path

from gongdan.maintenance import views

app_name = "maintenance"

urlpatterns = [
    path("tickets/<str:number>/asset-down/", views.ticket_asset_down, name="ticket_asset_down"),
    path(
        "tickets/<str:number>/checklist/<int:step_id>/", views.pm_checklist_answer, name="pm_checklist_answer"
    ),
    path("maintenance/", views.pm_list, name="pm_list"),
    path("settings/maintenance-plans/", views.pm_plan_list, name="pm_plan_list"),
    path("settings/maintenance-plans/new/", views.pm_plan_create, name="pm_plan_create"),
    path("settings/maintenance-plans/<int:pk>/", views.pm_plan_edit, name="pm_plan_edit"),
    path("settings/checklists/", views.checklist_list, name="checklist_list"),
    path("settings/checklists/new/", views.checklist_create, name="checklist_create"),
]
