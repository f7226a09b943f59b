"""Reads of spare parts: the parts page (stock per store, movements, the low-stock filter), what a work order
used, what an asset's work orders used, and `parts_consumption` for the maintenance figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from gongdan.accounts.models import User
from gongdan.assets.access import can_see_assets
from gongdan.assets.models import Asset
from gongdan.core.bilingual import pick_label
from gongdan.core.domain_errors import NotFound, PermissionDenied
from gongdan.maintenance.figures import FigureFilters
from gongdan.parts.models import Movement, Part, Stock, Store, Usage
from gongdan.parts.services import CLOSED, can_manage_stock
from gongdan.tickets.access import can_work
from gongdan.tickets.models import Ticket

MAX_MOVEMENTS = 100
MAX_ASSET_USAGES = 50
MAX_PARTS = 500
ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=14, decimal_places=3))


def _require_staff(actor: User) -> None:
    if not can_see_assets(actor):
        raise PermissionDenied("staff only")


@dataclass(frozen=True)
class PartFilters:
    q: str = ""
    store: int | None = None
    low: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: dict[str, str]) -> PartFilters:
        errors: dict[str, str] = {}
        store_raw = (raw.get("store") or "").strip()
        store = None
        if store_raw:
            if store_raw.isdigit() and len(store_raw) < 12:
                store = int(store_raw)
            else:
                errors["store"] = "invalid"
        return cls(q=(raw.get("q") or "").strip()[:100], store=store,
                   low=(raw.get("low") or "") in ("1", "true", "on"), errors=errors)  # fmt: skip


def parts_with_totals() -> QuerySet[Part]:
    return Part.objects.annotate(total=Coalesce(Sum("stock__quantity"), ZERO))


def part_list(*, actor: User, filters: PartFilters) -> list[Part]:
    """The parts page: every part with its total and its stock per store (two queries)."""
    _require_staff(actor)
    parts = parts_with_totals()
    if filters.q:
        parts = parts.filter(Q(code__icontains=filters.q) | Q(name__icontains=filters.q)
                             | Q(name_en__icontains=filters.q) | Q(supplier__icontains=filters.q))  # fmt: skip
    if filters.store is not None:
        parts = parts.filter(stock__store_id=filters.store).distinct()
    if filters.low:
        parts = parts.filter(reorder_point__gt=0, total__lte=F("reorder_point"))  # type: ignore[misc]
    rows = list(parts.order_by("code")[:MAX_PARTS])
    by_part: dict[int, list[Stock]] = {}
    for stock in Stock.objects.filter(part__in=rows).select_related("store").order_by("store__code"):
        by_part.setdefault(stock.part_id, []).append(stock)
    for part in rows:
        part.stock_rows = by_part.get(part.pk, [])  # type: ignore[attr-defined]
        part.is_low = part.reorder_point > 0 and part.total <= part.reorder_point  # type: ignore[attr-defined]
    return rows


def part_get(*, actor: User, code: str) -> Part:
    _require_staff(actor)
    part = parts_with_totals().filter(code=code).first()
    if part is None:
        raise NotFound("no such part")
    return part


def part_stock(part: Part) -> list[Stock]:
    return list(Stock.objects.filter(part=part).select_related("store__location").order_by("store__code"))


def movement_list(
    *, actor: User, part: Part | None = None, store: Store | None = None, before: int | None = None,
    limit: int = MAX_MOVEMENTS,
) -> list[Movement]:  # fmt: skip
    """The newest ledger lines first (keyset by id: `before` is the last id of the previous page)."""
    _require_staff(actor)
    rows = Movement.objects.select_related("part", "store", "other_store", "ticket", "actor")
    if part is not None:
        rows = rows.filter(part=part)
    if store is not None:
        rows = rows.filter(store=store)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    return list(rows.order_by("-id")[:limit])


def active_stores() -> list[Store]:
    return list(Store.objects.filter(is_active=True).order_by("code"))


# --- work orders and assets ------------------------------------------------------------------------------------


def ticket_usages(ticket: Ticket) -> list[Usage]:
    return list(Usage.objects.filter(ticket=ticket).select_related("part", "store", "actor").order_by("id"))


def usage_total(usages: list[Usage]) -> Decimal:
    return sum((u.cost for u in usages), Decimal("0.00"))


def ticket_parts_panel(actor: User, ticket: Ticket) -> dict[str, Any] | None:
    """The parts card on the ticket page: what was used, its cost, and the form to use more."""
    if not can_work(actor, ticket):
        return None
    usages = ticket_usages(ticket)
    open_ticket = ticket.status not in CLOSED
    if not usages and not open_ticket:
        return None
    return {"parts_usages": usages, "parts_total": usage_total(usages), "parts_may_use": open_ticket,
            "parts_stock": usable_stock(ticket) if open_ticket else []}  # fmt: skip


def usable_stock(ticket: Ticket | None = None) -> list[Stock]:
    """What a technician may pick from: stock above zero in open stores, parts that fit the ticket's asset
    first."""
    rows = list(
        Stock.objects.filter(quantity__gt=0, store__is_active=True, part__is_active=True)
        .select_related("part", "store")
        .order_by("part__code", "store__code")
    )
    if ticket is not None and ticket.asset_id:
        asset = Asset.objects.filter(pk=ticket.asset_id).only("pk", "asset_type_id").first()
        if asset is not None:
            fitting = set(
                Part.objects.filter(Q(assets=asset) | Q(asset_types=asset.asset_type_id)).values_list(
                    "pk", flat=True
                )
            )
            for stock in rows:
                stock.fits = stock.part_id in fitting  # type: ignore[attr-defined]
            rows.sort(key=lambda s: (not getattr(s, "fits", False), s.part.code, s.store.code))
    return rows


def asset_parts_panel(actor: User, asset: Asset) -> dict[str, Any] | None:
    """Parts in the asset's history: every part used on its work orders, with the cost (net of returns)."""
    if not can_see_assets(actor):
        return None
    usages = list(
        Usage.objects.filter(asset=asset)
        .select_related("part", "ticket")
        .order_by("-created_at", "-id")[:MAX_ASSET_USAGES]
    )
    total = Usage.objects.filter(asset=asset).aggregate(cost=Sum(_cost_expression()))["cost"] or Decimal(0)
    return {"parts_asset_usages": usages, "parts_asset_cost": Decimal(total).quantize(Decimal("0.01"))}


def _cost_expression() -> ExpressionWrapper[Any]:
    return ExpressionWrapper(
        (F("quantity") - F("returned")) * F("unit_cost"),
        output_field=DecimalField(max_digits=28, decimal_places=5),
    )


# --- figures ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsumptionRow:
    key: str  # the part's code, the asset type's code or the asset's code ("" for no asset)
    name: str
    quantity: Decimal
    cost: Decimal
    unit: str = ""


GROUPS = {
    "part": ("part__code", "part__name", "part__name_en", "part__unit"),
    "asset_type": ("asset__asset_type__code", "asset__asset_type__name", "asset__asset_type__name_en", None),
    "asset": ("asset__code", "asset__name", None, None),
}


def parts_consumption(
    *, since: datetime, until: datetime, by: str = "part", asset_ids: list[int] | None = None
) -> list[ConsumptionRow]:
    """Parts used on work orders in [since, until), net of returns, grouped by part, asset type or asset, the
    costliest first (one aggregate query). Quantities of different parts are only summed within one part."""
    if by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    key, name, name_en, unit = GROUPS[by]
    rows = Usage.objects.filter(created_at__gte=since, created_at__lt=until)
    if asset_ids is not None:
        rows = rows.filter(asset_id__in=asset_ids)
    values = [v for v in (key, name, name_en, unit) if v]
    grouped = (
        rows.values(*values)
        .annotate(net_quantity=Sum(F("quantity") - F("returned")), total_cost=Sum(_cost_expression()))
        .order_by("-total_cost", key)
    )
    result = []
    for row in grouped:
        if not row["net_quantity"]:
            continue
        result.append(ConsumptionRow(
            key=row[key] or "", name=pick_label(row[name] or "", row[name_en] or "") if name_en else (row[name] or ""),
            quantity=Decimal(row["net_quantity"]), cost=Decimal(row["total_cost"] or 0).quantize(Decimal("0.01")),
            unit=row[unit] if unit else "",
        ))  # fmt: skip
    return result


def figures_parts_consumption(
    filters: FigureFilters, asset_ids: Sequence[int] | None
) -> list[dict[str, Any]]:
    """The maintenance figures' parts consumption (registered with `maintenance.figures` from ready()): per
    part, over the figures' period and equipment."""
    rows = parts_consumption(since=filters.starts_at, until=filters.ends_at, by="part",
                             asset_ids=list(asset_ids) if asset_ids is not None else None)  # fmt: skip
    return [
        {
            "part": f"{row.key} {row.name}".strip(),
            "quantity": row.quantity,
            "unit": row.unit,
            "cost": row.cost,
        }
        for row in rows
    ]


def may_manage_stock(actor: User) -> bool:
    return can_manage_stock(actor)


def phone_parts(actor: User, ticket: Ticket) -> dict[str, Any]:
    """The parts card of the phone app's job page (empty when there is nothing to show or do)."""
    panel = ticket_parts_panel(actor, ticket)
    if panel is None:
        return {}
    return {**panel, "parts_phone": True}
