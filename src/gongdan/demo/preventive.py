"""The demo's preventive maintenance: monthly plans on 翠湖花园's lifts and pumps, and a 500-hour (or
quarterly, whichever comes first) service on the factory's compressors, each with its checklist. The lifts'
plan started six weeks ago on the simulated clock: last month's work orders were done (one late), this
month's two on the day and one is still open past its day. The factory's moulding machine has a weekly check
started five weeks ago: three done on the day, one two days late, the last one missed (its ticket still
open). So the maintenance list, its on-time figure and the dashboard's PM compliance have every outcome."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from gongdan.accounts.models import Team, User
from gongdan.assets.models import Asset, AssetType
from gongdan.demo.clock import replay_clock
from gongdan.maintenance.models import PmStatus, PmWorkOrder, StepKind
from gongdan.maintenance.services import pm
from gongdan.sla.models import BusinessCalendar
from gongdan.tickets import services as tickets

LIFT_STEPS = [
    pm.StepSpec("曳引机油位 Traction machine oil level", StepKind.NUMBER, "cm", Decimal(1), Decimal(3)),
    pm.StepSpec("门锁回路动作正常 Door lock circuit works", StepKind.CHECK),
    pm.StepSpec("轿厢照明与应急电话 Car light and emergency phone", StepKind.CHECK),
    pm.StepSpec("备注 Notes", StepKind.NOTE, required=False),
]
PUMP_STEPS = [
    pm.StepSpec("出口压力 Outlet pressure", StepKind.NUMBER, "MPa", Decimal("0.3"), Decimal("0.6")),
    pm.StepSpec("轴承温度 Bearing temperature", StepKind.NUMBER, "°C", None, Decimal(70)),
    pm.StepSpec("无异响、无渗漏 No noise, no leaks", StepKind.CHECK),
]
COMPRESSOR_STEPS = [
    pm.StepSpec("排气温度 Discharge temperature", StepKind.NUMBER, "°C", Decimal(60), Decimal(95)),
    pm.StepSpec("更换油滤和空滤 Oil and air filters replaced", StepKind.CHECK),
    pm.StepSpec("皮带张紧 Belt tension", StepKind.CHECK),
    pm.StepSpec("现场照片 Photo of the unit", StepKind.PHOTO, required=False),
]


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def build_preventive(*, now: datetime, team: Team, lead: User) -> dict[str, int]:
    calendar = BusinessCalendar.objects.filter(is_24x7=False).order_by("pk").first()
    lifts = pm.checklist_create(actor=None, name="电梯月度保养 Lift monthly service", steps=LIFT_STEPS)
    pumps = pm.checklist_create(actor=None, name="水泵月度保养 Pump monthly service", steps=PUMP_STEPS)
    compressors = pm.checklist_create(actor=None, name="空压机 500 小时保养 Compressor 500-hour service",
                                      steps=COMPRESSOR_STEPS)  # fmt: skip
    today = timezone.localdate(now)
    started = today - timedelta(days=40)
    with replay_clock(_at(started, 8)):
        lift_plan = pm.pm_plan_create(
            actor=None, name="电梯月度保养 Lift monthly service", asset_type=AssetType.objects.get(code="lift"),
            every=1, frequency="months", starts_on=started, lead_days=5, checklist=lifts, calendar=calendar,
            requester=lead, team=team,
        )  # fmt: skip
    # Last month's lift services, done on the day (one three days late), answered through the checklist.
    for late, work_order in enumerate(PmWorkOrder.objects.filter(plan=lift_plan, due_on__lt=today - timedelta(days=20))
                                      .select_related("asset").order_by("asset__code")):  # fmt: skip
        with replay_clock(_at(work_order.opens_on, 8)):
            pm.pm_work_order_open(work_order_id=work_order.pk, today=work_order.opens_on)
        work_order.refresh_from_db()
        done_on = work_order.due_on + timedelta(days=3 if late == 2 else 0)
        _do_service(work_order, lead, _at(done_on, 10), readings={StepKind.NUMBER: "2.1"})
    # This month's: two lifts serviced on the day, the third one's work order still open past its day.
    current = PmWorkOrder.objects.filter(
        plan=lift_plan, due_on__gte=today - timedelta(days=20), due_on__lt=today
    )
    for work_order in current.select_related("asset").order_by("asset__code")[:2]:
        with replay_clock(_at(work_order.opens_on, 8)):
            pm.pm_work_order_open(work_order_id=work_order.pk, today=work_order.opens_on)
        work_order.refresh_from_db()
        _do_service(work_order, lead, _at(work_order.due_on, 10), readings={StepKind.NUMBER: "2.0"})
    moulding_plan = _weekly_moulding_check(today=today, team=team, lead=lead)
    pump_plan = pm.pm_plan_create(
        actor=None, name="水泵月度保养 Pump monthly service", asset_type=AssetType.objects.get(code="pump"),
        every=1, frequency="months", starts_on=today + timedelta(days=4), lead_days=7, checklist=pumps,
        calendar=calendar, requester=lead, team=team,
    )  # fmt: skip
    compressor = Asset.objects.get(code="SZ-AC-01")
    compressor_plan = pm.pm_plan_create(
        actor=None, name="空压机 500 小时保养 Compressor 500-hour service", asset=compressor, trigger="either",
        every=3, frequency="months", schedule="floating", starts_on=today + timedelta(days=21),
        meter="hours", meter_every=Decimal(500), lead_days=7, checklist=compressors, calendar=calendar,
        requester=lead, team=team,
    )  # fmt: skip
    with replay_clock(now):
        pm.pm_generate(today=today, days=90)
        opened = pm.pm_open_due(today=today)
    return {
        "pm_plans": 4,
        "pm_work_orders": PmWorkOrder.objects.filter(
            plan__in=[lift_plan, moulding_plan, pump_plan, compressor_plan]
        ).count(),
        "pm_open": opened,
    }


MOULDING_STEPS = [
    pm.StepSpec("液压油温 Hydraulic oil temperature", StepKind.NUMBER, "°C", Decimal(30), Decimal(55)),
    pm.StepSpec("安全门联锁正常 Safety gate interlock works", StepKind.CHECK),
]


def _weekly_moulding_check(*, today: date, team: Team, lead: User) -> Any:
    checklist = pm.checklist_create(actor=None, name="注塑机周检 Moulding machine weekly check",
                                    steps=MOULDING_STEPS)  # fmt: skip
    started = today - timedelta(days=35)
    with replay_clock(_at(started, 8)):
        plan = pm.pm_plan_create(
            actor=None, name="注塑机周检 Moulding machine weekly check", asset=Asset.objects.get(code="SZ-L1-IM01"),
            every=1, frequency="weeks", starts_on=started + timedelta(days=2), lead_days=1, checklist=checklist,
            requester=lead, team=team,
        )  # fmt: skip
    past = PmWorkOrder.objects.filter(plan=plan, due_on__lt=today - timedelta(days=2)).order_by("due_on")
    # done on the day, on the day, two days late, on the day, missed (opened, never done)
    for n, work_order in enumerate(past[:5]):
        with replay_clock(_at(work_order.opens_on, 8)):
            pm.pm_work_order_open(work_order_id=work_order.pk, today=work_order.opens_on)
        work_order.refresh_from_db()
        if n < 4:
            done_on = work_order.due_on + timedelta(days=2 if n == 2 else 0)
            _do_service(work_order, lead, _at(done_on, 11), readings={StepKind.NUMBER: "42"})
    return plan


def _do_service(work_order: PmWorkOrder, lead: User, at: datetime, *, readings: dict[str, str]) -> None:
    with replay_clock(at):
        ticket = tickets.ticket_assign(actor=lead, ticket=work_order.ticket, assignee=lead)  # type: ignore[arg-type]
        ticket = tickets.ticket_transition(actor=lead, ticket=ticket, action="start")
        work_order.ticket = ticket
        for step in work_order.plan.checklist.steps.all():  # type: ignore[union-attr]
            if step.kind == StepKind.CHECK:
                pm.checklist_answer(actor=lead, work_order=work_order, step=step, passed=True)
            elif step.kind == StepKind.NUMBER:
                pm.checklist_answer(
                    actor=lead, work_order=work_order, step=step, number=readings[StepKind.NUMBER]
                )
        tickets.ticket_transition(actor=lead, ticket=ticket, action="resolve", note="已按检查表完成保养。")
    work_order.refresh_from_db()
    if work_order.status != PmStatus.DONE:
        raise RuntimeError(f"demo: the service of {work_order} did not finish")
