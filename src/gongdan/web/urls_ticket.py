"""Routes of the ticket page and its actions (owned by the ticket-page work)."""

from django.urls import path

from gongdan.web.views import ticket

urlpatterns = [
    path("tickets/<str:number>/", ticket.ticket_detail, name="ticket_detail"),
    path("tickets/<str:number>/transition/", ticket.ticket_transition, name="ticket_transition"),
    path("tickets/<str:number>/reply/", ticket.ticket_reply, name="ticket_reply"),
    path("tickets/<str:number>/properties/", ticket.ticket_properties, name="ticket_properties"),
    path("tickets/<str:number>/fields/", ticket.ticket_custom_fields, name="ticket_custom_fields"),
    path("tickets/<str:number>/time/", ticket.ticket_time, name="ticket_time"),
    path("tickets/<str:number>/links/", ticket.ticket_link, name="ticket_link"),
    path("tickets/<str:number>/links/remove/", ticket.ticket_unlink, name="ticket_unlink"),
    path("tickets/<str:number>/merge/", ticket.ticket_merge, name="ticket_merge"),
    path("tickets/<str:number>/preview/", ticket.markdown_preview, name="ticket_preview"),
    path("attachments/<int:attachment_id>/", ticket.attachment_download, name="attachment_download"),
]
