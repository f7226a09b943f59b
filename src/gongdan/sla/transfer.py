"""Business calendars and SLA policies as sections of the configuration file (admin_console.transfer).

A calendar is its name, hours and days (holidays and make-up working days, 调休); a policy is its name,
calendar by name, conditions by natural key (a category's path of names, an organisation's name, a place's
full name, an asset type's code, priority and type codes), targets by priority code, stage targets by team
name and its escalation steps. Both apply through `gongdan.sla.services`, so a file is checked as the screens
check it. A calendar's days and a policy's steps follow the file: what the file lacks is removed (a step that
has fired is only switched off, as on the screen)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.accounts.models import Team, User
from gongdan.admin_console.transfer import (
    CREATE,
    UNCHANGED,
    UPDATE,
    Change,
    Item,
    TransferSection,
    changed_fields,
    explained,
)
from gongdan.core.domain_errors import ValidationFailed
from gongdan.sla import services
from gongdan.sla.models import BusinessCalendar, EscalationStep, SlaPolicy
from gongdan.tickets.models import Priority
from gongdan.tickets.natural_keys import natural_key, row_by_key

CALENDAR_KEYS = ("name_en", "time_zone", "is_24x7", "weekly_hours", "description", "days")
POLICY_KEYS = ("name_en", "order", "is_active", "calendar", "conditions", "pause_statuses", "stage_minutes",
               "targets", "stage_targets", "steps")  # fmt: skip
# policy condition → the natural-key kind its ids are (the other conditions already hold codes or values)
BY_ID = {"categories": "category", "organisations": "organisation", "asset_types": "asset_type",
         "locations": "location"}  # fmt: skip


def _name(item: Item) -> str:
    return " ".join(str(item.get("name") or "").split())


def _refuse(section: str, name: str, key: str, message: str) -> ValidationFailed:
    label = _("Calendar") if section == "business_calendars" else _("SLA policy")
    text = _("%(label)s “%(name)s”: %(message)s") % {"label": label, "name": name, "message": message}
    return ValidationFailed(text, details={f"{section}.{name}.{key}": [message]})


def _missing(value: Any) -> str:
    return _("“%(value)s” does not exist on this site.") % {"value": value}


# Calendars -----------------------------------------------------------------------------------------------


def _calendar_item(calendar: BusinessCalendar) -> Item:
    days = [{"date": d.date.isoformat(), "kind": d.kind, "name": d.name, "hours": d.hours,
             "is_provisional": d.is_provisional} for d in calendar.days.order_by("date")]  # fmt: skip
    return {"name": calendar.name, "name_en": calendar.name_en, "time_zone": calendar.time_zone,
            "is_24x7": calendar.is_24x7,
            "weekly_hours": {day: hours for day, hours in (calendar.weekly_hours or {}).items() if hours},
            "description": calendar.description, "days": days}  # fmt: skip


def export_calendars() -> list[Item]:
    return [_calendar_item(c) for c in BusinessCalendar.objects.prefetch_related("days").order_by("name")]


def _days(item: Item, name: str) -> dict[date, Item]:
    days = item.get("days", [])
    if not isinstance(days, list) or not all(isinstance(d, dict) for d in days):
        raise _refuse("business_calendars", name, "days", _("Expected a list of days."))
    out: dict[date, Item] = {}
    for day in days:
        try:
            when = date.fromisoformat(str(day.get("date")))
        except ValueError:
            raise _refuse("business_calendars", name, "days",
                          _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": day.get("date")}) from None  # fmt: skip
        if when in out:
            raise _refuse("business_calendars", name, "days",
                          _("%(date)s is listed more than once.") % {"date": when.isoformat()})  # fmt: skip
        out[when] = day
    return out


def apply_calendars(actor: User, items: list[Item]) -> list[Change]:
    changes = []
    for item in items:
        name = _name(item)
        days = _days(item, name)
        values: dict[str, Any] = {"name": name, "name_en": str(item.get("name_en") or ""),
                  "time_zone": str(item.get("time_zone") or "Asia/Shanghai"), "is_24x7": bool(item.get("is_24x7")),
                  "weekly_hours": _mapping(item, "weekly_hours", name, section="business_calendars"),
                  "description": str(item.get("description") or "")}  # fmt: skip
        existing = BusinessCalendar.objects.filter(name=name).first()
        try:
            if existing is None:
                calendar = services.calendar_create(actor=actor, **values)
                action, diff = CREATE, cast(tuple[str, ...], ())
            else:
                before = {k: v for k, v in _calendar_item(existing).items() if k in CALENDAR_KEYS}
                diff = changed_fields(before, {k: item.get(k, before[k]) for k in CALENDAR_KEYS})
                calendar = existing
                if set(diff) - {"days"}:
                    services.calendar_update(actor=actor, calendar=existing, **values)
                action = UPDATE if diff else UNCHANGED
            if action != UNCHANGED:
                for held in calendar.days.exclude(date__in=list(days)):
                    services.calendar_day_delete(actor=actor, day=held)
                for when, day in days.items():
                    services.calendar_day_set(actor=actor, calendar=calendar, day=when, kind=str(day.get("kind") or ""),
                                              name=str(day.get("name") or ""), hours=day.get("hours") or "",
                                              is_provisional=bool(day.get("is_provisional")))  # fmt: skip
        except ValidationFailed as exc:
            raise ValidationFailed(
                _("Calendar “%(name)s”: %(message)s") % {"name": name, "message": explained(exc)},
                details={f"business_calendars.{name}.{k}": v for k, v in exc.details.items()},
            ) from None
        changes.append(Change("business_calendars", name, action, diff))
    return changes


# Policies ------------------------------------------------------------------------------------------------


def _step_item(step: EscalationStep) -> Item:
    return {"target": step.target, "action": step.action, "percent": step.percent,
            "minutes_from_due": step.minutes_from_due, "priority": step.priority.code if step.priority else None,
            "team": step.team.name if step.team else None,
            "raise_to": step.raise_to.code if step.raise_to else None}  # fmt: skip


def _step_key(step: Item) -> tuple[Any, ...]:
    return tuple(step.get(k) for k in ("target", "action", "percent", "minutes_from_due", "priority", "team",
                                        "raise_to"))  # fmt: skip


def _policy_item(policy: SlaPolicy) -> Item:
    conditions = {
        key: [natural_key(BY_ID[key], v) for v in values] if key in BY_ID else list(values)
        for key, values in sorted((policy.conditions or {}).items())
    }
    targets = {t.priority.code: [t.first_response_minutes, t.next_response_minutes, t.resolution_minutes]
               for t in policy.targets.select_related("priority").order_by("priority__rank", "priority__code")}  # fmt: skip
    stage_targets = {
        s.team.name: s.minutes for s in policy.stage_targets.select_related("team").order_by("team__name")
    }
    steps = sorted((_step_item(s) for s in policy.steps.filter(is_active=True).select_related("priority", "team", "raise_to")),
                   key=lambda s: tuple(str(v) for v in _step_key(s)))  # fmt: skip
    return {"name": policy.name, "name_en": policy.name_en, "order": policy.order, "is_active": policy.is_active,
            "calendar": policy.calendar.name, "conditions": conditions, "pause_statuses": list(policy.pause_statuses),
            "stage_minutes": policy.stage_minutes, "targets": targets, "stage_targets": stage_targets, "steps": steps}  # fmt: skip


def export_policies() -> list[Item]:
    return [_policy_item(p) for p in SlaPolicy.objects.select_related("calendar").order_by("order", "name")]


def _conditions(item: Item, name: str) -> Any:
    conditions = _mapping(item, "conditions", name)
    out = {}
    for key, values in conditions.items():
        if key in BY_ID and isinstance(values, list):
            rows = []
            for value in values:
                row = row_by_key(BY_ID[key], value)
                if row is None:
                    raise _refuse("sla_policies", name, f"conditions.{key}", _missing(value))
                rows.append(row.pk)
            values = rows
        out[key] = values
    return out


def _by_code(code: Any, name: str, key: str) -> Priority | None:
    if code in (None, ""):
        return None
    priority = Priority.objects.filter(code=code).first()
    if priority is None:
        raise _refuse("sla_policies", name, key, _missing(code))
    return priority


def _team(team_name: Any, name: str, key: str) -> Team | None:
    if team_name in (None, ""):
        return None
    team = Team.objects.filter(name=team_name).first()
    if team is None:
        raise _refuse("sla_policies", name, key, _missing(team_name))
    return team


def _mapping(item: Item, key: str, name: str, *, section: str = "sla_policies") -> dict[str, Any]:
    value = item.get(key) or {}
    if not isinstance(value, dict):
        raise _refuse(section, name, key, _("Expected an object."))
    return value


def _scalars(item: Item, key: str, name: str) -> list[Any]:
    """A list of plain values (codes, statuses, ids), as the services expect; anything else is refused here."""
    value = item.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str | int | float | bool) for v in value):
        raise _refuse("sla_policies", name, key, _("Expected a list."))
    return value


def _steps(item: Item, name: str) -> list[Item]:
    steps = item.get("steps") or []
    if not isinstance(steps, list) or not all(
        isinstance(step, dict)
        and all(v is None or isinstance(v, str | int | float | bool) for v in step.values())
        for step in steps
    ):
        raise _refuse("sla_policies", name, "steps", _("Expected a list of steps."))
    return steps


def _policy_values(item: Item, name: str) -> dict[str, Any]:
    calendar = BusinessCalendar.objects.filter(name=item.get("calendar")).first()
    if calendar is None:
        raise _refuse("sla_policies", name, "calendar", _missing(item.get("calendar")))
    targets = {}
    for code, minutes in _mapping(item, "targets", name).items():
        if not isinstance(minutes, list) or len(minutes) != 3:
            raise _refuse("sla_policies", name, "targets",
                          _("A target is [first response, next response, resolution] in minutes."))  # fmt: skip
        targets[_by_code(code, name, "targets")] = minutes
    stage_targets = {
        _team(team, name, "stage_targets"): m for team, m in _mapping(item, "stage_targets", name).items()
    }
    return {"name": name, "name_en": str(item.get("name_en") or ""), "calendar": calendar,
            "order": item.get("order", 0), "is_active": bool(item.get("is_active", True)),
            "conditions": _conditions(item, name), "pause_statuses": _scalars(item, "pause_statuses", name),
            "stage_minutes": item.get("stage_minutes"), "targets": targets, "stage_targets": stage_targets}  # fmt: skip


def _sync_steps(actor: User, policy: SlaPolicy, steps: list[Item], name: str) -> None:
    wanted = {_step_key(s): s for s in steps}
    held = {
        _step_key(_step_item(s)): s
        for s in policy.steps.filter(is_active=True).select_related("priority", "team", "raise_to")
    }
    for key, row in held.items():
        if key not in wanted:
            services.step_delete(actor=actor, step=row)
    for key, step in wanted.items():
        if key not in held:
            services.step_create(actor=actor, policy=policy, target=str(step.get("target") or ""),
                                 action=str(step.get("action") or ""), percent=step.get("percent"),
                                 minutes_from_due=step.get("minutes_from_due"),
                                 priority=_by_code(step.get("priority"), name, "steps"),
                                 team=_team(step.get("team"), name, "steps"),
                                 raise_to=_by_code(step.get("raise_to"), name, "steps"))  # fmt: skip


def apply_policies(actor: User, items: list[Item]) -> list[Change]:
    changes = []
    for item in items:
        name = _name(item)
        values = _policy_values(item, name)
        existing = SlaPolicy.objects.select_related("calendar").filter(name=name).first()
        try:
            if existing is None:
                policy = services.policy_create(actor=actor, **values)
                action, diff = CREATE, cast(tuple[str, ...], ())
            else:
                before = {k: v for k, v in _policy_item(existing).items() if k in POLICY_KEYS}
                after = {k: item.get(k, before[k]) for k in POLICY_KEYS}
                after["steps"] = sorted(_steps(item, name), key=lambda s: tuple(str(v) for v in _step_key(s)))
                diff = changed_fields(before, after)
                policy = existing
                if set(diff) - {"steps"}:
                    services.policy_update(actor=actor, policy=existing, **values)
                action = UPDATE if diff else UNCHANGED
            if action != UNCHANGED:
                _sync_steps(actor, policy, _steps(item, name), name)
        except ValidationFailed as exc:
            raise ValidationFailed(
                _("SLA policy “%(name)s”: %(message)s") % {"name": name, "message": explained(exc)},
                details={f"sla_policies.{name}.{k}": v for k, v in exc.details.items()},
            ) from None
        changes.append(Change("sla_policies", name, action, diff))
    return changes


SECTIONS = (
    TransferSection(key="business_calendars", title=gettext_lazy("Business calendars"), order=20,
                    export=export_calendars, apply=apply_calendars, key_of=_name),
    TransferSection(key="sla_policies", title=gettext_lazy("SLA policies"), order=40, export=export_policies,
                    apply=apply_policies, key_of=_name),
)  # fmt: skip
