"""The sections of the settings screens, in the order the home page and the side menu show them."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Section:
    key: str
    url_name: str
    icon: str
    title: str | Promise
    description: str | Promise
    group: str | Promise


PEOPLE = _("People")
TICKETS = _("Tickets")
PLACES = _("Places")

SECTIONS = (
    Section(
        "users",
        "configuration:user_list",
        "ti-users",
        _("Users"),
        _("Accounts, roles, languages and skills of everyone who signs in."),
        PEOPLE,
    ),
    Section(
        "teams",
        "configuration:team_list",
        "ti-users-group",
        _("Teams"),
        _("Teams and departments that own a queue, with their members and leads."),
        PEOPLE,
    ),
    Section(
        "skills",
        "configuration:skill_list",
        "ti-certificate",
        _("Skills"),
        _("What agents are good at, for routing work to the right person."),
        PEOPLE,
    ),
    Section(
        "organisations",
        "configuration:organisation_list",
        "ti-building",
        _("Organisations"),
        _("Customer companies and internal departments, with their service tier."),
        PEOPLE,
    ),
    Section(
        "categories",
        "configuration:category_list",
        "ti-category",
        _("Categories"),
        _("The category tree, its default team and priority, forms and templates."),
        TICKETS,
    ),
    Section(
        "priorities",
        "configuration:priority_list",
        "ti-flag",
        _("Priorities"),
        _("P0 to P4: names and colours, and the default for new tickets."),
        TICKETS,
    ),
    Section(
        "ticket_types",
        "configuration:ticket_type_list",
        "ti-tags",
        _("Ticket types"),
        _("Incident, service request, work order…: names, order and which are offered."),
        TICKETS,
    ),
    Section(
        "numbering",
        "configuration:numbering",
        "ti-hash",
        _("Ticket numbering"),
        _("How ticket numbers read, such as GD-2026-000123."),
        TICKETS,
    ),
    Section(
        "workflow",
        "configuration:workflow",
        "ti-route",
        _("Workflow"),
        _("The lifecycle of a ticket: which moves are allowed and who may make them."),
        TICKETS,
    ),
    Section(
        "locations",
        "configuration:location_list",
        "ti-map-pin",
        _("Locations"),
        _("Sites, buildings, floors and rooms where work happens."),
        PLACES,
    ),
)

# Apps that own settings screens add their sections after the built-in ones (imported last: no cycle).
from gongdan.channels.navigation import SECTIONS as CHANNEL_SECTIONS  # noqa: E402
from gongdan.field.navigation import SECTIONS as FIELD_SECTIONS  # noqa: E402
from gongdan.integrations.navigation import SECTIONS as INTEGRATION_SECTIONS  # noqa: E402
from gongdan.notifications.navigation import SECTIONS as NOTIFICATION_SECTIONS  # noqa: E402
from gongdan.portal.navigation import SECTIONS as PORTAL_SECTIONS  # noqa: E402
from gongdan.reports.navigation import SECTIONS as REPORT_SECTIONS  # noqa: E402
from gongdan.routing.navigation import SECTIONS as ROUTING_SECTIONS  # noqa: E402
from gongdan.sla.navigation import SECTIONS as SLA_SECTIONS  # noqa: E402

SECTIONS = (
    *SECTIONS,
    *ROUTING_SECTIONS,
    *SLA_SECTIONS,
    *NOTIFICATION_SECTIONS,
    *INTEGRATION_SECTIONS,
    *CHANNEL_SECTIONS,
    *PORTAL_SECTIONS,
    *FIELD_SECTIONS,
    *REPORT_SECTIONS,
)
