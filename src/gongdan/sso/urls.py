"""/sso/<key>/start/ and /sso/<key>/callback/ (the browser's round trip), /settings/sso/… (administrators)."""

from django.urls import path

from gongdan.sso import screens, views

app_name = "sso"

urlpatterns = [
    path("sso/<str:slug>/start/", views.start, name="start"),
    path("sso/<str:slug>/callback/", views.callback, name="callback"),
    path("settings/sso/", screens.provider_list, name="provider_list"),
    path("settings/sso/new/<str:kind>/", screens.provider_create, name="provider_create"),
    path("settings/sso/<int:pk>/", screens.provider_edit, name="provider_edit"),
    path("settings/sso/<int:pk>/delete/", screens.provider_delete, name="provider_delete"),
    path("settings/sso/rules/new/", screens.rule_create, name="rule_create"),
    path("settings/sso/rules/<int:pk>/", screens.rule_edit, name="rule_edit"),
    path("settings/sso/rules/<int:pk>/delete/", screens.rule_delete, name="rule_delete"),
]
