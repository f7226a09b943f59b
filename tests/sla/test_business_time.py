"""Business-time arithmetic: hand-written cases across weekends, holidays, make-up days, DST and midnight,
and properties checked by hypothesis."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongdan.sla import business_time as bt
from gongdan.sla.business_time import CalendarSnapshot

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = ((540, 720), (780, 1080))  # 09:00–12:00, 13:00–18:00
CHINA = CalendarSnapshot(
    time_zone="Asia/Shanghai",
    weekly=(OFFICE,) * 5 + ((), ()),
    exceptions={
        date(2026, 10, 1): (), date(2026, 10, 2): (), date(2026, 10, 5): (), date(2026, 10, 6): (),
        date(2026, 10, 7): (), date(2026, 10, 10): OFFICE,  # 国庆 and the Saturday make-up day
    },
)  # fmt: skip
NY = CalendarSnapshot(time_zone="America/New_York", weekly=(((540, 1020),),) * 7)
ALWAYS = CalendarSnapshot(is_24x7=True)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def test_friday_afternoon_plus_two_hours_lands_on_monday_morning():
    assert bt.add(CHINA, sh(2026, 11, 27, 17, 30), timedelta(hours=2)) == sh(2026, 11, 30, 10, 30)


def test_lunch_break_is_not_business_time():
    assert bt.add(CHINA, sh(2026, 11, 26, 11, 30), timedelta(hours=1)) == sh(2026, 11, 26, 13, 30)
    assert bt.between(CHINA, sh(2026, 11, 26, 11, 0), sh(2026, 11, 26, 14, 0)) == timedelta(hours=2)


def test_a_duration_ending_at_closing_time_is_due_at_closing_time_not_next_morning():
    assert bt.add(CHINA, sh(2026, 11, 26, 9, 0), timedelta(hours=8)) == sh(2026, 11, 26, 18, 0)


def test_starting_at_night_counts_from_the_next_opening():
    assert bt.add(CHINA, sh(2026, 11, 26, 23, 0), timedelta(minutes=15)) == sh(2026, 11, 27, 9, 15)
    assert bt.next_working_instant(CHINA, sh(2026, 11, 28, 10, 0)) == sh(2026, 11, 30, 9, 0)


def test_national_day_holidays_are_skipped_and_the_make_up_saturday_works():
    # Wed 30 Sep 17:00 + 2 h: 1 h on the 30th, then the holidays (1–7 Oct, with the weekend), Thu 8 Oct
    assert bt.add(CHINA, sh(2026, 9, 30, 17, 0), timedelta(hours=2)) == sh(2026, 10, 8, 10, 0)
    # Fri 9 Oct 17:00 + 2 h: Saturday 10 Oct is a make-up working day
    assert bt.add(CHINA, sh(2026, 10, 9, 17, 0), timedelta(hours=2)) == sh(2026, 10, 10, 10, 0)
    assert bt.between(CHINA, sh(2026, 10, 1, 0, 0), sh(2026, 10, 8, 0, 0)) == timedelta(0)


def test_new_york_spring_forward_day_keeps_eight_working_hours():
    # 8 Mar 2026: clocks jump 02:00 → 03:00; working hours 09:00–17:00 are still eight real hours
    assert bt.between(NY, ny(2026, 3, 8, 0, 0), ny(2026, 3, 9, 0, 0)) == timedelta(hours=8)
    assert bt.add(NY, ny(2026, 3, 7, 16, 0), timedelta(hours=2)) == ny(2026, 3, 8, 10, 0)
    assert bt.add(NY, ny(2026, 3, 7, 16, 0), timedelta(hours=2)).astimezone(UTC) == datetime(
        2026, 3, 8, 14, 0, tzinfo=UTC
    )


def test_24x7_counts_real_time_across_a_dst_change():
    always_ny = CalendarSnapshot(time_zone="America/New_York", weekly=(((0, 1440),),) * 7)
    # the autumn day has 25 hours: a wall-clock 24×7 week in New York counts them all
    assert bt.between(always_ny, ny(2026, 11, 1, 0, 0), ny(2026, 11, 2, 0, 0)) == timedelta(hours=25)
    start = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
    assert bt.add(ALWAYS, start, timedelta(hours=30)) == start + timedelta(hours=30)


def test_midnight_boundary_working_nights():
    night = CalendarSnapshot(time_zone="Asia/Shanghai", weekly=(((0, 120), (1320, 1440)),) * 7)
    # 22:00–24:00 then 00:00–02:00 the next day: four hours straight through midnight
    assert bt.add(night, sh(2026, 11, 26, 22, 0), timedelta(hours=4)) == sh(2026, 11, 27, 2, 0)
    assert bt.between(night, sh(2026, 11, 26, 23, 0), sh(2026, 11, 27, 1, 0)) == timedelta(hours=2)


def test_between_is_negative_when_the_end_is_earlier():
    assert bt.between(CHINA, sh(2026, 11, 26, 11, 0), sh(2026, 11, 26, 10, 0)) == -timedelta(hours=1)


def test_parse_and_format_working_hours():
    assert bt.parse_hours("09:00-12:00, 13:30–18:00") == ((540, 720), (810, 1080))
    assert bt.format_hours(((540, 720), (810, 1080))) == "09:00-12:00, 13:30-18:00"
    assert bt.parse_hours("") == ()
    for bad in ("9-12", "09:00-08:00", "09:00-12:00, 11:00-13:00", "25:00-26:00", "09:60-10:00"):
        with pytest.raises(ValueError):
            bt.parse_hours(bad)


def test_a_calendar_without_working_time_says_so():
    never = CalendarSnapshot(time_zone="UTC")
    with pytest.raises(bt.NoWorkingTime):
        bt.add(never, datetime(2026, 1, 1, tzinfo=UTC), timedelta(minutes=1))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        bt.add(CHINA, datetime(2026, 1, 1), timedelta(minutes=1))


# Properties ------------------------------------------------------------------------------------------

intervals = (
    st.lists(st.integers(0, 1440), min_size=0, max_size=6, unique=True)
    .map(sorted)
    .map(lambda xs: tuple((xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)))
)
zones = st.sampled_from(["Asia/Shanghai", "America/New_York", "Europe/London", "UTC", "Australia/Lord_Howe"])


@st.composite
def calendars(draw):
    weekly = tuple(draw(intervals) for _ in range(7))
    if sum(end - start for day in weekly for start, end in day) < 480:  # real calendars work ≥ 8 h a week
        weekly = (((540, 1080),), *weekly[1:])
    exceptions = draw(st.dictionaries(st.dates(date(2026, 1, 1), date(2027, 12, 31)), intervals, max_size=8))
    return CalendarSnapshot(time_zone=draw(zones), weekly=weekly, exceptions=exceptions,
                            is_24x7=draw(st.booleans().filter(lambda b: True)) and draw(st.booleans()))  # fmt: skip


instants = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 1)).map(lambda d: d.replace(tzinfo=UTC))
durations = st.integers(0, 60 * 24 * 20).map(lambda m: timedelta(minutes=m))


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, durations)
def test_adding_then_measuring_round_trips(calendar, start, duration):
    due = bt.add(calendar, start, duration)
    assert due >= start
    assert bt.between(calendar, start, due) == duration


@settings(max_examples=200, deadline=None)
@given(calendars(), instants, durations, durations)
def test_add_is_monotonic_and_additive(calendar, start, first, second):
    assert bt.add(calendar, start, first) <= bt.add(calendar, start, first + second)
    assert bt.add(calendar, bt.add(calendar, start, first), second) == bt.add(calendar, start, first + second)


@settings(max_examples=200, deadline=None)
@given(calendars(), instants, durations, st.integers(0, 60 * 24 * 10), st.integers(0, 60 * 24 * 10))
def test_pausing_never_makes_a_due_time_earlier(calendar, start, target, pause_after, pause_length):
    """A clock paused at some instant and resumed later has its due time moved by the business time spent
    paused: never earlier than without the pause."""
    due = bt.add(calendar, start, target)
    paused_at = start + timedelta(minutes=pause_after)
    resumed_at = paused_at + timedelta(minutes=pause_length)
    paused = bt.between(calendar, paused_at, resumed_at)
    assert paused >= timedelta(0)
    assert bt.add(calendar, start, target + paused) >= due


@settings(max_examples=200, deadline=None)
@given(calendars(), instants, instants)
def test_between_is_antisymmetric_and_next_working_instant_is_working(calendar, a, b):
    assert bt.between(calendar, a, b) == -bt.between(calendar, b, a)
    opening = bt.next_working_instant(calendar, a)
    assert opening >= a
    assert bt.between(calendar, a, opening) == timedelta(0)
