"""Routes of the ticket page and its actions (owned by the ticket-page work)."""

from django.urls import path

from gongdan.web.views import ticket

urlpatterns = [
    path("tickets/<str:number>/", ticket.ticket_detail, name="ticket_detail"),
    path("attachments/<int:attachment_id>/", ticket.attachment_download, name="attachment_download"),
]
