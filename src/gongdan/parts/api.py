"""Spare parts over the API: the catalogue, stores, stock per store, the movement ledger, receipts, transfers
and counts, and parts used on a ticket (and returned). Changes go through gongdan.parts.services; catalogue and
store changes are written to the audit trail like the settings screens' (decision 0161)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, Strict

from gongdan.accounts.models import User
from gongdan.api.errors import errors_for
from gongdan.api.inputs import Id, IdPath, StrictInput, row_or_422, rows_or_422
from gongdan.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page_by_id
from gongdan.assets.access import can_see_assets
from gongdan.assets.models import Asset, AssetType, Location
from gongdan.audit.services import audit_configuration_change
from gongdan.audit.snapshots import field_values
from gongdan.core.domain_errors import NotFound, PermissionDenied
from gongdan.parts import selectors, services
from gongdan.parts.models import Movement, Part, Stock, Store, Usage
from gongdan.tickets.selectors import ticket_get

router = Router()
CODE = Path(..., max_length=60, description="The part's code.")
NUMBER = Path(..., max_length=40, description="Ticket number, e.g. GD-2026-000123.")
QuantityIn = Annotated[Decimal, Strict(False), Field(gt=0, lt=Decimal("1000000000"), decimal_places=3)]
CountIn = Annotated[Decimal, Strict(False), Field(ge=0, lt=Decimal("1000000000"), decimal_places=3)]
CostIn = Annotated[Decimal, Strict(False), Field(ge=0, lt=Decimal("1000000000"), decimal_places=2)]


def actor_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _require_staff(actor: User) -> None:
    if not can_see_assets(actor):
        raise PermissionDenied(_("Only staff can read spare parts."))


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators change the parts catalogue and the stores."))


def _text(value: Decimal) -> str:
    return services.quantity_text(value)


# ---- schemas -----------------------------------------------------------------------------------------------
class PartOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    unit: str
    unit_cost: str = Field(description="Decimal, two places.")
    supplier: str
    reorder_point: str = Field(description="Decimal: at or below this total the part is low.")
    total: str = Field(description="Decimal: the stock in all stores.")
    is_low: bool
    is_active: bool
    asset_types: list[int]
    assets: list[int]


def _part_out(part: Part) -> dict[str, Any]:
    total = getattr(part, "total", None)
    total = services.part_total(part) if total is None else total
    return {
        "id": part.pk, "code": part.code, "name": part.name, "name_en": part.name_en, "unit": part.unit,
        "unit_cost": str(part.unit_cost), "supplier": part.supplier, "reorder_point": _text(part.reorder_point),
        "total": _text(total), "is_low": bool(part.reorder_point > 0 and total <= part.reorder_point),
        "is_active": part.is_active, "asset_types": [t.pk for t in part.asset_types.all()],
        "assets": [a.pk for a in part.assets.all()],
    }  # fmt: skip


class PartPage(Schema):
    items: list[PartOut]
    next_cursor: str | None
    has_more: bool


class PartListQuery(Schema):
    q: str = Field("", max_length=100, description="Part of the code, a name or the supplier.")
    low: bool = Field(False, description="Only parts at or below their reorder point.")
    cursor: str = Field("", max_length=200)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class PartIn(StrictInput):
    code: str = Field(..., min_length=1, max_length=60)
    name: str = Field(..., min_length=1, max_length=120)
    name_en: str = Field("", max_length=120)
    unit: str = Field("pcs", min_length=1, max_length=20)
    unit_cost: CostIn = Decimal(0)
    supplier: str = Field("", max_length=200)
    reorder_point: CountIn = Decimal(0)
    asset_types: list[Id] = Field(default_factory=list, max_length=100)
    assets: list[Id] = Field(default_factory=list, max_length=500)
    is_active: bool = True


class PartUpdateIn(StrictInput):
    name: str | None = Field(None, min_length=1, max_length=120)
    name_en: str | None = Field(None, max_length=120)
    unit: str | None = Field(None, min_length=1, max_length=20)
    unit_cost: CostIn | None = None
    supplier: str | None = Field(None, max_length=200)
    reorder_point: CountIn | None = None
    asset_types: list[Id] | None = Field(None, max_length=100)
    assets: list[Id] | None = Field(None, max_length=500)
    is_active: bool | None = None


class StoreOut(Schema):
    id: int
    code: str
    name: str
    location: int
    is_active: bool

    @staticmethod
    def resolve_location(store: Store) -> int:
        return store.location_id


class StoreIn(StrictInput):
    code: str = Field(..., min_length=1, max_length=40)
    name: str = Field(..., min_length=1, max_length=120)
    location: Id
    is_active: bool = True


class StockOut(Schema):
    part: str = Field(description="The part's code.")
    store: str = Field(description="The store's code.")
    quantity: str

    @staticmethod
    def resolve_part(stock: Stock) -> str:
        return stock.part.code

    @staticmethod
    def resolve_store(stock: Stock) -> str:
        return stock.store.code

    @staticmethod
    def resolve_quantity(stock: Stock) -> str:
        return _text(stock.quantity)


class StockQuery(Schema):
    part: str = Field("", max_length=60, description="A part's code.")
    store: str = Field("", max_length=40, description="A store's code.")


class MovementOut(Schema):
    id: int
    part: str
    store: str
    kind: str
    quantity: str = Field(description="Signed decimal: + in, − out.")
    balance: str = Field(description="The store's stock of the part after this movement.")
    unit_cost: str
    reason: str
    reference: str
    ticket: str | None
    other_store: str | None
    actor: int | None
    created_at: datetime

    @staticmethod
    def resolve_part(m: Movement) -> str:
        return m.part.code

    @staticmethod
    def resolve_store(m: Movement) -> str:
        return m.store.code

    @staticmethod
    def resolve_quantity(m: Movement) -> str:
        return _text(m.quantity)

    @staticmethod
    def resolve_balance(m: Movement) -> str:
        return _text(m.balance)

    @staticmethod
    def resolve_unit_cost(m: Movement) -> str:
        return str(m.unit_cost)

    @staticmethod
    def resolve_ticket(m: Movement) -> str | None:
        return m.ticket.number if m.ticket is not None else None

    @staticmethod
    def resolve_other_store(m: Movement) -> str | None:
        return m.other_store.code if m.other_store is not None else None

    @staticmethod
    def resolve_actor(m: Movement) -> int | None:
        return m.actor_id


class MovementPage(Schema):
    items: list[MovementOut]
    next_cursor: str | None
    has_more: bool


class MovementQuery(Schema):
    part: str = Field("", max_length=60)
    store: str = Field("", max_length=40)
    cursor: str = Field("", max_length=200)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class ReceiptIn(StrictInput):
    store: str = Field(..., min_length=1, max_length=40, description="The store's code.")
    quantity: QuantityIn
    unit_cost: CostIn | None = Field(
        None, description="The delivery's unit cost: the part's cost from now on."
    )
    reference: str = Field("", max_length=120)


class TransferIn(StrictInput):
    source: str = Field(..., min_length=1, max_length=40)
    target: str = Field(..., min_length=1, max_length=40)
    quantity: QuantityIn
    reason: str = Field("", max_length=400)


class CountBody(StrictInput):
    store: str = Field(..., min_length=1, max_length=40)
    counted: CountIn
    reason: str = Field(..., min_length=1, max_length=400)


class UsageOut(Schema):
    id: int
    part: str
    store: str
    asset: int | None
    quantity: str
    returned: str
    unit_cost: str
    cost: str = Field(description="(quantity − returned) × unit cost.")
    actor: int | None
    created_at: datetime

    @staticmethod
    def resolve_part(u: Usage) -> str:
        return u.part.code

    @staticmethod
    def resolve_store(u: Usage) -> str:
        return u.store.code

    @staticmethod
    def resolve_asset(u: Usage) -> int | None:
        return u.asset_id

    @staticmethod
    def resolve_quantity(u: Usage) -> str:
        return _text(u.quantity)

    @staticmethod
    def resolve_returned(u: Usage) -> str:
        return _text(u.returned)

    @staticmethod
    def resolve_unit_cost(u: Usage) -> str:
        return str(u.unit_cost)

    @staticmethod
    def resolve_cost(u: Usage) -> str:
        return str(u.cost)

    @staticmethod
    def resolve_actor(u: Usage) -> int | None:
        return u.actor_id


class TicketPartsOut(Schema):
    items: list[UsageOut]
    total_cost: str


class UsageIn(StrictInput):
    part: str = Field(..., min_length=1, max_length=60, description="The part's code.")
    store: str = Field(..., min_length=1, max_length=40, description="The store's code.")
    quantity: QuantityIn


class ReturnIn(StrictInput):
    quantity: QuantityIn


# ---- helpers ------------------------------------------------------------------------------------------------
def _part(code: str) -> Part:
    part = selectors.parts_with_totals().prefetch_related("asset_types", "assets").filter(code=code).first()
    if part is None:
        raise NotFound(_("No such part."))
    return part


def _store(code: str, field: str) -> Store:
    return row_or_422(Store.objects.all(), field, code=code)


# ---- the catalogue ------------------------------------------------------------------------------------------
@router.get("/parts", response={200: PartPage, **errors_for(403, 422)}, summary="List spare parts")
def part_list(request: HttpRequest, filters: Query[PartListQuery]) -> dict[str, Any]:
    """Staff only, by id, with the total stock of each."""
    actor = actor_of(request)
    _require_staff(actor)
    rows = selectors.parts_with_totals().prefetch_related("asset_types", "assets")
    if filters.q:
        rows = rows.filter(code__icontains=filters.q) | rows.filter(name__icontains=filters.q) | rows.filter(
            name_en__icontains=filters.q) | rows.filter(supplier__icontains=filters.q)  # fmt: skip
    if filters.low:
        rows = rows.filter(reorder_point__gt=0, total__lte=F("reorder_point"))  # type: ignore[misc]
    page = page_by_id(rows, cursor=filters.cursor, limit=filters.limit)
    page["items"] = [_part_out(p) for p in page["items"]]
    return page


@router.get("/parts/{code}", response={200: PartOut, **errors_for(403, 404)}, summary="Get a spare part")
def part_detail(request: HttpRequest, code: str = CODE) -> dict[str, Any]:
    _require_staff(actor_of(request))
    return _part_out(_part(code))


@router.post("/parts", response={201: PartOut, **errors_for(403, 422)}, summary="Add a spare part")
def part_create(request: HttpRequest, payload: PartIn) -> Status:
    """Administrators only; recorded in the audit trail."""
    actor = actor_of(request)
    _require_admin(actor)
    values = payload.model_dump()
    values["asset_types"] = rows_or_422(AssetType.objects.all(), "asset_types", values["asset_types"])
    values["assets"] = rows_or_422(Asset.objects.all(), "assets", values["assets"])
    with transaction.atomic():
        part = services.part_create(actor=actor, **values)
        audit_configuration_change(actor=actor, instance=part, before=None, after=field_values(part))
    return Status(201, _part_out(_part(part.code)))


@router.patch(
    "/parts/{code}", response={200: PartOut, **errors_for(403, 404, 422)}, summary="Change a spare part"
)
def part_update(request: HttpRequest, payload: PartUpdateIn, code: str = CODE) -> dict[str, Any]:
    """Administrators only; recorded in the audit trail."""
    actor = actor_of(request)
    _require_admin(actor)
    part = _part(code)
    given = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    if "asset_types" in given:
        given["asset_types"] = rows_or_422(AssetType.objects.all(), "asset_types", given["asset_types"])
    if "assets" in given:
        given["assets"] = rows_or_422(Asset.objects.all(), "assets", given["assets"])
    with transaction.atomic():
        before = field_values(part)
        services.part_update(actor=actor, part=part, **given)
        after = field_values(Part.objects.get(pk=part.pk))
        audit_configuration_change(actor=actor, instance=part, before=before, after=after)
    return _part_out(_part(part.code))


# ---- stores and stock ----------------------------------------------------------------------------------------
@router.get("/stores", response={200: list[StoreOut], **errors_for(403)}, summary="List stores")
def store_list(request: HttpRequest) -> list[Store]:
    _require_staff(actor_of(request))
    return list(Store.objects.order_by("code")[:1000])


@router.post("/stores", response={201: StoreOut, **errors_for(403, 422)}, summary="Add a store")
def store_create(request: HttpRequest, payload: StoreIn) -> Status:
    """Administrators only; recorded in the audit trail."""
    actor = actor_of(request)
    _require_admin(actor)
    location = row_or_422(Location.objects.all(), "location", pk=payload.location)
    with transaction.atomic():
        store = services.store_create(actor=actor, code=payload.code, name=payload.name, location=location,
                                      is_active=payload.is_active)  # fmt: skip
        audit_configuration_change(actor=actor, instance=store, before=None, after=field_values(store))
    return Status(201, store)


@router.get("/stock", response={200: list[StockOut], **errors_for(403)}, summary="Stock per part per store")
def stock_list(request: HttpRequest, filters: Query[StockQuery]) -> list[Stock]:
    """At most 5,000 rows; filter by a part or a store for more."""
    _require_staff(actor_of(request))
    rows = Stock.objects.select_related("part", "store").order_by("part__code", "store__code")
    if filters.part:
        rows = rows.filter(part__code=filters.part)
    if filters.store:
        rows = rows.filter(store__code=filters.store)
    return list(rows[:5000])


@router.get("/stock-movements", response={200: MovementPage, **errors_for(403, 422)},
            summary="The stock ledger")  # fmt: skip
def movement_list(request: HttpRequest, filters: Query[MovementQuery]) -> dict[str, Any]:
    """Oldest first, by id (append-only: a cursor never misses a line)."""
    _require_staff(actor_of(request))
    rows = Movement.objects.select_related("part", "store", "other_store", "ticket")
    if filters.part:
        rows = rows.filter(part__code=filters.part)
    if filters.store:
        rows = rows.filter(store__code=filters.store)
    return page_by_id(rows, cursor=filters.cursor, limit=filters.limit)


@router.post("/parts/{code}/receipts", response={201: MovementOut, **errors_for(403, 404, 422)},
             summary="Receive stock")  # fmt: skip
def part_receive(request: HttpRequest, payload: ReceiptIn, code: str = CODE) -> Status:
    """Administrators, managers and team leads."""
    actor = actor_of(request)
    _require_staff(actor)
    part = _part(code)
    movement = services.stock_receive(actor=actor, part=part, store=_store(payload.store, "store"),
                                      quantity=payload.quantity, unit_cost=payload.unit_cost,
                                      reference=payload.reference)  # fmt: skip
    return Status(201, movement)


@router.post("/parts/{code}/transfers", response={201: list[MovementOut], **errors_for(403, 404, 409, 422)},
             summary="Transfer stock between stores")  # fmt: skip
def part_transfer(request: HttpRequest, payload: TransferIn, code: str = CODE) -> Status:
    """Administrators, managers and team leads. 409 when the source store holds less."""
    actor = actor_of(request)
    _require_staff(actor)
    part = _part(code)
    moved = services.stock_transfer(actor=actor, part=part, source=_store(payload.source, "source"),
                                    target=_store(payload.target, "target"), quantity=payload.quantity,
                                    reason=payload.reason)  # fmt: skip
    return Status(201, [moved.out, moved.into])


@router.post("/parts/{code}/counts", response={200: MovementOut | None, **errors_for(403, 404, 422)},
             summary="Record a stock count")  # fmt: skip
def part_count(request: HttpRequest, payload: CountBody, code: str = CODE) -> Movement | None:
    """The store holds `counted` now; the difference is an adjustment with its reason (null when none)."""
    actor = actor_of(request)
    _require_staff(actor)
    part = _part(code)
    return services.stock_count(actor=actor, part=part, store=_store(payload.store, "store"),
                                counted=payload.counted, reason=payload.reason)  # fmt: skip


# ---- parts on a ticket ---------------------------------------------------------------------------------------
@router.get("/tickets/{number}/parts", response={200: TicketPartsOut, **errors_for(403, 404)},
            summary="Parts used on a ticket")  # fmt: skip
def ticket_parts(request: HttpRequest, number: str = NUMBER) -> dict[str, Any]:
    actor = actor_of(request)
    ticket = ticket_get(actor=actor, number=number)
    if not actor.is_staff_member:
        raise PermissionDenied(_("Only staff who work this ticket see its parts."))
    usages = selectors.ticket_usages(ticket)
    return {"items": usages, "total_cost": str(selectors.usage_total(usages))}


@router.post("/tickets/{number}/parts", response={201: UsageOut, **errors_for(403, 404, 409, 422)},
             summary="Use parts on a ticket")  # fmt: skip
def ticket_part_use(request: HttpRequest, payload: UsageIn, number: str = NUMBER) -> Status:
    """Stock leaves the store in the same transaction as the usage; 409 when the store holds less or the
    ticket is closed."""
    actor = actor_of(request)
    ticket = ticket_get(actor=actor, number=number)
    part = row_or_422(Part.objects.all(), "part", code=payload.part)
    usage = services.part_use(actor=actor, ticket=ticket, part=part, store=_store(payload.store, "store"),
                              quantity=payload.quantity)  # fmt: skip
    return Status(201, usage)


@router.post("/tickets/{number}/parts/{usage_id}/return", response={200: UsageOut, **errors_for(403, 404, 409, 422)},
             summary="Return unused parts to their store")  # fmt: skip
def ticket_part_return(request: HttpRequest, payload: ReturnIn, number: str = NUMBER,
                       usage_id: int = IdPath) -> Usage:  # fmt: skip
    actor = actor_of(request)
    ticket = ticket_get(actor=actor, number=number)
    usage = Usage.objects.select_related("part", "store", "ticket").filter(pk=usage_id, ticket=ticket).first()
    if usage is None:
        raise NotFound(_("No such part usage on this ticket."))
    return services.part_return(actor=actor, usage=usage, quantity=payload.quantity)
