from django.contrib import admin
from django.urls import include, path

from gongdan.config.api import api
from gongdan.config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    path("settings/", include("gongdan.configuration.urls")),
    path("", include("gongdan.web.urls")),
]
