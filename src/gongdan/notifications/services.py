"""Every change in notifications: notices, the outbox, on-call schedules, pages and their acknowledgement.

`notify` and `page_on_call` are the interface other apps call (SLA escalation, routing). They run inside the
caller's transaction; anything that leaves the building goes through the outbox after commit."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongdan.accounts.models import Team, User
from gongdan.core.domain_errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongdan.notifications import events, kinds
from gongdan.notifications.delivery.email import sender_domain
from gongdan.notifications.models import (
    Notification,
    NotificationPreference,
    OnCallParticipant,
    OnCallSchedule,
    OutboxMessage,
    Page,
    PageRecipient,
)
from gongdan.notifications.oncall import oncall_now
from gongdan.notifications.outbox import outbox_enqueue
from gongdan.notifications.threading import subject_tag, ticket_message_id, ticket_thread_root
from gongdan.tickets.access import can_work
from gongdan.tickets.models import Ticket
from gongdan.tickets.services.core import append_event

log = logging.getLogger(__name__)

MAX_KIND = 60
MAX_DATA_BYTES = 8_000
MAX_REASON = 300


# --- notices ------------------------------------------------------------------------------------------------


def _clean_data(data: dict | None) -> dict[str, Any]:
    import json

    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationFailed(
            _("Notification data must be a mapping."), details={"data": [_("Not a mapping.")]}
        )
    encoded = json.dumps(data, cls=DjangoJSONEncoder)
    if len(encoded) > MAX_DATA_BYTES:
        raise ValidationFailed(_("Notification data is too large."), details={"data": [_("Too large.")]})
    return json.loads(encoded)


def compose_email(*, user: User, kind: str, ticket: Ticket | None, data: dict[str, Any]) -> dict[str, str]:
    """Subject and bodies of one notice for one reader, in the reader's language."""
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        rendered = kinds.render(kind, data=data, ticket=ticket, user=user)
        subject = f"{subject_tag(ticket.number)} {rendered.title}" if ticket else rendered.title
        reply_to = getattr(settings, "GONGDAN_MAIL_REPLY_TO", "")
        context = {
            "rendered": rendered,
            "subject": subject,
            "language": language,
            "ticket_link": kinds.ticket_url_for(ticket, user) if ticket else "",
            "ticket_link_label": _("Open the ticket"),
            "footer": _("Gongdan sent this automatically. Reply to this email to add to the ticket.")
            if reply_to and ticket
            else _("Gongdan sent this automatically; replies to it are not read."),
        }
        return {
            "subject": subject.replace("\n", " ")[:300],
            "body_text": render_to_string("notifications/email/message.txt", context),
            "body_html": render_to_string("notifications/email/message.html", context),
        }


def email_headers(*, key: str, kind: str, ticket: Ticket | None) -> dict[str, str]:
    """Threading headers come only from `threading` (the mail intake reads the same contract): a signed
    Message-ID naming the ticket, and the ticket's thread root in In-Reply-To and References, so a reply
    lands on the ticket. The idempotency key travels too, so a receiver can drop a rare duplicate."""
    headers = {
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
        "X-Gongdan-Kind": kind,
        "X-Gongdan-Idempotency-Key": key,
    }
    if ticket is not None:
        root = ticket_thread_root(ticket.pk)
        headers.update({"Message-ID": ticket_message_id(ticket.pk), "In-Reply-To": root, "References": root,
                        "X-Gongdan-Ticket": ticket.number})  # fmt: skip
    else:
        headers["Message-ID"] = f"<{key}@{sender_domain()}>"
    if reply_to := getattr(settings, "GONGDAN_MAIL_REPLY_TO", ""):
        headers["Reply-To"] = reply_to
    return headers


def quiet_until(
    preference: NotificationPreference | None, user: User, now: dt.datetime
) -> dt.datetime | None:
    """The end of the person's quiet hours if `now` falls inside them (in their own time zone), else None."""
    if preference is None or preference.quiet_start is None or preference.quiet_end is None:
        return None
    start, end = preference.quiet_start, preference.quiet_end
    if start == end:
        return None
    local = now.astimezone(kinds._zone(user))
    at = local.time().replace(tzinfo=None)
    inside = start <= at < end if start < end else (at >= start or at < end)
    if not inside:
        return None
    day = local.date() if at < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=local.tzinfo).astimezone(dt.UTC)


def deliver_to_people(
    *,
    people: Iterable[User],
    kind: str,
    ticket: Ticket | None,
    data: dict[str, Any],
    channels: set[str] | None = None,
    urgent: bool = False,
    key_prefix: str = "",
) -> tuple[list[Notification], int]:
    """In-app notices and emails for these people, as each of them chose: a channel they switched off is
    skipped and email during their quiet hours waits until the hours end. `urgent` (on-call pages) ignores
    both. Returns the notices and how many notices and emails were written."""
    from gongdan.notifications.models import NotificationPreference

    channels = {"email", "in_app"} if channels is None else channels
    unique: dict[int, User] = {}
    for user in people:
        if user is not None and user.is_active and user.pk not in unique:
            unique[user.pk] = user
    if not unique:
        return [], 0
    preferences = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=list(unique))}
    now = timezone.now()
    in_app = [
        u
        for u in unique.values()
        if "in_app" in channels and (urgent or getattr(preferences.get(u.pk), "in_app", True))
    ]
    notices = Notification.objects.bulk_create(
        [Notification(user=user, kind=kind, ticket=ticket, data=data, created_at=now) for user in in_app]
    )
    written = len(notices)
    notice_of = {n.user_id: n for n in notices}
    for user in unique.values():
        preference = preferences.get(user.pk)
        if "email" not in channels or not user.email or not (urgent or getattr(preference, "email", True)):
            continue
        notice = notice_of.get(user.pk)
        key = f"n{notice.pk}" if notice and notice.pk else f"{key_prefix or 'm'}.u{user.pk}.{kind}"
        outbox_enqueue(
            channel=OutboxMessage.Channel.EMAIL,
            address=user.email,
            idempotency_key=key,
            kind=kind,
            recipient=user,
            ticket=ticket,
            headers=email_headers(key=key, kind=kind, ticket=ticket),
            not_before=None if urgent else quiet_until(preference, user, now),
            **compose_email(user=user, kind=kind, ticket=ticket, data=data),
        )
        written += 1
    return notices, written


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    ticket: Ticket | None = None,
    data: dict | None = None,
) -> list[Notification]:
    """In-app notification for each active recipient + an outbox email per recipient who has an address,
    rendered in the recipient's language (User.language) from `kind` + `data`. Call inside the caller's
    transaction; delivery happens after commit. Each recipient's own choices apply (channels switched off,
    quiet hours); on-call pages ignore them."""
    kind = (kind or "").strip()
    if not kind or len(kind) > MAX_KIND:
        raise ValidationFailed(
            _("A notification needs a kind."), details={"kind": [_("Required, at most 60 characters.")]}
        )
    clean = _clean_data(data)
    notices, _written = deliver_to_people(people=recipients, kind=kind, ticket=ticket, data=clean,
                                          urgent=kind == kinds.ONCALL_PAGE, key_prefix=f"k{secrets.token_hex(6)}")  # fmt: skip
    return notices


@transaction.atomic
def notification_mark_read(*, actor: User, notification_id: int) -> Notification:
    notice = Notification.objects.filter(pk=notification_id, user=actor).first()
    if notice is None:
        raise NotFound(_("Notification not found."))
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notification.objects.filter(pk=notice.pk, read_at=None).update(read_at=notice.read_at)
    return notice


@transaction.atomic
def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(user=actor, read_at=None).update(read_at=timezone.now())


# --- the outbox ---------------------------------------------------------------------------------------------


@transaction.atomic
def outbox_retry(*, actor: User, message_id: int) -> OutboxMessage:
    """An admin sends a dead (or failed) message again, from a fresh count of attempts."""
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators can retry messages."))
    message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        raise NotFound(_("Message not found."))
    if message.state not in (OutboxMessage.State.DEAD, OutboxMessage.State.FAILED):
        raise Conflict(_("Only a dead or failed message can be retried; this one is %(state)s.")
                       % {"state": message.get_state_display()})  # fmt: skip
    message.state = OutboxMessage.State.PENDING
    message.attempts = 0
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["state", "attempts", "next_attempt_at"])
    from gongdan.notifications.outbox import _enqueue_delivery

    transaction.on_commit(lambda: _enqueue_delivery(message.pk))
    return message


# --- paging -------------------------------------------------------------------------------------------------


def schedules_for(team: Team | None) -> list[OnCallSchedule]:
    """The team's active schedules, then the global ones."""
    found: list[OnCallSchedule] = []
    if team is not None:
        found += list(OnCallSchedule.objects.filter(team=team, is_active=True).order_by("id"))
    found += list(OnCallSchedule.objects.filter(team__isnull=True, is_active=True).order_by("id"))
    return found


def _on_call_for(team: Team | None, at: dt.datetime) -> tuple[OnCallSchedule | None, list[User], User | None]:
    for schedule in schedules_for(team):
        now = oncall_now(schedule, at)
        if now.primary is not None or now.backup is not None:
            return schedule, [p for p in [now.primary or now.backup] if p], now.backup
    return None, [], None


def _page_people(page: Page, people: list[User], *, layer: int, repeat: int) -> None:
    PageRecipient.objects.bulk_create(
        [PageRecipient(page=page, user=user, layer=layer) for user in people], ignore_conflicts=True
    )
    notify(recipients=people, kind=kinds.ONCALL_PAGE, ticket=page.ticket,
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
        from gongdan.notifications.tasks import repeat_page

        try:
            repeat_page.schedule((page_id,), eta=eta)
        except Exception:  # the minute sweep repeats it anyway
            log.exception("could not schedule the repeat of page %s", page_id)

    transaction.on_commit(enqueue)


@transaction.atomic
def page_on_call(*, ticket: Ticket, reason: str, team: Team | None = None) -> Page | None:
    """Page who is on call now for `team` (falls back to the global schedule); repeats until someone
    acknowledges; appends ticket event `oncall_paged`; None (and an event saying so) if nobody is on call."""
    reason = (reason or "").strip()[:MAX_REASON] or _("Paged")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)  # one pager per ticket at a time
    existing = Page.objects.filter(ticket=ticket, state=Page.State.OPEN).first()
    if existing is not None:
        return existing
    team = team if team is not None else ticket.team
    now = timezone.now()
    schedule, people, _backup = _on_call_for(team, now)
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


# --- on-call schedules (admins) -----------------------------------------------------------------------------


def _require_admin(actor: User) -> None:
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
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > 120:
        errors["name"] = [_("Give the schedule a name of at most 120 characters.")]
    elif OnCallSchedule.objects.filter(name=name).exclude(pk=getattr(schedule, "pk", None)).exists():
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
def oncall_schedule_create(*, actor: User, is_active: bool = True, **fields: Any) -> OnCallSchedule:
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
    _set_participants(schedule, primary, backup)
    return schedule


@transaction.atomic
def oncall_override_create(
    *, actor: User, schedule: OnCallSchedule, user: User, starts_at: dt.datetime, ends_at: dt.datetime
) -> Any:
    from gongdan.notifications.models import OnCallOverride

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
    return OnCallOverride.objects.create(schedule=schedule, user=user, starts_at=starts_at, ends_at=ends_at)


@transaction.atomic
def oncall_override_delete(*, actor: User, override_id: int) -> None:
    from gongdan.notifications.models import OnCallOverride

    _require_admin(actor)
    deleted, _rows = OnCallOverride.objects.filter(pk=override_id).delete()
    if not deleted:
        raise NotFound(_("Override not found."))
