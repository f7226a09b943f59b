"""Conditions on the equipment a ticket is about: "asset.type", "asset.location", "asset.field.<key>" …

The assets app sits below the tickets app and may import neither it nor the automation (the layers in
pyproject.toml), so the automation registers this source itself, from its AppConfig.ready(), and reads the
assets' rows. Decision 0188 says why and what a condition may not read.

**No query per rule.** The engine loads each event's ticket with its asset, the asset's type and place (one
query, `engine.TICKET_RELATED`); every rule then reads those rows. "asset.location" also matches the places
above the asset's: a rule's place codes become ids when it is compiled, and the asset's place path lists the
ids above it, so that needs no query either.

**Sensitive fields.** A sensitive asset field's values are sealed (decision 0179); a condition on one would
either never match or leak what it holds by what it does, so saving one is refused naming the field, and a rule
saved before the field became sensitive never matches (a sealed value reads as empty).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.assets.models import Asset, AssetField, AssetStatus, AssetType, Criticality, Location
from gongdan.automation.conditions import KEY, FieldRefused, FieldSource, SourceField, Subject
from gongdan.core.field_crypto import is_encrypted
from gongdan.core.trees import path_ids

PREFIX = "asset"
CUSTOM = "field."


def _type_options() -> list[tuple[str, str]]:
    return [(t.code, str(t)) for t in AssetType.objects.order_by("order", "code")]


def _location_options() -> list[tuple[str, str]]:
    return [(code, full) for code, full in Location.objects.exclude(code="").values_list("code", "full_name")]


NO_PLACE = "-"  # what a code no place has compiles to: matches no asset


def _place_ids(value: Any) -> Any:
    """A rule's place codes as the ids of those places, worked out when the rule is compiled: an asset's place
    and the places above it are then read from its place's path, with no query per event."""
    codes = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    found = dict(Location.objects.filter(code__in=codes).values_list("code", "pk"))
    ids = [str(found[code]) if code in found else NO_PLACE for code in codes]
    return ids if isinstance(value, list) else ids[0]


BUILT_IN: dict[str, SourceField] = {
    "code": SourceField(gettext_lazy("Asset: code")),
    "name": SourceField(gettext_lazy("Asset: name")),
    "type": SourceField(gettext_lazy("Asset: type (code)"), "choice", _type_options),
    "model": SourceField(gettext_lazy("Asset: model")),
    "manufacturer": SourceField(gettext_lazy("Asset: manufacturer")),
    "criticality": SourceField(gettext_lazy("Asset: criticality"), "choice",
                               lambda: [(v, str(label)) for v, label in Criticality.choices]),
    "status": SourceField(gettext_lazy("Asset: status"), "choice",
                          lambda: [(v, str(label)) for v, label in AssetStatus.choices]),
    "location": SourceField(gettext_lazy("Asset: place or a place it is inside (code)"), "multi",
                            _location_options, prepare=_place_ids),
}  # fmt: skip


def _asset(subject: Subject) -> Asset | None:
    """The ticket's asset: the row loaded with the ticket (or once, when the ticket came without it)."""
    return subject.ticket.asset if subject.ticket.asset_id else None


def _places(asset: Asset) -> list[str]:
    """The ids of the asset's place and of every place above it ("/1/4/9/"), as text."""
    location = asset.location
    return [] if location is None else [str(pk) for pk in path_ids(location.path)]


def read(subject: Subject, name: str) -> Any:
    asset = _asset(subject)
    if asset is None:
        return None
    if name.startswith(CUSTOM):
        value = (asset.custom_values or {}).get(name[len(CUSTOM) :])
        return None if is_encrypted(value) else value
    if name == "type":
        return asset.asset_type.code
    if name == "model":
        return asset.model_name
    if name == "location":
        return _places(asset)
    return getattr(asset, name)


def _custom_options(fields: list[AssetField]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for row in fields:
        for choice in row.choices or []:
            seen.setdefault(str(choice), str(choice))
    return list(seen.items())


def lookup(name: str) -> SourceField | None:
    """The field behind "asset.<name>": a built-in one, or a custom field some asset type carries (refused when
    it is sensitive on any type: the same key on two types is one condition)."""
    if name in BUILT_IN:
        return BUILT_IN[name]
    if not name.startswith(CUSTOM) or not KEY.match(name[len(CUSTOM) :]):
        return None
    key = name[len(CUSTOM) :]
    fields = list(
        AssetField.objects.filter(key=key).select_related("asset_type").order_by("asset_type__code")
    )
    if not fields:
        return None
    sensitive = next((f for f in fields if f.sensitive), None)
    if sensitive is not None:
        raise FieldRefused(
            _("“%(field)s” is a sensitive asset field (%(type)s): a condition may not read it.")
            % {"field": sensitive.display_label, "type": str(sensitive.asset_type)}
        )
    label = _("Asset field: %(label)s") % {"label": fields[0].display_label}
    if all(f.field_type == "choice" for f in fields):
        choices = list(fields)
        return SourceField(label, "choice", lambda: _custom_options(choices))
    return SourceField(label)


def listing() -> list[tuple[str, str]]:
    """The picker's asset fields: the built-in ones, then each custom key that is sensitive on no type."""
    listed = [(f"{PREFIX}.{name}", str(field.label)) for name, field in BUILT_IN.items()]
    rows = AssetField.objects.select_related("asset_type").order_by("key", "asset_type__code")
    refused = {row.key for row in rows if row.sensitive}
    seen: dict[str, str] = {}
    for row in rows:
        if row.key not in refused:
            seen.setdefault(
                f"{PREFIX}.{CUSTOM}{row.key}", _("Asset field: %(label)s") % {"label": row.display_label}
            )
    return listed + list(seen.items())


SOURCE = FieldSource(PREFIX, gettext_lazy("Asset"), read, lookup=lookup, listing=listing)
