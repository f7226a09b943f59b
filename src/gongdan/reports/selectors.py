"""Reads of report figures that depend on who asks (rule 2).

Admins and managers see every team's figures; agents and team leads see the figures of the teams they belong
to (not the shared triage pool, nor other teams); requesters see none.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gongdan.accounts.models import Team, User
from gongdan.assets.models import Location
from gongdan.core.domain_errors import PermissionDenied, ValidationFailed
from gongdan.reports import metrics
from gongdan.reports.metrics import ReportFilters, Scope
from gongdan.tickets.access import team_ids
from gongdan.tickets.models import Category, Channel, Priority, Ticket, TicketType


def report_scope(*, actor: User, team: int | None = None) -> Scope:
    """What `actor` may see, narrowed to `team` when given; PermissionDenied for requesters, and for a
    team the actor does not belong to."""
    if not actor.is_active or not actor.is_staff_member:
        raise PermissionDenied(_("Reports are for staff."))
    if actor.sees_everything:
        return Scope(None if team is None else (team,))
    mine = tuple(sorted(team_ids(actor)))
    if team is not None:
        if team not in mine:
            raise ValidationFailed(
                _("You can only see the figures of your own teams."), details={"team": [_("Not your team.")]}
            )
        return Scope((team,))
    return Scope(mine)


class Labels:
    """Names of the ids the rollups hold, loaded once per page (a few small queries)."""

    def __init__(self) -> None:
        self._teams: dict[int, str] | None = None
        self._categories: dict[int, str] | None = None
        self._priorities: dict[int, tuple[int, str]] | None = None
        self._users: dict[int, str] = {}

    def team(self, pk: int) -> str:
        if self._teams is None:
            self._teams = {t.pk: str(t) for t in Team.objects.all()}
        return self._teams.get(pk) or _("No team")

    def category(self, pk: int) -> str:
        if self._categories is None:
            self._categories = {c.pk: str(c) for c in Category.objects.all()}
        return self._categories.get(pk) or _("No category")

    def _priority(self, pk: int) -> tuple[int, str]:
        if self._priorities is None:
            self._priorities = {p.pk: (p.rank, str(p)) for p in Priority.objects.all()}
        return self._priorities.get(pk) or (999, "?")

    def priority(self, pk: int) -> str:
        return self._priority(pk)[1]

    def priority_rank(self, pk: int) -> int:
        return self._priority(pk)[0]

    def channel(self, value: str) -> str:
        return str(Channel(value).label) if value in Channel.values else value

    def preload_users(self, ids: Any) -> None:
        wanted = [i for i in ids if i and i not in self._users]
        for pk, *columns in User.objects.filter(pk__in=wanted).values_list("pk", *User.NAME_COLUMNS):
            self._users[pk] = User.name_from(*columns)

    def user(self, pk: int) -> str:
        if not pk:
            return _("Unassigned")
        if pk not in self._users:
            self.preload_users([pk])
        return self._users.get(pk, "?")


def dashboard_get(*, actor: User, filters: ReportFilters, compare: bool = False) -> metrics.Dashboard:
    scope = report_scope(actor=actor, team=filters.team)
    labels = Labels()
    board = metrics.dashboard(scope, filters, labels=labels, compare=compare)
    return board


def filter_options(*, actor: User) -> dict[str, list[tuple[int, str]]]:
    """Choices for the filter bar: only the actor's teams unless they see everything."""
    teams = Team.objects.all()
    if not actor.sees_everything:
        teams = teams.filter(pk__in=team_ids(actor))
    return {
        "team": [(t.pk, str(t)) for t in teams],
        "category": [(c.pk, str(c)) for c in Category.objects.filter(is_active=True)],
        "ticket_type": [(t.pk, str(t)) for t in TicketType.objects.filter(is_active=True)],
        "priority": [(p.pk, str(p)) for p in Priority.objects.order_by("rank")],
        "location": [
            (pk, full_name or name)
            for pk, full_name, name in Location.objects.order_by("path").values_list(
                "pk", "full_name", "name"
            )[:500]
        ],
    }


def drill_down_tickets(*, actor: User, filters: ReportFilters, params: Any) -> QuerySet[Ticket]:
    """The tickets behind one figure, within what the actor may see."""
    scope = report_scope(actor=actor, team=filters.team)
    fact_ids = metrics.drill_down(scope, filters, params).values("ticket_id")
    return (
        Ticket.objects.filter(pk__in=fact_ids)
        .select_related("priority", "team", "assignee", "category", "ticket_type")
        .defer("search_text", "search_notes", "description_html", "description")
        .order_by("-id")
    )
