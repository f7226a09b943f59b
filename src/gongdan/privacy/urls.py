from django.urls import path

from gongdan.privacy import views

app_name = "privacy"

urlpatterns = [
    path("settings/privacy/", views.privacy_home, name="home"),
    path("settings/privacy/people/<int:user_id>/export/", views.person_export, name="person_export"),
    path("settings/privacy/people/<int:user_id>/erase/", views.person_erase, name="person_erase"),
]
