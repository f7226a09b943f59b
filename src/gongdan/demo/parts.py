"""The demo's spare parts: two stores at the factory (the main store and a cabinet in the compressor station),
filters, belts, oil and the moulding line's wear parts, deliveries and a transfer, parts used on the factory's
work orders (replayed at their time, one returned), and the compressors' air filter left below its reorder
point, so the parts page's low-stock filter, the ticket timeline and the asset history have something to show."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from gongdan.accounts.models import User
from gongdan.assets.models import Asset, AssetType, Location
from gongdan.demo.clock import replay_clock
from gongdan.parts import services as parts
from gongdan.parts.models import Part, Store
from gongdan.tickets.models import Ticket

# (code, name, name_en, unit, unit cost, supplier, reorder point, asset type codes)
PARTS: list[tuple[str, str, str, str, str, str, str, list[str]]] = [
    ("AF-100", "空气滤芯 GA75", "Air filter GA75", "pcs", "85.50", "阿特拉斯·科普柯 Atlas Copco", "4", ["compressor"]),
    ("OF-200", "机油滤芯 GA75", "Oil filter GA75", "pcs", "68.00", "阿特拉斯·科普柯 Atlas Copco", "3", ["compressor"]),
    ("SEP-300", "油气分离器 GA75", "Oil separator GA75", "pcs", "920.00", "阿特拉斯·科普柯 Atlas Copco", "1",
     ["compressor"]),
    ("OIL-46", "压缩机油 ISO VG 46", "Compressor oil ISO VG 46", "L", "32.00", "壳牌 Shell", "40", ["compressor"]),
    ("BELT-SPA", "三角带 SPA-1250", "V-belt SPA-1250", "pcs", "42.00", "盖茨 Gates", "6", ["compressor", "conveyor"]),
    ("HB-IM", "注塑机加热圈", "Heater band (moulding)", "pcs", "260.00", "海天 Haitian", "2", ["moulding"]),
    ("VC-RB", "机器人真空吸盘", "Robot vacuum cup", "pcs", "35.00", "费斯托 Festo", "10", ["robot"]),
]  # fmt: skip

# (part, store, quantity, days ago)
RECEIPTS: list[tuple[str, str, str, int]] = [
    ("AF-100", "SZ-ST-CS", "5", 45), ("OF-200", "SZ-ST-MAIN", "10", 45), ("SEP-300", "SZ-ST-MAIN", "3", 45),
    ("OIL-46", "SZ-ST-MAIN", "200", 45), ("BELT-SPA", "SZ-ST-MAIN", "20", 45), ("HB-IM", "SZ-ST-MAIN", "6", 45),
    ("VC-RB", "SZ-ST-MAIN", "30", 45),
]  # fmt: skip

# Parts used on the factory's work orders: (asset, words in the subject, part, store, quantity, returned)
USED: list[tuple[str, str, str, str, str, str]] = [
    ("SZ-AC-01", "high temperature", "OIL-46", "SZ-ST-CS", "8", "0"),
    ("SZ-AC-01", "high temperature", "OF-200", "SZ-ST-CS", "1", "0"),
    ("SZ-AC-01", "separator", "SEP-300", "SZ-ST-MAIN", "1", "0"),
    ("SZ-AC-01", "separator", "AF-100", "SZ-ST-CS", "2", "0"),
    ("SZ-AC-02", "will not load", "BELT-SPA", "SZ-ST-MAIN", "2", "0"),
    ("SZ-L1-IM01", "heater band", "HB-IM", "SZ-ST-MAIN", "1", "0"),
    ("SZ-L1-RB01", "vacuum", "VC-RB", "SZ-ST-MAIN", "4", "1"),
]


def build_parts(*, now: datetime, factory: Location, lead: User) -> dict[str, int]:
    if Store.objects.filter(code="SZ-ST-MAIN").exists():
        return {"parts": Part.objects.count(), "part_usages": 0}
    station = Location.objects.filter(code="SZ-CS").first() or factory
    with replay_clock(now - timedelta(days=50)):
        stores = {
            "SZ-ST-MAIN": parts.store_create(actor=lead, code="SZ-ST-MAIN", name="工厂备件库 Factory store",
                                             location=factory),
            "SZ-ST-CS": parts.store_create(actor=lead, code="SZ-ST-CS", name="空压站备件柜 Station cabinet",
                                           location=station),
        }  # fmt: skip
        types = {t.code: t for t in AssetType.objects.all()}
        catalogue: dict[str, Part] = {}
        for code, name, name_en, unit, cost, supplier, reorder, kinds in PARTS:
            catalogue[code] = parts.part_create(
                actor=lead, code=code, name=name, name_en=name_en, unit=unit, unit_cost=Decimal(cost),
                supplier=supplier, reorder_point=Decimal(reorder), asset_types=[types[k] for k in kinds if k in types],
            )  # fmt: skip
    for code, store, quantity, days_ago in RECEIPTS:
        with replay_clock(now - timedelta(days=days_ago)):
            parts.stock_receive(actor=lead, part=catalogue[code], store=stores[store], quantity=quantity,
                                reference=f"PO-2026-{days_ago:03}")  # fmt: skip
    with replay_clock(now - timedelta(days=44)):
        for code, quantity in (("OIL-46", "40"), ("OF-200", "4"), ("BELT-SPA", "4")):
            parts.stock_transfer(actor=lead, part=catalogue[code], source=stores["SZ-ST-MAIN"],
                                 target=stores["SZ-ST-CS"], quantity=quantity, reason="补充空压站备件柜")  # fmt: skip
    used = 0
    for asset_code, words, code, store, quantity, returned in USED:
        ticket = (
            Ticket.objects.filter(asset__in=Asset.objects.filter(code=asset_code), subject__icontains=words)
            .order_by("created_at")
            .first()
        )
        if ticket is None:
            continue
        with replay_clock(ticket.created_at + timedelta(hours=1)):
            usage = parts.part_use(actor=lead, ticket=ticket, part=catalogue[code], store=stores[store],
                                   quantity=quantity)  # fmt: skip
            if Decimal(returned):
                parts.part_return(actor=lead, usage=usage, quantity=returned)
        used += 1
    return {"parts": len(catalogue), "part_usages": used}
