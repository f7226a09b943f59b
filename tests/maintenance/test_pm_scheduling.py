"""The plan's dates, as pure arithmetic: months of different lengths, weekdays, holidays, meters."""

import calendar
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongdan.maintenance import scheduling
from gongdan.sla.business_time import CalendarSnapshot

WORKWEEK = CalendarSnapshot(time_zone="Asia/Shanghai", weekly=(((540, 1080),),) * 5 + ((), ()))
# A loaded CI machine must not fail a property for drawing slowly.
relaxed = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
days_2020s = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


def test_the_31st_is_due_on_the_last_day_of_shorter_months_and_comes_back():
    dates = scheduling.due_dates(starts_on=date(2027, 1, 31), every=1, frequency="months",
                                 since=date(2027, 1, 1), until=date(2027, 5, 31))  # fmt: skip
    assert dates == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]


def test_a_leap_february_gets_the_29th():
    dates = scheduling.due_dates(starts_on=date(2027, 11, 30), every=3, frequency="months",
                                 since=date(2027, 11, 1), until=date(2028, 6, 1))  # fmt: skip
    assert dates == [date(2027, 11, 30), date(2028, 2, 29), date(2028, 5, 30)]


def test_a_holiday_moves_the_date_to_the_next_working_day_and_a_make_up_saturday_counts():
    national_day = {date(2026, 10, d): () for d in range(1, 8)} | {date(2026, 10, 10): ((540, 1080),)}
    snapshot = CalendarSnapshot(time_zone="Asia/Shanghai", weekly=WORKWEEK.weekly, exceptions=national_day)
    # 1 Oct (holiday week) → 8 Oct; Saturday 10 Oct is a 调休 working day and stays.
    assert scheduling.to_working_day(date(2026, 10, 1), snapshot) == date(2026, 10, 8)
    assert scheduling.to_working_day(date(2026, 10, 10), snapshot) == date(2026, 10, 10)
    assert scheduling.to_working_day(date(2026, 10, 11), snapshot) == date(2026, 10, 12)


def test_weekly_on_given_weekdays_every_other_week():
    dates = scheduling.due_dates(starts_on=date(2026, 12, 2), every=2, frequency="weeks", weekdays=[0, 3],
                                 since=date(2026, 12, 1), until=date(2026, 12, 31))  # fmt: skip
    # Week of Mon 30 Nov: Thu 3 Dec (Mon 30 Nov is before the start); two weeks later Mon 14, Thu 17; then 28, 31.
    assert dates == [
        date(2026, 12, 3),
        date(2026, 12, 14),
        date(2026, 12, 17),
        date(2026, 12, 28),
        date(2026, 12, 31),
    ]


@relaxed
@given(start=days_2020s, every=st.integers(1, 14), offset=st.integers(0, 400), span=st.integers(0, 120))
def test_monthly_dates_keep_the_anchor_day_or_the_month_end(start, every, offset, span):
    since = start + timedelta(days=offset)
    until = since + timedelta(days=span)
    dates = list(
        scheduling.nominal_dates(starts_on=start, every=every, frequency="months", since=since, until=until)
    )
    for day in dates:
        assert since <= day <= until
        last = calendar.monthrange(day.year, day.month)[1]
        assert day.day == min(start.day, last)
        months = (day.year - start.year) * 12 + day.month - start.month
        assert months % every == 0
    assert dates == sorted(set(dates))
    # Nothing skipped: every month step that lands in the window is there.
    expected = []
    k = 0
    while (d := scheduling.add_months(start, k * every, anchor_day=start.day)) <= until:
        if d >= since:
            expected.append(d)
        k += 1
    assert dates == expected


@relaxed
@given(start=days_2020s, every=st.integers(1, 60), frequency=st.sampled_from(["days", "weeks"]),
       since_offset=st.integers(-30, 400), span=st.integers(0, 200),
       weekdays=st.lists(st.integers(0, 6), max_size=7, unique=True))  # fmt: skip
def test_day_and_week_dates_are_spaced_by_the_interval(start, every, frequency, since_offset, span, weekdays):
    since = start + timedelta(days=since_offset)
    until = since + timedelta(days=span)
    dates = list(scheduling.nominal_dates(starts_on=start, every=every, frequency=frequency, weekdays=weekdays,
                                          since=since, until=until))  # fmt: skip
    assert all(max(since, start) <= d <= until for d in dates)
    assert dates == sorted(set(dates))
    if frequency == "days":
        assert all((d - start).days % every == 0 for d in dates)
        assert len(dates) == len([d for d in (start + timedelta(days=k * every) for k in range(0, 700))
                                  if max(since, start) <= d <= until])  # fmt: skip
    else:
        allowed = set(weekdays) or {start.weekday()}
        monday = start - timedelta(days=start.weekday())
        assert all(d.weekday() in allowed and ((d - monday).days // 7) % every == 0 for d in dates)


@relaxed
@given(day=days_2020s, holidays=st.sets(st.integers(0, 40), max_size=25))
def test_a_moved_date_is_the_first_working_day_on_or_after_it(day, holidays):
    exceptions = {day + timedelta(days=h): () for h in holidays}
    snapshot = CalendarSnapshot(time_zone="Asia/Shanghai", weekly=WORKWEEK.weekly, exceptions=exceptions)
    moved = scheduling.to_working_day(day, snapshot)
    assert moved >= day
    assert snapshot.hours_on(moved)
    assert all(not snapshot.hours_on(day + timedelta(days=i)) for i in range((moved - day).days))


@relaxed
@given(start=days_2020s, every=st.integers(1, 6))
def test_moved_dates_stay_unique_and_ordered(start, every):
    dates = scheduling.due_dates(starts_on=start, every=every, frequency="days", since=start,
                                 until=start + timedelta(days=90), snapshot=WORKWEEK)  # fmt: skip
    assert dates == sorted(set(dates))
    assert all(d.weekday() < 5 for d in dates)


@relaxed
@given(reading=st.decimals(0, 10**6, places=3), base=st.decimals(0, 10**6, places=3),
       every=st.decimals("0.5", 10**4, places=3))  # fmt: skip
def test_a_meter_is_due_once_it_has_run_its_interval(reading, base, every):
    assert scheduling.meter_due(reading=reading, base=base, every=every) == (reading - base >= every)
    assert scheduling.meter_due(reading=None, base=base, every=every) is False
