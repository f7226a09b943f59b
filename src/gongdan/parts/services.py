"""Every change to spare parts (decision 0160): the catalogue and the stores, and stock movements. Each
movement writes a ledger line and moves the store's balance in one transaction; stock leaves a store only
through a conditional UPDATE (`… WHERE quantity >= n`), so concurrent users can never take it below zero
(the database's check constraint is the last guard). Parts used on a work order lock the ticket first, then
the stock, and write the usage, the ledger line and the ticket event together: all or nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.assets.access import can_edit_assets
from gongdan.assets.models import Asset, AssetType, Location
from gongdan.core.domain_errors import Conflict, PermissionDenied, ValidationFailed
from gongdan.parts import events
from gongdan.parts.models import Movement, MovementKind, Part, Stock, Store, Usage
from gongdan.tickets.access import can_work
from gongdan.tickets.models import Ticket
from gongdan.tickets.models.ticket import Status
from gongdan.tickets.services import append_event, lock_ticket

MAX_QUANTITY = Decimal("1000000000")
MAX_COST = Decimal("1000000000")
QUANTUM = Decimal("0.001")
CLOSED = (Status.CLOSED, Status.CANCELLED)


def quantity_text(value: Decimal) -> str:
    """2.000 → "2", 1.500 → "1.5": how a quantity reads in the timeline and messages."""
    text = f"{value.normalize():f}"
    return text if text != "-0" else "0"


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={field: [message]})


def _amount(value: Any, *, field: str, places: Decimal = QUANTUM, positive: bool = True,
            limit: Decimal = MAX_QUANTITY) -> Decimal:  # fmt: skip
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise _invalid(field, _("Enter a number.")) from None
    if not amount.is_finite():
        raise _invalid(field, _("Enter a number."))
    if amount != amount.quantize(places):
        digits = max(0, -int(places.as_tuple().exponent))
        raise _invalid(field, _("At most %(places)s decimal places.") % {"places": digits})
    if positive and amount <= 0:
        raise _invalid(field, _("Enter a quantity greater than zero."))
    if amount < 0:
        raise _invalid(field, _("Enter zero or more."))
    if amount >= limit:
        raise _invalid(field, _("The number is too large."))
    return amount.quantize(places)


def can_manage_stock(actor: User) -> bool:
    """Receipts, transfers and counts: who may edit the equipment register (admins, managers, team leads)."""
    return can_edit_assets(actor)


def _require_stock_manager(actor: User) -> None:
    if not can_manage_stock(actor):
        raise PermissionDenied(_("Only administrators, managers and team leads move stock."))


# --- the catalogue and the stores -------------------------------------------------------------------------


def _check_part(part: Part) -> None:
    part.code = (part.code or "").strip()
    part.name = (part.name or "").strip()
    part.name_en = (part.name_en or "").strip()
    if not part.code or len(part.code) > 60:
        raise _invalid("code", _("Enter a code of at most 60 characters."))
    if not (part.name or part.name_en):
        raise _invalid("name", _("Enter a name."))
    if not (part.unit or "").strip():
        raise _invalid("unit", _("Enter a unit, for example pcs or L."))
    part.unit_cost = _amount(part.unit_cost, field="unit_cost", places=Decimal("0.01"), positive=False,
                             limit=MAX_COST)  # fmt: skip
    part.reorder_point = _amount(part.reorder_point, field="reorder_point", positive=False)
    if Part.objects.filter(code__iexact=part.code).exclude(pk=part.pk).exists():
        raise _invalid("code", _("A part with this code exists already."))


def _set_fits(part: Part, asset_types: Iterable[AssetType] | None, assets: Iterable[Asset] | None) -> None:
    if asset_types is not None:
        part.asset_types.set(list(asset_types))
    if assets is not None:
        part.assets.set(list(assets))


@transaction.atomic
def part_create(
    *,
    actor: User | None,
    code: str,
    name: str,
    name_en: str = "",
    unit: str = "pcs",
    unit_cost: Decimal = Decimal(0),
    supplier: str = "",
    reorder_point: Decimal = Decimal(0),
    asset_types: Iterable[AssetType] | None = None,
    assets: Iterable[Asset] | None = None,
    is_active: bool = True,
) -> Part:
    part = Part(code=code, name=name, name_en=name_en, unit=(unit or "").strip(), unit_cost=unit_cost,
                supplier=(supplier or "").strip(), reorder_point=reorder_point, is_active=is_active)  # fmt: skip
    _check_part(part)
    part.save()
    _set_fits(part, asset_types, assets)
    return part


@transaction.atomic
def part_update(
    *,
    actor: User | None,
    part: Part,
    asset_types: Iterable[AssetType] | None = None,
    assets: Iterable[Asset] | None = None,
    **fields: Any,
) -> Part:
    part = Part.objects.select_for_update().get(pk=part.pk)
    allowed = {"code", "name", "name_en", "unit", "unit_cost", "supplier", "reorder_point", "is_active"}
    for name, value in fields.items():
        if name not in allowed:
            raise _invalid(name, _("This field cannot be changed."))
        setattr(part, name, value.strip() if isinstance(value, str) else value)
    _check_part(part)
    part.save()
    _set_fits(part, asset_types, assets)
    _note_level(part)
    return part


def _check_store(store: Store) -> None:
    store.code = (store.code or "").strip()
    store.name = (store.name or "").strip()
    if not store.code or len(store.code) > 40:
        raise _invalid("code", _("Enter a code of at most 40 characters."))
    if not store.name:
        raise _invalid("name", _("Enter a name."))
    if store.location_id is None:
        raise _invalid("location", _("Choose the store's location."))
    if Store.objects.filter(code__iexact=store.code).exclude(pk=store.pk).exists():
        raise _invalid("code", _("A store with this code exists already."))


@transaction.atomic
def store_create(
    *, actor: User | None, code: str, name: str, location: Location, is_active: bool = True
) -> Store:
    store = Store(code=code, name=name, location=location, is_active=is_active)
    _check_store(store)
    store.save()
    return store


@transaction.atomic
def store_update(*, actor: User | None, store: Store, **fields: Any) -> Store:
    store = Store.objects.select_for_update().get(pk=store.pk)
    for name, value in fields.items():
        if name not in {"code", "name", "location", "is_active"}:
            raise _invalid(name, _("This field cannot be changed."))
        setattr(store, name, value)
    _check_store(store)
    store.save()
    return store


# --- the balance ----------------------------------------------------------------------------------------------


def _take(part: Part, store: Store, quantity: Decimal) -> Decimal:
    """Take `quantity` out of the store, or refuse: one conditional UPDATE, so two takers never both succeed
    when only one's worth is there. Returns the balance after."""
    taken = Stock.objects.filter(part=part, store=store, quantity__gte=quantity).update(
        quantity=F("quantity") - quantity, updated_at=timezone.now()
    )
    if not taken:
        held = Stock.objects.filter(part=part, store=store).values_list("quantity", flat=True).first()
        have = quantity_text(held or Decimal(0))
        message = _("Store %(store)s holds only %(have)s %(unit)s of %(part)s.") % {
            "store": store.code, "have": have, "unit": part.unit, "part": part.code}  # fmt: skip
        raise Conflict(message, code="insufficient_stock", details={"quantity": [message]})
    return Stock.objects.filter(part=part, store=store).values_list("quantity", flat=True).get()


def _put(part: Part, store: Store, quantity: Decimal) -> Decimal:
    """Add `quantity` to the store (its stock row is made on the first receipt). Returns the balance after."""
    now = timezone.now()
    if not Stock.objects.filter(part=part, store=store).update(
        quantity=F("quantity") + quantity, updated_at=now
    ):
        try:
            with transaction.atomic():
                Stock.objects.create(part=part, store=store, quantity=quantity, updated_at=now)
        except IntegrityError:  # another writer made the row first
            Stock.objects.filter(part=part, store=store).update(
                quantity=F("quantity") + quantity, updated_at=now
            )
    return Stock.objects.filter(part=part, store=store).values_list("quantity", flat=True).get()


def part_total(part: Part) -> Decimal:
    return Stock.objects.filter(part=part).aggregate(total=Sum("quantity"))["total"] or Decimal(0)


def _note_level(part: Part) -> tuple[bool, Decimal]:
    """Keep `low_since` true to the stock: cleared once the part is above its reorder point again; set (once,
    by a conditional UPDATE) when a work order finds it at or below. Returns (just crossed, total)."""
    total = part_total(part)
    if part.reorder_point > 0 and total <= part.reorder_point:
        return False, total
    Part.objects.filter(pk=part.pk, low_since__isnull=False).update(low_since=None)
    return False, total


def _note_crossing(part: Part) -> tuple[bool, Decimal]:
    total = part_total(part)
    if part.reorder_point <= 0 or total > part.reorder_point:
        Part.objects.filter(pk=part.pk, low_since__isnull=False).update(low_since=None)
        return False, total
    crossed = Part.objects.filter(pk=part.pk, low_since__isnull=True).update(low_since=timezone.now())
    return bool(crossed), total


def _movement(*, part: Part, store: Store, kind: str, quantity: Decimal, balance: Decimal, actor: User | None,
              unit_cost: Decimal | None = None, **extra: Any) -> Movement:  # fmt: skip
    return Movement.objects.create(part=part, store=store, kind=kind, quantity=quantity, balance=balance,
                                   unit_cost=part.unit_cost if unit_cost is None else unit_cost, actor=actor,
                                   created_at=timezone.now(), **extra)  # fmt: skip


def _usable(part: Part, store: Store) -> None:
    if not part.is_active:
        raise _invalid("part", _("Part %(part)s is no longer in use.") % {"part": part.code})
    if not store.is_active:
        raise _invalid("store", _("Store %(store)s is closed.") % {"store": store.code})


# --- receipts, transfers and counts ------------------------------------------------------------------------


@transaction.atomic
def stock_receive(
    *,
    actor: User,
    part: Part,
    store: Store,
    quantity: Decimal | str | int,
    unit_cost: Decimal | str | None = None,
    reference: str = "",
) -> Movement:
    """Stock in (a delivery). A unit cost given here becomes the part's cost from now on."""
    _require_stock_manager(actor)
    _usable(part, store)
    amount = _amount(quantity, field="quantity")
    cost = None
    if unit_cost not in (None, ""):
        cost = _amount(unit_cost, field="unit_cost", places=Decimal("0.01"), positive=False, limit=MAX_COST)
        Part.objects.filter(pk=part.pk).update(unit_cost=cost)
        part.unit_cost = cost
    balance = _put(part, store, amount)
    movement = _movement(part=part, store=store, kind=MovementKind.RECEIPT, quantity=amount, balance=balance,
                         actor=actor, unit_cost=cost, reference=(reference or "").strip()[:120])  # fmt: skip
    _note_level(part)
    return movement


@dataclass(frozen=True)
class Transfer:
    out: Movement
    into: Movement


@transaction.atomic
def stock_transfer(
    *, actor: User, part: Part, source: Store, target: Store, quantity: Decimal | str | int, reason: str = ""
) -> Transfer:
    _require_stock_manager(actor)
    if source.pk == target.pk:
        raise _invalid("target", _("Choose another store to transfer to."))
    _usable(part, target)
    amount = _amount(quantity, field="quantity")
    # Both rows in one order (by store), so two opposite transfers wait for each other instead of deadlocking.
    list(Stock.objects.select_for_update().filter(part=part, store__in=[source, target]).order_by("store_id"))
    left = _take(part, source, amount)
    arrived = _put(part, target, amount)
    reason = (reason or "").strip()[:400]
    out = _movement(part=part, store=source, kind=MovementKind.TRANSFER_OUT, quantity=-amount, balance=left,
                    actor=actor, other_store=target, reason=reason)  # fmt: skip
    into = _movement(part=part, store=target, kind=MovementKind.TRANSFER_IN, quantity=amount, balance=arrived,
                     actor=actor, other_store=source, reason=reason)  # fmt: skip
    return Transfer(out=out, into=into)


@transaction.atomic
def stock_count(
    *, actor: User, part: Part, store: Store, counted: Decimal | str | int, reason: str
) -> Movement | None:
    """A stock count: the store holds `counted` now; the difference is written as an adjustment with its
    reason. None when the count agrees with the books."""
    _require_stock_manager(actor)
    amount = _amount(counted, field="counted", positive=False)
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("reason", _("Say why the stock changes (a count, damage, loss…)."))
    if len(reason) > 400:
        raise _invalid("reason", _("At most 400 characters."))
    _put(part, store, Decimal(0))  # the row exists (and is locked by the write) from here on
    held = Stock.objects.select_for_update().get(part=part, store=store).quantity
    delta = amount - held
    if delta == 0:
        return None
    Stock.objects.filter(part=part, store=store).update(quantity=amount, updated_at=timezone.now())
    movement = _movement(part=part, store=store, kind=MovementKind.ADJUSTMENT, quantity=delta, balance=amount,
                         actor=actor, reason=reason)  # fmt: skip
    _note_level(part)
    return movement


# --- parts on work orders -------------------------------------------------------------------------------------


def _event_data(usage: Usage, quantity: Decimal) -> dict[str, Any]:
    part = usage.part
    return {"usage": usage.pk, "part": part.code, "name": part.name, "name_en": part.name_en,
            "quantity": quantity_text(quantity), "unit": part.unit, "store": usage.store.code,
            "unit_cost": str(usage.unit_cost)}  # fmt: skip


def _ticket_for_parts(actor: User, ticket: Ticket) -> Ticket:
    if not can_work(actor, ticket):
        raise PermissionDenied(_("Only staff who work this ticket record its parts."))
    locked = lock_ticket(ticket, expected_version=None)
    if locked.status in CLOSED:
        raise Conflict(
            _("The ticket is closed; parts can no longer be recorded on it."), code="ticket_closed"
        )
    return locked


@transaction.atomic
def part_use(
    *, actor: User, ticket: Ticket, part: Part, store: Store, quantity: Decimal | str | int
) -> Usage:
    """Parts used on a work order: stock leaves the store, the usage is recorded at the part's cost now, and
    the ticket's timeline says so, in one transaction. If this takes the part to its reorder point, the ticket
    also gets the low-stock event the notification rules listen to (once per crossing)."""
    amount = _amount(quantity, field="quantity")
    locked = _ticket_for_parts(actor, ticket)
    _usable(part, store)
    balance = _take(part, store, amount)
    usage = Usage.objects.create(ticket=locked, part=part, store=store, asset_id=locked.asset_id, quantity=amount,
                                 unit_cost=part.unit_cost, actor=actor, created_at=timezone.now())  # fmt: skip
    _movement(part=part, store=store, kind=MovementKind.ISSUE, quantity=-amount, balance=balance, actor=actor,
              ticket=locked, usage=usage)  # fmt: skip
    append_event(
        locked, actor=actor, kind=events.PART_USED, data=_event_data(usage, amount), is_internal=True
    )
    crossed, total = _note_crossing(part)
    if crossed:
        append_event(locked, actor=actor, kind=events.PART_LOW, is_internal=True, data={
            "part": part.code, "name": part.name, "name_en": part.name_en, "total": quantity_text(total), "unit": part.unit,
            "reorder_point": quantity_text(part.reorder_point)})  # fmt: skip
    return usage


@transaction.atomic
def part_return(*, actor: User, usage: Usage, quantity: Decimal | str | int) -> Usage:
    """Parts taken for a work order and not used go back to the store they came from."""
    amount = _amount(quantity, field="quantity")
    locked = _ticket_for_parts(actor, usage.ticket)
    returned = Usage.objects.filter(pk=usage.pk, returned__lte=F("quantity") - amount).update(
        returned=F("returned") + amount
    )
    if not returned:
        message = _("At most %(left)s can be returned.") % {
            "left": quantity_text(usage.quantity - usage.returned)
        }
        raise _invalid("quantity", message)
    usage = Usage.objects.select_related("part", "store").get(pk=usage.pk)
    balance = _put(usage.part, usage.store, amount)
    _movement(part=usage.part, store=usage.store, kind=MovementKind.RETURN, quantity=amount, balance=balance,
              actor=actor, unit_cost=usage.unit_cost, ticket=locked, usage=usage)  # fmt: skip
    append_event(
        locked, actor=actor, kind=events.PART_RETURNED, data=_event_data(usage, amount), is_internal=True
    )
    _note_level(usage.part)
    return usage
