"""What a drawn transition may demand besides roles (decision 0151): named checks that must pass, ticket fields
that must hold a value, and an approval to obtain.

Checks are code with a name an admin picks in the editor; the tickets app ships a few and higher apps may
register more from their AppConfig.ready(). The approval gate is registered by gongdan.approvals (the tickets
app imports no higher app): without it, a transition that names an approval cannot be taken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongdan.tickets.models.ticket import OPEN_STATUSES

if TYPE_CHECKING:
    from gongdan.accounts.models import User
    from gongdan.tickets.models import Ticket, WorkflowTransition


@dataclass(frozen=True)
class Check:
    code: str
    label: Promise | str
    passes: Callable[[Ticket], bool]
    failure: Promise | str


class ApprovalGate(Protocol):
    def choices(self) -> list[tuple[str, str]]:
        """(code, label) of the approval flows a transition may name."""

    def allows(
        self, *, actor: User | None, ticket: Ticket, transition: WorkflowTransition, note: str
    ) -> bool:
        """True: the approval was obtained, the move may happen. False: an approval was asked for now and the
        ticket waits (the gate recorded that on the ticket). Raises a domain error when it cannot ask."""


_checks: dict[str, Check] = {}
_gate: list[ApprovalGate] = []

# Ticket fields a transition may require (custom field keys are accepted as well).
TICKET_FIELDS: dict[str, Promise] = {
    "assignee": _("Assignee"),
    "team": _("Team"),
    "category": _("Category"),
    "due_at": _("Due"),
    "location": _("Location"),
    "asset": _("Asset"),
}


def register_check(check: Check) -> None:
    held = _checks.get(check.code)
    if held is not None and held is not check:
        raise ValueError(f"workflow check {check.code!r} is already registered")
    _checks[check.code] = check


def checks() -> dict[str, Check]:
    return dict(_checks)


def register_approval_gate(gate: ApprovalGate) -> None:
    _gate[:] = [gate]


def approval_gate() -> ApprovalGate | None:
    return _gate[0] if _gate else None


def has_value(ticket: Ticket, field: str) -> bool:
    if field in TICKET_FIELDS:
        return getattr(ticket, f"{field}_id", None) is not None or bool(getattr(ticket, field, None))
    value: Any = (ticket.custom_values or {}).get(field)
    return value not in (None, "", [], {})


def _no_open_children(ticket: Ticket) -> bool:
    return not ticket.children.filter(status__in=OPEN_STATUSES).exists()


register_check(Check("has_assignee", _("The ticket has an assignee"), lambda t: t.assignee_id is not None,
                     _("Assign the ticket first.")))  # fmt: skip
register_check(Check("has_category", _("The ticket has a category"), lambda t: t.category_id is not None,
                     _("Choose a category first.")))  # fmt: skip
register_check(Check("no_open_subtickets", _("Every sub-ticket is finished"), _no_open_children,
                     _("Finish the open sub-tickets first.")))  # fmt: skip
