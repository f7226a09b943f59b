from django.urls import path

from gongdan.rounds import views

app_name = "rounds"

urlpatterns = [
    path("rounds/", views.run_list, name="run_list"),
    path("rounds/runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("settings/rounds/", views.round_list, name="round_list"),
    path("settings/rounds/new/", views.round_create, name="round_create"),
    path("settings/rounds/<int:pk>/", views.round_edit, name="round_edit"),
    path("m/rounds/", views.phone_today, name="phone_today"),
    path("m/rounds/<int:pk>/", views.phone_run, name="phone_run"),
    path("m/rounds/<int:pk>/finish/", views.phone_finish, name="phone_finish"),
    path("m/rounds/<int:pk>/stops/<int:visit_id>/", views.phone_stop, name="phone_stop"),
    path("m/rounds/<int:pk>/stops/<int:visit_id>/check-in/", views.phone_check_in, name="phone_check_in"),
    path("m/rounds/<int:pk>/stops/<int:visit_id>/confirm/", views.phone_confirm, name="phone_confirm"),
    path("m/rounds/<int:pk>/stops/<int:visit_id>/answers/", views.phone_answers, name="phone_answers"),
]
