from django.urls import path

from gongdan.configuration import views

app_name = "configuration"

urlpatterns = [path("", views.index, name="index")]
