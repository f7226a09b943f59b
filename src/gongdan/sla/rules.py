"""The SLA configuration as the engine reads it: policies, targets, calendars and steps, loaded once per
process and reloaded when the site's configuration changes (gongdan.core.config_cache)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gongdan.core.config_cache import cached, configuration_changed, forget
from gongdan.core.trees import path_ids
from gongdan.sla import business_time
from gongdan.sla.business_time import CalendarSnapshot
from gongdan.sla.models import (
    BusinessCalendar,
    CalendarDay,
    EscalationStep,
    SlaPolicy,
    SlaTarget,
    StageTarget,
)
from gongdan.tickets.models import Category, Priority, TicketType


@dataclass(frozen=True)
class StepRule:
    id: int
    target: str
    priority_id: int | None
    percent: int | None
    minutes_from_due: int | None
    action: str
    team_id: int | None
    raise_to_id: int | None

    def offset(self, target_minutes: int) -> timedelta:
        """Business time from the clock's start to this step (never before the start)."""
        if self.percent is not None:
            seconds = target_minutes * 60 * self.percent // 100
        else:
            seconds = max(0, (target_minutes + (self.minutes_from_due or 0)) * 60)
        return timedelta(seconds=seconds)


@dataclass(frozen=True)
class PolicyRule:
    id: int
    priority_ids: frozenset[int]
    category_paths: tuple[str, ...]
    ticket_type_ids: frozenset[int]
    organisation_ids: frozenset[int]
    service_tiers: frozenset[str]
    calendar_id: int
    pause_statuses: frozenset[str]
    stage_minutes: int | None
    targets: dict[int, tuple[int | None, int | None, int | None]]  # priority id → (first, next, resolution)
    stage_targets: dict[int, int]
    steps: tuple[StepRule, ...]
    is_active: bool = True
    # The ticket's asset (its type and criticality) and its location (a path prefix: that place and inside).
    asset_type_ids: frozenset[int] = frozenset()
    criticalities: frozenset[str] = frozenset()
    location_ids: frozenset[int] = frozenset()

    def target_minutes(self, kind: str, priority_id: int, team_id: int | None = None) -> int | None:
        if kind == "stage":
            if team_id is None:
                return None
            return self.stage_targets.get(team_id, self.stage_minutes)
        first, following, resolution = self.targets.get(priority_id, (None, None, None))
        return {"first_response": first, "next_response": following, "resolution": resolution}.get(kind)

    def steps_for(self, kind: str, priority_id: int) -> list[StepRule]:
        return [s for s in self.steps if s.target == kind and s.priority_id in (None, priority_id)]


@dataclass
class SlaRules:
    version: int
    policies: list[PolicyRule] = field(default_factory=list)
    calendars: dict[int, CalendarSnapshot] = field(default_factory=dict)
    needs_service_tier: bool = False

    def match(self, ticket: Any, *, category_path: str | None, service_tier: str | None) -> PolicyRule | None:
        for policy in self.policies:
            if not policy.is_active:
                continue
            if policy.priority_ids and ticket.priority_id not in policy.priority_ids:
                continue
            if policy.ticket_type_ids and ticket.ticket_type_id not in policy.ticket_type_ids:
                continue
            if policy.organisation_ids and ticket.organisation_id not in policy.organisation_ids:
                continue
            if policy.service_tiers and service_tier not in policy.service_tiers:
                continue
            if policy.category_paths and not (
                category_path and any(category_path.startswith(p) for p in policy.category_paths)
            ):
                continue
            if (policy.asset_type_ids or policy.criticalities) and not _asset_matches(ticket, policy):
                continue
            if policy.location_ids:
                location = ticket.location if ticket.location_id else None
                inside = set(path_ids(location.path)) if location else set()
                if policy.location_ids.isdisjoint(inside):
                    continue
            return policy
        return None

    def policy(self, policy_id: int | None) -> PolicyRule | None:
        return next((p for p in self.policies if p.id == policy_id), None)


def _asset_matches(ticket: Any, policy: PolicyRule) -> bool:
    asset = ticket.asset if ticket.asset_id else None
    if asset is None:
        return False
    if policy.asset_type_ids and asset.asset_type_id not in policy.asset_type_ids:
        return False
    return not policy.criticalities or asset.criticality in policy.criticalities


def _load(version: int) -> SlaRules:

    rules = SlaRules(version=version)
    days: dict[int, list[tuple[Any, list[list[int]]]]] = {}
    for calendar_id, day, kind, hours in CalendarDay.objects.values_list(
        "calendar_id", "date", "kind", "hours"
    ):
        days.setdefault(calendar_id, []).append((day, hours if kind == "workday" else []))
    for calendar in BusinessCalendar.objects.all():
        rules.calendars[calendar.pk] = business_time.snapshot_from_rows(
            time_zone=calendar.time_zone,
            is_24x7=calendar.is_24x7,
            weekly_hours=calendar.weekly_hours or {},
            days=days.get(calendar.pk, []),
        )
    priority_ids = dict(Priority.objects.values_list("code", "pk"))
    type_ids = dict(TicketType.objects.values_list("code", "pk"))
    category_paths = dict(Category.objects.values_list("pk", "path"))
    targets: dict[int, dict[int, tuple[int | None, int | None, int | None]]] = {}
    for t in SlaTarget.objects.all():
        targets.setdefault(t.policy_id, {})[t.priority_id] = (
            t.first_response_minutes,
            t.next_response_minutes,
            t.resolution_minutes,
        )
    stage: dict[int, dict[int, int]] = {}
    for policy_id, team_id, minutes in StageTarget.objects.values_list("policy_id", "team_id", "minutes"):
        stage.setdefault(policy_id, {})[team_id] = minutes
    steps: dict[int, list[StepRule]] = {}
    for s in EscalationStep.objects.filter(is_active=True).order_by("pk"):
        steps.setdefault(s.policy_id, []).append(
            StepRule(
                s.pk,
                s.target,
                s.priority_id,
                s.percent,
                s.minutes_from_due,
                s.action,
                s.team_id,
                s.raise_to_id,
            )
        )
    # Inactive policies match no new ticket, but the clocks already running under them keep their steps.
    for p in SlaPolicy.objects.order_by("order", "pk"):
        c = p.conditions or {}
        rule = PolicyRule(
            id=p.pk,
            priority_ids=frozenset(
                priority_ids[code] for code in c.get("priorities", []) if code in priority_ids
            ),
            category_paths=tuple(category_paths[i] for i in c.get("categories", []) if i in category_paths),
            ticket_type_ids=frozenset(
                type_ids[code] for code in c.get("ticket_types", []) if code in type_ids
            ),
            organisation_ids=frozenset(c.get("organisations", [])),
            service_tiers=frozenset(c.get("service_tiers", [])),
            asset_type_ids=frozenset(c.get("asset_types", [])),
            criticalities=frozenset(c.get("criticalities", [])),
            location_ids=frozenset(c.get("locations", [])),
            calendar_id=p.calendar_id,
            pause_statuses=frozenset(p.pause_statuses or []),
            stage_minutes=p.stage_minutes,
            targets=targets.get(p.pk, {}),
            stage_targets=stage.get(p.pk, {}),
            steps=tuple(steps.get(p.pk, [])),
            is_active=p.is_active,
        )
        rules.policies.append(rule)
        rules.needs_service_tier |= bool(rule.service_tiers)
    return rules


def current_rules() -> SlaRules:
    """The compiled SLA configuration of this process (gongdan.core.config_cache: reloaded when an admin
    changes any configuration, checked at most once a second)."""
    return cached("sla.rules", lambda: _load(0))


def forget_rules() -> None:
    forget()


def bump_version() -> None:
    """Called by every service that changes SLA configuration, inside its transaction."""
    configuration_changed()


def due_for(calendar: CalendarSnapshot, started_at: datetime, business: timedelta) -> datetime:
    return business_time.add(calendar, started_at, business)
