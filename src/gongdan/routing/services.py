"""Every change routing makes: rules, skill requirements, schedules, presence, settings, and the routing
of tickets itself (which assigns through `gongdan.tickets.services.ticket_assign`, actor=None)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import Skill, Team, User
from gongdan.core.domain_errors import NotFound, PermissionDenied, ValidationFailed
from gongdan.routing import events
from gongdan.routing.conditions import clean_conditions, known_time_zones
from gongdan.routing.engine import Decision, decide, forget_config
from gongdan.routing.models import (
    AgentPresence,
    PresenceStatus,
    RebalanceMode,
    RoutingRule,
    RoutingSettings,
    SkillRequirement,
    Strategy,
    WorkPeriod,
    WorkSchedule,
)
from gongdan.routing.presence import on_shift
from gongdan.tickets.access import can_work
from gongdan.tickets.models import Category, Status, Ticket
from gongdan.tickets.reactions import TicketChange
from gongdan.tickets.services import append_event, label_of, lock_ticket, ticket_assign

MAX_NAME = 120
MAX_CAP = 10_000
UNSET: Any = object()


def _require_admin(actor: User) -> None:
    if not actor.is_active or not actor.is_admin:
        raise PermissionDenied(_("Only administrators can change routing."))


def _field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={field: [message]})


# ---- routing tickets -----------------------------------------------------------------------------------


def _apply(ticket: Ticket, decision: Decision, *, extra: Mapping[str, Any] | None = None) -> Ticket:
    """Carry a decision out through ticket_assign; the passed-in instance is refreshed in place."""
    reason = {**decision.reason(), **(extra or {})}
    assignee = decision.chosen_user if decision.chosen else None
    before = (ticket.assignee_id, ticket.team_id)
    updated = ticket_assign(actor=None, ticket=ticket, assignee=assignee, team=decision.team, reason=reason)
    if (updated.assignee_id, updated.team_id) == before and assignee is None:
        # Nothing changed (the ticket already waits with that team): still say why nobody took it.
        append_event(updated, actor=None, kind=events.ROUTING_UNASSIGNED, data={"reason": reason})
    for name in ("assignee_id", "team_id", "status", "version", "updated_at"):
        setattr(ticket, name, getattr(updated, name))
    ticket.assignee = assignee
    ticket.team = updated.team
    return ticket


def _lock(pk: int) -> Ticket:
    """Lock the ticket before the team's routing state: every routing path takes locks in that order."""
    return lock_ticket(pk, expected_version=None, related=("category", "location", "organisation", "team"))


def route_new_ticket(change: TicketChange) -> None:
    """The routing reaction to a ticket being created (registered from routing's AppConfig.ready): the first
    matching rule picks the team and the person, serialised per team (see engine.decide); the ticket is
    written already assigned, with the `assigned` event that explains the choice. No rule: it stays with its
    category's default team, unassigned. A ticket created with an assignee is not routed."""
    if not change.creating or change.ticket.assignee_id is not None:
        return
    ticket = change.ticket
    decision = decide(ticket, now=change.now or timezone.now(), lock=True)
    if decision.rule is None:
        return
    reason = decision.reason()
    assignee = decision.chosen_user if decision.chosen else None
    before = (ticket.assignee_id, ticket.team_id)
    change.assign(assignee=assignee, team=decision.team, reason=reason)
    if (ticket.assignee_id, ticket.team_id) == before and assignee is None:
        # Nothing changed (the ticket already waits with that team): still say why nobody took it.
        change.add_event(events.ROUTING_UNASSIGNED, {"reason": reason})


@transaction.atomic
def ticket_reroute(
    *, actor: User | None, ticket: Ticket, exclude: Collection[User] = (), why: str = "reroute"
) -> Decision:
    """Route an existing open ticket again (return to pool, rebalancing, an agent's "route again").
    `exclude`: people who must not get it back. No rule matches: back to the category's default team (or
    its current team), unassigned."""
    if actor is not None and not can_work(actor, ticket):
        raise PermissionDenied(_("Only the people who work this ticket can do that."))
    ticket = _lock(ticket.pk)
    if ticket.status not in (Status.NEW, Status.ASSIGNED):
        raise ValidationFailed(
            _("Only tickets nobody has started can be routed again."), code="ticket_started"
        )
    decision = decide(ticket, now=timezone.now(), lock=True, exclude_ids={u.pk for u in exclude})
    extra = {"trigger": why}
    if actor is not None:
        extra["requested_by"] = label_of(actor)
    if decision.rule is None:
        category = ticket.category if ticket.category_id else None
        decision.team = (category.default_team if category else None) or ticket.team
    _apply(ticket, decision, extra=extra)
    return decision


def dry_run(*, actor: User, ticket: Ticket, now: datetime | None = None) -> Decision:
    """What a sample (unsaved) ticket would get. Reads only."""
    _require_admin(actor)
    return decide(ticket, now=now or timezone.now(), lock=False)


# ---- rules ---------------------------------------------------------------------------------------------


def _clean_rule(
    *, name: str, team: Team | None, strategy: str, max_open_per_agent: int | None, conditions: Any
) -> tuple[str, list[dict[str, Any]]]:
    name = " ".join((name or "").split())
    details: dict[str, list[str]] = {}
    if not name:
        details["name"] = [_("This field is required.")]
    elif len(name) > MAX_NAME:
        details["name"] = [_("At most %(max)d characters.") % {"max": MAX_NAME}]
    if team is None:
        details["team"] = [_("Choose the team that gets the tickets.")]
    elif not team.is_active:
        details["team"] = [_("“%(value)s” is no longer in use.") % {"value": team}]
    if strategy not in Strategy.values:
        details["strategy"] = [_("Unknown strategy.")]
    if max_open_per_agent is not None and not 1 <= max_open_per_agent <= MAX_CAP:
        details["max_open_per_agent"] = [_("Between 1 and %(max)d, or empty.") % {"max": MAX_CAP}]
    try:
        cleaned = clean_conditions(conditions)
    except ValidationFailed as exc:
        details.update(exc.details)
        cleaned = []
    if details:
        raise ValidationFailed(_("Some fields are not valid."), details=details)
    return name, cleaned


@transaction.atomic
def rule_create(
    *,
    actor: User | None,
    name: str,
    team: Team | None,
    strategy: str = Strategy.LEAST_LOADED,
    max_open_per_agent: int | None = None,
    conditions: Any = (),
    is_active: bool = True,
) -> RoutingRule:
    """A new rule goes last; move it up to give it precedence. `actor=None`: the system (the demo loader,
    set-up scripts), as for the catalogue's services."""
    if actor is not None:
        _require_admin(actor)
    name, cleaned = _clean_rule(
        name=name, team=team, strategy=strategy, max_open_per_agent=max_open_per_agent,
        conditions=list(conditions),
    )  # fmt: skip
    last = RoutingRule.objects.select_for_update().aggregate(m=Max("position"))["m"]
    assert team is not None  # checked by _clean_rule
    return RoutingRule.objects.create(
        name=name,
        team=team,
        strategy=strategy,
        max_open_per_agent=max_open_per_agent,
        conditions=cleaned,
        is_active=is_active,
        position=0 if last is None else last + 1,
    )


@transaction.atomic
def rule_update(
    *,
    actor: User,
    rule: RoutingRule,
    name: str,
    team: Team | None,
    strategy: str,
    max_open_per_agent: int | None,
    conditions: Any,
    is_active: bool,
) -> RoutingRule:
    _require_admin(actor)
    name, cleaned = _clean_rule(
        name=name, team=team, strategy=strategy, max_open_per_agent=max_open_per_agent,
        conditions=conditions,
    )  # fmt: skip
    assert team is not None  # checked by _clean_rule
    rule.name, rule.team, rule.strategy = name, team, strategy
    rule.max_open_per_agent, rule.conditions, rule.is_active = max_open_per_agent, cleaned, is_active
    rule.updated_at = timezone.now()
    rule.save(
        update_fields=["name", "team", "strategy", "max_open_per_agent", "conditions", "is_active",
                       "updated_at"]
    )  # fmt: skip
    return rule


@transaction.atomic
def rule_set_active(*, actor: User, rule: RoutingRule, is_active: bool) -> RoutingRule:
    _require_admin(actor)
    rule.is_active = is_active
    rule.updated_at = timezone.now()
    rule.save(update_fields=["is_active", "updated_at"])
    return rule


@transaction.atomic
def rule_move(*, actor: User, rule: RoutingRule, direction: str) -> RoutingRule:
    """Swap the rule with its neighbour above ("up") or below ("down"); positions are renumbered 0…n-1
    under a lock so two admins reordering at once cannot produce ties."""
    _require_admin(actor)
    if direction not in ("up", "down"):
        raise _field_error("direction", _("Move up or down."))
    rules = list(RoutingRule.objects.select_for_update().order_by("position", "id"))
    index = next((i for i, r in enumerate(rules) if r.pk == rule.pk), None)
    if index is None:
        raise NotFound(_("Rule not found."))
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    for position, row in enumerate(rules):
        if row.position != position:
            RoutingRule.objects.filter(pk=row.pk).update(position=position, updated_at=timezone.now())
            row.position = position
    forget_config()  # an UPDATE sends no signal: this process sees the new order at once
    return next(r for r in rules if r.pk == rule.pk)


@transaction.atomic
def rule_delete(*, actor: User, rule: RoutingRule) -> None:
    _require_admin(actor)
    rule.delete()


# ---- skill requirements ---------------------------------------------------------------------------------


@transaction.atomic
def skill_requirement_create(
    *,
    actor: User,
    skill: Skill | None,
    category: Category | None = None,
    field_key: str = "",
    field_value: str = "",
    min_level: int = 1,
) -> SkillRequirement:
    _require_admin(actor)
    field_key, field_value = (field_key or "").strip(), (field_value or "").strip()
    details: dict[str, list[str]] = {}
    if skill is None:
        details["skill"] = [_("Choose a skill.")]
    if category is None and not field_key:
        details["category"] = [_("Choose a category, a custom field, or both.")]
    if field_key and not re.fullmatch(r"[-a-zA-Z0-9_]{1,50}", field_key):
        details["field_key"] = [_("Enter the field's key (letters, digits, - and _).")]
    if field_key and not field_value:
        details["field_value"] = [_("Enter the value that needs the skill.")]
    if len(field_value) > 200:
        details["field_value"] = [_("At most %(max)d characters.") % {"max": 200}]
    if not 1 <= min_level <= 5:
        details["min_level"] = [_("Between 1 and 5.")]
    if details:
        raise ValidationFailed(_("Some fields are not valid."), details=details)
    assert skill is not None  # checked above
    return SkillRequirement.objects.create(
        skill=skill, category=category, field_key=field_key, field_value=field_value, min_level=min_level
    )


@transaction.atomic
def skill_requirement_delete(*, actor: User, requirement: SkillRequirement) -> None:
    _require_admin(actor)
    requirement.delete()


# ---- schedules -----------------------------------------------------------------------------------------

PERIOD = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*[-–~]\s*([01]?\d|2[0-4]):([0-5]\d)\s*$")


def parse_periods(text: str) -> list[tuple[time, time]]:
    """ "09:00-12:00, 13:30-18:00" → periods; "22:00-06:00" runs past midnight; "24:00" means midnight."""
    periods = []
    for part in re.split(r"[,，;；]", text or ""):
        if not part.strip():
            continue
        match = PERIOD.match(part)
        if not match:
            raise ValueError(part.strip())
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h2 == 24 and m2:
            raise ValueError(part.strip())
        start, end = time(h1, m1), time(0, 0) if h2 == 24 else time(h2, m2)
        if start == end:
            raise ValueError(part.strip())
        periods.append((start, end))
    return periods


@transaction.atomic
def schedule_save(
    *,
    actor: User,
    schedule: WorkSchedule | None = None,
    name: str,
    time_zone: str,
    periods: Mapping[int, Sequence[tuple[time, time]]],
) -> WorkSchedule:
    """Create or replace a weekly schedule. `periods`: weekday (0 = Monday) → [(start, end), …]."""
    _require_admin(actor)
    name = " ".join((name or "").split())
    details: dict[str, list[str]] = {}
    if not name:
        details["name"] = [_("This field is required.")]
    elif len(name) > MAX_NAME:
        details["name"] = [_("At most %(max)d characters.") % {"max": MAX_NAME}]
    elif WorkSchedule.objects.filter(name__iexact=name).exclude(pk=schedule.pk if schedule else 0).exists():
        details["name"] = [_("A schedule with this name already exists.")]
    if time_zone not in known_time_zones():
        details["time_zone"] = [_("Unknown time zone.")]
    for weekday, spans in periods.items():
        if not 0 <= weekday <= 6:
            details[f"day_{weekday}"] = [_("Weekdays are 0 (Monday) to 6 (Sunday).")]
        for start, end in spans:
            if start == end:
                details[f"day_{weekday}"] = [_("A period must not be empty.")]
    if not any(periods.values()):
        details["day_0"] = [_("Enter the working hours of at least one day.")]
    if details:
        raise ValidationFailed(_("Some fields are not valid."), details=details)
    if schedule is None:
        schedule = WorkSchedule.objects.create(name=name, time_zone=time_zone)
    else:
        schedule.name, schedule.time_zone = name, time_zone
        schedule.save(update_fields=["name", "time_zone"])
        schedule.periods.all().delete()
    WorkPeriod.objects.bulk_create(
        WorkPeriod(schedule=schedule, weekday=weekday, start=start, end=end)
        for weekday, spans in sorted(periods.items())
        for start, end in spans
    )
    return schedule


@transaction.atomic
def schedule_delete(*, actor: User, schedule: WorkSchedule) -> None:
    """Agents on it become always on shift."""
    _require_admin(actor)
    schedule.delete()


# ---- presence -------------------------------------------------------------------------------------------


def _presence_for_update(user: User) -> AgentPresence:
    AgentPresence.objects.get_or_create(user=user)
    return AgentPresence.objects.select_for_update().get(user=user)


def _coordinate(value: Any, field: str, limit: int) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise _field_error(field, _("Enter a number.")) from None
    if not number.is_finite() or not -limit <= number <= limit:
        raise _field_error(field, _("Between -%(limit)d and %(limit)d.") % {"limit": limit})
    return number


@transaction.atomic
def presence_set(
    *,
    actor: User,
    user: User,
    status: str | None = None,
    latitude: Any = UNSET,
    longitude: Any = UNSET,
) -> AgentPresence:
    """An agent says whether they take work (and, from the field app, where they are). Going away or
    offline hands their unstarted tickets on as the routing settings say. Admins may set anyone's."""
    if actor.pk != user.pk and not actor.is_admin:
        raise PermissionDenied(_("You can only change your own availability."))
    if not user.is_staff_member or not user.is_active:
        raise ValidationFailed(_("Only active staff have an availability."), code="not_staff")
    if status is not None and status not in PresenceStatus.values:
        raise _field_error("status", _("Choose available, away or offline."))
    if (latitude is UNSET) != (longitude is UNSET) or ((latitude is None) != (longitude is None)):
        raise _field_error("latitude", _("Send latitude and longitude together."))
    presence = _presence_for_update(user)
    now = timezone.now()
    fields: set[str] = set()
    went_away = False
    if status is not None and status != presence.status:
        went_away = presence.status == PresenceStatus.AVAILABLE
        presence.status, presence.status_changed_at = status, now
        fields |= {"status", "status_changed_at"}
    if latitude is not UNSET:
        if latitude is None:
            presence.latitude = presence.longitude = None
        else:
            presence.latitude = _coordinate(latitude, "latitude", 90)
            presence.longitude = _coordinate(longitude, "longitude", 180)
        presence.location_updated_at = now
        fields |= {"latitude", "longitude", "location_updated_at"}
    if fields:
        presence.save(update_fields=sorted(fields))
    if went_away:
        rebalance_agent(user=user, why=presence.status)
    return presence


@transaction.atomic
def presence_set_schedule(*, actor: User, user: User, schedule: WorkSchedule | None) -> AgentPresence:
    _require_admin(actor)
    if not user.is_staff_member:
        raise _field_error("schedule", _("Only staff have working hours."))
    presence = _presence_for_update(user)
    presence.schedule = schedule
    presence.save(update_fields=["schedule"])
    return presence


# ---- settings and rebalancing ----------------------------------------------------------------------------


def routing_settings() -> RoutingSettings:
    return RoutingSettings.objects.order_by("pk").first() or RoutingSettings()


@transaction.atomic
def routing_settings_update(*, actor: User, rebalance_mode: str) -> RoutingSettings:
    _require_admin(actor)
    if rebalance_mode not in RebalanceMode.values:
        raise _field_error("rebalance_mode", _("Unknown choice."))
    row = RoutingSettings.objects.select_for_update().order_by("pk").first() or RoutingSettings()
    row.rebalance_mode, row.updated_at = rebalance_mode, timezone.now()
    row.save()
    return row


@transaction.atomic
def rebalance_agent(*, user: User, why: str) -> list[Ticket]:
    """Hand on the agent's unstarted tickets (status "assigned"; in-progress work stays with them):
    back to the team's pool, or through the rules again, as the routing settings say."""
    mode = routing_settings().rebalance_mode
    if mode == RebalanceMode.KEEP:
        return []
    moved = []
    for pk in (
        Ticket.objects.filter(assignee=user, status=Status.ASSIGNED)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        ticket = _lock(pk)
        if ticket.assignee_id != user.pk or ticket.status != Status.ASSIGNED:
            continue  # changed since we looked
        extra = {"trigger": why, "agent": label_of(user), "mode": mode}
        if mode == RebalanceMode.REROUTE:
            decision = decide(ticket, now=timezone.now(), lock=True, exclude_ids={user.pk})
            if decision.rule is not None and decision.chosen is not None:
                moved.append(_apply(ticket, decision, extra=extra))
                continue
            extra["reroute"] = decision.reason()
        reason = {"by": "routing", "outcome": "returned_to_pool", **extra}
        moved.append(ticket_assign(actor=None, ticket=ticket, assignee=None, team=ticket.team, reason=reason))
    return moved


def shift_sweep(*, now: datetime | None = None) -> int:
    """Notice shift ends: an agent whose schedule says they are off now, and who was on at the previous
    sweep, is rebalanced once. The flip is claimed by a conditional UPDATE, so several consumers running
    the sweep at once rebalance each agent once. Returns how many agents went off shift."""
    now = now or timezone.now()
    AgentPresence.objects.filter(schedule__isnull=True, was_on_shift=False).update(was_on_shift=True)
    rows = AgentPresence.objects.filter(schedule__isnull=False).select_related("schedule", "user")
    periods: dict[int, list[WorkPeriod]] = {}
    for period in WorkPeriod.objects.filter(schedule__agents__isnull=False).distinct():
        periods.setdefault(period.schedule_id, []).append(period)
    ended = 0
    for presence in rows:
        assert presence.schedule is not None
        working = on_shift(periods.get(presence.schedule.pk, []), presence.schedule.time_zone, now)
        if working == presence.was_on_shift:
            continue
        with transaction.atomic():
            claimed = AgentPresence.objects.filter(pk=presence.pk, was_on_shift=presence.was_on_shift).update(
                was_on_shift=working
            )
            if claimed and not working:
                rebalance_agent(user=presence.user, why="off_shift")
                ended += 1
    return ended


def agent_on_shift(presence: AgentPresence | None, now: datetime) -> bool:
    if presence is None or presence.schedule is None:
        return True
    return on_shift(list(presence.schedule.periods.all()), presence.schedule.time_zone, now)
