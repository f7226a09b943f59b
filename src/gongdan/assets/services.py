"""Changes to the location tree."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.accounts.services import require_admin
from gongdan.assets.models import Location
from gongdan.core.domain_errors import ValidationFailed

FIELDS = ("parent", "kind", "name", "code", "address", "latitude", "longitude", "is_active")


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
    for field, bound in (("latitude", 90), ("longitude", 180)):
        value = values.get(field)
        if value is not None and not -bound <= Decimal(str(value)) <= bound:
            errors[field] = [_("Out of range.")]
    ancestor = parent
    while existing is not None and ancestor is not None:
        if ancestor.pk == existing.pk:
            errors["parent"] = [_("A location cannot be inside itself.")]
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


@transaction.atomic
def location_update(*, actor: User, location: Location, **values: Any) -> Location:
    require_admin(actor)
    _check(values, existing=location)
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
