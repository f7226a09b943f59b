"""What the spare parts screens accept; business rules live in the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from gongdan.assets.models import Asset, AssetType, Location
from gongdan.parts.models import Part, Store
from gongdan.web.forms import TablerForm


class PartForm(TablerForm):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=60)
    name = forms.CharField(label=gettext_lazy("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=gettext_lazy("Name (English)"), max_length=120, required=False)
    unit = forms.CharField(label=gettext_lazy("Unit"), max_length=20, initial="pcs",
                           help_text=gettext_lazy("How it is counted: pcs, set, L, m…"))  # fmt: skip
    unit_cost = forms.DecimalField(label=gettext_lazy("Unit cost"), min_value=Decimal(0), max_digits=12,
                                   decimal_places=2, initial=Decimal(0))  # fmt: skip
    supplier = forms.CharField(label=gettext_lazy("Supplier"), max_length=200, required=False)
    reorder_point = forms.DecimalField(
        label=gettext_lazy("Reorder point"), min_value=Decimal(0), initial=Decimal(0), max_digits=13, decimal_places=3,
        help_text=gettext_lazy("At or below this total (all stores) the part is low; 0 for never."),
    )  # fmt: skip
    asset_types = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Fits asset types"),
        queryset=AssetType.objects.filter(is_active=True),
        required=False,
    )
    assets = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Fits assets"), queryset=Asset.objects.exclude(status="retired").order_by("code"),
        required=False,
    )  # fmt: skip
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


def part_initial(part: Part) -> dict[str, Any]:
    return {"code": part.code, "name": part.name, "name_en": part.name_en, "unit": part.unit,
            "unit_cost": part.unit_cost, "supplier": part.supplier, "reorder_point": part.reorder_point,
            "asset_types": list(part.asset_types.all()), "assets": list(part.assets.all()),
            "is_active": part.is_active}  # fmt: skip


class StoreForm(TablerForm):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    location = forms.ModelChoiceField(
        label=gettext_lazy("Location"), queryset=Location.objects.filter(is_active=True)
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


class ReceiveForm(TablerForm):
    store = forms.ModelChoiceField(label=gettext_lazy("Store"), queryset=Store.objects.filter(is_active=True))
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"), min_value=Decimal("0.001"), max_digits=13, decimal_places=3
    )
    unit_cost = forms.DecimalField(label=gettext_lazy("Unit cost"), min_value=Decimal(0), max_digits=12,
                                   decimal_places=2, required=False,
                                   help_text=gettext_lazy("Leave empty to keep the part's cost."))  # fmt: skip
    reference = forms.CharField(label=gettext_lazy("Reference"), max_length=120, required=False,
                                help_text=gettext_lazy("Delivery note or purchase order number."))  # fmt: skip


class TransferForm(TablerForm):
    source = forms.ModelChoiceField(label=gettext_lazy("From store"), queryset=Store.objects.all())
    target = forms.ModelChoiceField(
        label=gettext_lazy("To store"), queryset=Store.objects.filter(is_active=True)
    )
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"), min_value=Decimal("0.001"), max_digits=13, decimal_places=3
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=400, required=False)


class CountForm(TablerForm):
    store = forms.ModelChoiceField(label=gettext_lazy("Store"), queryset=Store.objects.all())
    counted = forms.DecimalField(
        label=gettext_lazy("Counted quantity"), min_value=Decimal(0), max_digits=13, decimal_places=3
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=400,
                             help_text=gettext_lazy("A stock count, damage, loss…"))  # fmt: skip
