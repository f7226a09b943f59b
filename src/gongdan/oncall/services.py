"""Every change on-call makes: schedules, participants and overrides (admins), and the pages themselves —
sent inside the caller's transaction, repeated until someone acknowledges, stopped after the last repeat."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import Team, User
from gongdan.audit.services import audit_configuration_change
from gongdan.audit.snapshots import field_values
from gongdan.core.domain_errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongdan.notifications.services import notify
from gongdan.oncall import events, tasks
from gongdan.oncall.models import OnCallOverride, OnCallParticipant, OnCallSchedule, Page, PageRecipient
from gongdan.oncall.notices import ONCALL_PAGE
from gongdan.oncall.rotation import oncall_now
from gongdan.tickets.access import can_work
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import append_event, lock_ticket

log = logging.getLogger(__name__)

MAX_REASON = 300


def schedules_for(team: Team | None) -> list[OnCallSchedule]:
    """The team's active schedules, then the global ones."""
    found: list[OnCallSchedule] = []
    if team is not None:
        found += list(OnCallSchedule.objects.filter(team=team, is_active=True).order_by("id"))
    found += list(OnCallSchedule.objects.filter(team__isnull=True, is_active=True).order_by("id"))
    return found


def on_call_for(team: Team | None, at: dt.datetime) -> tuple[OnCallSchedule | None, list[User], User | None]:
    for schedule in schedules_for(team):
        now = oncall_now(schedule, at)
        if now.primary is not None or now.backup is not None:
            return schedule, [p for p in [now.primary or now.backup] if p], now.backup
    return None, [], None


def on_call_people(ticket: Ticket) -> list[User]:
    """Whoever is on call for the ticket's team now (the notification rules' "on-call" recipients)."""
    return on_call_for(ticket.team, timezone.now())[1]


def _page_people(page: Page, people: list[User], *, layer: int, repeat: int) -> None:
    PageRecipient.objects.bulk_create(
        [PageRecipient(page=page, user=user, layer=layer) for user in people], ignore_conflicts=True
    )
    notify(recipients=people, kind=ONCALL_PAGE, ticket=page.ticket, urgent=True,
           data={"reason": page.reason, "page_id": page.pk, "repeat": repeat})  # fmt: skip
    append_event(page.ticket, actor=None, kind=events.ONCALL_PAGED, data={
        "page": page.pk, "reason": page.reason, "repeat": repeat, "layer": layer,
        "schedule": page.schedule.name if page.schedule else None,
        "recipients": [{"id": u.pk, "label": u.name} for u in people],
    })  # fmt: skip


def _schedule_repeat(page: Page) -> None:
    if page.next_repeat_at is None:
        return
    page_id, eta = page.pk, page.next_repeat_at

    def enqueue() -> None:
        try:
            tasks.repeat_page.schedule((page_id,), eta=eta)
        except Exception:  # the minute sweep repeats it anyway
            log.exception("could not schedule the repeat of page %s", page_id)

    transaction.on_commit(enqueue)


@transaction.atomic
def page_on_call(*, ticket: Ticket, reason: str, team: Team | None = None) -> Page | None:
    """Page who is on call now for `team` (falls back to the global schedule); repeats until someone
    acknowledges; appends ticket event `oncall_paged`; None (and an event saying so) if nobody is on call."""
    reason = (reason or "").strip()[:MAX_REASON] or _("Paged")
    ticket = lock_ticket(ticket, expected_version=None)  # one pager per ticket at a time
    existing = Page.objects.filter(ticket=ticket, state=Page.State.OPEN).first()
    if existing is not None:
        return existing
    team = team if team is not None else ticket.team
    now = timezone.now()
    schedule, people, _backup = on_call_for(team, now)
    if schedule is None or not people:
        append_event(ticket, actor=None, kind=events.ONCALL_UNAVAILABLE, data={
            "reason": reason, "team": {"id": team.pk, "label": str(team)} if team else None,
        })  # fmt: skip
        return None
    try:
        with transaction.atomic():
            page = Page.objects.create(
                ticket=ticket,
                schedule=schedule,
                reason=reason,
                created_at=now,
                next_repeat_at=now + dt.timedelta(minutes=schedule.repeat_interval_minutes),
            )
    except IntegrityError:  # another process paged this ticket a moment ago
        return Page.objects.get(ticket=ticket, state=Page.State.OPEN)
    _page_people(page, people, layer=OnCallParticipant.Layer.PRIMARY, repeat=0)
    _schedule_repeat(page)
    return page


@transaction.atomic
def page_repeat(*, page_id: int, now: dt.datetime | None = None) -> bool:
    """Ring an unacknowledged page again if its repeat is due; each repeat happens once, whichever consumer
    gets there first (conditional UPDATE on next_repeat_at). After `escalate_after_repeats` repeats the
    backup layer is paged too. Returns whether this call repeated it."""
    now = now or timezone.now()
    page = Page.objects.select_related("ticket", "schedule").filter(pk=page_id, state=Page.State.OPEN).first()
    if page is None or page.next_repeat_at is None or page.next_repeat_at > now:
        return False
    schedule = page.schedule
    if schedule is None or not page.ticket.is_open or page.repeat_count >= schedule.max_repeats:
        stopped = Page.objects.filter(
            pk=page.pk, state=Page.State.OPEN, next_repeat_at=page.next_repeat_at
        ).update(state=Page.State.EXPIRED, next_repeat_at=None)
        if stopped:
            append_event(page.ticket, actor=None, kind=events.ONCALL_PAGE_STOPPED,
                         data={"page": page.pk, "repeats": page.repeat_count})  # fmt: skip
        return False
    repeat = page.repeat_count + 1
    layer = OnCallParticipant.Layer.BACKUP if repeat >= schedule.escalate_after_repeats else page.layer
    next_at = now + dt.timedelta(minutes=schedule.repeat_interval_minutes)
    won = Page.objects.filter(pk=page.pk, state=Page.State.OPEN, next_repeat_at=page.next_repeat_at).update(
        repeat_count=repeat, next_repeat_at=next_at, layer=layer
    )
    if not won:
        return False
    page.repeat_count, page.next_repeat_at, page.layer = repeat, next_at, layer
    current = oncall_now(schedule, now)
    people = [p for p in [current.primary] if p]
    if layer == OnCallParticipant.Layer.BACKUP and current.backup:
        people.append(current.backup)
    if not people:
        people = list(page.recipients.filter(is_active=True))
    _page_people(page, people, layer=layer, repeat=repeat)
    _schedule_repeat(page)
    return True


def pages_repeat_due(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """The minute sweep: repeat every open page whose repeat is due (by the partial index)."""
    now = now or timezone.now()
    ids = list(
        Page.objects.filter(state=Page.State.OPEN, next_repeat_at__lte=now)
        .order_by("next_repeat_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for page_id in ids if page_repeat(page_id=page_id, now=now))


def can_acknowledge(actor: User, page: Page) -> bool:
    if not actor.is_active:
        return False
    if page.page_recipients.filter(user=actor).exists():
        return True
    return actor.is_staff_member and can_work(actor, page.ticket)


@transaction.atomic
def page_acknowledge(*, actor: User, page_id: int, via: str = "web") -> Page:
    """Someone has it: stop the repeats and say so on the ticket. Only a person who was paged, or who may
    work the ticket, can acknowledge; the second acknowledgement is refused with who was first."""
    page = Page.objects.select_related("ticket", "acknowledged_by").filter(pk=page_id).first()
    if page is None or not can_acknowledge(actor, page):
        raise NotFound(_("Page not found."))
    if page.state == Page.State.ACKNOWLEDGED:
        raise Conflict(
            _("%(name)s already acknowledged this page at %(time)s.")
            % {"name": page.acknowledged_by.name if page.acknowledged_by else "?",
               "time": timezone.localtime(page.acknowledged_at).strftime("%Y-%m-%d %H:%M")},
            code="already_acknowledged",
        )  # fmt: skip
    now = timezone.now()
    done = Page.objects.filter(pk=page.pk, state__in=[Page.State.OPEN, Page.State.EXPIRED]).update(
        state=Page.State.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor, next_repeat_at=None
    )
    if not done:
        raise Conflict(_("Someone else acknowledged this page a moment ago."), code="already_acknowledged")
    page.refresh_from_db()
    append_event(page.ticket, actor=actor, kind=events.ONCALL_ACKNOWLEDGED,
                 data={"page": page.pk, "via": via, "after_repeats": page.repeat_count})  # fmt: skip
    return page


def _require_admin(actor: User | None) -> None:
    """`actor=None` is the system (demo data, an import); everyone else must be an administrator."""
    if actor is None:
        return
    if not (actor.is_active and actor.is_admin):
        raise PermissionDenied(_("Only administrators can change on-call schedules."))


def _clean_people(people: Iterable[User], field: str, errors: dict[str, list[str]]) -> list[User]:
    seen: dict[int, User] = {}
    for person in people:
        if person.pk in seen:
            errors.setdefault(field, []).append(_("%(name)s is listed twice.") % {"name": person.name})
        elif not person.is_active or not person.is_staff_member:
            errors.setdefault(field, []).append(
                _("%(name)s cannot be on call: only active staff can.") % {"name": person.name}
            )
        else:
            seen[person.pk] = person
    return list(seen.values())


def _schedule_values(
    *, schedule: OnCallSchedule | None, name: str, team: Team | None, time_zone: str, rotation_days: int,
    handoff_time: dt.time, start_date: dt.date, repeat_interval_minutes: int, escalate_after_repeats: int,
    max_repeats: int, primary: Iterable[User], backup: Iterable[User],
) -> tuple[dict[str, Any], list[User], list[User]]:  # fmt: skip

    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 120:
        errors["name"] = [_("Give the schedule a name of at most 120 characters.")]
    elif OnCallSchedule.objects.filter(name=name).exclude(pk=schedule.pk if schedule else 0).exists():
        errors["name"] = [_("Another schedule already has this name.")]
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = [_("Unknown time zone; use a name such as Asia/Shanghai.")]
    for field, value, low, high in (
        ("rotation_days", rotation_days, 1, 366),
        ("repeat_interval_minutes", repeat_interval_minutes, 1, 1440),
        ("escalate_after_repeats", escalate_after_repeats, 1, 100),
        ("max_repeats", max_repeats, 1, 1000),
    ):
        if not isinstance(value, int) or not low <= value <= high:
            errors[field] = [
                _("Must be a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
            ]
    if team is not None and not team.is_active:
        errors["team"] = [_("This team is deactivated.")]
    primary = _clean_people(primary, "primary", errors)
    backup = _clean_people(backup, "backup", errors)
    if not primary and "primary" not in errors:
        errors["primary"] = [_("Put at least one person in the rotation.")]
    if errors:
        raise ValidationFailed(_("The schedule was not saved; check the marked fields."), details=errors)
    values = {"name": name, "team": team, "time_zone": time_zone, "rotation_days": rotation_days,
              "handoff_time": handoff_time, "start_date": start_date,
              "repeat_interval_minutes": repeat_interval_minutes, "escalate_after_repeats": escalate_after_repeats,
              "max_repeats": max_repeats}  # fmt: skip
    return values, primary, backup


def _set_participants(schedule: OnCallSchedule, primary: list[User], backup: list[User]) -> None:
    schedule.participants.all().delete()
    OnCallParticipant.objects.bulk_create(
        [OnCallParticipant(schedule=schedule, user=u, layer=OnCallParticipant.Layer.PRIMARY, position=i)
         for i, u in enumerate(primary)]
        + [OnCallParticipant(schedule=schedule, user=u, layer=OnCallParticipant.Layer.BACKUP, position=i)
           for i, u in enumerate(backup)]
    )  # fmt: skip


@transaction.atomic
def oncall_schedule_create(*, actor: User | None, is_active: bool = True, **fields: Any) -> OnCallSchedule:
    """fields: name, team, time_zone, rotation_days, handoff_time, start_date, repeat_interval_minutes,
    escalate_after_repeats, max_repeats, primary (people in rotation order), backup (same)."""
    _require_admin(actor)
    values, primary, backup = _schedule_values(schedule=None, **fields)
    schedule = OnCallSchedule.objects.create(is_active=is_active, **values)
    _set_participants(schedule, primary, backup)
    return schedule


@transaction.atomic
def oncall_schedule_update(
    *, actor: User, schedule: OnCallSchedule, is_active: bool = True, **fields: Any
) -> OnCallSchedule:
    _require_admin(actor)
    schedule = OnCallSchedule.objects.select_for_update().get(pk=schedule.pk)
    values, primary, backup = _schedule_values(schedule=schedule, **fields)
    for key, value in {**values, "is_active": is_active}.items():
        setattr(schedule, key, value)
    schedule.save(update_fields=[*values.keys(), "is_active"])
    before = _rotation(schedule)
    _set_participants(schedule, primary, backup)
    after = _rotation(schedule)
    if before != after:  # the schedule's own fields are audited by the screen; who is in the rotation here
        audit_configuration_change(actor=actor, instance=schedule, before={"rotation": before},
                                   after={"rotation": after})  # fmt: skip
    return schedule


def _rotation(schedule: OnCallSchedule) -> list[str]:
    return [f"{p.get_layer_display()} {p.position + 1}: {p.user.username}"
            for p in schedule.participants.select_related("user").order_by("layer", "position")]  # fmt: skip


@transaction.atomic
def oncall_override_create(
    *, actor: User | None, schedule: OnCallSchedule, user: User, starts_at: dt.datetime, ends_at: dt.datetime
) -> Any:

    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    if not user.is_active or not user.is_staff_member:
        errors["user"] = [_("Only active staff can be on call.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    elif ends_at - starts_at > dt.timedelta(days=90):
        errors["ends_at"] = [_("An override can last at most 90 days.")]
    if errors:
        raise ValidationFailed(_("The override was not saved; check the marked fields."), details=errors)
    override = OnCallOverride.objects.create(
        schedule=schedule, user=user, starts_at=starts_at, ends_at=ends_at
    )
    audit_configuration_change(actor=actor, instance=override, before=None, after=field_values(override))
    return override


@transaction.atomic
def oncall_override_delete(*, actor: User, override_id: int) -> None:

    _require_admin(actor)
    override = OnCallOverride.objects.filter(pk=override_id).first()
    if override is None:
        raise NotFound(_("Override not found."))
    before = field_values(override)
    override.delete()
    audit_configuration_change(
        actor=actor, instance=override, before=before, after=None, object_id=override_id
    )
