"""The ticket configuration every ticket change reads — categories with their defaults, priorities, types, the
forms' fields, numbering, the workflow, teams — kept per process and rebuilt when an admin changes it
(gongdan.core.config_cache). The rows are shared by the threads of a process: read them, never change them."""

from __future__ import annotations

from dataclasses import dataclass, field

from gongdan.accounts.models import Team
from gongdan.core.config_cache import cached
from gongdan.core.trees import path_ids
from gongdan.tickets.models import (
    Category,
    CustomField,
    DeskSettings,
    Priority,
    TicketNumbering,
    TicketType,
    WorkflowState,
    WorkflowTransition,
)


@dataclass(frozen=True)
class Reference:
    categories: dict[int, Category] = field(default_factory=dict)
    priorities: dict[int, Priority] = field(default_factory=dict)
    ticket_types: dict[int, TicketType] = field(default_factory=dict)
    teams: dict[int, Team] = field(default_factory=dict)
    fields: dict[int, list[CustomField]] = field(default_factory=dict)  # category → its form, parents' first
    transitions: list[WorkflowTransition] = field(default_factory=list)
    states: list[WorkflowState] = field(default_factory=list)
    numbering: TicketNumbering = field(default_factory=lambda: TicketNumbering(pk=1))
    desk: DeskSettings = field(default_factory=lambda: DeskSettings(pk=1))
    default_priority: Priority | None = None
    default_ticket_type: TicketType | None = None

    def priority_by_code(self, code: str) -> Priority | None:
        return next((p for p in self.priorities.values() if p.code == code), None)

    def ticket_type_by_code(self, code: str) -> TicketType | None:
        return next((t for t in self.ticket_types.values() if t.code == code), None)

    def workflow(self, ticket_type_id: int) -> list[WorkflowTransition]:
        """The type's own transitions if it has any, else the default workflow."""
        own = [t for t in self.transitions if t.ticket_type_id == ticket_type_id]
        return own or [t for t in self.transitions if t.ticket_type_id is None]

    def states_of(self, ticket_type_id: int) -> list[WorkflowState]:
        """The states of the workflow `workflow(ticket_type_id)` reads (decision 0150)."""
        if any(t.ticket_type_id == ticket_type_id for t in self.transitions):
            own = [s for s in self.states if s.ticket_type_id == ticket_type_id]
            if own:
                return own
        return [s for s in self.states if s.ticket_type_id is None]


def _load() -> Reference:
    categories = {
        c.pk: c for c in Category.objects.select_related("default_team", "default_priority", "default_type")
    }
    active = list(CustomField.objects.filter(is_active=True).select_related("category"))
    by_category: dict[int, list[CustomField]] = {}
    for field_ in active:
        by_category.setdefault(field_.category_id, []).append(field_)
    forms: dict[int, list[CustomField]] = {}
    for category in categories.values():
        ids = path_ids(category.path) or [category.pk]
        depth = {cid: i for i, cid in enumerate(ids)}
        rows = [f for cid in ids for f in by_category.get(cid, [])]
        rows.sort(key=lambda f: (depth.get(f.category_id, 0), f.order, f.pk))
        forms[category.pk] = rows
    priorities = {p.pk: p for p in Priority.objects.all()}
    types = {t.pk: t for t in TicketType.objects.all()}
    default_priority = next((p for p in priorities.values() if p.is_default), None) or min(
        priorities.values(), key=lambda p: -p.rank, default=None
    )
    active_types = sorted((t for t in types.values() if t.is_active), key=lambda t: (t.order, t.pk))
    return Reference(
        categories=categories,
        priorities=priorities,
        ticket_types=types,
        teams={t.pk: t for t in Team.objects.all()},
        fields=forms,
        transitions=list(WorkflowTransition.objects.select_related("ticket_type").order_by("order", "pk")),
        states=list(WorkflowState.objects.order_by("order", "pk")),
        numbering=TicketNumbering.objects.filter(pk=1).first() or TicketNumbering(pk=1),
        desk=DeskSettings.objects.filter(pk=1).first() or DeskSettings(pk=1),
        default_priority=default_priority,
        default_ticket_type=active_types[0] if active_types else None,
    )


def reference() -> Reference:
    return cached("tickets.reference", _load)
