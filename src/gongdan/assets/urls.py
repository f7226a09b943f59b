"""The places settings screens (/settings/locations/, /settings/asset-types/) and the register (/assets/)."""

from django.urls import path

from gongdan.assets import document_views, transfer_views, views

app_name = "assets"

urlpatterns = [
    path("settings/locations/", views.location_list, name="location_list"),
    path("settings/locations/new/", views.location_create, name="location_create"),
    path("settings/locations/<int:pk>/", views.location_edit, name="location_edit"),
    path("settings/asset-types/", views.asset_type_list, name="asset_type_list"),
    path("settings/asset-types/new/", views.asset_type_create, name="asset_type_create"),
    path("settings/asset-types/<int:pk>/", views.asset_type_edit, name="asset_type_edit"),
    path("settings/asset-fields/new/", views.asset_field_create, name="asset_field_create"),
    path("settings/asset-fields/<int:pk>/", views.asset_field_edit, name="asset_field_edit"),
    path("settings/asset-fields/<int:pk>/delete/", views.asset_field_delete, name="asset_field_delete"),
    path("assets/", views.asset_list, name="asset_list"),
    path("assets/new/", views.asset_create, name="asset_create"),
    path("assets/transfer/", transfer_views.register_transfer, name="register_transfer"),
    path(
        "assets/transfer/<str:kind>.<str:file_format>",
        transfer_views.register_download,
        name="register_download",
    ),
    path("assets/new/fields/", views.asset_custom_fields, name="asset_custom_fields"),
    path("assets/<str:code>/", views.asset_detail, name="asset_detail"),
    path("assets/<str:code>/edit/", views.asset_edit, name="asset_edit"),
    path("assets/<str:code>/sensitive/", views.asset_sensitive_value, name="asset_sensitive_value"),
    path("assets/<str:code>/retire/", views.asset_retire, name="asset_retire"),
    path("assets/<str:code>/documents/", document_views.document_upload, name="document_upload"),
    path(
        "assets/<str:code>/documents/<int:document_id>/", document_views.document_file, name="document_file"
    ),
    path(
        "assets/<str:code>/documents/<int:document_id>/thumbnail.jpg",
        document_views.document_thumbnail,
        name="document_thumbnail",
    ),
    path(
        "assets/<str:code>/documents/<int:document_id>/delete/",
        document_views.document_delete,
        name="document_delete",
    ),
    path("a/<str:code>/", views.asset_scan, name="asset_scan"),
]
