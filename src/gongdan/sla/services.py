"""Every change to SLA configuration: calendars and their days, iCalendar import, policies with targets,
and escalation steps. Admins only; each change bumps the configuration version the engine caches by."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import Organisation, ServiceTier, Team, User
from gongdan.assets.models import AssetType, Criticality, Location
from gongdan.core.domain_errors import Conflict, PermissionDenied, ValidationFailed
from gongdan.sla import business_time
from gongdan.sla.models import (
    BusinessCalendar,
    CalendarDay,
    ClockKind,
    DayKind,
    EscalationAction,
    EscalationStep,
    SlaPolicy,
    SlaTarget,
    StageTarget,
)
from gongdan.sla.rules import bump_version
from gongdan.tickets.models import Category, Priority, TicketType
from gongdan.tickets.models.ticket import OPEN_STATUSES, Status

MAX_NAME = 120
MAX_TARGET_MINUTES = 60 * 24 * 366  # a year of business minutes is plenty
MAX_ICAL_BYTES = 1024 * 1024
MAX_ICAL_DAYS = 1000
CONDITION_KEYS = (
    "priorities", "categories", "ticket_types", "organisations", "service_tiers", "asset_types", "criticalities",
    "locations",
)  # fmt: skip
PAUSABLE = [s for s in OPEN_STATUSES if s not in (Status.NEW,)]
MAKE_UP_WORDS = ("班", "补班", "调休上班", "上班", "workday", "working day", "make-up")


def _require_admin(actor: User) -> None:
    if not actor.is_active or not actor.is_admin:
        raise PermissionDenied(_("Only administrators can change SLA settings."))


def _clean_names(name: str, name_en: str) -> tuple[str, str]:
    name, name_en = " ".join((name or "").split()), " ".join((name_en or "").split())
    if not name:
        raise ValidationFailed(_("A name is required."), details={"name": [_("This field is required.")]})
    for field, value in (("name", name), ("name_en", name_en)):
        if len(value) > MAX_NAME:
            message = _("At most %(max)d characters.") % {"max": MAX_NAME}
            raise ValidationFailed(message, details={field: [message]})
    return name, name_en


# Calendars ---------------------------------------------------------------------------------------------


def _clean_weekly(weekly_hours: Mapping[Any, Any]) -> dict[str, list[list[int]]]:
    """Accepts {0..6: "09:00-12:00, 13:00-18:00" | [[540, 720], …]}; returns the stored JSON shape."""
    cleaned: dict[str, list[list[int]]] = {}
    errors: dict[str, list[str]] = {}
    for day in range(7):
        value = weekly_hours.get(day, weekly_hours.get(str(day), ""))
        try:
            if isinstance(value, str):
                hours = business_time.parse_hours(value)
            else:
                hours = tuple((int(a), int(b)) for a, b in value or ())
                business_time.check_hours(hours)
        except (ValueError, TypeError):
            errors[f"day_{day}"] = [
                _("Write working hours like 09:00-12:00, 13:30-18:00 (in order, not overlapping).")
            ]
            continue
        cleaned[str(day)] = [list(pair) for pair in hours]
    if errors:
        raise ValidationFailed(_("Some working hours are not valid."), details=errors)
    return cleaned


def _clean_calendar(*, name: str, name_en: str, time_zone: str, is_24x7: bool, weekly_hours: Mapping[Any, Any],
                    description: str, calendar: BusinessCalendar | None) -> dict[str, Any]:  # fmt: skip
    name, name_en = _clean_names(name, name_en)
    if BusinessCalendar.objects.filter(name=name).exclude(pk=calendar.pk if calendar else 0).exists():
        message = _("Another calendar already has this name.")
        raise ValidationFailed(message, details={"name": [message]})
    if time_zone not in zoneinfo.available_timezones():
        message = _("Unknown time zone “%(zone)s”.") % {"zone": time_zone}
        raise ValidationFailed(message, details={"time_zone": [message]})
    weekly = _clean_weekly(weekly_hours)
    if not is_24x7 and not any(weekly.values()):
        message = _("A calendar needs working hours on at least one weekday, or to be 24×7.")
        raise ValidationFailed(message, details={"day_0": [message]})
    return {"name": name, "name_en": name_en, "time_zone": time_zone, "is_24x7": bool(is_24x7),
            "weekly_hours": weekly, "description": (description or "").strip()[:2000]}  # fmt: skip


@transaction.atomic
def calendar_create(
    *,
    actor: User,
    name: str,
    name_en: str = "",
    time_zone: str = "Asia/Shanghai",
    is_24x7: bool = False,
    weekly_hours: Mapping[Any, Any] | None = None,
    description: str = "",
) -> BusinessCalendar:
    _require_admin(actor)
    values = _clean_calendar(name=name, name_en=name_en, time_zone=time_zone, is_24x7=is_24x7,
                             weekly_hours=weekly_hours or {}, description=description, calendar=None)  # fmt: skip
    calendar = BusinessCalendar.objects.create(**values)
    bump_version()
    return calendar


@transaction.atomic
def calendar_update(
    *,
    actor: User,
    calendar: BusinessCalendar,
    name: str,
    name_en: str = "",
    time_zone: str = "Asia/Shanghai",
    is_24x7: bool = False,
    weekly_hours: Mapping[Any, Any] | None = None,
    description: str = "",
) -> BusinessCalendar:
    """New due times follow the changed calendar; clocks already running keep the due times they have."""
    _require_admin(actor)
    values = _clean_calendar(name=name, name_en=name_en, time_zone=time_zone, is_24x7=is_24x7,
                             weekly_hours=weekly_hours or {}, description=description, calendar=calendar)  # fmt: skip
    for key, value in values.items():
        setattr(calendar, key, value)
    calendar.updated_at = timezone.now()
    calendar.save()
    bump_version()
    return calendar


@transaction.atomic
def calendar_delete(*, actor: User, calendar: BusinessCalendar) -> None:
    _require_admin(actor)
    try:
        calendar.delete()
    except ProtectedError as exc:
        raise Conflict(
            _("This calendar is used by SLA policies; give them another calendar first."), code="in_use"
        ) from exc
    bump_version()


def _clean_day(*, day: Any, kind: str, name: str, hours: Any, calendar: BusinessCalendar) -> dict[str, Any]:
    if not isinstance(day, date):
        raise ValidationFailed(_("A date is required."), details={"date": [_("This field is required.")]})
    if kind not in DayKind.values:
        raise ValidationFailed(
            _("Choose holiday or make-up working day."), details={"kind": [_("Invalid choice.")]}
        )
    if kind == DayKind.WORKDAY:
        try:
            parsed = (
                business_time.parse_hours(hours)
                if isinstance(hours, str)
                else tuple((int(a), int(b)) for a, b in hours or ())
            )
            business_time.check_hours(parsed)
        except (ValueError, TypeError) as exc:
            message = _("Write working hours like 09:00-12:00, 13:30-18:00 (in order, not overlapping).")
            raise ValidationFailed(message, details={"hours": [message]}) from exc
        if not parsed:
            parsed = _usual_hours(calendar)
        stored = [list(p) for p in parsed]
    else:
        stored = []
    name = " ".join((name or "").split())
    if len(name) > MAX_NAME:
        message = _("At most %(max)d characters.") % {"max": MAX_NAME}
        raise ValidationFailed(message, details={"name": [message]})
    return {"kind": kind, "name": name, "hours": stored}


def _usual_hours(calendar: BusinessCalendar) -> tuple[tuple[int, int], ...]:
    """A make-up day works the calendar's usual weekday hours (the first weekday that has any)."""
    for day in range(7):
        hours = (calendar.weekly_hours or {}).get(str(day))
        if hours:
            return tuple((int(a), int(b)) for a, b in hours)
    return ((540, 1080),)


@transaction.atomic
def calendar_day_set(
    *,
    actor: User,
    calendar: BusinessCalendar,
    day: date | None,
    kind: str,
    name: str = "",
    hours: Any = "",
    is_provisional: bool = False,
) -> CalendarDay:
    """Add a holiday or make-up working day, or replace what that date had."""
    _require_admin(actor)
    values = _clean_day(day=day, kind=kind, name=name, hours=hours, calendar=calendar)
    row, _created = CalendarDay.objects.update_or_create(
        calendar=calendar,
        date=cast(date, day),
        defaults={**values, "is_provisional": is_provisional},  # checked
    )
    calendar.updated_at = timezone.now()
    calendar.save(update_fields=["updated_at"])
    bump_version()
    return row


@transaction.atomic
def calendar_day_delete(*, actor: User, day: CalendarDay) -> None:
    _require_admin(actor)
    day.delete()
    bump_version()


@dataclass(frozen=True)
class ImportedDay:
    date: date
    name: str
    kind: str  # the suggestion: a summary with 班 / 补班 / "working day" is a make-up day


def ical_parse(content: bytes) -> list[ImportedDay]:
    """All-day events of an iCalendar file, one entry per day (multi-day events are spread out)."""
    import icalendar

    if len(content) > MAX_ICAL_BYTES:
        message = _("The file is too large (at most 1 MB).")
        raise ValidationFailed(message, details={"file": [message]})
    try:
        parsed = icalendar.Calendar.from_ical(content)
    except (ValueError, IndexError, KeyError) as exc:
        message = _("This is not an iCalendar (.ics) file.")
        raise ValidationFailed(message, details={"file": [message]}) from exc
    days: dict[date, ImportedDay] = {}
    for event in parsed.walk("VEVENT"):
        start = event.get("DTSTART")
        if start is None:
            continue
        first = start.dt
        if isinstance(first, datetime) or not isinstance(first, date):
            continue  # only all-day events describe whole days off
        end = event.get("DTEND")
        last = (
            end.dt
            if end is not None and isinstance(end.dt, date) and not isinstance(end.dt, datetime)
            else None
        )
        count = max(1, (last - first).days) if last else 1
        summary = str(event.get("SUMMARY", "")).strip()[:MAX_NAME]
        lowered = summary.lower()
        kind = (
            DayKind.WORKDAY
            if any(word in lowered for word in MAKE_UP_WORDS) and summary[-1:] != "休"
            else DayKind.HOLIDAY
        )
        for offset in range(min(count, 366)):
            the_day = date.fromordinal(first.toordinal() + offset)
            days[the_day] = ImportedDay(the_day, summary, kind)
        if len(days) > MAX_ICAL_DAYS:
            message = _("The file has too many days (at most %(max)d).") % {"max": MAX_ICAL_DAYS}
            raise ValidationFailed(message, details={"file": [message]})
    if not days:
        message = _("The file has no all-day events.")
        raise ValidationFailed(message, details={"file": [message]})
    return sorted(days.values(), key=lambda d: d.date)


@transaction.atomic
def calendar_days_import(
    *, actor: User, calendar: BusinessCalendar, days: Sequence[tuple[date, str, str]]
) -> int:
    """Write the days an admin confirmed from an import preview: (date, kind, name); kind "skip" skips.
    Existing entries for those dates are replaced. Returns how many were written."""
    _require_admin(actor)
    written = 0
    for day, kind, name in days:
        if kind == "skip":
            continue
        values = _clean_day(day=day, kind=kind, name=name, hours="", calendar=calendar)
        CalendarDay.objects.update_or_create(
            calendar=calendar, date=day, defaults={**values, "is_provisional": False}
        )
        written += 1
    calendar.updated_at = timezone.now()
    calendar.save(update_fields=["updated_at"])
    bump_version()
    return written


# Policies ----------------------------------------------------------------------------------------------


def clean_conditions(conditions: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """Conditions are stored validated: every code and id must exist."""
    conditions = dict(conditions or {})
    unknown = sorted(set(conditions) - set(CONDITION_KEYS))
    if unknown:
        raise ValidationFailed(_("Unknown conditions: %(keys)s.") % {"keys": ", ".join(unknown)},
                               details={key: [_("Unknown condition.")] for key in unknown})  # fmt: skip
    cleaned: dict[str, list[Any]] = {}
    checks: dict[str, tuple[Any, str, type]] = {
        "priorities": (Priority.objects.values_list("code", flat=True), "code", str),
        "ticket_types": (TicketType.objects.values_list("code", flat=True), "code", str),
        "categories": (Category.objects.values_list("pk", flat=True), "id", int),
        "organisations": (Organisation.objects.values_list("pk", flat=True), "id", int),
        "asset_types": (AssetType.objects.values_list("pk", flat=True), "id", int),
        "locations": (Location.objects.values_list("pk", flat=True), "id", int),
    }
    for key in CONDITION_KEYS:
        values = conditions.get(key) or []
        if not isinstance(values, list | tuple):
            raise ValidationFailed(
                _("A condition is a list of values."), details={key: [_("Expected a list.")]}
            )
        if key in ("service_tiers", "criticalities"):
            known: set[Any] = set(ServiceTier.values if key == "service_tiers" else Criticality.values)
            values = [str(v) for v in values]
        else:
            queryset, _label, cast = checks[key]
            try:
                values = [cast(v) for v in values]
            except (TypeError, ValueError) as exc:
                raise ValidationFailed(
                    _("Some conditions are not valid."), details={key: [_("Invalid value.")]}
                ) from exc
            known = set(queryset.filter(**{f"{'pk' if cast is int else 'code'}__in": values}))
        missing = [str(v) for v in values if v not in known]
        if missing:
            message = _("Unknown values: %(values)s.") % {"values": ", ".join(missing)}
            raise ValidationFailed(message, details={key: [message]})
        if values:
            cleaned[key] = sorted(set(values), key=str)
    return cleaned


def _clean_minutes(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TARGET_MINUTES:
        message = _("Minutes must be a whole number from 1 to %(max)d.") % {"max": MAX_TARGET_MINUTES}
        raise ValidationFailed(message, details={field: [message]})
    return value


def _clean_policy(*, name: str, name_en: str, calendar: BusinessCalendar | None, pause_statuses: Sequence[str],
                  order: int, stage_minutes: Any, policy: SlaPolicy | None) -> dict[str, Any]:  # fmt: skip
    name, name_en = _clean_names(name, name_en)
    if SlaPolicy.objects.filter(name=name).exclude(pk=policy.pk if policy else 0).exists():
        message = _("Another policy already has this name.")
        raise ValidationFailed(message, details={"name": [message]})
    if calendar is None:
        raise ValidationFailed(_("Choose a calendar."), details={"calendar": [_("This field is required.")]})
    bad = sorted(set(pause_statuses) - set(PAUSABLE))
    if bad:
        message = _("These statuses cannot pause the clocks: %(statuses)s.") % {"statuses": ", ".join(bad)}
        raise ValidationFailed(message, details={"pause_statuses": [message]})
    if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 100_000:
        message = _("The order is a whole number from 0 to 100000.")
        raise ValidationFailed(message, details={"order": [message]})
    return {"name": name, "name_en": name_en, "calendar": calendar, "order": order,
            "pause_statuses": sorted(set(pause_statuses)), "stage_minutes": _clean_minutes(stage_minutes, "stage_minutes")}  # fmt: skip


def _set_targets(policy: SlaPolicy, targets: Mapping[Any, Sequence[Any]]) -> None:
    """targets: {Priority or priority id: (first response, next response, resolution)} in minutes."""
    priorities = {p.pk: p for p in Priority.objects.all()}
    rows: list[SlaTarget] = []
    for key, values in targets.items():
        priority_id = getattr(key, "pk", key)
        if priority_id not in priorities:
            raise ValidationFailed(_("Unknown priority."), details={"targets": [_("Unknown priority.")]})
        code = priorities[priority_id].code
        first, following, resolution = (
            _clean_minutes(v, f"{field}_{code}")
            for v, field in zip(values, ("first", "next", "resolution"), strict=True)
        )
        if first or following or resolution:
            rows.append(SlaTarget(policy=policy, priority_id=priority_id, first_response_minutes=first,
                                  next_response_minutes=following, resolution_minutes=resolution))  # fmt: skip
    SlaTarget.objects.filter(policy=policy).delete()
    SlaTarget.objects.bulk_create(rows)


def _set_stage_targets(policy: SlaPolicy, stage_targets: Mapping[Any, Any]) -> None:
    rows = []
    teams = set(
        Team.objects.filter(pk__in=[getattr(k, "pk", k) for k in stage_targets]).values_list("pk", flat=True)
    )
    for key, minutes in stage_targets.items():
        team_id = getattr(key, "pk", key)
        if team_id not in teams:
            raise ValidationFailed(_("Unknown team."), details={"stage_targets": [_("Unknown team.")]})
        value = _clean_minutes(minutes, f"stage_{team_id}")
        if value:
            rows.append(StageTarget(policy=policy, team_id=team_id, minutes=value))
    StageTarget.objects.filter(policy=policy).delete()
    StageTarget.objects.bulk_create(rows)


@transaction.atomic
def policy_create(
    *,
    actor: User,
    name: str,
    calendar: BusinessCalendar | None,
    name_en: str = "",
    order: int = 0,
    is_active: bool = True,
    conditions: Mapping[str, Any] | None = None,
    pause_statuses: Sequence[str] = (Status.PENDING_REQUESTER, Status.PENDING_THIRD_PARTY),
    stage_minutes: int | None = None,
    targets: Mapping[Any, Sequence[Any]] | None = None,
    stage_targets: Mapping[Any, Any] | None = None,
) -> SlaPolicy:
    _require_admin(actor)
    values = _clean_policy(name=name, name_en=name_en, calendar=calendar, pause_statuses=pause_statuses,
                           order=order, stage_minutes=stage_minutes, policy=None)  # fmt: skip
    policy = SlaPolicy.objects.create(**values, is_active=is_active, conditions=clean_conditions(conditions))
    _set_targets(policy, targets or {})
    _set_stage_targets(policy, stage_targets or {})
    bump_version()
    return policy


@transaction.atomic
def policy_update(
    *,
    actor: User,
    policy: SlaPolicy,
    name: str,
    calendar: BusinessCalendar | None,
    name_en: str = "",
    order: int = 0,
    is_active: bool = True,
    conditions: Mapping[str, Any] | None = None,
    pause_statuses: Sequence[str] = (Status.PENDING_REQUESTER, Status.PENDING_THIRD_PARTY),
    stage_minutes: int | None = None,
    targets: Mapping[Any, Sequence[Any]] | None = None,
    stage_targets: Mapping[Any, Any] | None = None,
) -> SlaPolicy:
    """Applies to tickets created or re-matched from now on; running clocks keep their due times."""
    _require_admin(actor)
    values = _clean_policy(name=name, name_en=name_en, calendar=calendar, pause_statuses=pause_statuses,
                           order=order, stage_minutes=stage_minutes, policy=policy)  # fmt: skip
    for key, value in values.items():
        setattr(policy, key, value)
    policy.is_active = is_active
    policy.conditions = clean_conditions(conditions)
    policy.save()
    if targets is not None:
        _set_targets(policy, targets)
    if stage_targets is not None:
        _set_stage_targets(policy, stage_targets)
    bump_version()
    return policy


@transaction.atomic
def policy_delete(*, actor: User, policy: SlaPolicy) -> None:
    """Clocks that ran under it keep their attainment (their policy becomes empty)."""
    _require_admin(actor)
    policy.delete()
    bump_version()


# Escalation steps --------------------------------------------------------------------------------------


@transaction.atomic
def step_create(
    *,
    actor: User,
    policy: SlaPolicy,
    target: str,
    action: str,
    percent: int | None = None,
    minutes_from_due: int | None = None,
    team: Team | None = None,
    raise_to: Priority | None = None,
    priority: Priority | None = None,
) -> EscalationStep:
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    if target not in ClockKind.values:
        errors["target"] = [_("Choose a clock.")]
    if action not in EscalationAction.values:
        errors["action"] = [_("Choose an action.")]
    if (percent is None) == (minutes_from_due is None):
        errors["percent"] = [_("Give either a percentage of the target or minutes from the due time.")]
    elif percent is not None and not (isinstance(percent, int) and 0 <= percent <= 1000):
        errors["percent"] = [_("A percentage from 0 to 1000.")]
    elif minutes_from_due is not None and not (
        isinstance(minutes_from_due, int) and abs(minutes_from_due) <= MAX_TARGET_MINUTES
    ):
        errors["minutes_from_due"] = [
            _("Minutes must be a whole number from 1 to %(max)d.") % {"max": MAX_TARGET_MINUTES}
        ]
    if action == EscalationAction.REASSIGN_TEAM and (team is None or not team.is_active):
        errors["team"] = [_("Choose the team to reassign to.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)
    step = EscalationStep.objects.create(
        policy=policy, target=target, action=action, percent=percent, minutes_from_due=minutes_from_due,
        team=team if action == EscalationAction.REASSIGN_TEAM else None,
        raise_to=raise_to if action == EscalationAction.RAISE_PRIORITY else None, priority=priority,
    )  # fmt: skip
    bump_version()
    return step


@transaction.atomic
def step_delete(*, actor: User, step: EscalationStep) -> None:
    """A step that has fired is only switched off, so its firings stay on record."""
    _require_admin(actor)
    if step.firings.exists():
        step.is_active = False
        step.save(update_fields=["is_active"])
    else:
        step.delete()
    bump_version()
