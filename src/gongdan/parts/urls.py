from django.urls import path

from gongdan.parts import views

app_name = "parts"

urlpatterns = [
    path("parts/", views.part_list, name="part_list"),
    path("parts/<str:code>/", views.part_detail, name="part_detail"),
    path("parts/<str:code>/receive/", views.part_receive, name="part_receive"),
    path("parts/<str:code>/transfer/", views.part_transfer, name="part_transfer"),
    path("parts/<str:code>/count/", views.part_count, name="part_count"),
    path("tickets/<str:number>/parts/", views.ticket_part_use, name="ticket_part_use"),
    path(
        "tickets/<str:number>/parts/<int:usage_id>/return/",
        views.ticket_part_return,
        name="ticket_part_return",
    ),
    path("settings/parts/", views.catalogue_list, name="catalogue_list"),
    path("settings/parts/new/", views.catalogue_create, name="catalogue_create"),
    path("settings/parts/<int:pk>/", views.catalogue_edit, name="catalogue_edit"),
    path("settings/stores/", views.store_list, name="store_list"),
    path("settings/stores/new/", views.store_create, name="store_create"),
    path("settings/stores/<int:pk>/", views.store_edit, name="store_edit"),
]
