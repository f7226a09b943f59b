"""/password/reset/: ask for a link; /password/reset/<token>/: choose the new password."""

from django.urls import path

from gongdan.recovery import views

app_name = "recovery"

urlpatterns = [
    path("password/reset/", views.reset_request, name="request"),
    path("password/reset/<str:token>/", views.reset, name="reset"),
]
