"""The demo's meters: the factory's compressors and moulding machine carry temperature, pressure, vibration
and running-hour meters fed over MQTT (topic gongdan/demo/<asset>/state), with 30 days of history in which
compressor 1 once ran too hot and opened a work order. `signal` is the one shape both the history and the
live simulator (`manage.py meters_simulate`) draw from."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

from gongdan.assets.models import Asset, AssetType
from gongdan.assets.services import asset_create
from gongdan.demo.clock import replay_clock
from gongdan.demo.compressor_model import compressor_glb
from gongdan.meters.models import Meter, TwinModel
from gongdan.meters.services import NewReading, meter_create, readings_store, twin_model_set
from gongdan.tickets.services import IncomingFile

TOPIC = "gongdan/demo/{code}/state"
# (asset, code, name, kind, unit, field, low, high, hysteresis, baseline, swing, 3D node)
METERS: list[tuple[str, str, str, str, str, str, float | None, float | None, float, float, float, str]] = [
    ("SZ-AC-01", "temp", "排气温度 Discharge temperature", "temperature", "°C", "temp", None, 105, 3, 88, 6,
     "airend"),
    ("SZ-AC-01", "pressure", "出口压力 Outlet pressure", "pressure", "bar", "pressure", 6.5, 9.0, 0.2, 7.8, 0.4,
     "tank"),
    ("SZ-AC-01", "hours", "运行小时 Running hours", "running_hours", "h", "hours", None, None, 0, 0, 0, "panel"),
    ("SZ-AC-02", "temp", "排气温度 Discharge temperature", "temperature", "°C", "temp", None, 105, 3, 84, 5,
     "airend"),
    ("SZ-L1-IM01", "oil", "液压油温 Hydraulic oil temperature", "temperature", "°C", "oil", None, 60, 2, 45, 4, ""),
    ("SZ-L1-IM01", "vibration", "泵振动 Pump vibration", "vibration", "mm/s", "vibration", None, 7.1, 0.3, 2.8,
     0.8, ""),
]  # fmt: skip
STEP = timedelta(minutes=15)
HISTORY = timedelta(days=30)
HOT_SPELL_DAYS_AGO = 3  # compressor 1 runs hot for 40 minutes, three days before the demo's "now"


def signal(meter: Meter, at: datetime, rng: random.Random, *, hot: bool = False) -> float:
    """A day-shaped wave with noise; running hours count up with the clock."""
    spec = next(s for s in METERS if s[0] == meter.asset.code and s[1] == meter.code)
    baseline, swing = spec[9], spec[10]
    if meter.kind == "running_hours":
        return round(12000 + (at.timestamp() - 1767225600) / 3600 * 0.8, 2)
    day = math.sin(at.timestamp() / 86400 * 2 * math.pi)
    value = baseline + swing * day + rng.gauss(0, swing / 6)
    if hot and meter.high_limit is not None:
        value = meter.high_limit + 2 + rng.random() * 3
    return round(value, 2)


def build_twin() -> None:
    """The compressor type's 3D model (drawn by our code) and compressor 1's main motor as a component, whose
    hotspot sits on the model's `motor` node."""
    kind = AssetType.objects.filter(code="compressor").first()
    compressor = Asset.objects.filter(code="SZ-AC-01").first()
    if kind is None or compressor is None or TwinModel.objects.filter(asset_type=kind).exists():
        return
    twin_model_set(actor=None, asset_type=kind, incoming=IncomingFile("compressor.glb", compressor_glb()))
    motor_type = AssetType.objects.filter(code="motor").first()
    if motor_type is not None and not Asset.objects.filter(code="SZ-AC-01-MOTOR").exists():
        asset_create(actor=None, code="SZ-AC-01-MOTOR", name="1 号空压机主电机 Compressor 1 main motor",
                     asset_type=motor_type, parent=compressor, location=compressor.location, criticality="A",
                     manufacturer="ABB", custom_values={"power_kw": 75})  # fmt: skip


def build_meters(*, now: datetime) -> dict[str, int]:
    build_twin()
    meters: list[Meter] = []
    for code, meter_code, name, kind, unit, field, low, high, hyst, _b, _s, node in METERS:
        asset = Asset.objects.filter(code=code).first()
        if asset is None:
            continue
        meter = Meter.objects.filter(asset=asset, code=meter_code).first() or meter_create(
            actor=None, asset=asset, code=meter_code, name=name, kind=kind, unit=unit, low_limit=low,
            high_limit=high, hysteresis=hyst, mqtt_topic=TOPIC.format(code=code), mqtt_value_path=f"$.{field}",
            mqtt_time_path="$.ts", model_node=node,
        )  # fmt: skip
        meters.append(meter)
    if not meters or Meter.objects.filter(pk=meters[0].pk, last_read_at__isnull=False).exists():
        return {"meters": len(meters), "readings": 0}
    rng = random.Random(14)
    hot_from = now - timedelta(days=HOT_SPELL_DAYS_AGO)
    hot_until = hot_from + timedelta(minutes=40)
    start = now - HISTORY
    written = 0
    day = start
    while day < now:
        end = min(day + timedelta(days=1), now)
        rows: list[NewReading] = []
        at = day
        while at < end:
            for meter in meters:
                hot = meter.asset.code == "SZ-AC-01" and meter.code == "temp" and hot_from <= at < hot_until
                rows.append(NewReading(meter.pk, at, signal(meter, at, rng, hot=hot)))
            at += STEP
        with replay_clock(end):  # a work order opened by the hot spell is dated within it
            readings_store(rows)
        written += len(rows)
        day = end
    return {"meters": len(meters), "readings": written}


def demo_meters() -> list[Meter]:
    return list(
        Meter.objects.filter(mqtt_topic__startswith="gongdan/demo/", is_active=True).select_related("asset")
    )


def live_payloads(
    meters: list[Meter], at: datetime, rng: random.Random, *, hot: bool
) -> dict[str, dict[str, Any]]:
    """One message per asset topic: every field its meters read, and the time."""
    payloads: dict[str, dict[str, Any]] = {}
    for meter in meters:
        heat = hot and meter.asset.code == "SZ-AC-01" and meter.code == "temp"
        body = payloads.setdefault(meter.mqtt_topic, {"ts": at.isoformat()})
        body[meter.mqtt_value_path.removeprefix("$.")] = signal(meter, at, rng, hot=heat)
    return payloads
