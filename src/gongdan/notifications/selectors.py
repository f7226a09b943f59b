"""Reads that depend on who asks: my notices, my pages; and the admin's outbox and on-call views."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from gongdan.accounts.models import User
from gongdan.core.domain_errors import NotFound, PermissionDenied
from gongdan.notifications.models import Notification, OnCallSchedule, OutboxMessage, Page
from gongdan.notifications.oncall import on_call_at, shift_index, shift_start

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def notification_page(
    *, actor: User, before: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[Notification], int | None]:
    """The actor's notices, newest first, by keyset on id; returns (rows, the `before` of the next page)."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = Notification.objects.filter(user=actor).select_related("ticket").order_by("-id")
    if before:
        rows = rows.filter(id__lt=before)
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return found, (found[-1].pk if more and found else None)


def unread_count(*, actor: User) -> int:
    return Notification.objects.filter(user=actor, read_at=None).count()


def my_pages(*, actor: User, limit: int = 50) -> list[Page]:
    """Pages sent to the actor: open ones first, then the latest."""
    rows = (
        Page.objects.filter(page_recipients__user=actor)
        .select_related("ticket", "acknowledged_by", "schedule")
        .order_by("-created_at", "-id")
        .distinct()
    )
    found = list(rows[:limit])
    found.sort(key=lambda p: p.state != Page.State.OPEN)
    return found


def ticket_pages(*, actor: User, ticket: Any, limit: int = 20) -> list[Page]:
    """The on-call pages of a ticket the actor works on (the caller has checked that), latest first."""
    if not actor.is_staff_member:
        return []
    return list(
        Page.objects.filter(ticket=ticket)
        .select_related("acknowledged_by")
        .order_by("-created_at", "-id")[:limit]
    )


def page_for(*, actor: User, page_id: int) -> Page:
    from gongdan.notifications.services import can_acknowledge

    page = Page.objects.select_related("ticket", "acknowledged_by", "schedule").filter(pk=page_id).first()
    if page is None or not can_acknowledge(actor, page):
        raise NotFound("page")
    return page


def require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied("admin")


def outbox_list(
    *, actor: User, state: str = "", before: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[OutboxMessage], int | None]:
    require_admin(actor)
    rows: QuerySet[OutboxMessage] = OutboxMessage.objects.select_related("ticket").order_by("-id")
    if state:
        rows = rows.filter(state=state)
    if before:
        rows = rows.filter(id__lt=before)
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return found, (found[-1].pk if more and found else None)


def outbox_counts() -> dict[str, int]:
    from django.db.models import Count

    return dict(OutboxMessage.objects.values_list("state").annotate(n=Count("id")).order_by())


@dataclass(frozen=True)
class Shift:
    starts_at: dt.datetime
    ends_at: dt.datetime
    primary: Any
    backup: Any
    is_override: bool = False


def upcoming_shifts(
    schedule: OnCallSchedule, *, days: int = 7, now: dt.datetime | None = None
) -> list[Shift]:
    """Who is on call from now for `days` days, shift by shift (overrides cut into shifts where they apply)."""
    now = now or timezone.now()
    end = now + dt.timedelta(days=days)
    participants = list(schedule.participants.select_related("user").filter(user__is_active=True))
    primary = [p.user for p in participants if p.layer == 1]
    backup = [p.user for p in participants if p.layer == 2]
    overrides = list(schedule.overrides.select_related("user").filter(ends_at__gt=now, starts_at__lt=end))
    rotation = {"time_zone": schedule.time_zone, "start_date": schedule.start_date,
                "handoff_time": schedule.handoff_time, "rotation_days": schedule.rotation_days}  # fmt: skip
    # Moments where the answer can change: each handoff, each override's start and end.
    moments = {now}
    index = shift_index(at=now, **rotation)
    first = 0 if index is None else index + 1
    for i in range(first, first + days // max(schedule.rotation_days, 1) + 2):
        start = shift_start(index=i, **rotation)
        if now < start < end:
            moments.add(start)
    for o in overrides:
        for moment in (o.starts_at, o.ends_at):
            if now < moment < end:
                moments.add(moment)
    ordered = sorted(moments)
    shifts: list[Shift] = []
    cover = [(o.user, o.starts_at, o.ends_at) for o in overrides if o.user.is_active]
    for start, stop in zip(ordered, [*ordered[1:], end], strict=True):
        who = on_call_at(primary, at=start, overrides=cover, **rotation)
        back = on_call_at(backup, at=start, **rotation)
        is_override = any(s <= start < e for _u, s, e in cover)
        if (
            shifts
            and shifts[-1].primary == who
            and shifts[-1].backup == back
            and shifts[-1].is_override == is_override
        ):
            shifts[-1] = Shift(shifts[-1].starts_at, stop, who, back, is_override)
        else:
            shifts.append(Shift(start, stop, who, back, is_override))
    return shifts


# --- rules, chat bots, webhooks (admins) ---------------------------------------------------------------------


def rule_rows() -> list[Any]:
    from gongdan.notifications.models import NotificationRule

    return list(
        NotificationRule.objects.select_related("team")
        .prefetch_related("chat_bots", "webhooks", "priorities")
        .order_by("event", "name", "id")
    )


def chat_bot_rows() -> list[Any]:
    from django.db.models import Count, Q

    from gongdan.notifications.models import ChatBot

    waiting = Q(messages__state__in=["pending", "failed", "sending"])
    return list(
        ChatBot.objects.annotate(
            waiting=Count("messages", filter=waiting),
            dead=Count("messages", filter=Q(messages__state="dead")),
        ).order_by("name", "id")
    )


def webhook_rows() -> list[Any]:
    from django.db.models import Count, Q

    from gongdan.notifications.models import Webhook

    return list(
        Webhook.objects.annotate(
            waiting=Count("messages", filter=Q(messages__state__in=["pending", "failed", "sending"])),
            dead=Count("messages", filter=Q(messages__state="dead")),
            sent=Count("messages", filter=Q(messages__state="sent")),
        ).order_by("name", "id")
    )


def deliveries(
    *, actor: User, webhook: Any, before: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[Any], int | None]:
    """A webhook's messages, newest first (keyset on id), each with its attempts (newest first)."""
    from django.db.models import Prefetch

    from gongdan.notifications.models import DeliveryAttempt

    require_admin(actor)
    rows = (
        OutboxMessage.objects.filter(webhook=webhook)
        .select_related("ticket")
        .prefetch_related(Prefetch("http_attempts", queryset=DeliveryAttempt.objects.order_by("-id")))
        .order_by("-id")
    )
    if before:
        rows = rows.filter(id__lt=before)
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return found, (found[-1].pk if more and found else None)
