from django.urls import path

from gongdan.routing import views

app_name = "routing"

urlpatterns = [
    path("settings/routing/rules/", views.rule_list, name="rule_list"),
    path("settings/routing/rules/new/", views.rule_create, name="rule_create"),
    path("settings/routing/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("settings/routing/rules/<int:pk>/move/", views.rule_move, name="rule_move"),
    path("settings/routing/rules/<int:pk>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("settings/routing/rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("settings/routing/conditions/row/", views.condition_row, name="condition_row"),
    path("settings/routing/conditions/removed/", views.condition_removed, name="condition_removed"),
    path("settings/routing/dry-run/", views.dry_run, name="dry_run"),
    path("settings/routing/agents/", views.agent_list, name="agent_list"),
    path("settings/routing/agents/<int:pk>/", views.agent_edit, name="agent_edit"),
    path("settings/routing/schedules/", views.schedule_list, name="schedule_list"),
    path("settings/routing/schedules/new/", views.schedule_create, name="schedule_create"),
    path("settings/routing/schedules/<int:pk>/", views.schedule_edit, name="schedule_edit"),
    path("settings/routing/schedules/<int:pk>/delete/", views.schedule_delete, name="schedule_delete"),
    path("settings/routing/", views.routing_settings, name="settings"),
    path(
        "settings/routing/skills/<int:pk>/delete/",
        views.skill_requirement_delete,
        name="skill_requirement_delete",
    ),
    path("routing/presence/", views.my_presence, name="my_presence"),
]
