"""Reads of on-call: my pages, a ticket's pages, and who is on call in the coming shifts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from gongdan.accounts.models import User
from gongdan.core.domain_errors import NotFound
from gongdan.oncall.models import OnCallSchedule, Page
from gongdan.oncall.rotation import on_call_at, rotation_of, shift_index, shift_start
from gongdan.oncall.services import can_acknowledge


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

    page = Page.objects.select_related("ticket", "acknowledged_by", "schedule").filter(pk=page_id).first()
    if page is None or not can_acknowledge(actor, page):
        raise NotFound("page")
    return page


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
    rotation = rotation_of(schedule)
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
