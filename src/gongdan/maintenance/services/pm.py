"""Preventive maintenance: scheduling a plan's work orders ahead, opening their tickets at lead time, and
closing the loop when a ticket is done (decision 0145).

`pm_generate` writes the `PmWorkOrder` rows due in the coming days in a few batched statements (it reads every
active plan and its assets once); `pm_open_due` opens the ticket of each row whose lead time has come, through
`ticket_create` (routing, SLA and numbering as for any ticket). Both are safe to run twice and on several
workers at once: a row is unique on (plan, asset, planned date) and is locked while its ticket is opened.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.assets.models import Asset, AssetStatus
from gongdan.core.domain_errors import ValidationFailed
from gongdan.maintenance import scheduling
from gongdan.maintenance.models import (
    ChecklistAnswer,
    ChecklistStep,
    ChecklistTemplate,
    PmPlan,
    PmStatus,
    PmWorkOrder,
    Schedule,
    StepKind,
    Trigger,
)
from gongdan.sla.business_time import CalendarSnapshot
from gongdan.sla.rules import current_rules
from gongdan.tickets.access import can_work
from gongdan.tickets.models import Attachment, Ticket
from gongdan.tickets.reactions import TicketChange
from gongdan.tickets.services import ticket_create

BATCH = 2000
PENDING = (PmStatus.SCHEDULED, PmStatus.OPEN)


class MeterSource(Protocol):
    """Where meter readings come from (the meters app registers its own at start-up)."""

    def current_readings(self, *, meter: str, asset_ids: Sequence[int]) -> dict[int, Decimal]:
        """The latest cumulative reading of `meter` on each asset that has one."""
        ...


class NoMeters:
    def current_readings(self, *, meter: str, asset_ids: Sequence[int]) -> dict[int, Decimal]:
        return {}


_meter_source: list[MeterSource] = [NoMeters()]


def set_meter_source(source: MeterSource) -> MeterSource:
    """Install the process's meter source; returns the one it replaces (tests put it back)."""
    previous = _meter_source[0]
    _meter_source[0] = source
    return previous


def meter_source() -> MeterSource:
    return _meter_source[0]


@dataclass
class Generated:
    created: int = 0
    moved: int = 0


def _calendar(plan: PmPlan, calendars: dict[int, CalendarSnapshot]) -> CalendarSnapshot | None:
    return calendars.get(plan.calendar_id) if plan.calendar_id else None


def _targets(plans: Sequence[PmPlan]) -> dict[int, list[int]]:
    """Each plan's assets: its own, or every asset of its type that is not retired (one query)."""
    by_type: dict[int, list[int]] = defaultdict(list)
    type_ids = {p.asset_type_id for p in plans if p.asset_type_id}
    if type_ids:
        for asset_id, type_id in (
            Asset.objects.filter(asset_type_id__in=type_ids)
            .exclude(status=AssetStatus.RETIRED)
            .order_by("pk")
            .values_list("pk", "asset_type_id")
        ):
            by_type[type_id].append(asset_id)
    return {p.pk: ([p.asset_id] if p.asset_id else by_type.get(p.asset_type_id or 0, [])) for p in plans}


@dataclass(slots=True)
class _NewWorkOrder:
    """A row to write: plain values, not a model instance (building 400,000 instances and letting
    `bulk_create` compile them field by field was most of the generator's time; decision 0171)."""

    plan_id: int
    asset_id: int
    planned_on: date
    due_on: date
    opens_on: date
    trigger: str


def _row(plan: PmPlan, asset_id: int, planned: date, trigger: str = Trigger.CALENDAR) -> _NewWorkOrder:
    return _NewWorkOrder(
        plan.pk, asset_id, planned, planned, planned - timedelta(days=plan.lead_days), trigger
    )


_INSERT_COLUMNS = ("plan_id", "asset_id", "planned_on", "due_on", "opens_on", "trigger", "status")


def _insert(rows: Sequence[_NewWorkOrder]) -> int:
    """Write the rows with multi-row `INSERT … ON CONFLICT DO NOTHING` statements (the same SQL on SQLite
    and PostgreSQL); the unique (plan, asset, planned date) makes a row written by an earlier run or by
    another worker a no-op. Returns how many rows were new."""
    if not rows:
        return 0
    table = connection.ops.quote_name(PmWorkOrder._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _INSERT_COLUMNS)
    per_statement = max(1, min(BATCH, (connection.features.max_query_params or 999) // len(_INSERT_COLUMNS)))
    adapt = connection.ops.adapt_datefield_value
    scheduled = PmStatus.SCHEDULED.value
    created = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params: list[Any] = []
            for row in chunk:
                params += [row.plan_id, row.asset_id, adapt(row.planned_on), adapt(row.due_on),
                           adapt(row.opens_on), row.trigger, scheduled]  # fmt: skip
            placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {placeholders} ON CONFLICT DO NOTHING",  # noqa: S608
                params,
            )
            created += max(cursor.rowcount, 0)
    return created


def pm_generate(
    *,
    today: date | None = None,
    days: int = 90,
    plan_ids: Iterable[int] | None = None,
    asset_ids: Iterable[int] | None = None,
    meters: MeterSource | None = None,
) -> Generated:
    """Write the work orders due from today to `days` ahead. Fixed plans get every date of the window;
    floating plans only their next one (the one after depends on when that is done); meter plans one due
    today once the meter has run its interval (a whichever-first plan's next calendar work order moves to today
    instead). Nothing already written is written again."""
    today = today or timezone.localdate()
    until = today + timedelta(days=days)
    plans_query = PmPlan.objects.filter(is_active=True).order_by("pk")
    if plan_ids is not None:
        plans_query = plans_query.filter(pk__in=list(plan_ids))
    plans = list(plans_query)
    if not plans:
        return Generated()
    targets = _targets(plans)
    if asset_ids is not None:
        only = set(asset_ids)
        targets = {plan_id: [a for a in assets if a in only] for plan_id, assets in targets.items()}
    calendars = current_rules().calendars

    # What exists already, for the plans that need it: the pending rows and the last finished one.
    pending: dict[tuple[int, int], list[tuple[int, date, str, str]]] = defaultdict(list)
    finished_anchor: dict[tuple[int, int], date] = {}
    meter_base: dict[tuple[int, int], Decimal] = {}
    history_plan_ids = [p.pk for p in plans if p.schedule == Schedule.FLOATING or p.uses_meter]
    if history_plan_ids:
        for pk, plan_id, asset_id, planned, status, trigger, completed_at, reading in (
            PmWorkOrder.objects.filter(plan_id__in=history_plan_ids)
            .order_by("due_on", "pk")
            .values_list(
                "pk",
                "plan_id",
                "asset_id",
                "planned_on",
                "status",
                "trigger",
                "completed_at",
                "meter_reading",
            )
        ):
            key = (plan_id, asset_id)
            if status in PENDING:
                pending[key].append((pk, planned, status, trigger))
                continue
            anchor = timezone.localdate(completed_at) if completed_at else planned
            finished_anchor[key] = max(anchor, finished_anchor.get(key, anchor))
            if status == PmStatus.DONE and reading is not None:
                meter_base[key] = reading
    fixed_plan_ids = [p.pk for p in plans if p.uses_calendar and p.schedule == Schedule.FIXED]
    existing: set[tuple[int, int, date]] = set()
    if fixed_plan_ids:
        for chunk_start in range(0, len(fixed_plan_ids), BATCH):
            chunk = fixed_plan_ids[chunk_start : chunk_start + BATCH]
            existing.update(
                PmWorkOrder.objects.filter(plan_id__in=chunk, planned_on__gte=today)
                .values_list("plan_id", "asset_id", "planned_on")
                .iterator(chunk_size=BATCH)
            )

    rows: list[_NewWorkOrder] = []
    for plan in plans:
        if not plan.uses_calendar:
            continue
        snapshot = _calendar(plan, calendars)
        if plan.schedule == Schedule.FIXED:
            dates = scheduling.due_dates(starts_on=plan.starts_on, every=plan.every, frequency=plan.frequency,
                                         weekdays=plan.weekdays or (), since=today, until=until,
                                         snapshot=snapshot)  # fmt: skip
            for asset_id in targets[plan.pk]:
                rows.extend(_row(plan, asset_id, d) for d in dates if (plan.pk, asset_id, d) not in existing)
            continue
        for asset_id in targets[plan.pk]:  # floating: the next one, once the last is finished
            key = (plan.pk, asset_id)
            if pending.get(key):
                continue
            last = finished_anchor.get(key)
            nominal = (
                scheduling.step(last, every=plan.every, frequency=plan.frequency) if last else plan.starts_on
            )
            planned = scheduling.to_working_day(nominal, snapshot)
            if planned <= until:
                rows.append(_row(plan, asset_id, planned))

    result = Generated()
    result.moved = _meter_due(plans, targets, pending, meter_base, today, rows, meters or meter_source())
    with transaction.atomic():
        result.created = _insert(rows)
    return result


def _meter_due(
    plans: Sequence[PmPlan],
    targets: dict[int, list[int]],
    pending: dict[tuple[int, int], list[tuple[int, date, str, str]]],
    meter_base: dict[tuple[int, int], Decimal],
    today: date,
    rows: list[_NewWorkOrder],
    source: MeterSource,
) -> int:
    """Meter plans whose meter has run its interval: a work order due today (a new row, or for whichever-first
    the next calendar one moved to today). Returns how many rows were moved."""
    moved = 0
    first_new: dict[tuple[int, int], _NewWorkOrder] = {}
    for row in rows:
        first_new.setdefault((row.plan_id, row.asset_id), row)
    for plan in plans:
        if not plan.uses_meter or not plan.meter or not plan.meter_every:
            continue
        readings = source.current_readings(meter=plan.meter, asset_ids=targets[plan.pk])
        for asset_id in targets[plan.pk]:
            key = (plan.pk, asset_id)
            base = meter_base.get(key, plan.meter_start)
            if not scheduling.meter_due(reading=readings.get(asset_id), base=base, every=plan.meter_every):
                continue
            waiting = pending.get(key, [])
            if any(
                trigger == Trigger.METER or status == PmStatus.OPEN for _pk, _d, status, trigger in waiting
            ):
                continue  # the work for this interval is already on its way
            if waiting:
                first_pk = waiting[0][0]
                PmWorkOrder.objects.filter(pk=first_pk, status=PmStatus.SCHEDULED).update(
                    due_on=today, opens_on=today, trigger=Trigger.METER
                )
                moved += 1
                continue
            new_row = first_new.get(key) if plan.trigger == Trigger.EITHER else None
            if new_row is not None:
                new_row.due_on, new_row.opens_on, new_row.trigger = today, today, Trigger.METER
                continue
            rows.append(_row(plan, asset_id, today, Trigger.METER))
    return moved


def _subject(plan: PmPlan, asset: Asset) -> str:
    return _("Preventive maintenance: %(plan)s — %(asset)s") % {"plan": plan.name,
                                                               "asset": f"{asset.code} {asset.name}"}  # fmt: skip


def _description(plan: PmPlan, work_order: PmWorkOrder) -> str:
    lines = [_("Due on %(date)s.") % {"date": work_order.due_on.isoformat()}]
    if work_order.trigger == Trigger.METER:
        lines.append(_("The meter “%(meter)s” has run %(every)s since the last service.")
                     % {"meter": plan.meter, "every": plan.meter_every})  # fmt: skip
    if plan.checklist_id:
        lines.append(_("Answer the checklist on this ticket before resolving it."))
    return "\n\n".join(lines)


@transaction.atomic
def pm_work_order_open(*, work_order_id: int, today: date | None = None) -> PmWorkOrder | None:
    """Open the ticket of one scheduled work order (locked: a second worker finds it open and does nothing)."""
    today = today or timezone.localdate()
    work_order = (
        PmWorkOrder.objects.select_for_update()
        .filter(pk=work_order_id, status=PmStatus.SCHEDULED, opens_on__lte=today)
        .first()
    )
    if work_order is None:
        return None
    plan = PmPlan.objects.select_related("requester", "team", "category", "checklist").get(
        pk=work_order.plan_id
    )
    asset = Asset.objects.select_related("location").get(pk=work_order.asset_id)
    if asset.status == AssetStatus.RETIRED or not plan.requester.is_active:
        work_order.status = PmStatus.CANCELLED
        work_order.save(update_fields=["status"])
        return work_order
    due_at = timezone.make_aware(datetime.combine(work_order.due_on, time(18, 0)))
    ticket = ticket_create(actor=None, requester=plan.requester, subject=_subject(plan, asset),
                           description=_description(plan, work_order), team=plan.team, category=plan.category,
                           asset=asset, due_at=due_at, tags=["pm"], channel="api")  # fmt: skip
    work_order.ticket = ticket
    work_order.status = PmStatus.OPEN
    work_order.save(update_fields=["ticket", "status"])
    return work_order


def pm_open_due(*, today: date | None = None, limit: int | None = None) -> int:
    """Open the tickets of the work orders whose lead time has come; returns how many were opened."""
    today = today or timezone.localdate()
    ids = PmWorkOrder.objects.filter(status=PmStatus.SCHEDULED, opens_on__lte=today).order_by(
        "opens_on", "pk"
    )
    opened = 0
    for work_order_id in list(ids.values_list("pk", flat=True)[:limit]):
        work_order = pm_work_order_open(work_order_id=work_order_id, today=today)
        opened += work_order is not None and work_order.status == PmStatus.OPEN
    return opened


# --- the ticket side: completion and the checklist -----------------------------------------------------------


def _reading_now(work_order: PmWorkOrder) -> Decimal | None:
    plan = work_order.plan
    if not plan.uses_meter or not plan.meter:
        return None
    return (
        meter_source()
        .current_readings(meter=plan.meter, asset_ids=[work_order.asset_id])
        .get(work_order.asset_id)
    )


def missing_answers(work_order: PmWorkOrder) -> list[ChecklistStep]:
    if work_order.plan.checklist_id is None:
        return []
    answered = set(work_order.answers.values_list("step_id", flat=True))
    steps = ChecklistStep.objects.filter(template_id=work_order.plan.checklist_id, required=True)
    return [s for s in steps if s.pk not in answered]


def pm_react(change: TicketChange) -> None:
    """A ticket reaction: resolving a PM ticket needs its required checklist answers; resolving or closing it
    marks the work order done (and schedules a floating plan's next one), cancelling it cancels the work
    order."""
    if change.creating or change.ticket.asset_id is None:
        return
    for event in change.events:
        if event.kind != "transitioned":
            continue
        target = event.data.get("to")
        if target not in ("resolved", "closed", "cancelled"):
            continue
        work_order = (
            PmWorkOrder.objects.select_for_update(of=("self",))
            .select_related("plan")
            .filter(ticket=change.ticket, status=PmStatus.OPEN)
            .first()
        )
        if work_order is None:
            continue
        if target == "cancelled":
            work_order.status = PmStatus.CANCELLED
            work_order.save(update_fields=["status"])
        else:
            missing = missing_answers(work_order)
            if missing and target == "resolved":
                message = _("Answer the checklist first: %(steps)s.") % {
                    "steps": "、".join(s.label for s in missing)
                }
                raise ValidationFailed(message, details={"checklist": [message]})
            work_order.status = PmStatus.DONE
            work_order.completed_at = event.created_at
            work_order.meter_reading = _reading_now(work_order)
            work_order.save(update_fields=["status", "completed_at", "meter_reading"])
        if work_order.plan.schedule == Schedule.FLOATING or work_order.plan.uses_meter:
            pm_generate(plan_ids=[work_order.plan_id], asset_ids=[work_order.asset_id])


def _parse_number(raw: object) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        return Decimal(str(raw).strip())
    except ArithmeticError:
        return None


@transaction.atomic
def checklist_answer(
    *,
    actor: User,
    work_order: PmWorkOrder,
    step: ChecklistStep,
    passed: bool | None = None,
    number: object = None,
    note: str = "",
    attachment: Attachment | None = None,
) -> ChecklistAnswer:
    """Record (or change) the answer to one step. A number outside its limits is recorded as failed."""
    ticket: Ticket | None = work_order.ticket
    if ticket is None or not can_work(actor, ticket):
        raise ValidationFailed(_("Only the people who work this ticket can do that."))
    if work_order.status != PmStatus.OPEN:
        raise ValidationFailed(_("This work order is no longer open."))
    if step.template_id != work_order.plan.checklist_id:
        raise ValidationFailed(_("This step is not on this work order's checklist."))
    note = (note or "").strip()
    value: Decimal | None = None
    if len(note) > 2000:
        raise ValidationFailed(_("Ensure this value has at most 2000 characters."), details={"note": ["max"]})
    if step.kind == StepKind.CHECK:
        if passed is None:
            raise ValidationFailed(_("Choose pass or fail."), details={"passed": [_("Choose pass or fail.")]})
    elif step.kind == StepKind.NUMBER:
        value = _parse_number(number)
        if value is None or not value.is_finite():
            message = _("Enter a number.")
            raise ValidationFailed(message, details={"number": [message]})
        passed = (step.minimum is None or value >= step.minimum) and (
            step.maximum is None or value <= step.maximum
        )
    elif step.kind == StepKind.PHOTO:
        if attachment is None or attachment.ticket_id != ticket.pk or not attachment.is_image:
            message = _("Add a photo to this ticket first, then choose it.")
            raise ValidationFailed(message, details={"attachment": [message]})
        passed = None
    elif step.kind == StepKind.NOTE and not note:
        message = _("Write a note.")
        raise ValidationFailed(message, details={"note": [message]})
    answer, _created = ChecklistAnswer.objects.update_or_create(
        work_order=work_order, step=step,
        defaults={"passed": passed, "number": value, "note": note, "attachment": attachment,
                  "answered_by": actor, "answered_at": timezone.now()},
    )  # fmt: skip
    return answer


# --- configuration: plans and checklists (the settings screens record each change in the audit trail) --------

MAX_LEAD_DAYS = 365
MAX_EVERY = 1000


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={field: [message]})


def _check_plan(plan: PmPlan) -> None:
    if not plan.name.strip():
        raise _invalid("name", _("This field is required."))
    if (plan.asset_id is None) == (plan.asset_type_id is None):
        raise _invalid("asset", _("Choose one asset or one asset type."))
    if plan.trigger not in Trigger.values:
        raise _invalid("trigger", _("Choose a trigger."))
    if plan.frequency not in ("days", "weeks", "months"):
        raise _invalid("frequency", _("Choose days, weeks or months."))
    if not 1 <= plan.every <= MAX_EVERY:
        raise _invalid("every", _("Enter a whole number from 1 to %(max)s.") % {"max": MAX_EVERY})
    weekdays = plan.weekdays or []
    if not isinstance(weekdays, list) or any(not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays):
        raise _invalid("weekdays", _("Weekdays are 0 (Monday) to 6 (Sunday)."))
    if weekdays and plan.frequency != "weeks":
        raise _invalid("weekdays", _("Weekdays apply to a weekly plan only."))
    plan.weekdays = sorted(set(weekdays))
    if plan.uses_meter and (not plan.meter.strip() or plan.meter_every is None or plan.meter_every <= 0):
        raise _invalid("meter_every", _("A meter plan needs a meter and a positive interval."))
    if not 0 <= plan.lead_days <= MAX_LEAD_DAYS:
        raise _invalid("lead_days", _("Enter a whole number from 0 to %(max)s.") % {"max": MAX_LEAD_DAYS})
    if plan.asset is not None and plan.asset.status == AssetStatus.RETIRED:
        raise _invalid("asset", _("The asset “%(value)s” is retired.") % {"value": plan.asset})
    if not plan.requester.is_active:
        raise _invalid("requester", _("The requester's account is deactivated."))


@transaction.atomic
def pm_plan_create(*, actor: User | None, **fields: object) -> PmPlan:
    """A new plan; its work orders are scheduled at once for the coming 90 days."""
    plan = PmPlan(**fields)
    _check_plan(plan)
    plan.save()
    pm_generate(plan_ids=[plan.pk])
    return plan


@transaction.atomic
def pm_plan_update(*, actor: User | None, plan: PmPlan, **fields: object) -> PmPlan:
    """Change a plan. Work orders not yet opened are dropped and scheduled again by the new rule."""
    plan = PmPlan.objects.select_for_update().get(pk=plan.pk)
    for name, value in fields.items():
        setattr(plan, name, value)
    _check_plan(plan)
    plan.save()
    PmWorkOrder.objects.filter(plan=plan, status=PmStatus.SCHEDULED).delete()
    if plan.is_active:
        pm_generate(plan_ids=[plan.pk])
    return plan


@dataclass(frozen=True)
class StepSpec:
    label: str
    kind: str = StepKind.CHECK
    unit: str = ""
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    required: bool = True


@transaction.atomic
def checklist_create(*, actor: User | None, name: str, steps: Sequence[StepSpec]) -> ChecklistTemplate:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise _invalid("name", _("Enter a name of at most 120 characters."))
    if ChecklistTemplate.objects.filter(name=name).exists():
        raise _invalid("name", _("A checklist with this name exists already."))
    if not steps:
        raise _invalid("steps", _("Add at least one step."))
    for spec in steps:
        if not spec.label.strip() or len(spec.label) > 200:
            raise _invalid("steps", _("Each step needs a label of at most 200 characters."))
        if spec.kind not in StepKind.values:
            raise _invalid("steps", _("Unknown step kind."))
        if spec.minimum is not None and spec.maximum is not None and spec.maximum < spec.minimum:
            raise _invalid("steps", _("A step's maximum is below its minimum."))
    template = ChecklistTemplate.objects.create(name=name)
    ChecklistStep.objects.bulk_create(
        ChecklistStep(template=template, position=i, label=s.label.strip(), kind=s.kind, unit=s.unit,
                      minimum=s.minimum, maximum=s.maximum, required=s.required)
        for i, s in enumerate(steps)
    )  # fmt: skip
    return template
