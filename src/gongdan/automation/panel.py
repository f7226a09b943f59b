"""The macro picker on the ticket page (a panel registered with tickets.page): the macros the agent may apply,
one click each."""

from __future__ import annotations

from typing import Any

from gongdan.accounts.models import User
from gongdan.automation.selectors import macros_usable
from gongdan.tickets.access import can_work
from gongdan.tickets.models import Ticket


def macro_panel_context(actor: User, ticket: Ticket) -> dict[str, Any] | None:
    if not actor.is_staff_member or not can_work(actor, ticket):
        return None
    macros = list(macros_usable(actor=actor).only("pk", "name", "reply_kind"))
    if not macros:
        return None
    return {"automation_macros": macros, "automation_ticket": ticket}
