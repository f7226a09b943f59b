from django.urls import path

from gongdan.web import views

app_name = "web"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("login/", views.login, name="login"),
    path("logout/", views.login, name="logout"),
]
