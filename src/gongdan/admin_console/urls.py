from django.urls import path

from gongdan.admin_console.views import home

app_name = "admin_console"

urlpatterns = [
    path("", home.index, name="index"),
]
