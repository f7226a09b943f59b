"""Who is on call: rotation order, handoff boundaries, daylight saving, overrides, the backup layer."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongdan.oncall.models import OnCallOverride
from gongdan.oncall.rotation import on_call_at, oncall_now

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
WEEKLY = {"time_zone": "Asia/Shanghai", "start_date": dt.date(2026, 11, 2), "handoff_time": dt.time(9, 0),
          "rotation_days": 7}  # fmt: skip
PEOPLE = ["wang", "li", "zhao"]


def who(at: dt.datetime, **kwargs) -> str | None:
    return on_call_at(PEOPLE, at=at, **{**WEEKLY, **kwargs})


def test_weekly_rotation_hands_off_at_nine_on_the_start_weekday():
    assert who(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SH)) == "wang"
    assert who(dt.datetime(2026, 11, 9, 8, 59, 59, tzinfo=SH)) == "wang"
    assert who(dt.datetime(2026, 11, 9, 9, 0, tzinfo=SH)) == "li"
    assert who(dt.datetime(2026, 11, 16, 9, 0, tzinfo=SH)) == "zhao"
    assert who(dt.datetime(2026, 11, 23, 9, 0, tzinfo=SH)) == "wang"  # round again


def test_the_zone_of_the_schedule_decides_not_the_zone_of_the_question():
    # 00:59 UTC on 9 Nov is 08:59 in Shanghai: still wang's week
    assert who(dt.datetime(2026, 11, 9, 0, 59, tzinfo=dt.UTC)) == "wang"
    assert who(dt.datetime(2026, 11, 9, 1, 0, tzinfo=dt.UTC)) == "li"


def test_nobody_before_the_start_or_without_participants():
    assert who(dt.datetime(2026, 11, 2, 8, 59, tzinfo=SH)) is None
    assert on_call_at([], at=dt.datetime(2026, 12, 1, tzinfo=SH), **WEEKLY) is None


def test_handoff_stays_at_local_nine_across_daylight_saving():
    # New York leaves daylight saving on Sunday 1 Nov 2026 (02:00 → 01:00); a daily rotation at 09:00
    daily = {"time_zone": "America/New_York", "start_date": dt.date(2026, 10, 30), "handoff_time": dt.time(9, 0),
             "rotation_days": 1}  # fmt: skip
    assert who(dt.datetime(2026, 10, 31, 9, 0, tzinfo=NY), **daily) == "li"
    assert who(dt.datetime(2026, 11, 1, 8, 59, tzinfo=NY), **daily) == "li"  # the 25-hour shift
    assert who(dt.datetime(2026, 11, 1, 9, 0, tzinfo=NY), **daily) == "zhao"
    # 13:30 UTC is 09:30 in summer time (EDT) but 08:30 in winter time (EST)
    assert who(dt.datetime(2026, 10, 31, 13, 30, tzinfo=dt.UTC), **daily) == "li"
    assert who(dt.datetime(2026, 11, 2, 13, 30, tzinfo=dt.UTC), **daily) == "zhao"


def test_a_handoff_inside_the_spring_forward_gap():
    # 8 Mar 2026: New York clocks jump from 02:00 to 03:00; a 02:30 handoff happens at 03:00 that day
    daily = {"time_zone": "America/New_York", "start_date": dt.date(2026, 3, 7), "handoff_time": dt.time(2, 30),
             "rotation_days": 1}  # fmt: skip
    assert who(dt.datetime(2026, 3, 8, 1, 59, tzinfo=NY), **daily) == "wang"
    assert who(dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC), **daily) == "li"  # 03:00 EDT


def test_an_override_wins_for_its_hours_only():
    at = dt.datetime(2026, 11, 3, 12, 0, tzinfo=SH)
    cover = [("chen", dt.datetime(2026, 11, 3, 10, 0, tzinfo=SH), dt.datetime(2026, 11, 3, 18, 0, tzinfo=SH))]
    assert who(at, overrides=cover) == "chen"
    assert who(dt.datetime(2026, 11, 3, 18, 0, tzinfo=SH), overrides=cover) == "wang"


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # a busy shared machine
@given(
    st.datetimes(
        min_value=dt.datetime(2026, 11, 2, 9, 0), max_value=dt.datetime(2030, 1, 1), timezones=st.just(SH)
    )
)
def test_someone_is_always_on_call_after_the_start_and_shifts_last_a_week(at):
    person = who(at)
    assert person in PEOPLE
    assert who(at + dt.timedelta(days=21)) == person  # three people, weekly → the same again after 3 weeks


@pytest.mark.django_db
def test_oncall_now_reads_the_schedule_with_layers_and_overrides(schedule, oncall_people, other_agent):
    wang, li, zhao = oncall_people
    at = dt.datetime(2026, 11, 27, 12, 0, tzinfo=SH)  # day 330 → wang
    now = oncall_now(schedule, at)
    assert (now.primary, now.backup) == (wang, zhao)
    OnCallOverride.objects.create(schedule=schedule, user=other_agent, starts_at=at - dt.timedelta(hours=1),
                                  ends_at=at + dt.timedelta(hours=1))  # fmt: skip
    assert oncall_now(schedule, at).primary == other_agent
    wang.is_active = False
    wang.save()
    assert oncall_now(schedule, at + dt.timedelta(hours=2)).primary == li  # li is the only active primary
