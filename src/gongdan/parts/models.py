"""Spare parts: the catalogue, the stores that hold them, the stock of each part in each store, the ledger of
every movement, and the parts used on work orders (decision 0160).

A `Stock` row's quantity is the running balance of its `Movement` rows; both change in one transaction and the
balance never goes below zero (a check constraint backs the conditional UPDATE the services use)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongdan.core.bilingual import BilingualNamed


class Part(BilingualNamed):
    """A spare part in the catalogue. `reorder_point` is the total stock (all stores) at or below which the
    part is low; `low_since` marks the crossing, so the low-stock notice is sent once per crossing."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    unit_cost = models.DecimalField(_("unit cost"), default=Decimal(0), max_digits=14, decimal_places=2)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    reorder_point = models.DecimalField(
        _("reorder point"), default=Decimal(0), max_digits=14, decimal_places=3
    )
    asset_types = models.ManyToManyField(
        "assets.AssetType", verbose_name=_("fits asset types"), blank=True, related_name="+"
    )
    assets = models.ManyToManyField(
        "assets.Asset", verbose_name=_("fits assets"), blank=True, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    low_since = models.DateTimeField(_("low since"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        constraints = [
            models.CheckConstraint(condition=models.Q(unit_cost__gte=0), name="parts_part_cost_not_negative"),
            models.CheckConstraint(
                condition=models.Q(reorder_point__gte=0), name="parts_part_reorder_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class Store(models.Model):
    """A store room or warehouse, at a place in the location tree."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    location = models.ForeignKey(
        "assets.Location", verbose_name=_("location"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Stock(models.Model):
    """How many of a part a store holds now (the balance of its movements)."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="stock")
    quantity = models.DecimalField(_("quantity"), default=Decimal(0), max_digits=14, decimal_places=3)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["part_id", "store_id"]
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        constraints = [
            models.UniqueConstraint(fields=["part", "store"], name="parts_stock_one_per_store"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="parts_stock_not_negative"),
        ]
        indexes = [models.Index(fields=["store", "part"], name="parts_stock_store_idx")]

    def __str__(self) -> str:
        return f"{self.part_id}@{self.store_id}: {self.quantity}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Received")
    ISSUE = "issue", _("Used on a work order")
    RETURN = "return", _("Returned from a work order")
    TRANSFER_OUT = "transfer_out", _("Transferred out")
    TRANSFER_IN = "transfer_in", _("Transferred in")
    ADJUSTMENT = "adjustment", _("Stock count / adjustment")


class Usage(models.Model):
    """Parts used on a work order: what was taken, from which store, at what unit cost, for which asset. A
    return adds to `returned`; what counts is `quantity − returned`."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="part_usages")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="usages")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="usages")
    asset = models.ForeignKey(
        "assets.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="part_usages"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    returned = models.DecimalField(_("returned"), default=Decimal(0), max_digits=14, decimal_places=3)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=14, decimal_places=2)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="parts_usage_positive"),
            models.CheckConstraint(
                condition=models.Q(returned__gte=0) & models.Q(returned__lte=models.F("quantity")),
                name="parts_usage_returned_within",
            ),
        ]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="parts_usage_ticket_idx"),
            models.Index(fields=["asset", "created_at"], name="parts_usage_asset_idx"),
            models.Index(fields=["created_at"], name="parts_usage_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.part_id} on {self.ticket_id}"

    @property
    def net_quantity(self) -> Decimal:
        return self.quantity - self.returned

    @property
    def cost(self) -> Decimal:
        return (self.net_quantity * self.unit_cost).quantize(Decimal("0.01"))


class Movement(models.Model):
    """One line of the stock ledger (append-only: nothing updates or deletes a line). `quantity` is signed
    (+ in, − out); `balance` is the store's stock of the part after it."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="movements")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=20, choices=MovementKind.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    balance = models.DecimalField(_("balance"), max_digits=14, decimal_places=3)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=14, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=400, blank=True)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    usage = models.ForeignKey(
        Usage, null=True, blank=True, on_delete=models.SET_NULL, related_name="movements"
    )
    other_store = models.ForeignKey(
        Store, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # a transfer's other end
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="parts_movement_not_zero"),
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="parts_movement_balance_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["part", "-created_at"], name="parts_movement_part_idx"),
            models.Index(fields=["store", "-created_at"], name="parts_movement_store_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} {self.part_id}@{self.store_id}"
