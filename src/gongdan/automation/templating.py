"""Reply, note and message templates with placeholders: `{{number}}`, `{{subject}}`, `{{requester}}`,
`{{assignee}}`, `{{team}}`, `{{status}}`, `{{priority}}`, `{{category}}`, `{{agent}}` (whoever applies a
macro; "Gongdan" for a rule) and `{{custom.<key>}}`. Plain substitution, no code: an unknown placeholder is
refused when the template is saved."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from gongdan.tickets.models import Status, Ticket
from gongdan.tickets.reference import reference

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[-a-zA-Z0-9_]+)?)\s*\}\}")
NAMES = ("number", "subject", "requester", "assignee", "team", "status", "priority", "category", "agent")
MAX_TEMPLATE = 10_000


def unknown_placeholders(template: str) -> list[str]:
    return [
        name
        for name in PLACEHOLDER.findall(template or "")
        if name not in NAMES and not (name.startswith("custom.") and len(name) > 7)
    ]


def check_template(template: Any, errors: dict[str, list[str]], where: str, *, required: bool = True) -> str:
    text = str(template or "").strip()
    if required and not text:
        errors[where] = [_("Write the text.")]
    elif len(text) > MAX_TEMPLATE:
        errors[where] = [_("At most %(max)d characters.") % {"max": MAX_TEMPLATE}]
    elif unknown := unknown_placeholders(text):
        errors[where] = [
            _("Unknown placeholder {{%(name)s}}; use %(known)s or custom.<key>.")
            % {"name": unknown[0], "known": ", ".join(NAMES)}
        ]
    return text


def values_for(ticket: Ticket, *, agent: str = "") -> dict[str, str]:
    ref = reference()
    priority = ref.priorities.get(ticket.priority_id)
    category = ref.categories.get(ticket.category_id) if ticket.category_id else None
    team = ref.teams.get(ticket.team_id) if ticket.team_id else None
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "requester": ticket.requester.name if ticket.requester else "",
        "assignee": ticket.assignee.name if ticket.assignee else "",
        "team": str(team) if team else "",
        "status": str(Status(ticket.status).label),
        "priority": str(priority) if priority else "",
        "category": str(category) if category else "",
        "agent": agent or "Gongdan",
    }


def render(template: str, ticket: Ticket, *, agent: str = "") -> str:
    values = values_for(ticket, agent=agent)
    custom = ticket.custom_values or {}

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("custom."):
            value = custom.get(name[7:])
            return "" if value is None else str(value)
        return values.get(name, "")

    return PLACEHOLDER.sub(one, template)
