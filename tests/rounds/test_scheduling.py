"""Rounds are scheduled by maintenance's calendar arithmetic: runs written ahead, never twice, moved off
holidays; changing a round rewrites the runs not yet started; a run nobody started is missed."""

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongdan.audit.models import AuditEntry
from gongdan.rounds import services
from gongdan.rounds.models import Round, RoundRun, RunStatus, StopVisit, VisitStatus
from gongdan.rounds.presence import Position
from gongdan.sla.rules import forget_rules
from gongdan.sla.services import calendar_create, calendar_day_set
from tests.rounds.conftest import TODAY


def test_a_weekly_round_on_two_weekdays_is_written_two_weeks_ahead_and_again_writes_nothing(make_round):
    round_ = make_round(frequency="weeks", weekdays=[0, 3])

    days = list(RoundRun.objects.filter(round=round_).order_by("due_on").values_list("due_on", flat=True))
    assert days and all(d.weekday() in (0, 3) for d in days)
    assert all(TODAY <= d <= TODAY + timedelta(days=services.GENERATE_DAYS) for d in days)
    assert services.rounds_generate() == 0
    assert services.rounds_generate(today=TODAY) == 0
    assert RoundRun.objects.filter(round=round_).count() == len(days)
    # Each run has the route's stops, once.
    assert StopVisit.objects.filter(run__round=round_).count() == 2 * len(days)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offsets=st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=4))
def test_generating_from_any_days_never_writes_a_run_twice(make_round, offsets):
    # Hypothesis runs every example in one test transaction: the round is made once.
    round_ = Round.objects.filter(name="隔日巡检").first() or make_round(
        name="隔日巡检", frequency="days", every=2
    )
    for offset in offsets:
        services.rounds_generate(today=TODAY + timedelta(days=offset))
    days = list(RoundRun.objects.filter(round=round_).values_list("due_on", flat=True))
    assert len(days) == len(set(days))
    assert StopVisit.objects.filter(run__round=round_).count() == 2 * len(days)


def test_a_run_due_on_a_holiday_moves_to_the_next_working_day(make_round, admin_user):
    calendar = calendar_create(actor=admin_user, name="中国工作日",
                               weekly_hours={str(d): [[540, 1080]] for d in range(5)})  # fmt: skip
    calendar_day_set(actor=admin_user, calendar=calendar, day=date(2027, 2, 10), kind="holiday", name="春节")
    forget_rules()
    round_ = make_round(
        frequency="weeks", weekdays=[2], starts_on=date(2027, 2, 1), calendar=calendar, is_active=True
    )
    services.rounds_generate(today=date(2027, 2, 1), days=20)

    days = sorted(
        RoundRun.objects.filter(round=round_, due_on__gte=date(2027, 2, 1)).values_list("due_on", flat=True)
    )
    assert days == [date(2027, 2, 3), date(2027, 2, 11), date(2027, 2, 17)]


def test_changing_a_round_rewrites_the_runs_not_started_and_is_audited(make_round, admin_user, agent):
    round_ = make_round()
    started = RoundRun.objects.get(round=round_, due_on=TODAY)
    services.visit_check_in(actor=agent, visit=started.visits.get(position=1), code="AC-01",
                            position=Position())  # fmt: skip

    services.round_update(actor=admin_user, round=round_, stops=[services.StopSpec(asset=started.visits.get(position=1).asset)],
                          window_hours=4)  # fmt: skip

    started.refresh_from_db()
    assert started.status == RunStatus.IN_PROGRESS and started.visits.count() == 2  # walked on the old route
    later = RoundRun.objects.filter(round=round_, due_on__gt=TODAY)
    assert later.exists() and all(r.visits.count() == 1 for r in later)
    assert all((r.window_ends_at - r.window_starts_at) == timedelta(hours=4) for r in later)
    entry = AuditEntry.objects.filter(object_type="rounds.round", kind="config.update").get()
    assert "stops" in entry.detail["after"] and entry.detail["after"]["window_hours"] == 4


def test_a_run_whose_window_passed_unstarted_is_missed_with_its_stops_not_visited(run_today):
    assert services.rounds_mark_missed(now=run_today.window_ends_at - timedelta(minutes=1)) == 0
    assert services.rounds_mark_missed(now=run_today.window_ends_at + timedelta(minutes=1)) == 1
    run_today.refresh_from_db()
    assert run_today.status == RunStatus.MISSED
    assert set(run_today.visits.values_list("status", flat=True)) == {VisitStatus.NOT_VISITED}
