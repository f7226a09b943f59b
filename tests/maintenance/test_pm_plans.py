"""Preventive maintenance plans through the services: scheduling ahead, idempotence, lead time, completion,
meters, whichever-first, the checklist, and bad input."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from gongdan.assets.services import asset_retire
from gongdan.audit.models import AuditEntry
from gongdan.core.domain_errors import ValidationFailed
from gongdan.maintenance.models import ChecklistAnswer, PmPlan, PmStatus, PmWorkOrder
from gongdan.maintenance.services import pm
from gongdan.sla.rules import forget_rules
from gongdan.sla.services import calendar_create, calendar_day_set
from gongdan.tickets.services import ticket_assign, ticket_transition

TODAY = timezone.localdate()


class StoredReadings:
    """The test's meter source: readings stored here, read through the same protocol the meters app serves."""

    def __init__(self):
        self.values: dict[tuple[str, int], Decimal] = {}

    def record(self, asset, meter, value):
        self.values[(meter, asset.pk)] = Decimal(str(value))

    def current_readings(self, *, meter, asset_ids):
        return {a: self.values[(meter, a)] for a in asset_ids if (meter, a) in self.values}


@pytest.fixture
def readings():
    source = StoredReadings()
    previous = pm.set_meter_source(source)
    yield source
    pm.set_meter_source(previous)


@pytest.fixture
def make_plan(admin_user, team):
    def make(**fields):
        fields.setdefault("name", "空压机月度保养")
        fields.setdefault("starts_on", TODAY)
        fields.setdefault("requester", admin_user)
        fields.setdefault("team", team)
        return pm.pm_plan_create(actor=admin_user, **fields)

    return make


def due_dates(plan, asset=None, until=None):
    rows = PmWorkOrder.objects.filter(plan=plan)
    if until is not None:
        rows = rows.filter(due_on__lte=until)
    if asset is not None:
        rows = rows.filter(asset=asset)
    return list(rows.order_by("due_on").values_list("due_on", flat=True))


def finish(ticket, agent, action="resolve"):
    ticket = ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    ticket = ticket_transition(actor=agent, ticket=ticket, action="start")
    return ticket_transition(actor=agent, ticket=ticket, action=action, note="done")


def test_a_monthly_plan_is_scheduled_ahead_and_running_again_creates_nothing(make_asset, make_plan):
    asset = make_asset("AC-01")
    plan = make_plan(
        asset=asset, every=1, frequency="months", starts_on=TODAY.replace(day=1) + timedelta(days=30)
    )

    pm.pm_generate(today=TODAY, days=90)
    assert all(d.day >= 28 for d in due_dates(plan)) and len(due_dates(plan)) == 3

    again = pm.pm_generate(today=TODAY, days=90)
    assert again.created == 0
    assert PmWorkOrder.objects.filter(plan=plan).count() == 3


def test_a_plan_on_an_asset_type_covers_each_of_its_assets_but_not_retired_ones(make_asset, make_plan, admin_user,
                                                                                compressor_type):  # fmt: skip
    first, second, old = make_asset("AC-01"), make_asset("AC-02"), make_asset("AC-03")
    asset_retire(actor=admin_user, asset=old)
    plan = make_plan(asset_type=compressor_type, every=2, frequency="weeks")

    pm.pm_generate(today=TODAY, days=27)
    window = TODAY + timedelta(days=27)
    expected = [TODAY, TODAY + timedelta(weeks=2)]
    assert due_dates(plan, first, window) == due_dates(plan, second, window) == expected
    assert due_dates(plan, old) == []


def test_tickets_open_lead_days_ahead_for_the_plans_team_once(make_asset, make_plan, team):
    asset = make_asset("AC-01")
    plan = make_plan(asset=asset, every=7, frequency="days", starts_on=TODAY + timedelta(days=3), lead_days=2)
    pm.pm_generate(today=TODAY, days=30)

    assert pm.pm_open_due(today=TODAY) == 0
    assert pm.pm_open_due(today=TODAY + timedelta(days=1)) == 1
    assert pm.pm_open_due(today=TODAY + timedelta(days=1)) == 0

    work_order = PmWorkOrder.objects.get(plan=plan, status=PmStatus.OPEN)
    ticket = work_order.ticket
    assert work_order.due_on == TODAY + timedelta(days=3)
    assert ticket.asset == asset and ticket.team == team
    assert plan.name in ticket.subject
    assert list(ticket.tags.values_list("name", flat=True)) == ["pm"]


def test_completing_a_floating_plan_sets_the_next_due_date_from_the_completion(make_asset, make_plan, agent):
    asset = make_asset("AC-01")
    plan = make_plan(
        asset=asset, every=30, frequency="days", schedule="floating", starts_on=timezone.localdate()
    )
    assert due_dates(plan) == [timezone.localdate()]
    pm.pm_open_due()
    work_order = PmWorkOrder.objects.get(plan=plan)

    finish(work_order.ticket, agent)

    work_order.refresh_from_db()
    assert work_order.status == PmStatus.DONE and work_order.completed_at is not None
    assert due_dates(plan) == [timezone.localdate(), timezone.localdate() + timedelta(days=30)]


def test_a_cancelled_ticket_cancels_its_work_order_and_a_floating_plan_goes_on(make_asset, make_plan, agent):
    asset = make_asset("AC-01")
    plan = make_plan(
        asset=asset, every=10, frequency="days", schedule="floating", starts_on=timezone.localdate()
    )
    pm.pm_open_due()
    ticket = PmWorkOrder.objects.get(plan=plan).ticket

    ticket_transition(actor=agent, ticket=ticket, action="cancel", note="asset moved")

    assert list(PmWorkOrder.objects.filter(plan=plan).values_list("status", flat=True)) == [
        "cancelled",
        "scheduled",
    ]


def test_a_holiday_moves_the_due_date_to_the_next_working_day(make_asset, make_plan, admin_user):
    calendar = calendar_create(actor=admin_user, name="中国工作日",
                               weekly_hours={str(d): [[540, 1080]] for d in range(5)})  # fmt: skip
    calendar_day_set(actor=admin_user, calendar=calendar, day=date(2027, 2, 10), kind="holiday", name="春节")
    forget_rules()
    plan = make_plan(asset=make_asset("AC-01"), every=1, frequency="months", starts_on=date(2027, 1, 10),
                     calendar=calendar)  # fmt: skip

    pm.pm_generate(today=date(2027, 1, 4), days=70)
    # 10 Jan 2027 is a Sunday → Monday 11th; 10 Feb is a holiday → 11 Feb; 10 Mar is a Wednesday.
    assert due_dates(plan, until=date(2027, 3, 14)) == [
        date(2027, 1, 11),
        date(2027, 2, 11),
        date(2027, 3, 10),
    ]
    assert list(PmWorkOrder.objects.filter(plan=plan).values_list("planned_on", flat=True)) == due_dates(plan)


def test_a_meter_plan_falls_due_when_the_meter_has_run_its_interval(make_asset, make_plan, readings, agent):
    asset = make_asset("AC-01")
    plan = make_plan(asset=asset, trigger="meter", meter="run_hours", meter_every=Decimal(500))
    readings.record(asset, "run_hours", 450)
    pm.pm_generate(days=90)
    assert due_dates(plan) == []

    readings.record(asset, "run_hours", 520)
    pm.pm_generate(days=90)
    pm.pm_generate(days=90)
    assert due_dates(plan) == [timezone.localdate()]

    pm.pm_open_due()
    finish(PmWorkOrder.objects.get(plan=plan).ticket, agent)
    assert PmWorkOrder.objects.get(plan=plan).meter_reading == Decimal(520)

    readings.record(asset, "run_hours", 1000)  # 480 since the service: not yet
    pm.pm_generate(days=90)
    assert PmWorkOrder.objects.filter(plan=plan).count() == 1
    readings.record(asset, "run_hours", 1020)
    pm.pm_generate(today=timezone.localdate() + timedelta(days=1), days=90)
    assert PmWorkOrder.objects.filter(plan=plan, status="scheduled").count() == 1


def test_whichever_comes_first_moves_the_next_calendar_work_order_to_today(make_asset, make_plan, readings):
    asset = make_asset("AC-01")
    today = timezone.localdate()
    plan = make_plan(asset=asset, trigger="either", every=1, frequency="months", starts_on=today + timedelta(days=20),
                     meter="run_hours", meter_every=Decimal(500))  # fmt: skip
    first_planned = due_dates(plan)[0]

    readings.record(asset, "run_hours", 510)
    result = pm.pm_generate(days=90)
    pm.pm_generate(days=90)

    moved = PmWorkOrder.objects.get(plan=plan, planned_on=first_planned)
    assert result.moved == 1 and result.created == 0
    assert moved.due_on == today and moved.trigger == "meter"
    assert PmWorkOrder.objects.filter(plan=plan, due_on=today).count() == 1


def test_a_pm_ticket_resolves_only_with_its_checklist_answered(make_asset, make_plan, agent):
    checklist = pm.checklist_create(actor=None, name="空压机保养", steps=[
        pm.StepSpec("排气温度", kind="number", unit="°C", minimum=Decimal(60), maximum=Decimal(95)),
        pm.StepSpec("皮带无裂纹", kind="check"),
        pm.StepSpec("备注", kind="note", required=False),
    ])  # fmt: skip
    plan = make_plan(asset=make_asset("AC-01"), every=1, frequency="months", starts_on=timezone.localdate(),
                     checklist=checklist)  # fmt: skip
    pm.pm_open_due()
    work_order = PmWorkOrder.objects.get(plan=plan, status=PmStatus.OPEN)
    ticket = ticket_assign(actor=agent, ticket=work_order.ticket, assignee=agent)
    ticket = ticket_transition(actor=agent, ticket=ticket, action="start")

    with pytest.raises(ValidationFailed) as caught:
        ticket_transition(actor=agent, ticket=ticket, action="resolve", note="done")
    assert "checklist" in caught.value.details
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"

    temperature, belt, _note = checklist.steps.all()
    with pytest.raises(ValidationFailed):
        pm.checklist_answer(actor=agent, work_order=work_order, step=temperature, number="hot")
    answer = pm.checklist_answer(actor=agent, work_order=work_order, step=temperature, number="101.5")
    assert answer.passed is False
    pm.checklist_answer(actor=agent, work_order=work_order, step=belt, passed=True)

    ticket_transition(actor=agent, ticket=ticket, action="resolve", note="done")
    work_order.refresh_from_db()
    assert work_order.status == PmStatus.DONE
    assert ChecklistAnswer.objects.filter(work_order=work_order).count() == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"every": 0}, "every"),
        ({"frequency": "months", "weekdays": [1]}, "weekdays"),
        ({"frequency": "weeks", "weekdays": [7]}, "weekdays"),
        ({"trigger": "meter", "meter": ""}, "meter_every"),
        ({"lead_days": 400}, "lead_days"),
        ({"asset": None}, "asset"),
    ],
)
def test_a_bad_plan_is_refused_and_nothing_is_written(make_asset, make_plan, fields, field):
    fields = {"asset": make_asset("AC-01"), **fields}
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        make_plan(**fields)
    assert field in caught.value.details
    assert PmPlan.objects.count() == 0 and PmWorkOrder.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_changing_a_plan_schedules_its_unopened_work_orders_again(make_asset, make_plan, admin_user):
    plan = make_plan(asset=make_asset("AC-01"), every=1, frequency="months", starts_on=TODAY)
    pm.pm_open_due()
    plan = pm.pm_plan_update(actor=admin_user, plan=plan, every=2)
    scheduled = PmWorkOrder.objects.filter(plan=plan, status=PmStatus.SCHEDULED).values_list(
        "due_on", flat=True
    )
    assert scheduled and all(
        (d.year * 12 + d.month - TODAY.year * 12 - TODAY.month) % 2 == 0 for d in scheduled
    )
    assert PmWorkOrder.objects.filter(plan=plan, status=PmStatus.OPEN, due_on=TODAY).count() == 1


def test_the_command_schedules_and_opens(make_asset, make_plan, capsys):
    make_plan(asset=make_asset("AC-01"), every=1, frequency="weeks", starts_on=timezone.localdate())
    PmWorkOrder.objects.all().delete()
    call_command("pm_generate", "--days", "30")
    out = capsys.readouterr().out
    assert "work orders scheduled" in out and "1 tickets opened" in out
    call_command("pm_generate", "--days", "30")
    assert "0 work orders scheduled" in capsys.readouterr().out


def test_a_meter_plan_reads_the_meters_app_when_no_other_source_is_installed(make_asset, make_plan):
    """The meters app is the site's source (maintenance.meter_readings): a plan every 500 running hours falls due
    when the asset's `hours` meter passes 500."""
    from gongdan.maintenance.meter_readings import MetersReadings
    from gongdan.meters.models import Meter

    previous = pm.set_meter_source(MetersReadings())
    try:
        asset = make_asset("AC-02")
        plan = make_plan(asset=asset, trigger="meter", meter="hours", meter_every=Decimal(500))
        meter = Meter.objects.create(
            asset=asset, code="hours", name="运行小时", kind="running_hours", unit="h"
        )
        Meter.objects.filter(pk=meter.pk).update(last_value=480.0, last_read_at=timezone.now())
        pm.pm_generate(days=90)
        assert due_dates(plan) == []
        Meter.objects.filter(pk=meter.pk).update(last_value=512.5, last_read_at=timezone.now())
        pm.pm_generate(days=90)
        assert due_dates(plan) == [timezone.localdate()]
    finally:
        pm.set_meter_source(previous)
