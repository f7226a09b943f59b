"""The places settings screens (/settings/locations/)."""

from django.urls import path

from gongdan.assets import views

app_name = "assets"

urlpatterns = [
    path("settings/locations/", views.location_list, name="location_list"),
    path("settings/locations/new/", views.location_create, name="location_create"),
    path("settings/locations/<int:pk>/", views.location_edit, name="location_edit"),
]
