from django.urls import path

from gongdan.field import views

app_name = "field"

urlpatterns = [
    path("", views.jobs, name="jobs"),
    path("jobs/<str:number>/", views.job, name="job"),
    path("jobs/<str:number>/activity/", views.job_activity, name="job_activity"),
    path("jobs/<str:number>/finish/", views.job_finish, name="job_finish"),
    path("scan/", views.scan, name="scan"),
    path("approvals/", views.approvals, name="approvals"),
    path("approvals/<int:pk>/", views.approval, name="approval"),
    path("locations/<int:pk>/", views.location, name="location"),
    path("jobs/<str:number>/details/", views.job_details, name="job_details"),
    path("new/", views.ticket_new, name="ticket_new"),
    path("new/fields/", views.ticket_new_fields, name="ticket_new_fields"),
    path("labels/", views.label_sheets, name="labels"),
    path("labels/sheet.<str:fmt>", views.label_sheet, name="label_sheet"),
    path("labels/assets/<str:code>.png", views.asset_label, name="asset_label"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline, name="offline"),
    path("offline/models.json", views.offline_model_list, name="offline_models"),
]
