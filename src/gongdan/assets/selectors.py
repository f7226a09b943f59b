"""Reads for the places settings screens and the equipment register; the register's reads take the actor
(decision 0090: staff see every asset, others none)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.assets.access import can_see_assets
from gongdan.assets.models import (
    Asset,
    AssetDocument,
    AssetEvent,
    AssetField,
    AssetStatus,
    AssetType,
    Criticality,
    Location,
    PublicReporting,
)
from gongdan.core import field_crypto
from gongdan.core.domain_errors import NotFound
from gongdan.core.sensitive_values import MASK
from gongdan.core.trees import TreeRow, path_ids, tree_rows

MAX_PAGE = 200
MAX_QUERY = 100
FIELD_KEY = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")


@dataclass(frozen=True)
class LocationPage:
    rows: list[Location]
    next_after: str | None  # the path to continue after (keyset), None on the last page


def location_list(
    *, actor: User, parent: Location | None = None, top_level: bool = False, q: str = "",
    include_inactive: bool = False, after: str = "", limit: int = 50,
) -> LocationPage:  # fmt: skip
    """Staff only. One page in tree order, by keyset on the materialised path (unique: it ends with the id).
    `parent`: the places directly inside it; `top_level`: the sites; `q`: name, code or full name contains."""
    _require_staff(actor)
    limit = max(1, min(limit, MAX_PAGE))
    rows = Location.objects.select_related("parent")
    if parent is not None:
        rows = rows.filter(parent=parent)
    elif top_level:
        rows = rows.filter(parent__isnull=True)
    if not include_inactive:
        rows = rows.filter(is_active=True)
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(full_name__icontains=q))
    if after:
        rows = rows.filter(path__gt=after)
    page = list(rows.order_by("path")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return LocationPage(rows=page, next_after=page[-1].path if more and page else None)


def location_get(*, actor: User, ref: str) -> Location:
    """Staff only. By code (any case); a place without a code by its id (a ref of digits no code matches)."""
    if not can_see_assets(actor):
        raise NotFound(_("Location not found."))
    rows = Location.objects.select_related("parent")
    found = rows.filter(code__iexact=ref).first() if ref.strip() else None
    if found is None and ref.isdigit() and len(ref) <= 18:
        found = rows.filter(pk=int(ref)).first()
    if found is None:
        raise NotFound(_("Location not found."))
    return found


def location_ancestors(location: Location) -> list[Location]:
    """From the site down to its parent, in one query."""
    ids = path_ids(location.path)[:-1]
    by_id = Location.objects.in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def location_tree() -> list[TreeRow]:
    return tree_rows(Location.objects.select_related("parent"), sort_key=lambda n: (n.name.lower(), n.pk))


def asset_type_list() -> QuerySet[AssetType]:
    return AssetType.objects.prefetch_related("fields")


def asset_field_list() -> QuerySet[AssetField]:
    return AssetField.objects.select_related("asset_type").order_by(
        "asset_type__order", "asset_type__code", "order", "id"
    )


@dataclass(frozen=True)
class AssetFilters:
    """One filter definition for the web list and the API (CONVENTIONS: one filter per list)."""

    asset_type: int | None = None
    criticality: str = ""
    status: str = ""
    location: int | None = None
    q: str = ""
    include_retired: bool = False
    # One custom field's value (`field=<key>&value=<text>`): the assets whose value under that key is exactly
    # that text. A sensitive field is refused: its values are sealed, there is nothing to compare.
    custom_key: str = ""
    custom_value: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, params: dict[str, str]) -> AssetFilters:
        """From query parameters; a bad value is reported (400) rather than silently ignored."""
        errors: dict[str, list[str]] = {}

        def an_id(name: str) -> int | None:
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            if not raw.isdigit() or len(raw) > 18:
                errors[name] = [_("Give a number.")]
                return None
            return int(raw)

        criticality = (params.get("criticality") or "").strip()
        if criticality and criticality not in Criticality.values:
            errors["criticality"] = [_("Not one of the choices.")]
        status = (params.get("status") or "").strip()
        if status and status not in AssetStatus.values:
            errors["status"] = [_("Not one of the choices.")]
        q = (params.get("q") or "").strip()
        if len(q) > MAX_QUERY:
            errors["q"] = [_("At most %(max)d characters.") % {"max": MAX_QUERY}]
        custom_key = (params.get("field") or "").strip()
        custom_value = (params.get("value") or "").strip()
        errors.update(custom_filter_errors(custom_key, custom_value))
        return cls(
            asset_type=an_id("asset_type"),
            criticality=criticality if "criticality" not in errors else "",
            status=status if "status" not in errors else "",
            location=an_id("location"),
            q=q[:MAX_QUERY],
            include_retired=(params.get("retired") or "") in ("1", "true", "on")
            or status == AssetStatus.RETIRED,
            custom_key=custom_key if "field" not in errors else "",
            custom_value=custom_value[:MAX_QUERY],
            errors=errors,
        )


def _number(text: str) -> int | float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def custom_filter_errors(key: str, value: str) -> dict[str, list[str]]:
    """Why a filter on a custom field's value cannot run (none when it can, or when none is asked for)."""
    if not key:
        return {"field": [_("Choose the field to compare.")]} if value else {}
    if not FIELD_KEY.match(key):
        return {"field": [_("Use 1–50 letters, digits, hyphens or underscores.")]}
    if len(value) > MAX_QUERY:
        return {"value": [_("At most %(max)d characters.") % {"max": MAX_QUERY}]}
    found = list(AssetField.objects.filter(key=key).select_related("asset_type"))
    if not found:
        return {"field": [_("No asset type has a field “%(key)s”.") % {"key": key}]}
    if sensitive := [f for f in found if f.sensitive]:
        message = _("“%(label)s” is sensitive: its values are stored encrypted and cannot be searched or "
                    "filtered.") % {"label": sensitive[0].display_label}  # fmt: skip
        return {"field": [message]}
    return {}


def _require_staff(actor: User) -> None:
    if not can_see_assets(actor):
        raise NotFound(_("Asset not found."))


def asset_queryset(*, actor: User, filters: AssetFilters) -> QuerySet[Asset]:
    _require_staff(actor)
    rows = Asset.objects.select_related("asset_type", "location", "parent")
    if filters.asset_type is not None:
        rows = rows.filter(asset_type_id=filters.asset_type)
    if filters.criticality:
        rows = rows.filter(criticality=filters.criticality)
    if filters.status:
        rows = rows.filter(status=filters.status)
    elif not filters.include_retired:
        rows = rows.exclude(status=AssetStatus.RETIRED)
    if filters.location is not None:
        place = Location.objects.filter(pk=filters.location).only("path").first()
        rows = rows.filter(location__path__startswith=place.path) if place else rows.none()
    if filters.custom_key:
        lookup = f"custom_values__{filters.custom_key}"
        matches = Q(**{lookup: filters.custom_value})  # a JSON string equal to the text
        number = _number(filters.custom_value)
        if number is not None:  # a number field's value is stored as a JSON number
            matches |= Q(**{lookup: number})
        rows = rows.filter(matches)
    if filters.q:
        rows = rows.filter(
            Q(code__icontains=filters.q)
            | Q(name__icontains=filters.q)
            | Q(serial_number__icontains=filters.q)
            | Q(model_name__icontains=filters.q)
        )
    return rows.order_by("code")


@dataclass(frozen=True)
class AssetPage:
    rows: list[Asset]
    next_after: str | None  # the code to continue after (keyset), None on the last page


def asset_list(*, actor: User, filters: AssetFilters, after: str = "", limit: int = 50) -> AssetPage:
    """One page by keyset on the unique code: the same cost on page 1 and page 1,000."""
    limit = max(1, min(limit, MAX_PAGE))
    rows = asset_queryset(actor=actor, filters=filters)
    if after:
        rows = rows.filter(code__gt=after)
    page = list(rows[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return AssetPage(rows=page, next_after=page[-1].code if more and page else None)


def asset_tree(*, actor: User, filters: AssetFilters) -> list[TreeRow]:
    """Line → machine → component. Filtered assets keep their ancestors so each sits under its line."""
    matching = list(asset_queryset(actor=actor, filters=filters)[:2000])
    ancestor_ids = {pk for a in matching for pk in path_ids(a.path)} - {a.pk for a in matching}
    if ancestor_ids:
        matching += list(
            Asset.objects.select_related("asset_type", "location", "parent").filter(pk__in=ancestor_ids)
        )
    return tree_rows(matching, sort_key=lambda a: (a.code.lower(), a.pk))


def asset_get(*, actor: User, code: str) -> Asset:
    _require_staff(actor)
    asset = (
        Asset.objects.select_related("asset_type", "location", "parent")
        .filter(code__iexact=(code or "").strip()[:60])
        .first()
    )
    if asset is None:
        raise NotFound(_("Asset not found."))
    return asset


def asset_by_code(code: str) -> Asset | None:
    """For the public QR URL: the asset itself, whoever asks (the caller decides what to show)."""
    return (
        Asset.objects.select_related("location", "asset_type")
        .filter(code__iexact=(code or "").strip()[:60])
        .first()
    )


@dataclass(frozen=True)
class CustomFieldRow:
    key: str
    label: str
    value: object  # the mask for a sealed value
    sealed: bool


def custom_field_rows(asset: Asset) -> list[CustomFieldRow]:
    values = asset.custom_values or {}
    rows = []
    for f in asset.asset_type.fields.all():
        value = values.get(f.key)
        sealed = field_crypto.is_encrypted(value)
        rows.append(
            CustomFieldRow(key=f.key, label=f.display_label, value=MASK if sealed else value, sealed=sealed)
        )
    return rows


@dataclass(frozen=True)
class AssetDetail:
    asset: Asset
    children: list[Asset]
    ancestors: list[Asset]
    fields: list[CustomFieldRow]  # the type's custom fields, sensitive ones masked
    history: list[AssetEvent]
    documents: list[AssetDocument] = field(default_factory=list)


def asset_detail(*, actor: User, code: str) -> AssetDetail:
    asset = asset_get(actor=actor, code=code)
    children = list(asset.children.select_related("asset_type").order_by("code"))
    ancestor_ids = path_ids(asset.path)[:-1]
    by_id = {a.pk: a for a in Asset.objects.filter(pk__in=ancestor_ids)}
    ancestors = [by_id[pk] for pk in ancestor_ids if pk in by_id]
    fields = custom_field_rows(asset)
    history = list(asset.events.select_related("actor").order_by("-created_at", "-id")[:50])
    documents = asset_documents(actor=actor, asset=asset)
    return AssetDetail(
        asset=asset,
        children=children,
        ancestors=ancestors,
        fields=fields,
        history=history,
        documents=documents,
    )


def asset_documents(*, actor: User, asset: Asset) -> list[AssetDocument]:
    """Photos first, then the other documents, newest first (one query)."""
    if not can_see_assets(actor):
        raise NotFound(_("Asset not found."))
    rows = list(AssetDocument.objects.filter(asset=asset).select_related("uploaded_by"))
    return sorted(rows, key=lambda d: not d.is_image)


def asset_document_get(*, actor: User, document_id: int, code: str | None = None) -> AssetDocument:
    """A document of an asset the actor may see (and, with `code`, of that asset)."""
    if not can_see_assets(actor):
        raise NotFound(_("Document not found."))
    found = AssetDocument.objects.select_related("asset").filter(pk=document_id)
    if code is not None:
        found = found.filter(asset__code__iexact=code)
    document = found.first()
    if document is None:
        raise NotFound(_("Document not found."))
    return document


# --- reporting without an account ---------------------------------------------------------------------------


def location_allows_public_reports(location: Location | None) -> bool:
    """The nearest choice up the tree decides (one query for the ancestors); a tree that never says
    "allowed" keeps its places closed to people without an account."""
    if location is None or not location.is_active:
        return False
    if location.public_reporting != PublicReporting.INHERIT:
        return location.public_reporting == PublicReporting.ALLOWED
    ancestor_ids = path_ids(location.path)
    choices = dict(
        Location.objects.filter(pk__in=ancestor_ids)
        .exclude(public_reporting=PublicReporting.INHERIT)
        .values_list("pk", "public_reporting")
    )
    for pk in reversed(ancestor_ids):
        if pk in choices:
            return choices[pk] == PublicReporting.ALLOWED
    return False


def asset_allows_public_reports(asset: Asset | None) -> bool:
    """An asset's own choice, else its location's (an asset without a location and without a choice: no)."""
    if asset is None or asset.status == AssetStatus.RETIRED:
        return False
    if asset.public_reporting != PublicReporting.INHERIT:
        return asset.public_reporting == PublicReporting.ALLOWED
    return location_allows_public_reports(asset.location)


def public_reporting_source(location: Location) -> Location | None:
    """The place whose choice a location follows (itself, or the nearest ancestor that chose), for the
    settings screen to say where an inherited choice comes from."""
    if location.public_reporting != PublicReporting.INHERIT:
        return location
    ancestor_ids = path_ids(location.path)
    chosen = {
        row.pk: row
        for row in Location.objects.filter(pk__in=ancestor_ids).exclude(
            public_reporting=PublicReporting.INHERIT
        )
    }
    for pk in reversed(ancestor_ids):
        if pk in chosen:
            return chosen[pk]
    return None
