from django.urls import path

from gongdan.automation import views

app_name = "automation"

urlpatterns = [
    path("settings/automation/rules/", views.rule_list, name="rule_list"),
    path("settings/automation/rules/new/", views.rule_create, name="rule_create"),
    path("settings/automation/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("settings/automation/rules/<int:pk>/move/", views.rule_move, name="rule_move"),
    path("settings/automation/rules/<int:pk>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("settings/automation/rules/<int:pk>/dry-run/", views.rule_dry_run, name="rule_dry_run"),
    path("settings/automation/rules/<int:pk>/history/", views.rule_history, name="rule_history"),
    path("settings/automation/rules/<int:pk>/versions/", views.rule_versions, name="rule_versions"),
    path("settings/automation/rules/<int:pk>/revert/", views.rule_revert, name="rule_revert"),
    path("settings/automation/rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("settings/automation/rows/condition/", views.condition_row, name="condition_row"),
    path("settings/automation/rows/action/", views.action_row, name="action_row"),
    path("settings/automation/rows/removed/", views.row_removed, name="row_removed"),
    path("settings/automation/transfer/", views.transfer, name="transfer"),
    path("settings/automation/macros/", views.macro_list, name="macro_list"),
    path("settings/automation/macros/new/", views.macro_create, name="macro_create"),
    path("settings/automation/macros/<int:pk>/", views.macro_edit, name="macro_edit"),
    path("settings/automation/macros/<int:pk>/versions/", views.macro_versions, name="macro_versions"),
    path("settings/automation/macros/<int:pk>/revert/", views.macro_revert, name="macro_revert"),
    path("settings/automation/macros/<int:pk>/delete/", views.macro_delete, name="macro_delete"),
    path("tickets/<str:number>/macro/", views.macro_apply, name="macro_apply"),
]
