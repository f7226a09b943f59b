from django.urls import path

from gongdan.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.dashboard, name="dashboard"),
    path("reports/maintenance/", views.maintenance, name="maintenance"),
    path("reports/tickets/", views.tickets, name="tickets"),
    path("reports/tickets.<str:fmt>", views.tickets_export, name="tickets_export"),
    path("reports/queue.<str:fmt>", views.queue_export, name="queue_export"),
    path("reports/period/", views.report, name="report"),
    path("reports/period.<str:fmt>", views.report, name="report_export"),
    path("reports/download/<str:token>/", views.download, name="download"),
    path("settings/reports/subscriptions/", views.subscription_list, name="subscription_list"),
    path(
        "settings/reports/subscriptions/<int:pk>/delete/",
        views.subscription_delete,
        name="subscription_delete",
    ),
]
