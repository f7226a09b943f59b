"""On-call: the pages sent to me and their acknowledgement (the mailed links keep their addresses under
/notifications/pages/), and the schedules' settings screens."""

from django.urls import path

from gongdan.oncall import views

app_name = "oncall"

urlpatterns = [
    path("notifications/pages/", views.page_list, name="pages"),
    path("notifications/pages/<int:pk>/ack/", views.page_ack, name="page_ack"),
    path("notifications/pages/ack/<str:token>/", views.page_ack_link, name="page_ack_link"),
    path("notifications/tickets/<str:number>/pages/", views.ticket_pages, name="ticket_pages"),
    path("settings/on-call/", views.schedule_list, name="schedule_list"),
    path("settings/on-call/new/", views.schedule_create, name="schedule_create"),
    path("settings/on-call/<int:pk>/", views.schedule_detail, name="schedule_detail"),
    path("settings/on-call/<int:pk>/edit/", views.schedule_edit, name="schedule_edit"),
    path(
        "settings/on-call/<int:pk>/overrides/<int:override_id>/delete/",
        views.override_delete,
        name="override_delete",
    ),
]
