"""Changes to the location tree and to the equipment register. Every change to an asset appends an
`AssetEvent` (its own history) in the same transaction."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gongdan.accounts.models import User
from gongdan.accounts.services import require_admin
from gongdan.assets.access import can_edit_assets, can_see_assets
from gongdan.assets.models import (
    Asset,
    AssetEvent,
    AssetField,
    AssetFieldType,
    AssetStatus,
    AssetType,
    Criticality,
    Location,
    PublicReporting,
)
from gongdan.audit import kinds as audit_kinds
from gongdan.audit.services import audit_record
from gongdan.core import field_crypto
from gongdan.core.domain_errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongdan.core.sensitive_values import MASK, history_values, open_value, seal_values, stale_values

if TYPE_CHECKING:
    from django.http import HttpRequest

FIELDS = (
    "parent", "kind", "name", "code", "address", "latitude", "longitude", "is_active", "public_reporting",
)  # fmt: skip


def _check(values: dict[str, Any], *, existing: Location | None) -> None:
    errors: dict[str, list[str]] = {}
    if unknown := set(values) - set(FIELDS):
        errors.update({f: [_("Unknown or read-only field.")] for f in unknown})
    name = (values.get("name", existing.name if existing else "") or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    parent = values.get("parent", existing.parent if existing else None)
    clash = Location.objects.filter(parent=parent, name=name)
    if existing is not None:
        clash = clash.exclude(pk=existing.pk)
    if name and clash.exists():
        errors["name"] = [_("Another location here has this name.")]
    if "kind" in values and values["kind"] not in Location.Kind.values:
        errors["kind"] = [_("Unknown kind.")]
    if "public_reporting" in values and values["public_reporting"] not in PublicReporting.values:
        errors["public_reporting"] = [_("Not one of the choices.")]
    for field, bound in (("latitude", 90), ("longitude", 180)):
        value = values.get(field)
        if value is not None and not -bound <= Decimal(str(value)) <= bound:
            errors[field] = [_("Out of range.")]
    code = str(values.get("code") or "").strip()
    if (
        code
        and Location.objects.filter(code__iexact=code)
        .exclude(pk__in=[existing.pk] if existing else [])
        .exists()
    ):
        errors["code"] = [_("Another location has this code.")]
    chain: list[str] = []
    ancestor = parent
    while existing is not None and ancestor is not None:
        chain.append(ancestor.name)
        if ancestor.pk == existing.pk:
            if len(chain) == 1:
                errors["parent"] = [_("A location cannot be inside itself.")]
            else:
                errors["parent"] = [
                    _("“%(place)s” cannot move under “%(parent)s”: that place is inside it (%(cycle)s).")
                    % {
                        "place": existing.name,
                        "parent": chain[0],
                        "cycle": " → ".join([*reversed(chain), existing.name]),
                    }
                ]
            break
        ancestor = ancestor.parent
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)


def _paths(location: Location) -> None:
    parent = location.parent
    location.path = f"{parent.path if parent else '/'}{location.pk}/"
    location.full_name = f"{parent.full_name} / {location.name}" if parent else location.name


@transaction.atomic
def location_create(*, actor: User | None, name: str, **values: Any) -> Location:
    if actor is not None:
        require_admin(actor)
    values["name"] = (name or "").strip()
    _check(values, existing=None)
    location = Location.objects.create(**values)
    _paths(location)
    location.save(update_fields=["path", "full_name"])
    return location


def location_usage(location: Location, *, active_only: bool = False) -> dict[str, int]:
    """What still points at a place, by kind: `children`, `assets`, `tickets` and any other row of any app
    (rounds' stops, parts' stores…), counted through the reverse relations so this app imports none of them.
    `active_only`: only what deactivating it would strand (active places inside it, assets not retired)."""
    children, assets = location.children.all(), location.assets.all()
    if active_only:
        children, assets = children.filter(is_active=True), assets.exclude(status=AssetStatus.RETIRED)
    counts = {"children": children.count(), "assets": assets.count()}
    if active_only:
        return {kind: n for kind, n in counts.items() if n}
    counts["tickets"] = 0
    counts["other"] = 0
    for relation in Location._meta.related_objects:
        if relation.related_model in (Location, Asset) or not relation.one_to_many:
            continue
        model = relation.related_model
        found = model._default_manager.filter(**{relation.field.name: location}).count()
        counts["tickets" if model._meta.label_lower == "tickets.ticket" else "other"] += found
    return {kind: n for kind, n in counts.items() if n}


def _in_use(location: Location, counts: dict[str, int], *, deactivating: bool) -> Conflict:
    parts = []
    for kind, n in counts.items():
        if kind == "children":
            parts.append(ngettext("%(n)d place inside it", "%(n)d places inside it", n) % {"n": n})
        elif kind == "assets":
            parts.append(ngettext("%(n)d asset", "%(n)d assets", n) % {"n": n})
        elif kind == "tickets":
            parts.append(ngettext("%(n)d ticket", "%(n)d tickets", n) % {"n": n})
        else:
            parts.append(ngettext("%(n)d other record", "%(n)d other records", n) % {"n": n})
    message = (
        _("“%(name)s” cannot be deactivated while these are still active in it: %(uses)s.")
        if deactivating
        else _("“%(name)s” cannot be deleted while it is in use (%(uses)s); deactivate it instead.")
    ) % {"name": location.name, "uses": ", ".join(parts)}
    return Conflict(message, code="location_in_use", details={kind: [str(n)] for kind, n in counts.items()})


@transaction.atomic
def location_update(*, actor: User | None, location: Location, **values: Any) -> Location:
    """`actor=None` is the system (demo data); everyone else must be an administrator. Deactivating a place
    is refused (409) while active places inside it or assets not retired are still there."""
    if actor is not None:
        require_admin(actor)
    _check(values, existing=location)
    if location.is_active and values.get("is_active") is False:
        if counts := location_usage(location, active_only=True):
            raise _in_use(location, counts, deactivating=True)
    old_path, old_full = location.path, location.full_name
    for field, value in values.items():
        setattr(location, field, value)
    _paths(location)
    location.save()
    if location.path != old_path or location.full_name != old_full:
        Location.objects.filter(path__startswith=old_path).exclude(pk=location.pk).update(
            path=Concat(Value(location.path), Substr("path", len(old_path) + 1)),
            full_name=Concat(Value(location.full_name), Substr("full_name", len(old_full) + 1)),
        )
    return location


@transaction.atomic
def location_delete(*, actor: User, location: Location) -> None:
    """Only a place nothing refers to (no place inside it, no asset, no ticket, no round stop…) is deleted;
    otherwise 409 with the counts: a place with a history is deactivated, not deleted."""
    require_admin(actor)
    locked = Location.objects.select_for_update().get(pk=location.pk)
    if counts := location_usage(locked):
        raise _in_use(locked, counts, deactivating=False)
    locked.delete()


# --- asset types and their fields ---------------------------------------------------------------------------

ASSET_TYPE_FIELDS = ("name", "name_en", "code", "description", "is_active", "order")
ASSET_FIELD_FIELDS = (
    "asset_type", "key", "label", "label_en", "field_type", "required", "choices", "order", "sensitive",
)  # fmt: skip
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")
MAX_FIELD_TEXT = 2000
MAX_CHOICES = 100


def _unknown(values: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, list[str]]:
    return {f: [_("Unknown or read-only field.")] for f in set(values) - set(allowed)}


def _check_asset_type(values: dict[str, Any], *, existing: AssetType | None) -> None:
    errors = _unknown(values, ASSET_TYPE_FIELDS)
    name = str(values.get("name", existing.name if existing else "") or "").strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    code = str(values.get("code", existing.code if existing else "") or "").strip()
    for field, kind in (("is_active", bool), ("order", int), ("name_en", str), ("description", str)):
        if field in values and not isinstance(values[field], kind):
            errors[field] = [_("This field is required.")]
    if not re.fullmatch(r"[-a-zA-Z0-9_]{1,40}", code):
        errors["code"] = [_("Use 1–40 letters, digits, hyphens or underscores.")]
    elif AssetType.objects.filter(code=code).exclude(pk__in=[existing.pk] if existing else []).exists():
        errors["code"] = [_("Another asset type has this code.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)


@transaction.atomic
def asset_type_create(*, actor: User | None, **values: Any) -> AssetType:
    if actor is not None:
        require_admin(actor)
    _check_asset_type(values, existing=None)
    return AssetType.objects.create(**values)


@transaction.atomic
def asset_type_update(*, actor: User, asset_type: AssetType, **values: Any) -> AssetType:
    require_admin(actor)
    _check_asset_type(values, existing=asset_type)
    for field, value in values.items():
        setattr(asset_type, field, value)
    asset_type.save(update_fields=list(values) or None)
    return asset_type


def _check_asset_field(values: dict[str, Any], *, existing: AssetField | None) -> None:
    errors = _unknown(values, ASSET_FIELD_FIELDS)
    asset_type = values.get("asset_type", existing.asset_type if existing else None)
    if not isinstance(asset_type, AssetType):
        errors["asset_type"] = [_("This field is required.")]
    key = str(values.get("key", existing.key if existing else "") or "").strip()
    if not re.fullmatch(r"[-a-zA-Z0-9_]{1,50}", key):
        errors["key"] = [_("Use 1–50 letters, digits, hyphens or underscores.")]
    elif (
        isinstance(asset_type, AssetType)
        and AssetField.objects.filter(asset_type=asset_type, key=key)
        .exclude(pk__in=[existing.pk] if existing else [])
        .exists()
    ):
        errors["key"] = [_("This asset type already has a field with this key.")]
    if not str(values.get("label", existing.label if existing else "") or "").strip():
        errors["label"] = [_("This field is required.")]
    field_type = values.get("field_type", existing.field_type if existing else AssetFieldType.TEXT)
    if field_type not in AssetFieldType.values:
        errors["field_type"] = [_("Unknown field type.")]
    choices = values.get("choices", existing.choices if existing else [])
    if (
        not isinstance(choices, list)
        or len(choices) > MAX_CHOICES
        or not all(isinstance(c, str) and 0 < len(c) <= 120 for c in choices)
    ):
        errors["choices"] = [
            _("Give at most %(max)d choices of up to 120 characters each.") % {"max": MAX_CHOICES}
        ]
    elif field_type == AssetFieldType.CHOICE and not choices:
        errors["choices"] = [_("A choice field needs at least one choice.")]
    if "sensitive" in values and not isinstance(values["sensitive"], bool):
        errors["sensitive"] = [_("Give true or false.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)


@transaction.atomic
def asset_field_create(*, actor: User | None, **values: Any) -> AssetField:
    if actor is not None:
        require_admin(actor)
    _check_asset_field(values, existing=None)
    created = AssetField.objects.create(**values)
    if created.sensitive:  # values a removed field of the same key left on assets
        asset_values_seal(created)
    return created


@transaction.atomic
def asset_field_update(*, actor: User, asset_field: AssetField, **values: Any) -> AssetField:
    require_admin(actor)
    _check_asset_field(values, existing=asset_field)
    was_sensitive, old_key, old_type = asset_field.sensitive, asset_field.key, asset_field.asset_type_id
    for field, value in values.items():
        setattr(asset_field, field, value)
    asset_field.save()
    if asset_field.sensitive and (
        not was_sensitive or (old_key, old_type) != (asset_field.key, asset_field.asset_type_id)
    ):
        asset_values_seal(asset_field)
    elif was_sensitive and not asset_field.sensitive:
        asset_values_unseal(asset_field)
    return asset_field


def _values_of(asset_field: AssetField) -> list[tuple[int, dict[str, Any]]]:
    """The assets of the field's type that hold a value under its key, locked (id order, so two writers
    meet in the same order)."""
    rows = (
        Asset.objects.select_for_update()
        .filter(asset_type_id=asset_field.asset_type_id)
        .order_by("pk")
        .values_list("pk", "custom_values")
    )
    return [(pk, values) for pk, values in rows if values and values.get(asset_field.key) is not None]


def asset_values_seal(asset_field: AssetField) -> int:
    """Seal the values a field already holds (it was just marked sensitive); in the caller's transaction, so
    the audit entry of the field's change commits with them. A re-seal is no change to the asset: no event."""
    changed = 0
    for pk, values in _values_of(asset_field):
        sealed = seal_values(values, {asset_field.key})
        if sealed != values:
            Asset.objects.filter(pk=pk).update(custom_values=sealed)
            changed += 1
    _mask_in_history(asset_field)
    return changed


def _mask_in_history(asset_field: AssetField) -> None:
    """The assets' own history kept earlier edits of the field in clear: from now on it keeps only that the
    value changed (as edits of a sensitive value are recorded)."""
    events = AssetEvent.objects.filter(
        asset__asset_type_id=asset_field.asset_type_id, kind="edited", data__has_key="custom_values"
    ).only("pk", "data")
    for event in events.iterator(chunk_size=500):
        change = event.data["custom_values"]
        masked = {
            side: history_values(change.get(side) or {}, {asset_field.key}) if isinstance(change.get(side), dict)
            else change.get(side)
            for side in ("from", "to")
        }  # fmt: skip
        if masked != {side: change.get(side) for side in ("from", "to")}:
            AssetEvent.objects.filter(pk=event.pk).update(data={**event.data, "custom_values": masked})


def asset_values_unseal(asset_field: AssetField) -> int:
    """Store the field's values in clear again (it is no longer sensitive). A value no configured key opens
    stays sealed (it still reads as unreadable rather than being lost)."""
    changed = 0
    for pk, values in _values_of(asset_field):
        stored = values[asset_field.key]
        if not field_crypto.is_encrypted(stored):
            continue
        try:
            clear = json.loads(field_crypto.decrypt(stored))
        except field_crypto.UndecryptableValue:
            continue
        Asset.objects.filter(pk=pk).update(custom_values={**values, asset_field.key: clear})
        changed += 1
    return changed


def asset_custom_values_reseal(batch_size: int = 500) -> int:
    """For `manage.py rotate_field_keys`: seal the sensitive values still in clear and re-seal those under an
    older key or cipher; a batch per transaction, current values skipped (idempotent, resumable)."""
    sensitive: dict[int, set[str]] = {}
    for type_id, key in AssetField.objects.filter(sensitive=True).values_list("asset_type_id", "key"):
        sensitive.setdefault(type_id, set()).add(key)
    changed, last_pk = 0, 0
    while True:
        page = list(
            Asset.objects.order_by("pk")
            .filter(pk__gt=last_pk)
            .values_list("pk", "asset_type_id", "custom_values")[:batch_size]
        )
        if not page:
            return changed
        last_pk = page[-1][0]
        due = [pk for pk, tid, values in page if values and stale_values(values, sensitive.get(tid, set()))]
        if not due:
            continue
        with transaction.atomic():
            for pk, type_id, values in (
                Asset.objects.select_for_update().filter(pk__in=due).values_list("pk", "asset_type_id",
                                                                                 "custom_values")
            ):  # fmt: skip
                opened = stale_values(values or {}, sensitive.get(type_id, set()))
                if opened:  # read again under the lock: a writer may have sealed it meanwhile
                    Asset.objects.filter(pk=pk).update(
                        custom_values={**values, **seal_values(opened, set(opened))}
                    )
                    changed += 1


@transaction.atomic
def asset_field_delete(*, actor: User, asset_field: AssetField) -> None:
    """Values already kept on assets stay in their JSON until the asset is next saved (then they are dropped)."""
    require_admin(actor)
    asset_field.delete()


def clean_asset_values(asset_type: AssetType, values: dict[str, Any] | None) -> dict[str, Any]:
    """Check an asset's custom values against its type's fields; keys `custom_values.<key>` on errors."""
    fields = list(asset_type.fields.all())
    by_key = {f.key: f for f in fields}
    values = dict(values or {})
    errors: dict[str, list[str]] = {}
    for key in values:
        if key not in by_key:
            errors[f"custom_values.{key}"] = [_("This asset type has no field “%(key)s”.") % {"key": key}]
    cleaned: dict[str, Any] = {}
    for field in fields:
        raw = values.get(field.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if field.required:
                errors[f"custom_values.{field.key}"] = [
                    _("“%(label)s” is required.") % {"label": field.display_label}
                ]
            continue
        try:
            cleaned[field.key] = _clean_value(field, raw)
        except ValueError as exc:
            errors[f"custom_values.{field.key}"] = [str(exc)]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)
    return cleaned


def asset_custom_values_stored(
    asset_type: AssetType, given: dict[str, Any], previous: dict[str, Any] | None
) -> dict[str, Any]:
    """The custom values as stored: checked like `clean_asset_values`, sensitive ones sealed. A value sent
    back as the mask (or as the sealed text it was read as) means "unchanged"; an unchanged sensitive value
    keeps its sealed text, so saving the same value again is no change."""
    previous = previous or {}
    sensitive = {f.key for f in asset_type.fields.all() if f.sensitive}
    clear: dict[str, Any] = {}
    for key, value in given.items():
        if value == MASK or field_crypto.is_encrypted(value):
            if key in previous:
                clear[key] = open_value(previous[key])
            continue
        clear[key] = value
    cleaned = clean_asset_values(asset_type, clear)
    stored: dict[str, Any] = {}
    for key, value in cleaned.items():
        before = previous.get(key)
        if key in sensitive and field_crypto.is_encrypted(before) and open_value(before) == value:
            stored[key] = before
        else:
            stored[key] = seal_values({key: value}, sensitive)[key]
    return stored


def _clean_value(field: AssetField, raw: Any) -> Any:
    label = field.display_label
    if field.field_type == AssetFieldType.NUMBER:
        try:
            if isinstance(raw, bool):
                raise TypeError
            number = float(raw)
        except (TypeError, ValueError):
            raise ValueError(_("“%(label)s” must be a number.") % {"label": label}) from None
        if not math.isfinite(number) or abs(number) > 1e15:
            raise ValueError(_("“%(label)s” must be a number.") % {"label": label})
        return int(number) if number.is_integer() else number
    if field.field_type == AssetFieldType.DATE:
        try:
            return date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise ValueError(_("“%(label)s” must be a date (YYYY-MM-DD).") % {"label": label}) from None
    if field.field_type == AssetFieldType.CHOICE:
        if str(raw) not in field.choices:
            raise ValueError(
                _("“%(value)s” is not one of the choices of “%(label)s”.") % {"value": raw, "label": label}
            )
        return str(raw)
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise ValueError(_("“%(label)s” must be text.") % {"label": label})
    text = str(raw).strip()
    if len(text) > MAX_FIELD_TEXT:
        raise ValueError(
            _("“%(label)s” is too long (at most %(max)d characters).")
            % {"label": label, "max": MAX_FIELD_TEXT}
        )
    return text


# --- assets -------------------------------------------------------------------------------------------------

ASSET_FIELDS = (
    "code", "name", "asset_type", "model_name", "serial_number", "manufacturer", "supplier", "installed_on",
    "warranty_ends_on", "criticality", "status", "location", "parent", "cost", "custom_values",
    "public_reporting",
)  # fmt: skip
TEXT_LIMITS = {"name": 200, "model_name": 120, "serial_number": 120, "manufacturer": 200, "supplier": 200}
MAX_COST = Decimal("999999999999.99")
MAX_DEPTH = 8


def require_asset_editor(actor: User) -> None:
    if not can_edit_assets(actor):
        raise PermissionDenied(_("Only administrators, managers and team leads can change assets."))


def _check_asset(values: dict[str, Any], *, existing: Asset | None) -> dict[str, Any]:
    """Validate and normalise the given values (the ones not given keep the asset's); raise one
    ValidationFailed naming every bad field."""
    errors = _unknown(values, ASSET_FIELDS)
    cleaned: dict[str, Any] = {k: v for k, v in values.items() if k in ASSET_FIELDS}
    if "code" in values or existing is None:
        code = str(values.get("code") or "").strip()
        if not CODE_PATTERN.fullmatch(code):
            errors["code"] = [
                _("Use 1–60 letters, digits, dots, hyphens or underscores, starting with a letter or digit.")
            ]
        elif (
            Asset.objects.filter(code__iexact=code).exclude(pk__in=[existing.pk] if existing else []).exists()
        ):
            errors["code"] = [_("Another asset has this code.")]
        cleaned["code"] = code
    if "name" in values or existing is None:
        cleaned["name"] = " ".join(str(values.get("name") or "").split())
        if not cleaned["name"]:
            errors["name"] = [_("This field is required.")]
    for field, limit in TEXT_LIMITS.items():
        if field in values and field != "name":
            cleaned[field] = " ".join(str(values[field] or "").split())
        if len(str(cleaned.get(field, ""))) > limit:
            errors[field] = [_("At most %(max)d characters.") % {"max": limit}]
    asset_type = cleaned.get("asset_type", existing.asset_type if existing else None)
    if not isinstance(asset_type, AssetType):
        errors["asset_type"] = [_("This field is required.")]
    elif (
        "asset_type" in values
        and not asset_type.is_active
        and (existing is None or existing.asset_type_id != asset_type.pk)
    ):
        errors["asset_type"] = [_("This asset type is no longer in use.")]
    for field, choices in (
        ("criticality", Criticality.values),
        ("status", AssetStatus.values),
        ("public_reporting", PublicReporting.values),
    ):
        if field in values and values[field] not in choices:
            errors[field] = [_("Not one of the choices.")]
    location = cleaned.get("location", existing.location if existing else None)
    if location is not None and not isinstance(location, Location):
        errors["location"] = [_("Not a location.")]
    if "cost" in values and values["cost"] not in (None, ""):
        try:
            cost = Decimal(str(values["cost"])).quantize(Decimal("0.01"))
            if not cost.is_finite() or cost < 0 or cost > MAX_COST:
                raise InvalidOperation
            cleaned["cost"] = cost
        except (InvalidOperation, ValueError):
            errors["cost"] = [_("Give a cost of 0 or more, with at most two decimals.")]
    elif "cost" in values:
        cleaned["cost"] = None
    installed = cleaned.get("installed_on", existing.installed_on if existing else None)
    warranty = cleaned.get("warranty_ends_on", existing.warranty_ends_on if existing else None)
    for field, value in (("installed_on", installed), ("warranty_ends_on", warranty)):
        if value is not None and not isinstance(value, date):
            errors[field] = [_("Give a date (YYYY-MM-DD).")]
    if isinstance(installed, date) and isinstance(warranty, date) and warranty < installed:
        errors["warranty_ends_on"] = [_("The warranty cannot end before the asset was installed.")]
    if "parent" in values:
        errors.update(_check_parent(values["parent"], existing=existing))
    if isinstance(asset_type, AssetType) and (
        "custom_values" in values or "asset_type" in values or existing is None
    ):
        previous = existing.custom_values if existing else {}
        given = values.get("custom_values", previous)
        if not isinstance(given, dict):
            errors["custom_values"] = [_("Give the custom fields as an object.")]
        else:
            known = {f.key for f in asset_type.fields.all()}
            if "custom_values" not in values:  # the type changed: keep what still fits
                given = {k: v for k, v in given.items() if k in known}
            try:
                cleaned["custom_values"] = asset_custom_values_stored(asset_type, given, previous)
            except ValidationFailed as exc:
                errors.update(exc.details)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)
    return cleaned


def _check_parent(parent: Any, *, existing: Asset | None) -> dict[str, list[str]]:
    """No asset inside itself or its own components, and trees at most MAX_DEPTH levels deep."""
    if parent is None:
        return {}
    if not isinstance(parent, Asset):
        return {"parent": [_("Not an asset.")]}
    if existing is not None and (parent.pk == existing.pk or parent.path.startswith(existing.path)):
        return {"parent": [_("An asset cannot be part of itself or of one of its own components.")]}
    below = 0
    if existing is not None:
        deepest = Asset.objects.filter(path__startswith=existing.path).values_list("path", flat=True)
        below = max((p.count("/") for p in deepest), default=existing.path.count("/")) - existing.path.count(
            "/"
        )
    if parent.path.count("/") - 1 + below + 1 > MAX_DEPTH:
        return {"parent": [_("Asset trees are at most %(max)d levels deep.") % {"max": MAX_DEPTH}]}
    return {}


def _asset_paths(asset: Asset) -> None:
    asset.path = f"{asset.parent.path if asset.parent else '/'}{asset.pk}/"


def _shown(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Location | AssetType | Asset):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def asset_event(
    asset: Asset, *, actor: User | None, kind: str, data: dict[str, Any] | None = None
) -> AssetEvent:
    """Append one line to the asset's history (apps above add their own kinds: downtime, work orders)."""
    return AssetEvent.objects.create(
        asset=asset, actor=actor, kind=kind, data=data or {}, created_at=timezone.now()
    )


@transaction.atomic
def asset_create(*, actor: User | None, **values: Any) -> Asset:
    """`actor=None` is the system (an import an admin started, the demo)."""
    if actor is not None:
        require_asset_editor(actor)
    cleaned = _check_asset(values, existing=None)
    asset = Asset(**cleaned)
    asset.save()
    _asset_paths(asset)
    asset.save(update_fields=["path"])
    asset_event(asset, actor=actor, kind="created", data={"code": asset.code, "name": asset.name})
    return asset


@transaction.atomic
def asset_update(*, actor: User | None, asset: Asset, **values: Any) -> Asset:
    if actor is not None:
        require_asset_editor(actor)
    asset = (
        Asset.objects.select_for_update(of=("self",))
        .select_related("asset_type", "location", "parent")
        .get(pk=asset.pk)
    )
    cleaned = _check_asset(values, existing=asset)
    changes: dict[str, Any] = {}
    for field, value in cleaned.items():
        before = getattr(asset, field)
        if before != value:
            if field == "custom_values":  # the history keeps that a sensitive value changed, never the value
                changes[field] = {"from": history_values(before, set()), "to": history_values(value, set())}
            else:
                changes[field] = {"from": _shown(before), "to": _shown(value)}
            setattr(asset, field, value)
    if not changes:
        return asset
    old_path = asset.path
    if "parent" in changes:
        _asset_paths(asset)
    asset.updated_at = timezone.now()
    asset.save(update_fields=[*changes, "path", "updated_at"])
    if asset.path != old_path:
        Asset.objects.filter(path__startswith=old_path).exclude(pk=asset.pk).update(
            path=Concat(Value(asset.path), Substr("path", len(old_path) + 1))
        )
    status = changes.pop("status", None)
    if status:
        asset_event(asset, actor=actor, kind="status_changed", data=status)
    if changes:
        asset_event(asset, actor=actor, kind="edited", data=changes)
    return asset


@transaction.atomic
def asset_set_status(
    *,
    actor: User | None,
    asset: Asset,
    status: str,
    reason: dict[str, Any] | None = None,
    by: User | None = None,
) -> Asset:
    """Change only the status. `actor=None` is another app acting on its own rules (a ticket that sets its
    asset down or is resolved); `by` then names the person behind it in the history, and `reason` adds
    where it came from (the ticket's number)."""
    if actor is not None:
        require_asset_editor(actor)
    if status not in AssetStatus.values:
        raise ValidationFailed(
            _("Not one of the choices."), details={"status": [_("Not one of the choices.")]}
        )
    locked = Asset.objects.select_for_update().get(pk=asset.pk)
    if locked.status == status:
        return locked
    before = locked.status
    locked.status, locked.updated_at = status, timezone.now()
    locked.save(update_fields=["status", "updated_at"])
    asset_event(
        locked,
        actor=actor or by,
        kind="status_changed",
        data={"from": before, "to": status, **(reason or {})},
    )
    return locked


@transaction.atomic
def asset_retire(*, actor: User, asset: Asset) -> Asset:
    """Assets are never deleted once they have a history: retiring keeps their work orders and downtime."""
    require_asset_editor(actor)
    if Asset.objects.filter(parent=asset).exclude(status=AssetStatus.RETIRED).exists():
        message = _("Retire or move its components first.")
        raise ValidationFailed(message, details={"status": [message]})
    return asset_set_status(actor=actor, asset=asset, status=AssetStatus.RETIRED)


def asset_sensitive_reveal(*, actor: User, asset: Asset, key: str, request: HttpRequest | None = None) -> Any:
    """The clear value of one sensitive custom field of an asset, for staff (who see the register, decision
    0090), recorded in the audit trail as an access to restricted data (which field, never the value).
    Anyone else: PermissionDenied; a key that holds no sealed value: NotFound."""
    if not can_see_assets(actor):
        raise PermissionDenied(_("Only staff can reveal sensitive values."))
    stored = (asset.custom_values or {}).get(key)
    if not field_crypto.is_encrypted(stored):
        raise NotFound(_("This asset has no such sensitive value."))
    audit_record(
        kind=audit_kinds.RESTRICTED_ACCESS,
        actor=actor,
        object_type="assets.asset",
        object_id=asset.pk,
        object_repr=asset.code,
        detail={"fields": [key]},
        request=request,
    )
    return open_value(stored)
