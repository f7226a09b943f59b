"""Every change to meters: configure them (recorded in the audit trail), record readings (by hand, the API,
MQTT — one door), keep the chart rollups, and turn excursions into work orders (decisions 0140, 0141)."""

from __future__ import annotations

import logging
import math
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import Role, User
from gongdan.accounts.services import user_create
from gongdan.assets.access import can_edit_assets, can_see_assets
from gongdan.assets.models import Asset, AssetStatus, AssetType
from gongdan.audit.services import audit_configuration_change
from gongdan.audit.snapshots import field_values
from gongdan.core.domain_errors import DomainError, PermissionDenied, ValidationFailed
from gongdan.meters import thresholds
from gongdan.meters.events import METER_EXCURSION, METER_NORMAL
from gongdan.meters.glb import glb_check
from gongdan.meters.models import Excursion, Meter, MeterKind, MeterState, Reading, Rollup, TwinModel
from gongdan.meters.topics import check_path, check_topic_filter
from gongdan.tickets.models import Channel, Ticket
from gongdan.tickets.services import IncomingFile, append_event, check_file, ticket_create

logger = logging.getLogger("gongdan.meters")

ROLLUP_SIZES = (300, 3600, 86400)  # 5 minutes, 1 hour, 1 day
MAX_BATCH = 5000
MAX_ABS_VALUE = 1e15
SERVICE_USERNAME = "meters-system"
CODE_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
# How far ahead of the server's clock a reading may be stamped (clocks on sensors drift a little).
FUTURE_SLACK = timedelta(minutes=5)

# The columns `readings_store` loads with each meter it locks.
STATE_FIELDS = (
    "name", "unit", "low_limit", "high_limit", "rate_limit", "rate_window_seconds", "hysteresis",
    "opens_work_orders", "last_value", "last_read_at", "state", "asset__status",
)  # fmt: skip

METER_FIELDS = (
    "code", "name", "kind", "unit", "low_limit", "high_limit", "rate_limit", "rate_window_seconds",
    "hysteresis", "opens_work_orders", "mqtt_topic", "mqtt_value_path", "mqtt_time_path", "model_node",
    "is_active",
)  # fmt: skip


# ---- configuration -----------------------------------------------------------------------------------------
def _require_editor(actor: User) -> None:
    if not can_edit_assets(actor):
        raise PermissionDenied(_("Only team leads, managers and administrators configure meters."))


def _number(values: dict[str, Any], name: str, errors: dict[str, list[str]]) -> float | None:
    value = values.get(name)
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors[name] = [_("Must be a number.")]
        return None
    if not math.isfinite(number) or abs(number) > MAX_ABS_VALUE:
        errors[name] = [_("Must be a finite number.")]
        return None
    return number


def _check_meter(asset: Asset, values: dict[str, Any], existing: Meter | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    code = str(values.get("code") or "").strip()
    if not code or not CODE_RE.match(code) or len(code) > 40:
        errors["code"] = [_("Use 1–40 letters, digits, hyphens or underscores.")]
    elif Meter.objects.filter(asset=asset, code=code).exclude(pk=existing.pk if existing else 0).exists():
        errors["code"] = [_("This asset already has a meter with the code “%(code)s”.") % {"code": code}]
    cleaned["code"] = code
    name = " ".join(str(values.get("name") or "").split())
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > 120:
        errors["name"] = [_("At most %(max)s characters.") % {"max": 120}]
    cleaned["name"] = name
    kind = values.get("kind") or MeterKind.CUSTOM
    if kind not in MeterKind.values:
        errors["kind"] = [_("Must be one of: %(values)s.") % {"values": ", ".join(MeterKind.values)}]
    cleaned["kind"] = kind
    cleaned["unit"] = str(values.get("unit") or "").strip()[:20]
    for name_ in ("low_limit", "high_limit", "rate_limit"):
        cleaned[name_] = _number(values, name_, errors)
    cleaned["hysteresis"] = _number(values, "hysteresis", errors) or 0.0
    if cleaned["hysteresis"] < 0:
        errors["hysteresis"] = [_("Must be at least %(limit)s.") % {"limit": 0}]
    low, high = cleaned["low_limit"], cleaned["high_limit"]
    if low is not None and high is not None and low >= high:
        errors["high_limit"] = [_("The high limit must be above the low limit.")]
    window = values.get("rate_window_seconds")
    window = None if window in (None, "") else window
    if window is not None:
        try:
            window = int(window)
        except (TypeError, ValueError):
            errors["rate_window_seconds"] = [_("Must be a whole number.")]
            window = None
        else:
            if not 1 <= window <= 31 * 86400:
                errors["rate_window_seconds"] = [_("Between 1 second and 31 days.")]
    cleaned["rate_window_seconds"] = window
    if cleaned["rate_limit"] is not None:
        if cleaned["rate_limit"] <= 0:
            errors["rate_limit"] = [_("Must be greater than %(limit)s.") % {"limit": 0}]
        if window is None and "rate_window_seconds" not in errors:
            errors["rate_window_seconds"] = [_("A rate-of-change limit needs a window.")]
    topic = str(values.get("mqtt_topic") or "").strip()
    value_path = str(values.get("mqtt_value_path") or "").strip()
    time_path = str(values.get("mqtt_time_path") or "").strip()
    for key, problem in (
        ("mqtt_topic", check_topic_filter(topic) if topic else None),
        ("mqtt_value_path", check_path(value_path) if value_path else None),
        ("mqtt_time_path", check_path(time_path) if time_path else None),
    ):
        if problem:
            errors[key] = [problem]
    if topic and not value_path and "mqtt_value_path" not in errors:
        errors["mqtt_value_path"] = [_("Say where the value is in the message (e.g. $.temp).")]
    cleaned.update(mqtt_topic=topic, mqtt_value_path=value_path, mqtt_time_path=time_path)
    cleaned["model_node"] = str(values.get("model_node") or "").strip()[:60]
    cleaned["opens_work_orders"] = bool(values.get("opens_work_orders", True))
    cleaned["is_active"] = bool(values.get("is_active", True))
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(first, details=errors)
    return cleaned


@transaction.atomic
def meter_create(*, actor: User | None, asset: Asset, **values: Any) -> Meter:
    """`actor=None` is the system (the demo)."""
    if actor is not None:
        _require_editor(actor)
    meter = Meter.objects.create(asset=asset, **_check_meter(asset, values, None))
    audit_configuration_change(actor=actor, instance=meter, before=None, after=field_values(meter))
    return meter


@transaction.atomic
def meter_update(*, actor: User | None, meter: Meter, **values: Any) -> Meter:
    """Changing a limit applies from the next reading; an open excursion clears once that reading is back
    inside the new limit."""
    if actor is not None:
        _require_editor(actor)
    meter = Meter.objects.select_for_update().select_related("asset").get(pk=meter.pk)
    before = field_values(meter)
    merged = {name: getattr(meter, name) for name in METER_FIELDS} | values
    for name, value in _check_meter(meter.asset, merged, meter).items():
        setattr(meter, name, value)
    meter.save(update_fields=list(METER_FIELDS))
    audit_configuration_change(actor=actor, instance=meter, before=before, after=field_values(meter))
    return meter


# ---- readings ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewReading:
    meter_id: int
    at: datetime
    value: float


@dataclass
class StoreResult:
    stored: int = 0
    duplicates: int = 0
    opened: list[Ticket] = field(default_factory=list)
    cleared: int = 0
    # Excursions whose work order is still to open (`readings_store(…, defer_work_orders=True)`).
    awaiting: list[int] = field(default_factory=list)


def check_reading(value: Any, at: datetime | None, *, now: datetime) -> dict[str, str]:
    """A reading's problems, by field; empty when it may be stored."""
    problems: dict[str, str] = {}
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems["value"] = _("Must be a number.")
    elif not math.isfinite(value) or abs(value) > MAX_ABS_VALUE:
        problems["value"] = _("Must be a finite number.")
    if at is not None:
        if timezone.is_naive(at):
            problems["at"] = _("Give a time zone (e.g. 2026-05-01T08:00:00+08:00 or …Z).")
        elif at > now + FUTURE_SLACK:
            problems["at"] = _("Lies in the future.")
        elif at.year < 2000:
            problems["at"] = _("Lies too far in the past.")
    return problems


@transaction.atomic
def readings_record(
    *, actor: User, meter_ids: Sequence[int], values: Sequence[Any], times: Sequence[datetime | None]
) -> StoreResult:
    """Readings from a person or a script (the web form, the phone, the API): every row is checked first and
    one bad row refuses the whole batch, naming its index and field; nothing is written then."""
    if not can_see_assets(actor):
        raise PermissionDenied(_("Only staff record meter readings."))
    if len(meter_ids) > MAX_BATCH:
        raise ValidationFailed(
            _("At most %(max)s readings at a time.") % {"max": MAX_BATCH},
            details={"readings": [_("At most %(max)s readings at a time.") % {"max": MAX_BATCH}]},
        )
    now = timezone.now()
    meters = {m.pk: m for m in Meter.objects.filter(pk__in=set(meter_ids)).select_related("asset")}
    errors: dict[str, list[str]] = {}
    rows: list[NewReading] = []
    for index, (meter_id, value, at) in enumerate(zip(meter_ids, values, times, strict=True)):
        meter = meters.get(meter_id)
        if meter is None:
            errors[f"readings.{index}.meter"] = [_("No such meter.")]
        elif not meter.is_active or meter.asset.status == AssetStatus.RETIRED:
            errors[f"readings.{index}.meter"] = [_("This meter is switched off.")]
        for name, problem in check_reading(value, at, now=now).items():
            errors[f"readings.{index}.{name}"] = [problem]
        if not errors:
            rows.append(NewReading(meter_id, at or now, float(value)))
    if errors:
        first_key = next(iter(errors))
        raise ValidationFailed(
            _("Reading %(index)s: %(problem)s")
            % {"index": first_key.split(".")[1], "problem": errors[first_key][0]},
            details=errors,
        )
    return readings_store(rows)


def _rollup_sql(vendor: str) -> str:
    """The table name and functions are ours; every value is a parameter."""
    lowest, highest = ("LEAST", "GREATEST") if vendor == "postgresql" else ("MIN", "MAX")
    t = Rollup._meta.db_table
    sql = "INSERT INTO " + t + " (meter_id, size, bucket, count, total, low, high) VALUES %s ON CONFLICT "  # noqa: S608
    sql += f"(meter_id, size, bucket) DO UPDATE SET count = {t}.count + excluded.count, total = {t}.total + "
    sql += f"excluded.total, low = {lowest}({t}.low, excluded.low), high = {highest}({t}.high, excluded.high)"
    return sql


def _rollups_add(rows: Iterable[NewReading]) -> None:
    sums: dict[tuple[int, int, int], list[float]] = {}
    for row in rows:
        seconds = int(row.at.timestamp())
        for size in ROLLUP_SIZES:
            key = (row.meter_id, size, seconds - seconds % size)
            held = sums.get(key)
            if held is None:
                sums[key] = [1, row.value, row.value, row.value]
            else:
                held[0] += 1
                held[1] += row.value
                if row.value < held[2]:
                    held[2] = row.value
                if row.value > held[3]:
                    held[3] = row.value
    if not sums:
        return
    items = sorted(sums.items())  # one lock order
    if connection.vendor == "postgresql":  # one short statement whatever the batch (see _readings_insert)
        columns: list[list[Any]] = [[], [], [], [], [], [], []]
        for (meter_id, size, bucket), (count, total, low, high) in items:
            for column, value in zip(
                columns,
                (meter_id, size, bucket, int(count), float(total), float(low), float(high)),
                strict=True,
            ):
                column.append(value)
        unnest_rows = "SELECT * FROM unnest(%s::int8[], %s::int4[], %s::int8[], %s::int4[], %s::float8[], %s::float8[], %s::float8[])"
        with connection.cursor() as cursor:
            cursor.execute(_rollup_sql("postgresql").replace("VALUES %s", unnest_rows), columns)
        return
    sql = _rollup_sql(connection.vendor)
    with connection.cursor() as cursor:
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            params: list[Any] = []
            for (meter_id, size, bucket), (count, total, low, high) in chunk:
                params += [meter_id, size, bucket, int(count), total, low, high]
            placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(sql % placeholders, params)


def _readings_insert(rows: Sequence[NewReading]) -> int:
    """Multi-row `INSERT … ON CONFLICT DO NOTHING` (the same SQL on SQLite and PostgreSQL): a reading already
    there is skipped by the unique (meter, at). Returns how many rows were new (decision 0172)."""
    table = connection.ops.quote_name(Reading._meta.db_table)
    if connection.vendor == "postgresql":
        # Three arrays, not 3 × n placeholders: psycopg parses (and caches) a short statement once, where a
        # long VALUES list was parsed again every batch (decision 0173).
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (meter_id, at, value) SELECT * FROM unnest(%s::int8[], %s::timestamptz[], "  # noqa: S608
                "%s::float8[]) ON CONFLICT DO NOTHING",
                [
                    [row.meter_id for row in rows],
                    [row.at for row in rows],
                    [float(row.value) for row in rows],
                ],
            )
            return max(int(cursor.rowcount), 0)
    per_statement = max(1, min(2000, (connection.features.max_query_params or 999) // 3))
    adapt = connection.ops.adapt_datetimefield_value
    inserted = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params: list[Any] = []
            for row in chunk:
                params += [row.meter_id, adapt(row.at), row.value]
            placeholders = ", ".join(["(%s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (meter_id, at, value) VALUES {placeholders} ON CONFLICT DO NOTHING",  # noqa: S608
                params,
            )
            inserted += max(cursor.rowcount, 0)
    return inserted


def _meters_save_state(meters: Sequence[Meter]) -> None:
    """The meters' last reading and state in one `UPDATE … FROM (VALUES …)` (SQLite ≥ 3.33 and PostgreSQL),
    not one UPDATE per meter."""
    if not meters:
        return
    table = connection.ops.quote_name(Meter._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = []
    for meter in meters:
        params += [meter.pk, meter.last_value, adapt(meter.last_read_at), meter.state]
    placeholders = ", ".join(["(%s, %s, %s, %s)"] * len(meters))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_value = v.column2, last_read_at = v.column3, state = v.column4 "  # noqa: S608
            f"FROM (VALUES {placeholders}) AS v WHERE {table}.id = v.column1",
            params,
        )


def _fresh_rows(
    meters: Sequence[Meter], by_meter: dict[int, dict[datetime, float]], result: StoreResult
) -> list[NewReading]:
    """The readings not stored yet. Nearly always all of them: they are inserted at once under a savepoint,
    and only when the database skipped some (a redelivery) is that undone and each meter's stored times read
    to tell the new from the repeated."""
    candidates = [NewReading(m.pk, at, value) for m in meters for at, value in by_meter[m.pk].items()]
    savepoint = transaction.savepoint()
    if _readings_insert(candidates) == len(candidates):
        transaction.savepoint_commit(savepoint)
        return candidates
    transaction.savepoint_rollback(savepoint)
    fresh: list[NewReading] = []
    for meter in meters:
        wanted = by_meter[meter.pk]
        seen = set(Reading.objects.filter(meter=meter, at__in=list(wanted)).values_list("at", flat=True))
        result.duplicates += len(seen)
        fresh += [NewReading(meter.pk, at, value) for at, value in wanted.items() if at not in seen]
    _readings_insert(fresh)
    return fresh


@transaction.atomic
def readings_store(rows: Sequence[NewReading], *, defer_work_orders: bool = False) -> StoreResult:
    """Store checked readings (the one door every source ends at). A reading already stored (same meter, same
    time: a redelivery) is skipped. The meters are locked in id order; readings newer than a meter's last one
    move its threshold state, older ones only fill in the history.

    An excursion's work order is opened in this transaction, or — with `defer_work_orders` (the MQTT ingester)
    — left for `excursion_work_orders_open` to open after this commits, so a batch of thousands of readings
    neither waits for nor holds its locks through `ticket_create` (decision 0172). The excursion ids are then
    in `result.awaiting`."""
    result = StoreResult()
    by_meter: dict[int, dict[datetime, float]] = {}
    for row in rows:
        by_meter.setdefault(row.meter_id, {})[row.at] = row.value  # the last of two equal times wins
    if not by_meter:
        return result
    meters = list(
        Meter.objects.select_for_update(of=("self",))
        .select_related("asset")
        .only(*STATE_FIELDS)  # what the rule and the excursions read: not the asset's custom fields (JSON)
        .filter(pk__in=by_meter)
        .order_by("pk")
    )
    if not meters:
        return result
    fresh = _fresh_rows(meters, by_meter, result)
    result.stored = len(fresh)
    _rollups_add(fresh)
    new_by_meter: dict[int, list[NewReading]] = {}
    for row in fresh:
        new_by_meter.setdefault(row.meter_id, []).append(row)
    moved: list[Meter] = []
    for meter in meters:
        news = sorted(new_by_meter.get(meter.pk, ()), key=lambda r: r.at)
        if meter.last_read_at is not None:
            news = [r for r in news if r.at > meter.last_read_at]
        if news:
            _evaluate(meter, news, result)
            moved.append(meter)
    _meters_save_state(moved)
    if result.awaiting and not defer_work_orders:
        result.opened += excursion_work_orders_open(excursion_ids=result.awaiting)
        result.awaiting = []
    return result


def _window_start_values(meter: Meter, news: list[NewReading]) -> deque[tuple[datetime, float]]:
    window = timedelta(seconds=meter.rate_window_seconds or 0)
    earlier = (
        Reading.objects.filter(meter=meter, at__gte=news[0].at - window, at__lt=news[0].at)
        .order_by("at")
        .values_list("at", "value")
    )
    return deque(earlier)


def _evaluate(meter: Meter, news: list[NewReading], result: StoreResult) -> None:
    """Run the rule over a meter's new readings in time order; the caller saves the meter's new state."""
    limits = thresholds.Limits(
        low=meter.low_limit, high=meter.high_limit, rate=meter.rate_limit, hysteresis=meter.hysteresis
    )
    track_rate = meter.rate_limit is not None and meter.rate_window_seconds
    window: deque[tuple[datetime, float]] = _window_start_values(meter, news) if track_rate else deque()
    span = timedelta(seconds=meter.rate_window_seconds or 0)
    state = meter.state
    for row in news:
        change = None
        if track_rate:
            while window and window[0][0] < row.at - span:
                window.popleft()
            change = row.value - window[0][1] if window else None
            window.append((row.at, row.value))
        after = thresholds.next_state(state, limits, row.value, change)
        if after != state:
            if state != MeterState.NORMAL:
                _excursion_end(meter, row, result)
            if after != MeterState.NORMAL:
                shown = change if after == thresholds.RATE and change is not None else row.value
                _excursion_start(meter, after, row, shown, thresholds.limit_of(limits, after), result)
            state = after
    last = news[-1]
    meter.last_value, meter.last_read_at, meter.state = last.value, last.at, state


def _when(at: datetime) -> str:
    """A reading's time as the timeline shows it: the site's local time, to the second."""
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")


def _shown(value: float) -> str:
    return f"{value:.6g}"


def _excursion_start(
    meter: Meter, rule: str, row: NewReading, shown: float, limit: float | None, result: StoreResult
) -> None:
    """Record the excursion; its work order is opened by `excursion_work_orders_open` (in this transaction or
    after it, see `readings_store`)."""
    awaiting = meter.opens_work_orders and meter.asset.status != AssetStatus.RETIRED
    excursion = Excursion.objects.create(
        meter=meter, rule=rule, started_at=row.at, start_value=row.value, shown_value=shown, limit=limit,
        awaiting_work_order=awaiting,
    )  # fmt: skip
    if awaiting:
        result.awaiting.append(excursion.pk)


def _excursion_end(meter: Meter, row: NewReading, result: StoreResult) -> None:
    excursion = (
        Excursion.objects.select_for_update(of=("self",))
        .select_related("ticket")
        .filter(meter=meter, ended_at__isnull=True)
        .first()
    )
    if excursion is None:
        return
    excursion.ended_at, excursion.end_value = row.at, row.value
    excursion.save(update_fields=["ended_at", "end_value"])
    result.cleared += 1
    if excursion.ticket is not None:  # else its work order is still to open, and will note the return then
        _note_normal(excursion.ticket, meter, row.value, row.at)


def _note_normal(ticket: Ticket, meter: Meter, value: float, at: datetime) -> None:
    data = {"meter": meter.name, "meter_id": meter.pk, "value": _shown(value), "unit": meter.unit,
            "at": _when(at)}  # fmt: skip
    append_event(ticket, actor=None, kind=METER_NORMAL, data=data)


def excursion_work_orders_open(*, excursion_ids: Sequence[int]) -> list[Ticket]:
    """Open the work order of each excursion still waiting for one, each in its own transaction with the
    excursion row locked (two ingesters, or the sweep and the ingester, open it once). An excursion that has
    already ended gets its return to normal noted at once. Safe to run again: it skips what is done."""
    opened: list[Ticket] = []
    requester: User | None = None
    for excursion_id in sorted(excursion_ids):
        with transaction.atomic():
            excursion = (
                Excursion.objects.select_for_update(of=("self",))
                .select_related("meter__asset__location")
                .filter(pk=excursion_id, awaiting_work_order=True)
                .first()
            )
            if excursion is None:
                continue
            requester = requester or meters_service_user()
            ticket = _work_order_open(excursion, requester)
            excursion.awaiting_work_order = False
            excursion.ticket = ticket
            excursion.save(update_fields=["awaiting_work_order", "ticket"])
            if ticket is not None:
                opened.append(ticket)
    return opened


def excursions_awaiting_work_order(*, older_than: timedelta = timedelta(0)) -> list[int]:
    """Excursions whose work order was left to open after a commit that the process did not live to do."""
    return list(
        Excursion.objects.filter(awaiting_work_order=True, started_at__lte=timezone.now() - older_than)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )


def _work_order_open(excursion: Excursion, requester: User) -> Ticket | None:
    meter, rule = excursion.meter, excursion.rule
    limit, shown = excursion.limit, excursion.shown_value
    if shown is None:
        shown = excursion.start_value
    data = {"meter": meter.name, "meter_id": meter.pk, "rule": rule, "value": _shown(shown),
            "unit": meter.unit, "limit": _shown(limit) if limit is not None else "",
            "at": _when(excursion.started_at)}  # fmt: skip
    subject = {
        thresholds.HIGH: _("%(asset)s: %(meter)s above its limit (%(value)s %(unit)s)"),
        thresholds.LOW: _("%(asset)s: %(meter)s below its limit (%(value)s %(unit)s)"),
        thresholds.RATE: _("%(asset)s: %(meter)s changing too fast (%(value)s %(unit)s)"),
    }[rule] % {"asset": meter.asset.name, "meter": meter.name, "value": data["value"], "unit": meter.unit}
    description = _(
        "Opened by the meter %(meter)s on %(asset)s: it read %(value)s %(unit)s at %(at)s (limit %(limit)s). "
        "The work order notes when the meter is back to normal."
    ) % {**data, "asset": f"{meter.asset.code} {meter.asset.name}"}
    try:
        with transaction.atomic():
            ticket = ticket_create(
                actor=None, requester=requester, subject=subject[:200], description=description,
                asset=meter.asset, location=meter.asset.location, channel=Channel.MONITORING,
            )  # fmt: skip
            append_event(ticket, actor=None, kind=METER_EXCURSION, data=data, at=excursion.started_at)
            if excursion.ended_at is not None and excursion.end_value is not None:
                _note_normal(ticket, meter, excursion.end_value, excursion.ended_at)
    except DomainError as exc:  # a category that needs a field nobody fills: the excursion stays recorded
        logger.warning("meter %s: no work order opened for an excursion: %s", meter.pk, exc.message)
        return None
    return ticket


def meters_service_user() -> User:
    """The requester of the work orders meters open (decision 0040's pattern: the system acts, a service
    account asks)."""
    user = User.objects.filter(username=SERVICE_USERNAME).first()
    if user is None:
        user = user_create(
            actor=None,
            username=SERVICE_USERNAME,
            role=Role.REQUESTER,
            display_name="传感器监测",
            language="zh-hans",
        )
    return user


# ---- 3D models (decision 0143) -------------------------------------------------------------------------
@transaction.atomic
def twin_model_set(
    *,
    actor: User | None,
    incoming: IncomingFile,
    asset: Asset | None = None,
    asset_type: AssetType | None = None,
) -> TwinModel:
    """Attach a GLB model to an asset (editors) or an asset type (administrators), replacing the one there.
    The attachment checks (size, blocked types) and the GLB checks apply; nothing is kept on a refusal."""
    if (asset is None) == (asset_type is None):
        raise ValueError("a model belongs to an asset or to an asset type")
    if actor is not None:
        if asset_type is not None and not actor.is_admin:
            raise PermissionDenied(_("Only administrators change asset types."))
        _require_editor(actor)
    checked = check_file(incoming)
    if not checked.filename.lower().endswith(".glb"):
        message = _("Upload the model as a binary glTF file (.glb).")
        raise ValidationFailed(message, code="model_invalid", details={"file": [message]})
    nodes = glb_check(checked.content)
    owner = {"asset": asset} if asset is not None else {"asset_type": asset_type}
    held = TwinModel.objects.select_for_update().filter(**owner).first()
    before = field_values(held) if held is not None else None
    model = held or TwinModel(**owner)
    model.filename, model.size, model.sha256 = checked.filename, checked.size, checked.sha256
    model.nodes, model.uploaded_at, model.uploaded_by = nodes, timezone.now(), actor
    model.file.save(f"{checked.sha256}.glb", ContentFile(checked.content), save=False)
    model.save()
    audit_configuration_change(actor=actor, instance=model, before=before, after=field_values(model))
    return model
