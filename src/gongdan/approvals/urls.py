from django.urls import path

from gongdan.approvals import views

app_name = "approvals"

urlpatterns = [
    path("approvals/", views.mine, name="mine"),
    path("approvals/<int:pk>/", views.task_detail, name="task"),
    path("approvals/link/<str:token>/", views.link, name="link"),
    path("approvals/delegations/", views.delegation_add, name="delegation_add"),
    path("approvals/delegations/<int:pk>/end/", views.delegation_end, name="delegation_end"),
    path("approvals/tickets/<str:number>/start/", views.start, name="start"),
    path("settings/approvals/", views.flow_list, name="flow_list"),
    path("settings/approvals/new/", views.flow_create, name="flow_create"),
    path("settings/approvals/import/", views.flow_import, name="flow_import"),
    path("settings/approvals/<int:pk>/", views.flow_edit, name="flow_edit"),
    path("settings/approvals/<int:pk>/delete/", views.flow_delete, name="flow_delete"),
    path("settings/approvals/<int:pk>/export.json", views.flow_export, name="flow_export"),
    path("settings/approvals/<int:pk>/versions/", views.flow_versions, name="flow_versions"),
    path("settings/approvals/<int:pk>/revert/", views.flow_revert, name="flow_revert"),
    path("settings/approvals/<int:pk>/stages/", views.stage_add, name="stage_add"),
    path("settings/approvals/stages/<int:pk>/delete/", views.stage_delete, name="stage_delete"),
    path("settings/approvals/stages/<int:pk>/move/", views.stage_move, name="stage_move"),
]
