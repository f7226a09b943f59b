"""Maintenance figures over a period, for the reports dashboard, the periodic XLSX and the API (decision 0163).

Every figure is an aggregate the database computes (grouped sums and counts over work orders, downtime
periods, tickets about assets and assets); Python only turns the few grouped rows into figures. Days are
local days in the site time zone (`settings.TIME_ZONE`), whatever the reader's own time zone.

Filters are the equipment's: the period, a location (with everything under it), an asset type and a
criticality. They are not narrowed by the reader's teams: every staff member sees every asset (decision 0164).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least, StrIndex, Substr, TruncDate
from django.utils import timezone

from gongdan.assets.models import Asset, AssetType, Location
from gongdan.maintenance.models import Downtime, PmStatus, PmWorkOrder
from gongdan.tickets.models import Ticket

TOP = 10
PENDING = (PmStatus.SCHEDULED, PmStatus.OPEN)
# A period longer than this shows PM work orders per week rather than per day.
DAILY_BUCKETS_UP_TO = 31


def site_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: date) -> datetime:
    """The instant a local day begins in the site time zone."""
    return datetime.combine(day, time.min, tzinfo=site_zone())


@dataclass(frozen=True)
class FigureFilters:
    """What the maintenance figures are read over: local days `start`…`end` (inclusive) and the equipment."""

    start: date
    end: date
    location: int | None = None
    asset_type: int | None = None
    criticality: str = ""

    @property
    def starts_at(self) -> datetime:
        return day_start(self.start)

    @property
    def ends_at(self) -> datetime:
        return day_start(self.end + timedelta(days=1))


# --- parts consumption: filled by the spare parts app --------------------------------------------------------
# gongdan.parts (a higher app) registers from its AppConfig.ready() a function that returns, for the same
# filters, the parts used on work orders in the period: rows of {"part", "quantity", "unit", "cost"}.
# Until one is registered the figures say nothing about parts (None), and the dashboard and the XLSX leave
# the panel and the sheet out.

PartsConsumption = Callable[[FigureFilters, Sequence[int] | None], list[dict[str, Any]]]
_parts_consumption: list[PartsConsumption] = []


def register_parts_consumption(provider: PartsConsumption) -> None:
    """The spare parts app's hook: `provider(filters, asset_ids)` reads its own usage table; `asset_ids` is
    None when the filters name no equipment (every asset), else the ids the filters select."""
    if provider not in _parts_consumption:
        _parts_consumption.append(provider)


@dataclass
class PmCompliance:
    """PM work orders due in the period (cancelled ones left out)."""

    on_time: int = 0  # done on or before the due day
    late: int = 0  # done after the due day
    missed: int = 0  # not done, due day passed
    not_yet_due: int = 0  # not done, due today or later (counts neither way yet)

    @property
    def due(self) -> int:
        """The work orders whose outcome is known: on time + late + missed."""
        return self.on_time + self.late + self.missed

    @property
    def rate(self) -> float | None:
        """on time ÷ due; None (no data) when nothing was due."""
        return self.on_time / self.due if self.due else None


@dataclass(frozen=True)
class Reliability:
    """Per asset type (or for all): failures, downtime and MTBF / MTTR over the period (decision 0163)."""

    failures: int  # downtime periods that started in the period (open ones too)
    repairs: int  # of them, those that have ended: MTBF and MTTR count these (decision 0092)
    downtime_seconds: float  # downtime inside the period, open periods until now
    observed_seconds: float  # Σ of the time each asset was in service inside the period
    repair_seconds: float  # Σ whole durations of the repairs
    corrective: int = 0  # corrective work orders opened in the period

    @property
    def mttr_seconds(self) -> float | None:
        return self.repair_seconds / self.repairs if self.repairs else None

    @property
    def mtbf_seconds(self) -> float | None:
        if not self.repairs:
            return None
        return max(self.observed_seconds - self.downtime_seconds, 0.0) / self.repairs


@dataclass
class Figures:
    filters: FigureFilters
    pm: PmCompliance
    pm_buckets: list[dict[str, Any]]  # [{"start": date, "on_time", "late", "missed", "not_yet_due"}]
    planned: int  # preventive work orders (tickets of PM work orders) opened in the period
    corrective: int  # other work orders about assets opened in the period
    downtime_by_asset: list[dict[str, Any]]  # top TOP: {"id", "code", "name", "seconds", "failures"}
    downtime_by_line: list[dict[str, Any]]  # top TOP: {"id", "code", "name", "seconds", "failures"}
    by_type: list[dict[str, Any]]  # every type with figures: {"id", "label", "reliability"}
    total: Reliability
    parts: list[dict[str, Any]] | None = field(default=None)

    @property
    def planned_rate(self) -> float | None:
        whole = self.planned + self.corrective
        return self.planned / whole if whole else None

    @property
    def top_failing(self) -> list[dict[str, Any]]:
        """Asset types by failures in the period, then downtime; only types that failed."""
        failing = [row for row in self.by_type if row["reliability"].failures]
        failing.sort(
            key=lambda r: (-r["reliability"].failures, -r["reliability"].downtime_seconds, r["label"])
        )
        return failing[:TOP]

    @property
    def has_data(self) -> bool:
        return bool(
            self.pm.due or self.pm.not_yet_due or self.planned or self.corrective or self.total.failures
            or self.total.downtime_seconds
        )  # fmt: skip


def _asset_q(filters: FigureFilters, prefix: str = "") -> Q:
    """The equipment the filters select, as a condition on `prefix` + Asset's fields."""
    q = Q()
    if filters.asset_type:
        q &= Q(**{f"{prefix}asset_type_id": filters.asset_type})
    if filters.criticality:
        q &= Q(**{f"{prefix}criticality": filters.criticality})
    if filters.location:
        path = Location.objects.filter(pk=filters.location).values_list("path", flat=True).first()
        if path is None:
            return Q(pk__in=[])  # an unknown location holds no equipment
        q &= Q(**{f"{prefix}location__path__startswith": path})
    return q


def _pm(filters: FigureFilters, assets: Q, today: date) -> tuple[PmCompliance, list[dict[str, Any]]]:
    done_day = TruncDate("completed_at", tzinfo=site_zone())
    rows = (
        PmWorkOrder.objects.filter(assets, due_on__gte=filters.start, due_on__lte=filters.end)
        .exclude(status=PmStatus.CANCELLED)
        .annotate(done_day=done_day)
        .values("due_on")
        .annotate(
            on_time=Count("pk", filter=Q(status=PmStatus.DONE, done_day__lte=F("due_on"))),
            late=Count("pk", filter=Q(status=PmStatus.DONE, done_day__gt=F("due_on"))),
            missed=Count("pk", filter=Q(status__in=PENDING, due_on__lt=today)),
            not_yet_due=Count("pk", filter=Q(status__in=PENDING, due_on__gte=today)),
        )
        .order_by("due_on")
    )
    total = PmCompliance()
    weekly = filters.end - filters.start >= timedelta(days=DAILY_BUCKETS_UP_TO)
    buckets: dict[date, dict[str, Any]] = {}
    for row in rows:  # one row per due day in the period: at most 400
        key = row["due_on"] - timedelta(days=row["due_on"].weekday()) if weekly else row["due_on"]
        bucket = buckets.setdefault(
            key, {"start": key, "on_time": 0, "late": 0, "missed": 0, "not_yet_due": 0}
        )
        for name in ("on_time", "late", "missed", "not_yet_due"):
            bucket[name] += row[name]
            setattr(total, name, getattr(total, name) + row[name])
    return total, [buckets[k] for k in sorted(buckets)]


def _work_orders(filters: FigureFilters, assets: Q) -> dict[int, tuple[int, int]]:
    """(planned, corrective) work orders about the selected assets opened in the period, per asset type."""
    rows = (
        Ticket.objects.filter(
            assets,
            asset__isnull=False,
            created_at__gte=filters.starts_at,
            created_at__lt=filters.ends_at,
        )
        .exclude(status="cancelled")
        .values("asset__asset_type_id")
        .annotate(total=Count("pk"), planned=Count("pk", filter=Q(pm_work_order__isnull=False)))
        .order_by()
    )
    return {row["asset__asset_type_id"]: (row["planned"], row["total"] - row["planned"]) for row in rows}


def _seconds(value: timedelta | float | int | None) -> float:
    if value is None:
        return 0.0
    return value.total_seconds() if isinstance(value, timedelta) else float(value) / 1_000_000


def _downtimes(filters: FigureFilters, assets: Q, now: datetime) -> tuple[Any, ExpressionWrapper]:
    """The downtime periods that overlap the period, and the length of each one's overlap."""
    until = min(filters.ends_at, now)
    overlap = ExpressionWrapper(
        Least(Coalesce("ended_at", Value(now, output_field=DateTimeField())), Value(until))
        - Greatest("started_at", Value(filters.starts_at)),
        output_field=DurationField(),
    )
    rows = Downtime.objects.filter(assets, started_at__lt=until).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=filters.starts_at)
    )
    return rows, overlap


def _started_in(filters: FigureFilters, now: datetime) -> Q:
    return Q(started_at__gte=filters.starts_at, started_at__lt=min(filters.ends_at, now))


def _top_downtime(
    filters: FigureFilters, assets: Q, now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rows, overlap = _downtimes(filters, assets, now)
    started = _started_in(filters, now)
    per_asset = list(
        rows.values("asset_id")
        .annotate(seconds=Sum(overlap), failures=Count("pk", filter=started))
        .order_by("-seconds", "asset_id")[:TOP]
    )
    # The line is the top of the asset's tree: the first id of its path "/<line>/<machine>/…/".
    tail = Substr("asset__path", 2)
    line = Substr(tail, 1, StrIndex(tail, Value("/")) - 1)
    per_line = list(
        rows.annotate(line=line)
        .values("line")
        .annotate(seconds=Sum(overlap), failures=Count("pk", filter=started))
        .order_by("-seconds", "line")[:TOP]
    )
    wanted = {row["asset_id"] for row in per_asset} | {int(row["line"]) for row in per_line if row["line"]}
    names = {
        pk: (code, name)
        for pk, code, name in Asset.objects.filter(pk__in=wanted).values_list("pk", "code", "name")
    }

    def shaped(pk: int, seconds: Any, failures: int) -> dict[str, Any]:
        code, name = names.get(pk, ("?", "?"))
        return {"id": pk, "code": code, "name": name, "seconds": _seconds(seconds), "failures": failures}

    return (
        [shaped(r["asset_id"], r["seconds"], r["failures"]) for r in per_asset if _seconds(r["seconds"]) > 0],
        [shaped(int(r["line"]), r["seconds"], r["failures"]) for r in per_line
         if r["line"] and _seconds(r["seconds"]) > 0],
    )  # fmt: skip


def _observed(filters: FigureFilters, assets: Q, now: datetime) -> dict[int, float]:
    """Per asset type, Σ of the time each selected asset was in service inside the period: from its
    installation day (local midnight), or its registration when no installation day is known."""
    start, until = filters.starts_at, min(filters.ends_at, now)
    window = max((until - start).total_seconds(), 0.0)
    if window == 0:
        return {}
    registered = ExpressionWrapper(
        Value(until) - Greatest("created_at", Value(start)), output_field=DurationField()
    )
    observed: dict[int, float] = {}
    for row in (
        Asset.objects.filter(assets)
        .values("asset_type_id")
        .annotate(
            whole=Count("pk", filter=Q(installed_on__lte=filters.start)),
            registered=Sum(registered, filter=Q(installed_on__isnull=True, created_at__lt=until)),
        )
        .order_by()
    ):
        observed[row["asset_type_id"]] = row["whole"] * window + _seconds(row["registered"])
    # Installed during the period: grouped by day (at most one row per type and day).
    for type_id, installed, n in (
        Asset.objects.filter(assets, installed_on__gt=filters.start, installed_on__lte=filters.end)
        .values_list("asset_type_id", "installed_on")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        seconds = max((until - day_start(installed)).total_seconds(), 0.0)
        observed[type_id] = observed.get(type_id, 0.0) + n * seconds
    return observed


def _reliability_by_type(filters: FigureFilters, assets: Q, now: datetime) -> dict[int, dict[str, Any]]:
    rows, overlap = _downtimes(filters, assets, now)
    started = _started_in(filters, now)
    repaired = started & Q(ended_at__isnull=False)
    repair = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
    return {
        row["asset__asset_type_id"]: row
        for row in rows.values("asset__asset_type_id")
        .annotate(
            seconds=Sum(overlap),
            failures=Count("pk", filter=started),
            repairs=Count("pk", filter=repaired),
            repair_seconds=Sum(repair, filter=repaired),
        )
        .order_by()
    }


def maintenance_figures(
    filters: FigureFilters, *, now: datetime | None = None, type_label: Callable[[AssetType], str] = str
) -> Figures:
    """Every maintenance figure for the filters (about ten grouped queries, none per row)."""
    now = now or timezone.now()
    today = now.astimezone(site_zone()).date()
    asset_q = _asset_q(filters)
    related_q = _asset_q(filters, "asset__")
    pm, buckets = _pm(filters, related_q, today)
    work_orders = _work_orders(filters, related_q)
    per_asset, per_line = _top_downtime(filters, related_q, now)
    observed = _observed(filters, asset_q, now)
    downtime = _reliability_by_type(filters, related_q, now)
    type_ids = set(observed) | set(downtime) | set(work_orders)
    types = {t.pk: type_label(t) for t in AssetType.objects.filter(pk__in=type_ids)}
    by_type: list[dict[str, Any]] = []
    for type_id in type_ids:
        row = downtime.get(type_id, {})
        by_type.append({
            "id": type_id,
            "label": types.get(type_id, "?"),
            "reliability": Reliability(
                failures=row.get("failures", 0),
                repairs=row.get("repairs", 0),
                downtime_seconds=_seconds(row.get("seconds")),
                observed_seconds=observed.get(type_id, 0.0),
                repair_seconds=_seconds(row.get("repair_seconds")),
                corrective=work_orders.get(type_id, (0, 0))[1],
            ),
        })  # fmt: skip
    by_type.sort(key=lambda r: r["label"])
    each: list[Reliability] = [r["reliability"] for r in by_type]
    total = Reliability(
        failures=sum(r.failures for r in each),
        repairs=sum(r.repairs for r in each),
        downtime_seconds=sum(r.downtime_seconds for r in each),
        observed_seconds=sum(r.observed_seconds for r in each),
        repair_seconds=sum(r.repair_seconds for r in each),
        corrective=sum(r.corrective for r in each),
    )
    parts = None
    if _parts_consumption:
        asset_ids = (
            None if not (filters.location or filters.asset_type or filters.criticality)
            else list(Asset.objects.filter(asset_q).values_list("pk", flat=True))
        )  # fmt: skip
        parts = [row for provider in _parts_consumption for row in provider(filters, asset_ids)]
    return Figures(
        filters=filters,
        pm=pm,
        pm_buckets=buckets,
        planned=sum(p for p, _c in work_orders.values()),
        corrective=sum(c for _p, c in work_orders.values()),
        downtime_by_asset=per_asset,
        downtime_by_line=per_line,
        by_type=by_type,
        total=total,
        parts=parts,
    )
