"""The demo's equipment: a factory (a compressor station and a production line with its machines and
components) and a residential property (buildings, lifts and pumps), with a few work orders that set
assets down and brought them back, replayed on the simulated clock so MTBF and MTTR have figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from gongdan.accounts.models import Language, Team, User
from gongdan.assets import services as assets
from gongdan.assets.models import Asset, AssetType, Location
from gongdan.demo.asset_documents import attach_documents
from gongdan.demo.clock import replay_clock
from gongdan.demo.meters import build_meters
from gongdan.maintenance.services import asset_down_from_ticket
from gongdan.tickets import services as tickets

# (code, name, name_en, fields: [(key, label, label_en, type, choices)])
# Stored encrypted and shown masked until staff press "Show" (audited): the robot's service PIN.
SENSITIVE_FIELDS = {"service_pin"}
ASSET_TYPES: list[tuple[str, str, str, list[tuple[str, str, str, str, list[str]]]]] = [
    (
        "compressor",
        "空压机",
        "Air compressor",
        [
            ("power_kw", "额定功率 (kW)", "Rated power (kW)", "number", []),
            ("pressure_bar", "排气压力 (bar)", "Discharge pressure (bar)", "number", []),
            ("oil", "润滑油", "Lubricant", "choice", ["ISO VG 32", "ISO VG 46", "ISO VG 68"]),
        ],
    ),
    ("dryer", "干燥机", "Air dryer", [("dew_point", "露点 (°C)", "Dew point (°C)", "number", [])]),
    ("line", "生产线", "Production line", [("takt_s", "节拍 (秒)", "Takt time (s)", "number", [])]),
    (
        "moulding",
        "注塑机",
        "Injection moulding machine",
        [
            ("clamp_t", "锁模力 (吨)", "Clamping force (t)", "number", []),
        ],
    ),
    (
        "robot",
        "机器人",
        "Robot",
        [
            ("payload_kg", "负载 (kg)", "Payload (kg)", "number", []),
            ("service_pin", "示教器维护口令", "Teach pendant service PIN", "text", []),
        ],
    ),
    ("conveyor", "输送机", "Conveyor", []),
    ("motor", "电机", "Motor", [("power_kw", "功率 (kW)", "Power (kW)", "number", [])]),
    (
        "lift",
        "电梯",
        "Lift",
        [
            ("floors", "服务楼层", "Floors served", "number", []),
            ("load_kg", "额定载重 (kg)", "Rated load (kg)", "number", []),
            ("inspection_due", "年检到期", "Annual inspection due", "date", []),
        ],
    ),
    (
        "pump",
        "水泵",
        "Water pump",
        [
            ("flow_m3h", "流量 (m³/h)", "Flow (m³/h)", "number", []),
            ("use", "用途", "Use", "choice", ["生活供水", "消防", "排污"]),
        ],
    ),
]

# (code, name, type, criticality, parent code, location key, extra values)
FACTORY: list[tuple[str, str, str, str, str | None, str, dict[str, Any]]] = [
    (
        "SZ-AC-01",
        "1 号螺杆空压机 Screw compressor 1",
        "compressor",
        "A",
        None,
        "station",
        {
            "manufacturer": "Atlas Copco",
            "model_name": "GA 75",
            "serial_number": "AII-482913",
            "cost": "268000",
            "custom_values": {"power_kw": 75, "pressure_bar": 8.5, "oil": "ISO VG 46"},
        },
    ),
    (
        "SZ-AC-02",
        "2 号螺杆空压机 Screw compressor 2",
        "compressor",
        "A",
        None,
        "station",
        {
            "manufacturer": "Atlas Copco",
            "model_name": "GA 75",
            "serial_number": "AII-482977",
            "cost": "268000",
            "custom_values": {"power_kw": 75, "pressure_bar": 8.5, "oil": "ISO VG 46"},
        },
    ),
    (
        "SZ-DR-01",
        "冷冻式干燥机 Refrigerated dryer",
        "dryer",
        "B",
        None,
        "station",
        {"manufacturer": "Atlas Copco", "model_name": "FD 220", "custom_values": {"dew_point": 3}},
    ),
    ("SZ-L1", "装配线 A Assembly line A", "line", "A", None, "line_a", {"custom_values": {"takt_s": 42}}),
    (
        "SZ-L1-IM01",
        "注塑机 1 Moulding machine 1",
        "moulding",
        "A",
        "SZ-L1",
        "line_a",
        {"manufacturer": "海天 Haitian", "model_name": "MA 1600", "custom_values": {"clamp_t": 160}},
    ),
    (
        "SZ-L1-IM01-M1",
        "液压泵电机 Hydraulic pump motor",
        "motor",
        "B",
        "SZ-L1-IM01",
        "line_a",
        {"manufacturer": "西门子 Siemens", "custom_values": {"power_kw": 18.5}},
    ),
    (
        "SZ-L1-RB01",
        "取件机器人 Pick-and-place robot",
        "robot",
        "B",
        "SZ-L1",
        "line_a",
        {
            "manufacturer": "ABB",
            "model_name": "IRB 1200",
            "custom_values": {"payload_kg": 7, "service_pin": "4711-2026"},
        },
    ),
    ("SZ-L1-CV01", "成品输送机 Output conveyor", "conveyor", "C", "SZ-L1", "line_a", {}),
    (
        "SZ-L1-CV01-M1",
        "输送机驱动电机 Conveyor drive motor",
        "motor",
        "C",
        "SZ-L1-CV01",
        "line_a",
        {"custom_values": {"power_kw": 2.2}},
    ),
]

RESIDENTIAL_SITE: dict[str, Any] = {"name": "翠湖花园 Green Lake Residences", "code": "GL", "address": "江苏省苏州市吴中区翠湖路 88 号",
                    "latitude": Decimal("31.262100"), "longitude": Decimal("120.630400")}  # fmt: skip
RESIDENTIAL_BUILDINGS = [("1 号楼 Building 1", "GL-1"), ("2 号楼 Building 2", "GL-2")]
PUBLIC_AREAS = [("大堂 Lobby", "lobby"), ("地下车库 Car park", "car-park"), ("泵房 Pump room", "pump-room")]

# (code, name, type, criticality, building index or None for the pump room, extra values)
RESIDENTIAL: list[tuple[str, str, str, str, int | None, dict[str, Any]]] = [
    (
        "GL-1-LIFT-A",
        "1 号楼 A 梯 Building 1 lift A",
        "lift",
        "A",
        0,
        {
            "manufacturer": "奥的斯 Otis",
            "custom_values": {"floors": 18, "load_kg": 1000, "inspection_due": "2027-05-31"},
        },
    ),
    (
        "GL-1-LIFT-B",
        "1 号楼 B 梯 Building 1 lift B",
        "lift",
        "A",
        0,
        {
            "manufacturer": "奥的斯 Otis",
            "custom_values": {"floors": 18, "load_kg": 1000, "inspection_due": "2027-05-31"},
        },
    ),
    (
        "GL-2-LIFT-A",
        "2 号楼 A 梯 Building 2 lift A",
        "lift",
        "A",
        1,
        {
            "manufacturer": "三菱 Mitsubishi",
            "custom_values": {"floors": 24, "load_kg": 1350, "inspection_due": "2027-03-15"},
        },
    ),
    (
        "GL-PUMP-01",
        "生活供水泵 1 Domestic water pump 1",
        "pump",
        "A",
        None,
        {"manufacturer": "格兰富 Grundfos", "custom_values": {"flow_m3h": 30, "use": "生活供水"}},
    ),
    (
        "GL-PUMP-02",
        "生活供水泵 2 Domestic water pump 2",
        "pump",
        "B",
        None,
        {"manufacturer": "格兰富 Grundfos", "custom_values": {"flow_m3h": 30, "use": "生活供水"}},
    ),
    (
        "GL-PUMP-FIRE",
        "消防泵 Fire pump",
        "pump",
        "A",
        None,
        {"manufacturer": "格兰富 Grundfos", "custom_values": {"flow_m3h": 90, "use": "消防"}},
    ),
]

# Work orders that set an asset down: (asset code, subject, days ago it stopped, hours until fixed)
FAULTS: list[tuple[str, str, float, float]] = [
    ("SZ-AC-01", "1 号空压机高温停机 Compressor 1 tripped on high temperature", 41, 5.5),
    ("SZ-AC-01", "1 号空压机油气分离器压差大 Compressor 1 separator pressure drop", 17, 3),
    ("SZ-AC-02", "2 号空压机无法加载 Compressor 2 will not load", 26, 8),
    ("SZ-L1-IM01", "注塑机液压油温过高 Moulding machine hydraulic oil too hot", 33, 6),
    ("SZ-L1-IM01", "注塑机模具加热圈损坏 Moulding machine heater band failed", 9, 2.5),
    ("SZ-L1-RB01", "机器人抓手真空不足 Robot gripper loses vacuum", 12, 1.5),
    ("GL-1-LIFT-A", "1 号楼 A 梯困人 Building 1 lift A stopped between floors", 20, 2),
    ("GL-1-LIFT-A", "1 号楼 A 梯门机故障 Building 1 lift A door operator fault", 6, 4),
    ("GL-PUMP-01", "生活水泵异响 Domestic water pump noisy bearing", 15, 7),
]


def build_equipment(
    *, now: datetime, factory: Location, team: Team, lead: User, requester: User
) -> dict[str, int]:
    types = _types()
    station = _place(factory, "空压站 Compressor station", kind="building", code="SZ-CS")
    line_a = Location.objects.filter(code="SZ-W1").first() or factory
    places = {"station": station, "line_a": line_a}
    made: dict[str, Asset] = {}
    for code, name, kind, criticality, parent, place, extra in FACTORY:
        made[code] = _asset(
            code, name, types[kind], criticality, made.get(parent or ""), places[place], extra
        )
    residence = _place(
        None,
        RESIDENTIAL_SITE["name"],
        kind="site",
        **{k: v for k, v in RESIDENTIAL_SITE.items() if k != "name"},
    )
    buildings = [_place(residence, name, kind="building", code=code) for name, code in RESIDENTIAL_BUILDINGS]
    areas = {key: _place(residence, name, kind="area", code=f"GL-{key}") for name, key in PUBLIC_AREAS}
    for code, name, kind, criticality, building, extra in RESIDENTIAL:
        where = buildings[building] if building is not None else areas["pump-room"]
        made[code] = _asset(code, name, types[kind], criticality, None, where, extra)
    faults = 0
    for code, subject, days_ago, hours in FAULTS:
        _fault(made[code], subject, at=now - timedelta(days=days_ago), hours=hours, team=team, lead=lead,
               requester=requester)  # fmt: skip
        faults += 1
    documents = attach_documents(list(made.values()))
    return {"asset_types": len(types), "assets": len(made), "downtime_periods": faults, "documents": documents,
            **{f"meter_{k}": v for k, v in build_meters(now=now).items()}}  # fmt: skip


def _types() -> dict[str, AssetType]:
    found: dict[str, AssetType] = {}
    for order, (code, name, name_en, fields) in enumerate(ASSET_TYPES):
        kind = AssetType.objects.filter(code=code).first()
        if kind is None:
            kind = assets.asset_type_create(actor=None, code=code, name=name, name_en=name_en, order=order)
            for position, (key, label, label_en, field_type, choices) in enumerate(fields):
                assets.asset_field_create(actor=None, asset_type=kind, key=key, label=label, label_en=label_en,
                                          field_type=field_type, choices=choices, order=position,
                                          sensitive=key in SENSITIVE_FIELDS)  # fmt: skip
        found[code] = kind
    return found


def _place(parent: Location | None, name: str, **values: Any) -> Location:
    existing = Location.objects.filter(parent=parent, name=name).first()
    return existing or assets.location_create(actor=None, name=name, parent=parent, **values)


def _asset(code: str, name: str, kind: AssetType, criticality: str, parent: Asset | None, place: Location,
           extra: dict[str, Any]) -> Asset:  # fmt: skip
    existing = Asset.objects.filter(code=code).first()
    if existing is not None:
        return existing
    return assets.asset_create(actor=None, code=code, name=name, asset_type=kind, criticality=criticality,
                               parent=parent, location=place, installed_on=date(2023, 6, 1), **extra)  # fmt: skip


def _fault(asset: Asset, subject: str, *, at: datetime, hours: float, team: Team, lead: User,
           requester: User) -> None:  # fmt: skip
    with replay_clock(at):
        ticket = tickets.ticket_create(actor=lead, requester=requester, subject=subject, asset=asset,
                                       created_at=at, assignee=lead, team=team)  # fmt: skip
        asset_down_from_ticket(actor=lead, ticket=ticket, at=at)
    started = at + timedelta(minutes=20)
    with replay_clock(started):
        ticket = tickets.ticket_transition(actor=lead, ticket=ticket, action="start")
    fixed = at + timedelta(hours=hours)
    with replay_clock(fixed):
        note = (
            "Fixed and test-run." if requester.language == Language.EN else "已修复，试运行正常。"
        )  # the requester reads it
        tickets.ticket_transition(actor=lead, ticket=ticket, action="resolve", note=note)
