"""The demo's inspection rounds (巡检): a weekly round through the factory's compressor station and one
through 翠湖花园's pump room and lifts. On the simulated clock the station's round was walked two weeks ago
(all well) and last week (compressor 2 ran hot, which opened a corrective work order; the dryer was not
visited; finished late); today's run waits on the phone of zhao.gang. The property's round missed last week's
run. Kept apart from the other demo builders so each part merges on its own."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from gongdan.accounts.models import Team, User
from gongdan.assets.models import Asset, Location
from gongdan.demo.clock import replay_clock
from gongdan.maintenance.models import ChecklistTemplate, StepKind
from gongdan.maintenance.services import pm
from gongdan.rounds import services as rounds
from gongdan.rounds.models import Round, RoundRun
from gongdan.rounds.presence import SHARED, Position, stop_coordinates

STATION_STEPS = [
    pm.StepSpec("排气温度 Discharge temperature", StepKind.NUMBER, "°C", Decimal(60), Decimal(95)),
    pm.StepSpec("排气压力 Discharge pressure", StepKind.NUMBER, "bar", Decimal("6.5"), Decimal("8.5")),
    pm.StepSpec("无异响、无漏油 No unusual noise, no oil leaks", StepKind.CHECK),
    pm.StepSpec("备注 Notes", StepKind.NOTE, required=False),
]
DRYER_STEPS = [
    pm.StepSpec("压力露点 Pressure dew point", StepKind.NUMBER, "°C", None, Decimal(5)),
    pm.StepSpec("排水器工作正常 Drain works", StepKind.CHECK),
]
PUMP_ROOM_STEPS = [
    pm.StepSpec("出口压力 Outlet pressure", StepKind.NUMBER, "MPa", Decimal("0.3"), Decimal("0.6")),
    pm.StepSpec("无渗漏、地面无积水 No leaks, floor dry", StepKind.CHECK),
]
LIFT_STEPS = [
    pm.StepSpec("轿厢运行平稳、无异响 Car runs smoothly", StepKind.CHECK),
    pm.StepSpec("应急电话可用 Emergency phone works", StepKind.CHECK),
]


def _checklist(name: str, steps: list[pm.StepSpec]) -> ChecklistTemplate:
    return ChecklistTemplate.objects.filter(name=name).first() or pm.checklist_create(actor=None, name=name,
                                                                                       steps=steps)  # fmt: skip


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def build_rounds(*, now: datetime, team: Team, lead: User) -> dict[str, int]:
    if Round.objects.exists():
        return {"rounds": Round.objects.count()}
    today = timezone.localdate(now)
    compressor = _checklist("空压机巡检 Compressor round check", STATION_STEPS)
    dryer = _checklist("干燥机巡检 Dryer round check", DRYER_STEPS)
    started = today - timedelta(days=14)
    with replay_clock(_at(started, 7)):
        station = rounds.round_create(
            actor=None, name="空压站周巡检 Compressor station weekly round", every=1, frequency="weeks",
            weekdays=[today.weekday()], starts_on=started, window_start=time(8, 0), window_hours=12,
            team=team, assignee=lead, requester=lead,
            instructions="按顺序巡检空压站；每台设备扫描铭牌旁的二维码。 Walk the station in order; scan the code by each nameplate.",
            stops=[rounds.StopSpec(asset=Asset.objects.get(code=code), checklist=dryer if code == "SZ-DR-01" else compressor)
                   for code in ("SZ-AC-01", "SZ-AC-02", "SZ-DR-01")],
        )  # fmt: skip
        rounds.rounds_generate(today=started, days=14)
    runs = list(RoundRun.objects.filter(round=station, due_on__lt=today).order_by("due_on"))
    here = _near(Asset.objects.select_related("location").get(code="SZ-AC-01").location)
    values = [
        {"SZ-AC-01": ("82", "7.6"), "SZ-AC-02": ("84", "7.4")},
        {"SZ-AC-01": ("85", "7.7"), "SZ-AC-02": ("98.5", "7.5")},
    ]
    for number, run in enumerate(runs[:2]):
        late = number == 1
        for visit in run.visits.select_related("asset").order_by("position"):
            code = visit.asset.code if visit.asset else ""
            if late and code == "SZ-DR-01":
                continue  # not visited last week
            minute = 10 * visit.position + (700 if late else 0)
            with replay_clock(_at(run.due_on, 9, 0) + timedelta(minutes=minute)):
                rounds.visit_check_in(actor=lead, visit=visit, code=code, position=here)
            with replay_clock(_at(run.due_on, 9, 0) + timedelta(minutes=minute + 6)):
                rounds.visit_record(
                    actor=lead, visit=visit, answers=_answers(visit, values[number].get(code))
                )
        with replay_clock(_at(run.due_on, 9, 0) + timedelta(minutes=760 if late else 45)):
            rounds.run_finish(actor=lead, run=run)
    rounds.rounds_generate(today=today)

    property_round = _property_round(today, team, lead)
    # Runs whose window ended before today are missed; today's waits to be walked.
    rounds.rounds_mark_missed(now=_at(today, 0))
    return {"rounds": 1 + (property_round is not None), "round_runs": RoundRun.objects.count()}


def _near(place: Location | None) -> Position:
    """A phone's fix a few metres from the place (or "unavailable" when the place has no coordinates)."""
    point = stop_coordinates(place)
    if point is None:
        return Position()
    return Position(SHARED, Decimal(f"{point[0] + 0.0001:.6f}"), Decimal(f"{point[1]:.6f}"), 12.0)


def _answers(visit, readings: tuple[str, str] | None) -> dict[int, rounds.AnswerIn]:
    answers: dict[int, rounds.AnswerIn] = {}
    numbers = list(readings or ("2",))
    for step in visit.checklist.steps.order_by("position"):
        if step.kind == StepKind.NUMBER:
            answers[step.pk] = rounds.AnswerIn(number=numbers.pop(0) if numbers else "2")
        elif step.kind == StepKind.CHECK:
            answers[step.pk] = rounds.AnswerIn(passed=True)
    return answers


def _property_round(today: date, team: Team, lead: User) -> Round | None:
    """翠湖花园's weekly round: the pump room and building 1's lifts (when the property's assets exist)."""
    room = Location.objects.filter(code="GL-pump-room").first()
    lifts = list(Asset.objects.filter(code__in=["GL-1-LIFT-A", "GL-1-LIFT-B"]).order_by("code"))
    if room is None or not lifts:
        return None
    pump_room = _checklist("泵房巡检 Pump room round check", PUMP_ROOM_STEPS)
    lift = _checklist("电梯巡检 Lift round check", LIFT_STEPS)
    started = today - timedelta(days=10)
    with replay_clock(_at(started, 7)):
        round_ = rounds.round_create(
            actor=None, name="翠湖花园周巡检 Green Lake weekly round", every=1, frequency="weeks",
            weekdays=[started.weekday()], starts_on=started, window_start=time(14, 0), window_hours=3,
            team=team, requester=lead, allow_manual_confirm=True,
            stops=[rounds.StopSpec(location=room, checklist=pump_room)]
                  + [rounds.StopSpec(asset=a, checklist=lift) for a in lifts],
        )  # fmt: skip
        rounds.rounds_generate(today=started, days=14)
    rounds.rounds_generate(today=today)
    return round_
