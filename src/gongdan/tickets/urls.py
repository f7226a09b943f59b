"""The agent's pages (queue, new ticket, the ticket page and its actions) and the ticket settings screens
(categories and their forms, priorities, types, numbering, workflow)."""

from django.urls import path

from gongdan.accounts.views.auth import requesters_to_portal
from gongdan.tickets.views import (
    create,
    form_builder,
    queue,
    saved_views,
    settings_catalogue,
    settings_lifecycle,
    settings_workflow,
    ticket,
)

app_name = "tickets"

urlpatterns = [
    path("", requesters_to_portal(queue.queue), name="queue"),
    path("tickets/bulk/", queue.bulk_action, name="bulk_action"),
    path("queue/panels/<slug:name>/", queue.queue_panel, name="queue_panel"),
    path("queue/density/", queue.queue_density, name="queue_density"),
    path("queue/views/", saved_views.saved_view_new, name="saved_view_new"),
    path("queue/views/<int:view_id>/", saved_views.saved_view_change, name="saved_view_change"),
    path("tickets/new/", create.ticket_new, name="ticket_new"),
    path("tickets/new/fields/", create.category_fields, name="ticket_new_fields"),
    path("tickets/<str:number>/", ticket.ticket_detail, name="ticket_detail"),
    path("tickets/<str:number>/transition/", ticket.ticket_transition, name="ticket_transition"),
    path("tickets/<str:number>/reply/", ticket.ticket_reply, name="ticket_reply"),
    path("tickets/<str:number>/take/", ticket.ticket_take, name="ticket_take"),
    path("tickets/<str:number>/properties/", ticket.ticket_properties, name="ticket_properties"),
    path("tickets/<str:number>/fields/", ticket.ticket_custom_fields, name="ticket_custom_fields"),
    path("tickets/<str:number>/sensitive/", ticket.ticket_sensitive_value, name="ticket_sensitive_value"),
    path("tickets/<str:number>/time/", ticket.ticket_time, name="ticket_time"),
    path("tickets/<str:number>/links/", ticket.ticket_link, name="ticket_link"),
    path("tickets/<str:number>/links/remove/", ticket.ticket_unlink, name="ticket_unlink"),
    path("tickets/<str:number>/merge/", ticket.ticket_merge, name="ticket_merge"),
    path("tickets/<str:number>/preview/", ticket.markdown_preview, name="ticket_preview"),
    path("attachments/<int:attachment_id>/", ticket.attachment_download, name="attachment_download"),
    path("settings/categories/", settings_catalogue.category_list, name="category_list"),
    path("settings/categories/new/", settings_catalogue.category_create, name="category_create"),
    path("settings/categories/<int:pk>/", settings_catalogue.category_edit, name="category_edit"),
    path(
        "settings/categories/<int:category_pk>/fields/new/",
        settings_catalogue.field_create,
        name="field_create",
    ),
    path("settings/fields/<int:pk>/", settings_catalogue.field_edit, name="field_edit"),
    path("settings/fields/<int:pk>/delete/", form_builder.field_delete, name="field_delete"),
    path("settings/categories/<int:pk>/form/", form_builder.form_builder, name="form_builder"),
    path("settings/categories/<int:pk>/form/order/", form_builder.form_order, name="form_order"),
    path("settings/priorities/", settings_lifecycle.priority_list, name="priority_list"),
    path("settings/priorities/<int:pk>/", settings_lifecycle.priority_edit, name="priority_edit"),
    path("settings/ticket-types/", settings_lifecycle.ticket_type_list, name="ticket_type_list"),
    path("settings/ticket-types/<int:pk>/", settings_lifecycle.ticket_type_edit, name="ticket_type_edit"),
    path("settings/numbering/", settings_lifecycle.numbering, name="numbering"),
    path("settings/workflow/", settings_workflow.workflow, name="workflow"),
    path("settings/workflow/<slug:key>/", settings_workflow.workflow_edit, name="workflow_edit"),
    path("settings/workflow/<slug:key>/draft/", settings_workflow.workflow_draft, name="workflow_draft"),
    path(
        "settings/workflow/<slug:key>/validate/",
        settings_workflow.workflow_validate,
        name="workflow_validate",
    ),
    path(
        "settings/workflow/<slug:key>/publish/", settings_workflow.workflow_publish, name="workflow_publish"
    ),
    path(
        "settings/workflow/<slug:key>/discard/", settings_workflow.workflow_discard, name="workflow_discard"
    ),
    path(
        "settings/workflow/<slug:key>/versions/",
        settings_workflow.workflow_versions,
        name="workflow_versions",
    ),
    path(
        "settings/workflow/<slug:key>/versions/<int:number>/export/",
        settings_workflow.workflow_export,
        name="workflow_export",
    ),
    path(
        "settings/workflow/<slug:key>/versions/<int:number>/restore/",
        settings_workflow.workflow_restore,
        name="workflow_restore",
    ),
    path("settings/workflow/<slug:key>/import/", settings_workflow.workflow_import, name="workflow_import"),
    path("settings/desk/", settings_lifecycle.desk_settings, name="desk_settings"),
]
