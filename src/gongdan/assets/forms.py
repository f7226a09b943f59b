"""What the places settings screens accept; business rules live in the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from gongdan.assets.models import (
    AssetField,
    AssetFieldType,
    AssetStatus,
    AssetType,
    Criticality,
    Location,
    PublicReporting,
)
from gongdan.assets.selectors import location_tree
from gongdan.core.sensitive_values import MASK
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
    public_reporting = forms.ChoiceField(
        label=_("Reporting without an account"),
        choices=PublicReporting.choices,
        initial=PublicReporting.INHERIT,
        required=False,  # a client that does not send it keeps the place's choice
        help_text=_(
            "Allowed: anyone who scans this place's “report here” code (or the code of equipment here) can "
            "report a problem with a name and a phone number or email, without signing in. Places inside "
            "follow this choice unless they make their own."
        ),
    )

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

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("public_reporting"):
            cleaned.pop("public_reporting", None)
        return cleaned


class AssetTypeForm(TablerForm):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Letters, digits and hyphens; used in imports.")
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class AssetFieldForm(TablerForm):
    asset_type = forms.ModelChoiceField(label=_("Asset type"), queryset=AssetType.objects.all())
    key = forms.SlugField(
        label=_("Key"), max_length=50, help_text=_("The column name in imports and the API.")
    )
    label = forms.CharField(label=_("Label (Chinese)"), max_length=120)
    label_en = forms.CharField(label=_("Label (English)"), max_length=120, required=False)
    field_type = forms.ChoiceField(label=_("Type"), choices=AssetFieldType.choices)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a choice field: one choice per line."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    sensitive = forms.BooleanField(
        label=_("Sensitive"),
        required=False,
        help_text=_(
            "Stored encrypted, shown masked on the asset page, in lists, exports and the API, revealed one at a "
            "time with an entry in the audit trail. It cannot be searched. Turning it on or off re-stores the "
            "values assets already hold."
        ),
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)

    def clean_choices(self) -> list[str]:
        return [
            line.strip() for line in (self.cleaned_data.get("choices") or "").splitlines() if line.strip()
        ]


def asset_field_initial(asset_field: AssetField) -> dict[str, Any]:
    return {
        "asset_type": asset_field.asset_type_id, "key": asset_field.key, "label": asset_field.label,
        "label_en": asset_field.label_en, "field_type": asset_field.field_type,
        "choices": "\n".join(asset_field.choices), "required": asset_field.required, "order": asset_field.order,
        "sensitive": asset_field.sensitive,
    }  # fmt: skip


class AssetForm(TablerForm):
    """The asset's own fields, then one field per custom field of its type (named `cf_<key>`)."""

    code = forms.CharField(label=_("Code"), max_length=60, help_text=_("Unique; printed on the QR label."))
    name = forms.CharField(label=_("Name"), max_length=200)
    asset_type = forms.ModelChoiceField(label=_("Asset type"), queryset=AssetType.objects.all())
    criticality = forms.ChoiceField(
        label=_("Criticality"), choices=Criticality.choices, initial=Criticality.C
    )
    status = forms.ChoiceField(label=_("Status"), choices=AssetStatus.choices, initial=AssetStatus.RUNNING)
    parent_code = forms.CharField(
        label=_("Part of"),
        max_length=60,
        required=False,
        help_text=_("The code of the line or machine it belongs to."),
    )
    model_name = forms.CharField(label=_("Model"), max_length=120, required=False)
    serial_number = forms.CharField(label=_("Serial number"), max_length=120, required=False)
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=200, required=False)
    supplier = forms.CharField(label=_("Supplier"), max_length=200, required=False)
    installed_on = forms.DateField(
        label=_("Installed on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    warranty_ends_on = forms.DateField(
        label=_("Warranty ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    cost = forms.DecimalField(
        label=_("Cost"), required=False, min_value=Decimal(0), max_digits=14, decimal_places=2
    )
    public_reporting = forms.ChoiceField(
        label=_("Reporting without an account"),
        choices=PublicReporting.choices,
        initial=PublicReporting.INHERIT,
        help_text=_("Whether anyone who scans its QR label may report a problem without signing in."),
        required=False,  # a client that does not send it keeps the asset's choice
    )

    def __init__(self, *args: Any, asset_type: AssetType | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"] = TreeChoiceField(
            location_tree(), label_of=lambda n: n.name, label=_("Location"), queryset=Location.objects.all()
        )
        self.fields["location"].widget.attrs["class"] = "form-select"
        self.fields["asset_type"].widget.attrs["class"] = "form-select"
        self.order_fields(["code", "name", "asset_type", "criticality", "status", "location", "parent_code"])
        self.custom_keys: list[str] = []
        for field in asset_type.fields.all() if asset_type else []:
            name = f"cf_{field.key}"
            self.custom_keys.append(field.key)
            self.fields[name] = _custom_form_field(field)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("public_reporting"):
            cleaned.pop("public_reporting", None)
        return cleaned

    def custom_fields(self) -> list[forms.BoundField]:
        return [self[f"cf_{key}"] for key in self.custom_keys]

    def own_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith("cf_")]

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        custom = {key: data.pop(f"cf_{key}") for key in self.custom_keys}
        values = {k: v for k, v in data.items() if k != "parent_code"}
        values["custom_values"] = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in custom.items()
                                   if v not in (None, "")}  # fmt: skip
        return values


def _custom_form_field(field: AssetField) -> forms.Field:
    common: dict[str, Any] = {"label": field.display_label, "required": field.required}
    result: forms.Field
    if field.sensitive:
        # Shown as the mask, whatever its type: sent back unchanged it keeps the stored value; the service
        # checks a new value against the field's type.
        result = forms.CharField(
            max_length=2000,
            help_text=_("Stored encrypted. Leave %(mask)s to keep the value; type a new one to replace it.")
            % {"mask": MASK},
            **common,
        )
    elif field.field_type == AssetFieldType.NUMBER:
        result = forms.FloatField(**common)
    elif field.field_type == AssetFieldType.DATE:
        result = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    elif field.field_type == AssetFieldType.CHOICE:
        result = forms.ChoiceField(choices=[("", "—"), *((c, c) for c in field.choices)], **common)
    else:
        result = forms.CharField(max_length=2000, **common)
    if field.sensitive:
        result.widget.attrs["autocomplete"] = "off"
    result.widget.attrs["class"] = "form-select" if isinstance(result, forms.ChoiceField) else "form-control"
    return result


class AssetFilterForm(forms.Form):
    """The list's filter bar (the values themselves are parsed by selectors.AssetFilters)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    asset_type = forms.ModelChoiceField(
        label=_("Asset type"), queryset=AssetType.objects.all(), required=False
    )
    criticality = forms.ChoiceField(
        label=_("Criticality"), choices=[("", _("Any criticality")), *Criticality.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any working status")), *AssetStatus.choices], required=False
    )
    field = forms.CharField(
        label=_("Custom field"),
        required=False,
        max_length=50,
        help_text=_("The field's key, as in the export."),
    )
    value = forms.CharField(label=_("Value"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"] = TreeChoiceField(
            location_tree(), label_of=lambda n: n.name, label=_("Location"), queryset=Location.objects.all()
        )
        self.fields["q"].widget.attrs.update(placeholder=_("Code, name, model or serial"), type="search")
        cast(forms.ModelChoiceField, self.fields["asset_type"]).empty_label = _("Any type")
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-control" if isinstance(field, forms.CharField) else "form-select"
            )
