"""Who is on call at a moment: a pure computation over a rotation, plus the database-facing wrapper.

Handoffs happen at the schedule's wall-clock time in its own time zone, so a 09:00 handoff stays at 09:00
across daylight-saving changes (the shift that spans the change is an hour shorter or longer)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict, TypeVar
from zoneinfo import ZoneInfo

from django.utils import timezone

from gongdan.accounts.models import User
from gongdan.oncall.models import OnCallParticipant, OnCallSchedule

T = TypeVar("T")


class Rotation(TypedDict):
    """A schedule's rotation, as the functions below take it (`**rotation_of(schedule)`)."""

    time_zone: str
    start_date: dt.date
    handoff_time: dt.time
    rotation_days: int


def rotation_of(schedule: OnCallSchedule) -> Rotation:
    return Rotation(time_zone=schedule.time_zone, start_date=schedule.start_date,
                    handoff_time=schedule.handoff_time, rotation_days=schedule.rotation_days)  # fmt: skip


def shift_index(
    *, at: dt.datetime, time_zone: str, start_date: dt.date, handoff_time: dt.time, rotation_days: int
) -> int | None:
    """The number of the rotation shift running at `at` (0 = the first one), None before the start."""
    local = at.astimezone(ZoneInfo(time_zone))
    days = (local.date() - start_date).days
    if local.time().replace(tzinfo=None) < handoff_time:
        days -= 1  # before today's handoff: still yesterday's shift
    if days < 0:
        return None
    return days // max(rotation_days, 1)


def shift_start(
    *, index: int, time_zone: str, start_date: dt.date, handoff_time: dt.time, rotation_days: int
) -> dt.datetime:
    """When shift number `index` begins (an aware datetime in the schedule's zone)."""
    day = start_date + dt.timedelta(days=index * max(rotation_days, 1))
    return dt.datetime.combine(day, handoff_time, tzinfo=ZoneInfo(time_zone))


def on_call_at[T](
    participants: Sequence[T],
    *,
    at: dt.datetime,
    time_zone: str,
    start_date: dt.date,
    handoff_time: dt.time,
    rotation_days: int,
    overrides: Sequence[tuple[T, dt.datetime, dt.datetime]] = (),
) -> T | None:
    """The participant on call at `at`: an override covering that moment wins (the latest listed),
    otherwise the rotation in order, starting with the first participant on `start_date`."""
    for person, starts_at, ends_at in reversed(overrides):
        if starts_at <= at < ends_at:
            return person
    if not participants:
        return None
    index = shift_index(
        at=at,
        time_zone=time_zone,
        start_date=start_date,
        handoff_time=handoff_time,
        rotation_days=rotation_days,
    )
    if index is None:
        return None
    return participants[index % len(participants)]


@dataclass(frozen=True)
class OnCall:
    primary: User | None
    backup: User | None

    @property
    def people(self) -> list[User]:
        return [p for p in (self.primary, self.backup) if p is not None]


def oncall_now(schedule: OnCallSchedule, at: dt.datetime | None = None) -> OnCall:
    """Who is on call for `schedule` at `at` (now by default): primary and backup layer."""

    at = at or timezone.now()
    rows = list(schedule.participants.select_related("user").filter(user__is_active=True))
    overrides = [
        (o.user, o.starts_at, o.ends_at)
        for o in schedule.overrides.select_related("user").filter(starts_at__lte=at, ends_at__gt=at)
        if o.user.is_active
    ]
    rotation = rotation_of(schedule)
    primary = on_call_at(
        [r.user for r in rows if r.layer == OnCallParticipant.Layer.PRIMARY],
        at=at,
        overrides=overrides,
        **rotation,
    )
    backup = on_call_at(
        [r.user for r in rows if r.layer == OnCallParticipant.Layer.BACKUP], at=at, **rotation
    )
    if backup == primary:
        backup = None
    return OnCall(primary=primary, backup=backup)
