from django.urls import path

from gongdan.audit import views

app_name = "audit"

urlpatterns = [
    path("audit/", views.entries, name="entries"),
    path("audit/export.jsonl", views.export, name="export"),
    path("audit/<int:seq>/", views.entry_detail, name="entry"),
]
