from __future__ import annotations

from django.http import HttpResponse

from gongdan.accounts.models import Organisation, Skill, Team, User
from gongdan.assets.models import Location
from gongdan.configuration.access import AdminRequest, admin_required
from gongdan.configuration.navigation import SECTIONS
from gongdan.configuration.views.page import render_page
from gongdan.tickets.models import Category, Priority, TicketType, WorkflowTransition
from gongdan.tickets.services.numbering import numbering_settings


@admin_required
def index(request: AdminRequest) -> HttpResponse:
    numbering = numbering_settings()
    counts = {
        "users": User.objects.filter(is_active=True).count(),
        "teams": Team.objects.filter(is_active=True).count(),
        "skills": Skill.objects.count(),
        "organisations": Organisation.objects.count(),
        "categories": Category.objects.count(),
        "priorities": Priority.objects.count(),
        "ticket_types": TicketType.objects.filter(is_active=True).count(),
        "workflow": WorkflowTransition.objects.count(),
        "locations": Location.objects.count(),
        "numbering": numbering.prefix,
    }
    groups: dict[str, list] = {}
    for section in SECTIONS:
        groups.setdefault(str(section.group), []).append((section, counts.get(section.key)))
    return render_page(request, "configuration/index.html", groups=groups.items())
