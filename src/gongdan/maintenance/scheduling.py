"""When a preventive maintenance plan falls due: pure date arithmetic, no database (decision 0145).

A calendar plan's nominal dates are anchored on its first due date, so a monthly plan that starts on the 31st
is due on the last day of the shorter months and on the 31st again after them (never drifting to the 28th).
A nominal date on a day the business calendar has no working hours (a weekend, a public holiday) moves to the
next working day (a 调休 make-up Saturday counts as one). Two nominal dates that move onto the same working day
make one work order.
"""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal

from gongdan.sla.business_time import CalendarSnapshot

MAX_SHIFT_DAYS = 3 * 366
MAX_DATES = 5000  # one plan never yields more dates than this in one pass (a daily plan over 13 years)


def add_months(day: date, months: int, *, anchor_day: int | None = None) -> date:
    """`months` after `day`, on `anchor_day` (default: day's own) or the month's last day if it is shorter."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = month_calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(anchor_day or day.day, last))


def step(day: date, *, every: int, frequency: str) -> date:
    """One interval after `day` (the floating schedule: the next due date after a completion)."""
    if frequency == "days":
        return day + timedelta(days=every)
    if frequency == "weeks":
        return day + timedelta(weeks=every)
    return add_months(day, every)


def nominal_dates(
    *, starts_on: date, every: int, frequency: str, weekdays: Sequence[int] = (), since: date, until: date
) -> Iterator[date]:
    """The plan's dates from `since` to `until` (both included), before any move to a working day."""
    if every < 1:
        raise ValueError("every must be at least 1")
    since = max(since, starts_on)
    count = 0
    if frequency == "days":
        k = (since - starts_on).days // every
        day = starts_on + timedelta(days=k * every)
        while day <= until and count < MAX_DATES:
            if day >= since:
                yield day
                count += 1
            day += timedelta(days=every)
    elif frequency == "weeks":
        days = sorted({int(d) for d in weekdays} or {starts_on.weekday()})
        first_monday = starts_on - timedelta(days=starts_on.weekday())
        k = (since - first_monday).days // (7 * every)
        monday = first_monday + timedelta(weeks=k * every)
        while monday <= until and count < MAX_DATES:
            for weekday in days:
                day = monday + timedelta(days=weekday)
                if starts_on <= day and since <= day <= until:
                    yield day
                    count += 1
            monday += timedelta(weeks=every)
    elif frequency == "months":
        months_in = (since.year - starts_on.year) * 12 + since.month - starts_on.month
        k = max(0, months_in // every - 1)
        while count < MAX_DATES:
            day = add_months(starts_on, k * every, anchor_day=starts_on.day)
            if day > until:
                break
            if day >= since:
                yield day
                count += 1
            k += 1
    else:
        raise ValueError(f"unknown frequency {frequency!r}")


def to_working_day(day: date, snapshot: CalendarSnapshot | None) -> date:
    """`day` itself if the calendar works on it (or there is no calendar), else the next day it does."""
    if snapshot is None:
        return day
    moved = day
    for _shift in range(MAX_SHIFT_DAYS):
        if snapshot.hours_on(moved):
            return moved
        moved += timedelta(days=1)
    return day  # a calendar with no working day at all: keep the date rather than lose the work


def due_dates(
    *,
    starts_on: date,
    every: int,
    frequency: str,
    weekdays: Sequence[int] = (),
    since: date,
    until: date,
    snapshot: CalendarSnapshot | None = None,
) -> list[date]:
    """The fixed schedule's due dates whose nominal date falls in [since, until], moved to working days,
    without duplicates, in order."""
    seen: dict[date, None] = {}
    for day in nominal_dates(starts_on=starts_on, every=every, frequency=frequency, weekdays=weekdays,
                             since=since, until=until):  # fmt: skip
        seen.setdefault(to_working_day(day, snapshot), None)
    return list(seen)


def meter_due(*, reading: Decimal | None, base: Decimal, every: Decimal | None) -> bool:
    """A meter plan is due once the meter has run `every` units since its base (the last completion)."""
    if reading is None or not every or every <= 0:
        return False
    return reading - base >= every
