"""An asset's history as maintenance sees it: its work orders, its downtime, and the reliability figures
MTBF and MTTR (decision 0092 gives the formulas)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext

from gongdan.accounts.models import User
from gongdan.assets.access import can_see_assets
from gongdan.assets.models import Asset, AssetType
from gongdan.maintenance.models import (
    ChecklistAnswer,
    ChecklistStep,
    Downtime,
    PmStatus,
    PmWorkOrder,
    StepKind,
)
from gongdan.tickets.access import can_work, visible_tickets
from gongdan.tickets.models import Attachment, Ticket, TimeEntry

MAX_WORK_ORDERS = 50
MAX_DOWNTIMES = 50


@dataclass(frozen=True)
class Reliability:
    """Over an observed window: failures (closed downtime periods), total downtime, and the figures."""

    failures: int
    downtime: timedelta
    observed: timedelta
    mtbf: timedelta | None  # mean uptime between failures: (observed − downtime) / failures
    mttr: timedelta | None  # mean time to repair: downtime / failures


def _reliability(observed: timedelta, downtime: timedelta, failures: int) -> Reliability:
    if failures == 0:
        return Reliability(failures, downtime, observed, None, None)
    uptime = max(observed - downtime, timedelta(0))
    return Reliability(failures, downtime, observed, uptime / failures, downtime / failures)


def _observed_since(asset: Asset) -> datetime:
    if asset.installed_on is not None:
        return min(timezone.make_aware(datetime.combine(asset.installed_on, time.min)), asset.created_at)
    return asset.created_at


def asset_reliability(
    asset: Asset, *, now: datetime | None = None, first_down: datetime | None = None
) -> Reliability:
    """Only closed periods count as failures; an open one adds its downtime so far to neither figure."""
    now = now or timezone.now()
    closed = list(
        Downtime.objects.filter(asset=asset, ended_at__isnull=False).values_list("started_at", "ended_at")
    )
    start = _observed_since(asset)
    if closed:
        start = min(start, min(s for s, _e in closed))
    downtime = sum(((e - s) for s, e in closed if e is not None), timedelta(0))
    return _reliability(now - start, downtime, len(closed))


def asset_type_reliability(asset_type: AssetType, *, now: datetime | None = None) -> Reliability:
    """Pooled over the type's assets: Σ observed, Σ downtime and Σ failures, then the same formulas."""
    now = now or timezone.now()
    observed = timedelta(0)
    downtime = timedelta(0)
    failures = 0
    closed_by_asset: dict[int, list[tuple[datetime, datetime]]] = {}
    for asset_id, started, ended in Downtime.objects.filter(
        asset__asset_type=asset_type, ended_at__isnull=False
    ).values_list("asset_id", "started_at", "ended_at"):
        if ended is not None:
            closed_by_asset.setdefault(asset_id, []).append((started, ended))
    for asset in Asset.objects.filter(asset_type=asset_type).only("pk", "installed_on", "created_at"):
        periods = closed_by_asset.get(asset.pk, [])
        start = min([_observed_since(asset), *(s for s, _e in periods)])
        observed += now - start
        downtime += sum(((e - s) for s, e in periods), timedelta(0))
        failures += len(periods)
    return _reliability(observed, downtime, failures)


@dataclass(frozen=True)
class AssetHistory:
    work_orders: list[Ticket]
    work_order_count: int
    downtimes: list[Downtime]
    minutes_spent: int
    reliability: Reliability
    type_reliability: Reliability
    open_downtime: Downtime | None


def asset_history(*, actor: User, asset: Asset) -> AssetHistory | None:
    """None for who may not see assets. Work orders are the ones the actor may see."""
    if not can_see_assets(actor):
        return None
    tickets = visible_tickets(actor).filter(asset=asset)
    work_orders = list(
        tickets.select_related("priority", "assignee").order_by("-created_at", "-id")[:MAX_WORK_ORDERS]
    )
    count = tickets.aggregate(n=Count("id"))["n"] if len(work_orders) == MAX_WORK_ORDERS else len(work_orders)
    downtimes = list(Downtime.objects.filter(asset=asset).select_related("ticket")[:MAX_DOWNTIMES])
    # A downtime's ticket is a link only for who may open it (the others see its number, as on a label).
    openable = {t.pk for t in work_orders}
    unknown = {d.ticket_id for d in downtimes if d.ticket_id and d.ticket_id not in openable}
    if unknown:
        openable |= set(tickets.filter(pk__in=unknown).values_list("pk", flat=True))
    for downtime in downtimes:
        downtime.ticket_openable = downtime.ticket_id in openable  # type: ignore[attr-defined]
    minutes = TimeEntry.objects.filter(ticket__asset=asset).aggregate(m=Sum("minutes"))["m"] or 0
    return AssetHistory(
        work_orders=work_orders,
        work_order_count=count,
        downtimes=downtimes,
        minutes_spent=minutes,
        reliability=asset_reliability(asset),
        type_reliability=asset_type_reliability(asset.asset_type),
        open_downtime=next((d for d in downtimes if d.ended_at is None), None),
    )


def ticket_asset_panel(actor: User, ticket: Ticket) -> dict[str, object] | None:
    """The asset card on the ticket page: what the ticket is about and whether it set it down."""
    if ticket.asset_id is None or not can_see_assets(actor):
        return None
    asset = Asset.objects.select_related("asset_type", "location").get(pk=ticket.asset_id)
    open_downtime = Downtime.objects.filter(asset=asset, ended_at__isnull=True).first()
    return {
        "maintenance_asset": asset,
        "maintenance_open_downtime": open_downtime,
        "maintenance_may_set_down": ticket.is_open and open_downtime is None and asset.status != "retired",
    }


# --- preventive maintenance ----------------------------------------------------------------------------------

PM_STATES = ("due", "overdue", "done_late", "done", "all")
PM_PAGE_SIZE = 50
DUE_WITHIN_DAYS = 14


@dataclass(frozen=True)
class PmFilters:
    state: str = "due"
    q: str = ""
    errors: dict[str, list[str]] | None = None

    @classmethod
    def parse(cls, params: dict[str, str]) -> PmFilters:
        state = params.get("state") or "due"
        errors: dict[str, list[str]] = {}
        if state not in PM_STATES:
            errors["state"] = [gettext("Choose a valid state.")]
            state = "due"
        return cls(state=state, q=(params.get("q") or "").strip()[:100], errors=errors or None)


@dataclass(frozen=True)
class PmPage:
    rows: list[PmWorkOrder]
    next_after: str
    counts: dict[str, int]
    compliance: float | None  # % of the last 90 days' finished work orders done by their due date


def _pm_state(query: QuerySet[PmWorkOrder], state: str, today: date) -> QuerySet[PmWorkOrder]:
    pending = Q(status__in=(PmStatus.SCHEDULED, PmStatus.OPEN))
    if state == "due":
        return query.filter(pending, due_on__gte=today, due_on__lte=today + timedelta(days=DUE_WITHIN_DAYS))
    if state == "overdue":
        return query.filter(pending, due_on__lt=today)
    if state == "done_late":
        return query.filter(status=PmStatus.DONE, completed_at__date__gt=F("due_on"))
    if state == "done":
        return query.filter(status=PmStatus.DONE)
    return query


def pm_counts(today: date) -> tuple[dict[str, int], float | None]:
    """The figures above the list, in one query."""
    base = PmWorkOrder.objects.all()
    pending = Q(status__in=(PmStatus.SCHEDULED, PmStatus.OPEN))
    recent_done = Q(status=PmStatus.DONE, completed_at__date__gte=today - timedelta(days=90))
    figures = base.aggregate(
        due=Count(
            "pk", filter=pending & Q(due_on__gte=today, due_on__lte=today + timedelta(days=DUE_WITHIN_DAYS))
        ),
        overdue=Count("pk", filter=pending & Q(due_on__lt=today)),
        done_late=Count("pk", filter=Q(status=PmStatus.DONE, completed_at__date__gt=F("due_on"))),
        finished=Count("pk", filter=recent_done),
        on_time=Count("pk", filter=recent_done & Q(completed_at__date__lte=F("due_on"))),
    )
    finished = figures.pop("finished")
    on_time = figures.pop("on_time")
    compliance = round(100 * on_time / finished, 1) if finished else None
    return figures, compliance


def pm_work_order_list(
    *, actor: User, filters: PmFilters, after: str = "", limit: int = PM_PAGE_SIZE, today: date | None = None
) -> PmPage | None:
    """The maintenance work orders, by due date (keyset pages: `after` is "YYYY-MM-DD:id"). None for who may
    not see assets."""
    if not can_see_assets(actor):
        return None
    today = today or timezone.localdate()
    query = _pm_state(PmWorkOrder.objects.all(), filters.state, today)
    if filters.q:
        query = query.filter(
            Q(plan__name__icontains=filters.q)
            | Q(asset__code__icontains=filters.q)
            | Q(asset__name__icontains=filters.q)
        )
    if after:
        day_text, _sep, id_text = after.partition(":")
        try:
            after_day, after_id = date.fromisoformat(day_text), int(id_text)
        except ValueError:
            after_day, after_id = None, 0
        if after_day is not None:
            query = query.filter(Q(due_on__gt=after_day) | Q(due_on=after_day, pk__gt=after_id))
    rows = list(
        query.select_related("plan", "asset__location", "ticket__assignee").order_by("due_on", "pk")[
            : limit + 1
        ]
    )
    next_after = ""
    if len(rows) > limit:
        rows = rows[:limit]
        next_after = f"{rows[-1].due_on.isoformat()}:{rows[-1].pk}"
    counts, compliance = pm_counts(today)
    return PmPage(rows=rows, next_after=next_after, counts=counts, compliance=compliance)


def pm_ticket_checklist(actor: User, ticket: Ticket) -> dict[str, object] | None:
    """The checklist card on a preventive maintenance ticket: its steps with their answers."""
    if ticket.asset_id is None or not can_see_assets(actor):
        return None  # a maintenance work order is always about an asset: other tickets cost no query
    work_order = PmWorkOrder.objects.select_related("plan").filter(ticket_id=ticket.pk).first()
    if work_order is None:
        return None
    answers = {
        a.step_id: a
        for a in ChecklistAnswer.objects.filter(work_order=work_order).select_related("attachment")
    }
    steps = (
        list(ChecklistStep.objects.filter(template_id=work_order.plan.checklist_id))
        if work_order.plan.checklist_id
        else []
    )
    photos = (
        list(Attachment.objects.filter(ticket_id=ticket.pk, is_image=True).order_by("-created_at")[:20])
        if any(s.kind == StepKind.PHOTO for s in steps)
        else []
    )
    return {
        "pm_work_order": work_order,
        "pm_steps": [(step, answers.get(step.pk)) for step in steps],
        "pm_photos": photos,
        "pm_may_answer": work_order.status == PmStatus.OPEN and can_work(actor, ticket),
    }


MAX_ASSET_PM = 6


def asset_pm(*, actor: User, asset: Asset) -> dict[str, object] | None:
    """The asset page's preventive maintenance card: the next work orders and the last ones finished."""
    if not can_see_assets(actor):
        return None
    rows = PmWorkOrder.objects.filter(asset=asset).select_related("plan", "ticket")
    upcoming = list(
        rows.filter(status__in=(PmStatus.SCHEDULED, PmStatus.OPEN)).order_by("due_on", "pk")[:MAX_ASSET_PM]
    )
    finished = list(rows.filter(status=PmStatus.DONE).order_by("-due_on", "-pk")[:MAX_ASSET_PM])
    if not upcoming and not finished:
        return None
    return {"pm_upcoming": upcoming, "pm_finished": finished}
