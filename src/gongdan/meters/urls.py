"""Meters on the asset page (/assets/<code>/meters/…) and the MQTT status (/settings/mqtt/)."""

from django.urls import path

from gongdan.meters import views

app_name = "meters"

urlpatterns = [
    path("assets/<str:code>/meters/new/", views.meter_create, name="meter_create"),
    path("assets/<str:code>/meters/<int:meter_id>/", views.meter_edit, name="meter_edit"),
    path("assets/<str:code>/meters/readings/", views.reading_add, name="reading_add"),
    path("assets/<str:code>/meters/chart.json", views.meter_chart, name="meter_chart"),
    path("assets/<str:code>/model/", views.twin_upload, name="twin_upload"),
    path("models/<int:pk>.glb", views.twin_model_file, name="twin_model_file"),
    path("settings/mqtt/", views.mqtt_status, name="mqtt_status"),
]
