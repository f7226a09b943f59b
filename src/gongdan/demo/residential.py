"""The demo's residential property (翠湖花园, built by demo.equipment with its lifts and pumps, whose monthly
plans are in demo.preventive): its units and flats, the estate opened to reports without an account (its
public areas, lifts and pumps carry "report here" codes), the flats kept to signed-in residents, and two
reports a passer-by made by scanning a code — one with a phone number only, one with an email.

Kept in its own module so other demo additions (the weekly 巡检 round) merge beside it cleanly."""

from __future__ import annotations

from datetime import datetime, timedelta

from gongdan.assets import services as assets
from gongdan.assets.models import Asset, Location, PublicReporting
from gongdan.demo.clock import replay_clock
from gongdan.portal.models import WalkUpReport
from gongdan.portal.walk_up import walk_up_report_submit

ESTATE_CODE = "GL"
# (building code, units, flats per unit on the floors shown)
UNITS = {"GL-1": ("1 单元 Unit 1", "2 单元 Unit 2"), "GL-2": ("1 单元 Unit 1",)}
FLATS = ("101", "102", "801", "802")
LIFT_LOBBIES = ("电梯厅 Lift lobby",)
# (days ago, asset code or None, public area code or None, name, phone, email, description). Recent: an
# older report would be past its SLA deadline and escalate on the first live sweep, unlike the replayed history.
WALK_UPS: list[tuple[float, str | None, str | None, str, str, str, str]] = [
    (
        0.03,
        None,
        "GL-car-park",
        "王先生",
        "139 1234 5678",
        "",
        "地下车库 B2 区 C 排的灯不亮，晚上很暗。\nThe lights in row C of car park level B2 are out.",
    ),
    (
        0.01,
        "GL-1-LIFT-B",
        None,
        "Lucy Chen",
        "",
        "lucy.chen@example.com",
        "The lift door closes too fast and hit my stroller. 电梯门关得太快，夹到了婴儿车。",
    ),
]


def build_residential(*, now: datetime) -> dict[str, int]:
    estate = Location.objects.filter(parent=None, code=ESTATE_CODE).first()
    if estate is None:  # demo.equipment builds the estate first
        return {}
    assets.location_update(actor=None, location=estate, public_reporting=PublicReporting.ALLOWED)
    for building in Location.objects.filter(parent=estate, kind=Location.Kind.BUILDING).order_by("code"):
        for lobby in LIFT_LOBBIES:
            _place(building, lobby, kind=Location.Kind.AREA, code=f"{building.code}-LL")
        for index, unit in enumerate(UNITS.get(building.code, ())):
            unit_row = _place(building, unit, kind=Location.Kind.AREA, code=f"{building.code}-U{index + 1}")
            for flat in FLATS:
                # A flat is private: its residents report signed in (the portal), not from a public code.
                _place(unit_row, f"{flat} 室 Flat {flat}", kind=Location.Kind.ROOM,
                       code=f"{unit_row.code}-{flat}", public_reporting=PublicReporting.REFUSED)  # fmt: skip
    reports = 0
    for days_ago, asset_code, area_code, name, phone, email, description in WALK_UPS:
        if WalkUpReport.objects.filter(name=name).exists():
            continue
        asset = Asset.objects.filter(code=asset_code).first() if asset_code else None
        location = Location.objects.filter(code=area_code).first() if area_code else None
        with replay_clock(now - timedelta(days=days_ago)):
            walk_up_report_submit(name=name, phone=phone, email=email, description=description,
                                  location=location, asset=asset, language="zh-hans")  # fmt: skip
        reports += 1
    return {
        "public_report_places": Location.objects.filter(path__startswith=estate.path)
        .exclude(public_reporting=PublicReporting.REFUSED)
        .count(),
        "walk_up_reports": reports,
    }


def _place(parent: Location, name: str, **values: object) -> Location:
    existing = Location.objects.filter(parent=parent, name=name).first()
    return existing or assets.location_create(actor=None, name=name, parent=parent, **values)
