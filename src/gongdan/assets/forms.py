"""What the places settings screens accept; business rules live in the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from gongdan.assets.models import Location
from gongdan.assets.selectors import location_tree
from gongdan.core.trees import descendant_ids
from gongdan.web.forms import TablerForm, TreeChoiceField


class LocationForm(TablerForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Location.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(label=_("Code"), max_length=60, required=False)
    address = forms.CharField(label=_("Address"), max_length=400, required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(-90),
        max_value=Decimal(90),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(-180),
        max_value=Decimal(180),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, location: Location | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"] = TreeChoiceField(
            location_tree(), label_of=lambda n: n.name, label=_("Inside"), queryset=Location.objects.all()
        )
        self.fields["parent"].widget.attrs["class"] = "form-select"
        if location is not None:
            cast(TreeChoiceField, self.fields["parent"]).disable_subtree(descendant_ids(Location, location))
        self.order_fields(["parent", "kind", "name", "code", "address", "latitude", "longitude"])
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs["step"] = "0.000001"
