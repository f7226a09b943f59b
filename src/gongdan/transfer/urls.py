from django.urls import path

from gongdan.transfer import views

app_name = "transfer"

urlpatterns = [
    path("settings/configuration/", views.index, name="index"),
    path("settings/configuration/preview/", views.preview, name="preview"),
    path("settings/configuration/import/", views.apply, name="apply"),
    path("settings/configuration/versions/", views.version_save, name="version_save"),
    path("settings/configuration/versions/<int:number>/", views.version_detail, name="version_detail"),
    path("settings/configuration/versions/<int:number>/revert/", views.version_revert, name="version_revert"),
]
