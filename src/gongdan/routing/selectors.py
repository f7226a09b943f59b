"""Reads for the routing screens and the API, batched (the rules list costs the same few queries for 5 or
500 rules)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import STAFF_ROLES, Membership, User
from gongdan.core.domain_errors import NotFound, PermissionDenied
from gongdan.routing.conditions import condition_labels, describe_condition
from gongdan.routing.models import AgentPresence, PresenceStatus, RoutingRule, WorkPeriod, WorkSchedule
from gongdan.routing.presence import on_shift
from gongdan.tickets.models.ticket import OPEN_STATUSES


def rule_list() -> list[RoutingRule]:
    """Rules in order, each with `summary`: its conditions as readable lines."""
    rules = list(RoutingRule.objects.select_related("team").order_by("position", "id"))
    labels = condition_labels([r.conditions for r in rules])
    for rule in rules:
        rule.summary = [describe_condition(c, labels) for c in rule.conditions]  # type: ignore[attr-defined]
    return rules


def schedules_with_periods() -> QuerySet[WorkSchedule]:
    return WorkSchedule.objects.prefetch_related(
        Prefetch("periods", queryset=WorkPeriod.objects.order_by("weekday", "start"))
    ).annotate(agent_count=Count("agents"))


def agent_overview(*, now: datetime, q: str = "") -> QuerySet[User]:
    users: QuerySet[User] = (
        User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        .select_related("presence", "presence__schedule")
        .annotate(open_count=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES)))
        .order_by("username")
    )
    if q:
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    return users


def annotate_shift(users: list[User], *, now: datetime) -> None:
    """Set `on_shift_now` and `presence_status` on each user (one query for all schedules' periods)."""
    schedule_ids = {p.schedule_id for u in users if (p := _presence(u)) and p.schedule_id}
    periods: dict[int, list[WorkPeriod]] = {}
    for period in WorkPeriod.objects.filter(schedule_id__in=schedule_ids):
        periods.setdefault(period.schedule_id, []).append(period)
    for user in users:
        presence = _presence(user)
        user.presence_status = presence.status if presence else PresenceStatus.AVAILABLE  # type: ignore[attr-defined]
        if presence is None or presence.schedule is None:
            user.on_shift_now = True  # type: ignore[attr-defined]
        else:
            user.on_shift_now = on_shift(  # type: ignore[attr-defined]
                periods.get(presence.schedule.pk, []), presence.schedule.time_zone, now
            )


def _presence(user: User) -> AgentPresence | None:
    try:
        return user.presence
    except AgentPresence.DoesNotExist:
        return None


def presence_get(*, actor: User, user_id: int) -> dict[str, Any]:
    """An agent's availability, for staff only (requesters never learn who is away)."""
    if not actor.is_staff_member:
        raise PermissionDenied(_no_access())
    user = User.objects.filter(pk=user_id, role__in=STAFF_ROLES).select_related("presence").first()
    if user is None:
        raise NotFound(_not_found())
    shown = presence_of(user)
    if user.pk not in positions_visible_to(actor=actor, user_ids=[user.pk]):
        shown.update(latitude=None, longitude=None, location_updated_at=None)
    return shown


def positions_visible_to(*, actor: User, user_ids: Iterable[int]) -> set[int]:
    """Whose last known position `actor` may see among `user_ids`: their own, and that of the members of the
    teams they lead (the dispatchers). Nobody else — not other agents, not administrators: where a person
    is is personal data, needed only by whoever sends them to a job."""
    wanted = set(user_ids)
    led = Membership.objects.filter(user_id=actor.pk, team_role=Membership.TeamRole.LEAD).values("team_id")
    members = Membership.objects.filter(team_id__in=Subquery(led), user_id__in=wanted)
    return ({actor.pk} & wanted) | set(members.values_list("user_id", flat=True))


def presence_of(user: User) -> dict[str, Any]:

    presence = _presence(user)
    annotate_shift([user], now=timezone.now())
    return {
        "user_id": user.pk,
        "name": user.name,
        "status": presence.status if presence else PresenceStatus.AVAILABLE,
        "status_changed_at": presence.status_changed_at if presence else None,
        "on_shift": user.on_shift_now,  # type: ignore[attr-defined]
        "schedule": presence.schedule.name if presence and presence.schedule else None,
        "latitude": float(presence.latitude) if presence and presence.latitude is not None else None,
        "longitude": float(presence.longitude) if presence and presence.longitude is not None else None,
        "location_updated_at": presence.location_updated_at if presence else None,
    }


def _no_access() -> str:

    return _("Only staff can see who is available.")


def _not_found() -> str:

    return _("Agent not found.")
