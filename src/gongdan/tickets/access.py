"""Who may see and work which tickets: the one place these rules live (rule 2).

- admins and managers see every ticket;
- agents and team leads see their teams' queues, the shared triage pool (tickets with no team yet),
  tickets assigned to them, tickets they requested or watch;
- requesters see the tickets they requested, and their organisation's when granted.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from gongdan.accounts.models import Membership, Role, User
from gongdan.tickets.models import OPEN_STATUSES, Ticket


def team_ids(actor: User) -> list[int]:
    cached = getattr(actor, "_gongdan_team_ids", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=actor).values_list("team_id", flat=True))
        actor._gongdan_team_ids = cached  # type: ignore[attr-defined]
    return cached


def lead_team_ids(actor: User) -> list[int]:
    return list(
        Membership.objects.filter(user=actor, team_role=Membership.TeamRole.LEAD).values_list(
            "team_id", flat=True
        )
    )


def visible_tickets(actor: User) -> QuerySet[Ticket]:
    tickets = Ticket.objects.all()
    if not actor.is_active:
        return tickets.none()
    if actor.sees_everything:
        return tickets
    if actor.is_staff_member:
        watched = Ticket.watchers.through.objects.filter(ticket_id=OuterRef("pk"), user_id=actor.pk)
        return tickets.filter(
            Q(team_id__in=team_ids(actor))
            | Q(team__isnull=True)
            | Q(assignee=actor)
            | Q(requester=actor)
            | Exists(watched)
        )
    mine = Q(requester=actor)
    if actor.sees_organisation_tickets and actor.organisation_id:
        mine |= Q(organisation_id=actor.organisation_id)
    return tickets.filter(mine)


def can_view(actor: User, ticket: Ticket) -> bool:
    if not actor.is_active:
        return False
    if actor.sees_everything or ticket.requester_id == actor.pk:
        return True
    if actor.is_staff_member:
        return (
            ticket.assignee_id == actor.pk
            or ticket.team_id is None
            or ticket.team_id in team_ids(actor)
            or is_watching(actor, ticket)
        )
    return bool(
        actor.sees_organisation_tickets
        and actor.organisation_id
        and ticket.organisation_id == actor.organisation_id
    )


def is_watching(actor: User, ticket: Ticket) -> bool:
    if "watchers" in getattr(ticket, "_prefetched_objects_cache", {}):
        return any(watcher.pk == actor.pk for watcher in ticket.watchers.all())
    return ticket.watchers.filter(pk=actor.pk).exists()


def can_work(actor: User, ticket: Ticket) -> bool:
    """Reply internally, change fields, assign, log time: staff who can see the ticket."""
    return actor.is_staff_member and can_view(actor, ticket)


def is_team_lead_of(actor: User, ticket: Ticket) -> bool:
    if actor.role not in (Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN):
        return False
    return ticket.team_id is not None and ticket.team_id in lead_team_ids(actor)


def can_take(actor: User, ticket: Ticket) -> bool:
    """ "Take it": staff may take an open ticket of their teams' queues or of the triage pool that is not
    already theirs. Reads only the row's own columns and the actor's (cached) teams: safe per queue row."""
    if not actor.is_active or not actor.is_staff_member or ticket.assignee_id == actor.pk:
        return False
    if ticket.status not in OPEN_STATUSES:
        return False
    return ticket.team_id is None or ticket.team_id in team_ids(actor)
