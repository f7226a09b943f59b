"""The ticket sections of the settings screens (registered from the tickets AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section
from gongdan.tickets.models import Category, Priority, TicketType, WorkflowTransition
from gongdan.tickets.reference import reference
from gongdan.tickets.services import numbering_settings

SECTIONS = (
    Section(
        "categories",
        "tickets:category_list",
        "ti-category",
        _("Categories"),
        _("The category tree, its default team and priority, forms and templates."),
        "tickets",
        order=10,
        count=lambda: Category.objects.count(),
    ),
    Section(
        "priorities",
        "tickets:priority_list",
        "ti-flag",
        _("Priorities"),
        _("P0 to P4: names and colours, and the default for new tickets."),
        "tickets",
        order=20,
        count=lambda: Priority.objects.count(),
    ),
    Section(
        "ticket_types",
        "tickets:ticket_type_list",
        "ti-tags",
        _("Ticket types"),
        _("Incident, service request, work order…: names, order and which are offered."),
        "tickets",
        order=30,
        count=lambda: TicketType.objects.filter(is_active=True).count(),
    ),
    Section(
        "numbering",
        "tickets:numbering",
        "ti-hash",
        _("Ticket numbering"),
        _("How ticket numbers read, such as GD-2026-000123."),
        "tickets",
        order=40,
        count=lambda: numbering_settings().prefix,
    ),
    Section(
        "workflow",
        "tickets:workflow",
        "ti-route",
        _("Workflow"),
        _("The lifecycle of a ticket: which moves are allowed and who may make them."),
        "tickets",
        order=50,
        count=lambda: WorkflowTransition.objects.count(),
    ),
    Section(
        "desk",
        "tickets:desk_settings",
        "ti-message-check",
        _("Replies and resolving"),
        _("How the agent's composer resolves tickets: the resolution note from the reply, or apart."),
        "tickets",
        order=60,
        count=lambda: (
            _("Separate note") if reference().desk.separate_resolution_note else _("From the reply")
        ),
    ),
)
