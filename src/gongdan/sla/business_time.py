"""Business-time arithmetic on a calendar snapshot: pure functions, no database.

Instants go in and come out in UTC (aware datetimes); working hours are wall-clock intervals in the
calendar's own time zone, turned into UTC intervals once per calendar day (cached), so adding or measuring
business time walks days, never minutes. DST is handled by zoneinfo: a 09:00–18:00 day is nine real hours
on either side of a change, and a 24×7 day is 23 or 25 hours on the change days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

Interval = tuple[int, int]  # minutes from local midnight, end exclusive, 0 ≤ start < end ≤ 1440
DayHours = tuple[Interval, ...]

# A calendar with no working time for this long has no answer (validated against when saving).
MAX_DAYS = 3 * 366
ZERO = timedelta(0)


class NoWorkingTime(ValueError):
    """The calendar has no working time within MAX_DAYS of the instant asked about."""


@dataclass(frozen=True, eq=False)
class CalendarSnapshot:
    """What business-time arithmetic needs of a calendar, frozen.

    `weekly[0]` is Monday's working intervals … `weekly[6]` Sunday's. `exceptions` maps a date to that
    day's intervals instead: () for a public holiday, the hours of a make-up working day (调休).
    """

    time_zone: str = "UTC"
    weekly: tuple[DayHours, ...] = ((),) * 7
    exceptions: Mapping[date, DayHours] = field(default_factory=dict)
    is_24x7: bool = False
    _key: tuple = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.weekly) != 7:
            raise ValueError("weekly needs seven days")
        for hours in (*self.weekly, *self.exceptions.values()):
            check_hours(hours)
        key = (self.time_zone, self.weekly, tuple(sorted(self.exceptions.items())), self.is_24x7)
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_hash", hash(key))
        object.__setattr__(self, "zone", ZoneInfo(self.time_zone))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined, no-any-return]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CalendarSnapshot) and other._key == self._key

    def hours_on(self, day: date) -> DayHours:
        if self.is_24x7:
            return ((0, 1440),)
        if day in self.exceptions:
            return self.exceptions[day]
        return self.weekly[day.weekday()]


def check_hours(hours: Iterable[Interval]) -> None:
    """Intervals must be sorted, within the day and not overlap."""
    previous_end = -1
    for start, end in hours:
        if not (0 <= start < end <= 1440) or start < previous_end:
            raise ValueError(f"bad working hours {list(hours)!r}")
        previous_end = end


def parse_hours(text: str) -> DayHours:
    """ "09:00-12:00, 13:30-18:00" → ((540, 720), (810, 1080)). Empty text is a day off. Raises ValueError."""
    intervals: list[Interval] = []
    for part in text.replace("，", ",").replace("–", "-").replace("—", "-").split(","):
        part = part.strip()
        if not part:
            continue
        start_text, sep, end_text = part.partition("-")
        if not sep:
            raise ValueError(part)
        intervals.append((_minutes(start_text), _minutes(end_text)))
    intervals.sort()
    check_hours(intervals)
    return tuple(intervals)


def format_hours(hours: Iterable[Interval]) -> str:
    return ", ".join(f"{_hhmm(start)}-{_hhmm(end)}" for start, end in hours)


def _minutes(text: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(text)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > 1440:
        raise ValueError(text)
    return value


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _local_instant(snapshot: CalendarSnapshot, day: date, minute: int) -> datetime:
    if minute == 1440:
        day, minute = day + timedelta(days=1), 0
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=snapshot.zone)  # type: ignore[attr-defined]
    return local.astimezone(UTC)


@lru_cache(maxsize=100_000)
def day_intervals(snapshot: CalendarSnapshot, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The working intervals of one local calendar day, as UTC instants (cached per snapshot and day)."""
    result: list[tuple[datetime, datetime]] = []
    for start, end in snapshot.hours_on(day):
        utc_start, utc_end = _local_instant(snapshot, day, start), _local_instant(snapshot, day, end)
        if result and utc_start < result[-1][1]:  # a DST fold can make wall-clock intervals overlap
            utc_start = result[-1][1]
        if utc_end > utc_start:
            result.append((utc_start, utc_end))
    return tuple(result)


def _require_aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("business time needs aware datetimes")
    return instant.astimezone(UTC)


def _local_day(snapshot: CalendarSnapshot, instant: datetime) -> date:
    return instant.astimezone(snapshot.zone).date()  # type: ignore[attr-defined, no-any-return]


def add(snapshot: CalendarSnapshot, start: datetime, duration: timedelta) -> datetime:
    """The instant when `duration` of business time has passed after `start` (UTC).

    A zero duration returns `start` itself; a positive one that ends exactly at the close of a working
    interval returns that close (18:00), not the next opening."""
    start = _require_aware(start)
    if duration < ZERO:
        raise ValueError("negative business duration")
    if snapshot.is_24x7 or duration == ZERO:
        return start + duration
    remaining = duration
    day = _local_day(snapshot, start) - timedelta(days=1)  # the previous local day may reach past midnight
    for _ in range(MAX_DAYS):
        for interval_start, interval_end in day_intervals(snapshot, day):
            if interval_end <= start:
                continue
            begin = max(interval_start, start)
            available = interval_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        day += timedelta(days=1)
    raise NoWorkingTime("no working time in the calendar")


def between(snapshot: CalendarSnapshot, start: datetime, end: datetime) -> timedelta:
    """Business time from `start` to `end` (negative when `end` is earlier)."""
    start, end = _require_aware(start), _require_aware(end)
    if end < start:
        return -between(snapshot, end, start)
    if snapshot.is_24x7:
        return end - start
    total = ZERO
    day = _local_day(snapshot, start) - timedelta(days=1)
    last_day = _local_day(snapshot, end)
    while day <= last_day:
        for interval_start, interval_end in day_intervals(snapshot, day):
            begin, finish = max(interval_start, start), min(interval_end, end)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total


def next_working_instant(snapshot: CalendarSnapshot, instant: datetime) -> datetime:
    """`instant` itself when it is working time, else the next opening."""
    instant = _require_aware(instant)
    if snapshot.is_24x7:
        return instant
    day = _local_day(snapshot, instant) - timedelta(days=1)
    for _ in range(MAX_DAYS):
        for interval_start, interval_end in day_intervals(snapshot, day):
            if interval_end > instant:
                return max(interval_start, instant)
        day += timedelta(days=1)
    raise NoWorkingTime("no working time in the calendar")


def is_working(snapshot: CalendarSnapshot, instant: datetime) -> bool:
    return next_working_instant(snapshot, instant) == _require_aware(instant)


def has_working_time(snapshot: CalendarSnapshot) -> bool:
    return snapshot.is_24x7 or any(snapshot.weekly)


def snapshot_from_rows(
    *,
    time_zone: str,
    is_24x7: bool,
    weekly_hours: Mapping[str, Iterable[Iterable[int]]],
    days: Iterable[tuple[date, Iterable[Iterable[int]]]],
) -> CalendarSnapshot:
    """Build a snapshot from what the database stores (JSON lists of [start, end] minutes)."""
    weekly = tuple(tuple((int(a), int(b)) for a, b in weekly_hours.get(str(i), ())) for i in range(7))
    exceptions = {day: tuple((int(a), int(b)) for a, b in hours) for day, hours in days}
    return CalendarSnapshot(time_zone=time_zone, weekly=weekly, exceptions=exceptions, is_24x7=is_24x7)
