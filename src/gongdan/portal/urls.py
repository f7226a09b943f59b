from django.urls import path

from gongdan.portal import views, views_settings, views_walk_up

app_name = "portal"

urlpatterns = [
    path("portal/", views.home, name="home"),
    path("portal/sign-in/", views.sign_in, name="sign_in"),
    path("portal/sign-in/<str:token>/", views.link, name="link"),
    path("portal/sign-out/", views.sign_out, name="sign_out"),
    path("portal/lookup/", views.lookup, name="lookup"),
    path("portal/new/", views.request_new, name="request_new"),
    path("portal/new/fields/", views.request_fields, name="request_fields"),
    path("portal/new/similar/", views.suggest, name="suggest"),
    path("portal/requests/<str:number>/", views.request_detail, name="request_detail"),
    path("portal/requests/<str:number>/reply/", views.request_reply, name="request_reply"),
    path("portal/requests/<str:number>/action/", views.request_action, name="request_action"),
    path("portal/report/", views_walk_up.report_new, name="report_new"),
    path("portal/t/<str:token>/", views_walk_up.track, name="track"),
    path("portal/t/<str:token>/files/<int:attachment_id>/", views_walk_up.track_file, name="track_file"),
    path("portal/survey/<str:token>/", views.survey, name="survey"),
    path("settings/portal/", views_settings.portal_settings_view, name="settings"),
]
