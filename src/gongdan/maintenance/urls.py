from django.urls import path

from gongdan.maintenance import views

app_name = "maintenance"

urlpatterns = [
    path("tickets/<str:number>/asset-down/", views.ticket_asset_down, name="ticket_asset_down"),
]
