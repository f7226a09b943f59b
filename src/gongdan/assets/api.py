"""The equipment register over the API: the location tree (list, get by code with its path and children,
create, update or move, delete), asset types and their fields, assets (list with the web list's filters,
get, create, update, retire). Changes go through gongdan.assets.services."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field, Strict

from gongdan.accounts.models import User
from gongdan.api.errors import ApiError, errors_for
from gongdan.api.inputs import MAX_ID, DateIn, Id, IdPath, StrictInput, optional_row, row_or_422
from gongdan.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from gongdan.api.parsing import MULTIPART_OVERHEAD, declared_body_at_most
from gongdan.assets import register_transfer as transfer
from gongdan.assets import selectors, services
from gongdan.assets.access import can_see_assets
from gongdan.assets.documents import asset_document_add, asset_document_delete
from gongdan.assets.models import (
    Asset,
    AssetDocument,
    AssetFieldType,
    AssetStatus,
    AssetType,
    Criticality,
    Location,
    PublicReporting,
)
from gongdan.audit.services import audited_configuration_delete, audited_configuration_save
from gongdan.core.domain_errors import NotFound, PermissionDenied, ValidationFailed
from gongdan.core.sensitive_values import masked_values
from gongdan.core.uploads import IncomingFile

router = Router()
CODE = Path(..., max_length=60, description="The asset's code (case does not matter).")
CostIn = Annotated[Decimal, Strict(False), Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2)]


def actor_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _require_staff(actor: User) -> None:
    if not can_see_assets(actor):
        raise PermissionDenied(_("Only staff can read the equipment register."))


# ---- schemas -----------------------------------------------------------------------------------------------
class AssetFieldOut(Schema):
    id: int
    key: str
    label: str
    label_en: str
    field_type: str
    required: bool
    choices: list[str]
    order: int
    sensitive: bool = Field(
        description="Values stored encrypted, shown as the mask; `POST /assets/{code}/sensitive/{key}` reveals one."
    )


class AssetTypeOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    description: str
    is_active: bool
    order: int
    fields: list[AssetFieldOut]

    @staticmethod
    def resolve_fields(asset_type: AssetType) -> list[Any]:
        return list(asset_type.fields.all())


class AssetTypeIn(StrictInput):
    code: str = Field(..., min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(..., min_length=1, max_length=120)
    name_en: str = Field("", max_length=120)
    description: str = Field("", max_length=5000)
    is_active: bool = True
    order: int = Field(0, ge=0, le=32767)


class AssetTypeUpdateIn(StrictInput):
    code: str | None = Field(None, min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str | None = Field(None, min_length=1, max_length=120)
    name_en: str | None = Field(None, max_length=120)
    description: str | None = Field(None, max_length=5000)
    is_active: bool | None = None
    order: int | None = Field(None, ge=0, le=32767)


class AssetFieldIn(StrictInput):
    key: str = Field(..., min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")
    label: str = Field(..., min_length=1, max_length=120)
    label_en: str = Field("", max_length=120)
    field_type: Annotated[AssetFieldType, Strict(False)] = AssetFieldType.TEXT
    required: bool = False
    choices: list[Annotated[str, Field(min_length=1, max_length=120)]] = Field(
        default_factory=list, max_length=100
    )
    order: int = Field(0, ge=0, le=32767)
    sensitive: bool = False


class Ref(Schema):
    id: int
    label: str


class AssetOut(Schema):
    id: int
    code: str
    name: str
    asset_type: Ref
    model_name: str
    serial_number: str
    manufacturer: str
    supplier: str
    installed_on: date | None
    warranty_ends_on: date | None
    criticality: str
    status: str
    location: Ref | None
    parent: str | None = Field(description="The parent asset's code.")
    cost: str | None = Field(description="A decimal, as text (two decimals).")
    custom_fields: dict[str, Any] = Field(
        description="By key. A sensitive field's value reads as the mask `••••••` (send the mask back to keep it)."
    )
    public_reporting: PublicReporting = Field(
        description="Whether people without an account may report a problem by its QR label: `inherit` "
        "follows its location (and the location its parents)."
    )
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_asset_type(asset: Asset) -> dict[str, Any]:
        return {"id": asset.asset_type_id, "label": asset.asset_type.label}

    @staticmethod
    def resolve_location(asset: Asset) -> dict[str, Any] | None:
        return {"id": asset.location_id, "label": str(asset.location)} if asset.location else None

    @staticmethod
    def resolve_parent(asset: Asset) -> str | None:
        return asset.parent.code if asset.parent else None

    @staticmethod
    def resolve_cost(asset: Asset) -> str | None:
        return None if asset.cost is None else f"{asset.cost:.2f}"

    @staticmethod
    def resolve_custom_fields(asset: Asset) -> dict[str, Any]:
        return masked_values(asset.custom_values)  # revealed one at a time, audited


class AssetPage(Schema):
    items: list[AssetOut]
    next_cursor: str | None
    has_more: bool


class AssetListQuery(Schema):
    asset_type: int | None = Field(None, ge=1, le=MAX_ID)
    criticality: Criticality | None = None
    status: AssetStatus | None = None
    location: int | None = Field(None, ge=1, le=MAX_ID, description="That location and everything inside it.")
    q: str = Field("", max_length=100, description="Code, name, model or serial number contains.")
    field: str = Field(
        "",
        max_length=50,
        description="A custom field's key, to compare with `value` "
        "(refused for a sensitive field: its values are encrypted).",
    )
    value: str = Field("", max_length=100, description="The custom field's value, exactly.")
    retired: bool = Field(False, description="Include retired assets.")
    cursor: str = Field("", max_length=200, description="`next_cursor` of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class AssetIn(StrictInput):
    code: str = Field(..., min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str = Field(..., min_length=1, max_length=200)
    asset_type: Id
    model_name: str = Field("", max_length=120)
    serial_number: str = Field("", max_length=120)
    manufacturer: str = Field("", max_length=200)
    supplier: str = Field("", max_length=200)
    installed_on: DateIn | None = None
    warranty_ends_on: DateIn | None = None
    criticality: Annotated[Criticality, Strict(False)] = Criticality.C
    status: Annotated[AssetStatus, Strict(False)] = AssetStatus.RUNNING
    location: Id | None = None
    parent: str | None = Field(None, max_length=60, description="The parent asset's code.")
    cost: CostIn | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    public_reporting: Annotated[PublicReporting, Strict(False)] = PublicReporting.INHERIT


class AssetUpdateIn(StrictInput):
    """Only the fields sent change."""

    code: str | None = Field(None, min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    name: str | None = Field(None, min_length=1, max_length=200)
    asset_type: Id | None = None
    model_name: str | None = Field(None, max_length=120)
    serial_number: str | None = Field(None, max_length=120)
    manufacturer: str | None = Field(None, max_length=200)
    supplier: str | None = Field(None, max_length=200)
    installed_on: DateIn | None = None
    warranty_ends_on: DateIn | None = None
    criticality: Annotated[Criticality, Strict(False)] | None = None
    status: Annotated[AssetStatus, Strict(False)] | None = None
    location: Id | None = None
    parent: str | None = Field(None, max_length=60)
    cost: CostIn | None = None
    custom_fields: dict[str, Any] | None = None
    public_reporting: Annotated[PublicReporting, Strict(False)] | None = None


# ---- locations (decision 0182) -----------------------------------------------------------------------------
LOCATION_REF = Path(
    ...,
    max_length=60,
    description="The location's code (case does not matter); a location without a code by its id.",
)
LatitudeIn = Annotated[Decimal, Strict(False), Field(ge=-90, le=90, decimal_places=6)]
LongitudeIn = Annotated[Decimal, Strict(False), Field(ge=-180, le=180, decimal_places=6)]


class LocationRef(Schema):
    id: int
    code: str
    name: str


class LocationOut(Schema):
    id: int
    code: str
    name: str
    kind: Location.Kind
    full_name: str = Field(description="The names from the site down, joined by “ / ”.")
    parent: LocationRef | None
    address: str
    latitude: str | None = Field(description="A decimal, as text (six decimals).")
    longitude: str | None = Field(description="A decimal, as text (six decimals).")
    is_active: bool
    public_reporting: PublicReporting = Field(
        description="Whether people without an account may report a problem here: `inherit` follows the parent."
    )

    @staticmethod
    def resolve_latitude(location: Location) -> str | None:
        return None if location.latitude is None else f"{location.latitude:.6f}"

    @staticmethod
    def resolve_longitude(location: Location) -> str | None:
        return None if location.longitude is None else f"{location.longitude:.6f}"


class LocationDetailOut(LocationOut):
    path: list[LocationRef] = Field(description="Its ancestors, from the site down to its parent.")
    children: list[LocationRef] = Field(description="The places directly inside it (inactive ones too).")

    @staticmethod
    def resolve_path(location: Location) -> list[Location]:
        return selectors.location_ancestors(location)

    @staticmethod
    def resolve_children(location: Location) -> list[Location]:
        return list(location.children.order_by("name", "id"))


class LocationPage(Schema):
    items: list[LocationOut]
    next_cursor: str | None
    has_more: bool


class LocationListQuery(Schema):
    parent: int | None = Field(None, ge=1, le=MAX_ID, description="Only the places directly inside this one.")
    top_level: bool = Field(False, description="Only the places without a parent (the sites).")
    q: str = Field("", max_length=100, description="Name, code or full name contains.")
    inactive: bool = Field(False, description="Include deactivated places.")
    cursor: str = Field("", max_length=600, description="`next_cursor` of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class LocationIn(StrictInput):
    code: str = Field("", max_length=60, pattern=r"^([A-Za-z0-9][A-Za-z0-9._-]*)?$")
    name: str = Field(..., min_length=1, max_length=200)
    kind: Annotated[Location.Kind, Strict(False)] = Location.Kind.SITE
    parent: Id | None = None
    address: str = Field("", max_length=400)
    latitude: LatitudeIn | None = None
    longitude: LongitudeIn | None = None
    is_active: bool = True
    public_reporting: Annotated[PublicReporting, Strict(False)] = PublicReporting.INHERIT


class LocationUpdateIn(StrictInput):
    """Only the fields sent change. `parent` moves the place (and everything inside it); null makes it a site.
    `is_active: false` deactivates it."""

    code: str | None = Field(None, max_length=60, pattern=r"^([A-Za-z0-9][A-Za-z0-9._-]*)?$")
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: Annotated[Location.Kind, Strict(False)] | None = None
    parent: Id | None = None
    address: str | None = Field(None, max_length=400)
    latitude: LatitudeIn | None = None
    longitude: LongitudeIn | None = None
    is_active: bool | None = None
    public_reporting: Annotated[PublicReporting, Strict(False)] | None = None


def _location_values(given: dict[str, Any]) -> dict[str, Any]:
    values = dict(given)
    for required in ("name", "kind", "is_active", "public_reporting"):
        if required in values and values[required] is None:
            raise ValidationFailed(
                _("This field is required."), details={required: [_("This field is required.")]}
            )
    for text in ("code", "address"):
        if text in values and values[text] is None:
            values[text] = ""
    if "name" in values:
        values["name"] = values["name"].strip()
    if "parent" in values:
        values["parent"] = optional_row(Location.objects.all(), "parent", values["parent"])
    return values


def _location(actor: User, ref: str) -> Location:
    return selectors.location_get(actor=actor, ref=ref)


def _encode_path(path: str) -> str:
    return base64.urlsafe_b64encode(f"path:{path}".encode()).decode().rstrip("=")


def _decode_path(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    prefix, _sep, path = raw.partition(":")
    if prefix != "path" or not path.startswith("/") or len(path) > 400:
        raise ValidationFailed(_("The cursor is not valid."), details={"cursor": [_("Invalid cursor.")]})
    return path


@router.get("/locations", response={200: LocationPage, **errors_for(403, 422)}, summary="List locations")
def location_list(request: HttpRequest, filters: Query[LocationListQuery]) -> dict[str, Any]:
    """Staff only, in tree order (a place after its parent). Deactivated places only when asked."""
    actor = actor_of(request)
    _require_staff(actor)
    parent = optional_row(Location.objects.all(), "parent", filters.parent)
    page = selectors.location_list(
        actor=actor, parent=parent, top_level=filters.top_level, q=filters.q.strip(),
        include_inactive=filters.inactive, after=_decode_path(filters.cursor) if filters.cursor else "",
        limit=filters.limit,
    )  # fmt: skip
    return {
        "items": page.rows,
        "next_cursor": _encode_path(page.next_after) if page.next_after else None,
        "has_more": page.next_after is not None,
    }


@router.get(
    "/locations/{code}", response={200: LocationDetailOut, **errors_for(403, 404)}, summary="Get a location"
)
def location_get(request: HttpRequest, code: str = LOCATION_REF) -> Location:
    """Staff only. With its path from the site down and the places directly inside it."""
    return _location(actor_of(request), code)


@router.post(
    "/locations", response={201: LocationDetailOut, **errors_for(403, 422)}, summary="Create a location"
)
def location_create(request: HttpRequest, payload: LocationIn) -> Status:
    """Administrators only, like the settings screen (and audited like it)."""
    actor = actor_of(request)
    _require_staff(actor)
    values = _location_values(payload.model_dump())
    created = audited_configuration_save(
        actor=actor, row=None, save=lambda: services.location_create(actor=actor, **values)
    )
    return Status(201, Location.objects.select_related("parent").get(pk=created.pk))


@router.patch(
    "/locations/{code}",
    response={200: LocationDetailOut, **errors_for(403, 404, 409, 422)},
    summary="Update or move a location",
)
def location_update(request: HttpRequest, payload: LocationUpdateIn, code: str = LOCATION_REF) -> Location:
    """Administrators only. A move under one of its own places is a 422 naming the cycle; deactivating a place
    with active places or assets not retired inside it is a 409 with their counts."""
    actor = actor_of(request)
    location = _location(actor, code)
    values = _location_values(payload.model_dump(exclude_unset=True))
    audited_configuration_save(
        actor=actor,
        row=location,
        save=lambda: services.location_update(actor=actor, location=location, **values),
    )
    return Location.objects.select_related("parent").get(pk=location.pk)


@router.delete(
    "/locations/{code}", response={204: None, **errors_for(403, 404, 409)}, summary="Delete a location"
)
def location_delete(request: HttpRequest, code: str = LOCATION_REF) -> Status:
    """Administrators only. Only a place nothing refers to: otherwise a 409 whose details count the places
    inside it, its assets, its tickets and other records (deactivate it instead)."""
    actor = actor_of(request)
    location = _location(actor, code)
    audited_configuration_delete(
        actor=actor, row=location, delete=lambda: services.location_delete(actor=actor, location=location)
    )
    return Status(204, None)


# ---- asset types -------------------------------------------------------------------------------------------
def _asset_type(type_id: int) -> AssetType:
    found = selectors.asset_type_list().filter(pk=type_id).first()
    if found is None:
        raise NotFound(_("Asset type not found."))
    return found


@router.get("/asset-types", response={200: list[AssetTypeOut], **errors_for(403)}, summary="List asset types")
def asset_type_list(request: HttpRequest) -> list[AssetType]:
    _require_staff(actor_of(request))
    return list(selectors.asset_type_list())


@router.post(
    "/asset-types", response={201: AssetTypeOut, **errors_for(403, 422)}, summary="Create an asset type"
)
def asset_type_create(request: HttpRequest, payload: AssetTypeIn) -> Status:
    """Administrators only."""
    actor = actor_of(request)
    created = audited_configuration_save(  # the API is a door to the configuration like the settings screen
        actor=actor, row=None, save=lambda: services.asset_type_create(actor=actor, **payload.model_dump())
    )
    return Status(201, _asset_type(created.pk))


@router.patch(
    "/asset-types/{type_id}",
    response={200: AssetTypeOut, **errors_for(403, 404, 422)},
    summary="Update an asset type",
)
def asset_type_update(request: HttpRequest, payload: AssetTypeUpdateIn, type_id: int = IdPath) -> AssetType:
    actor = actor_of(request)
    _require_staff(actor)
    asset_type = _asset_type(type_id)
    given = payload.model_dump(exclude_unset=True)
    for field in ("name_en", "description"):
        if field in given and given[field] is None:
            given[field] = ""
    audited_configuration_save(
        actor=actor, row=asset_type,
        save=lambda: services.asset_type_update(actor=actor, asset_type=asset_type, **given),
    )  # fmt: skip
    return _asset_type(type_id)


@router.post(
    "/asset-types/{type_id}/fields",
    response={201: AssetTypeOut, **errors_for(403, 404, 422)},
    summary="Add a field to an asset type",
)
def asset_field_create(request: HttpRequest, payload: AssetFieldIn, type_id: int = IdPath) -> Status:
    actor = actor_of(request)
    _require_staff(actor)
    asset_type = _asset_type(type_id)
    audited_configuration_save(
        actor=actor, row=None,
        save=lambda: services.asset_field_create(actor=actor, asset_type=asset_type, **payload.model_dump()),
    )  # fmt: skip
    return Status(201, _asset_type(type_id))


# ---- assets ------------------------------------------------------------------------------------------------
def _encode(code: str) -> str:
    return base64.urlsafe_b64encode(f"code:{code}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    prefix, _sep, code = raw.partition(":")
    if prefix != "code" or not code or len(code) > 60:
        raise ValidationFailed(_("The cursor is not valid."), details={"cursor": [_("Invalid cursor.")]})
    return code


def _asset(actor: User, code: str) -> Asset:
    return selectors.asset_get(actor=actor, code=code)


def _values(given: dict[str, Any]) -> dict[str, Any]:
    """API names → service values: ids and codes become rows (a missing one is a 422 naming the field)."""
    values = dict(given)
    if "asset_type" in values:
        values["asset_type"] = row_or_422(AssetType.objects.prefetch_related("fields"), "asset_type",
                                          pk=values["asset_type"])  # fmt: skip
    if "location" in values:
        values["location"] = optional_row(Location.objects.all(), "location", values["location"])
    if "parent" in values:
        values["parent"] = optional_row(Asset.objects.all(), "parent", values["parent"], "code__iexact")
    if "custom_fields" in values:
        values["custom_values"] = values.pop("custom_fields") or {}
    for field in ("model_name", "serial_number", "manufacturer", "supplier"):
        if field in values and values[field] is None:
            values[field] = ""
    return values


@router.get("/assets", response={200: AssetPage, **errors_for(403, 422)}, summary="List assets")
def asset_list(request: HttpRequest, filters: Query[AssetListQuery]) -> dict[str, Any]:
    """Staff only, by code. The same filters as the web list; retired assets only when asked."""
    actor = actor_of(request)
    _require_staff(actor)
    if problems := selectors.custom_filter_errors(filters.field.strip(), filters.value.strip()):
        raise ValidationFailed(next(iter(problems.values()))[0], details=problems)
    page = selectors.asset_list(
        actor=actor,
        filters=selectors.AssetFilters(
            asset_type=filters.asset_type, criticality=filters.criticality or "", status=filters.status or "",
            location=filters.location, q=filters.q.strip(), include_retired=filters.retired,
            custom_key=filters.field.strip(), custom_value=filters.value.strip(),
        ),
        after=_decode(filters.cursor) if filters.cursor else "",
        limit=filters.limit,
    )  # fmt: skip
    return {
        "items": page.rows,
        "next_cursor": _encode(page.next_after) if page.next_after else None,
        "has_more": page.next_after is not None,
    }


@router.get("/assets/{code}", response={200: AssetOut, **errors_for(403, 404)}, summary="Get an asset")
def asset_get(request: HttpRequest, code: str = CODE) -> Asset:
    actor = actor_of(request)
    _require_staff(actor)
    return _asset(actor, code)


@router.post("/assets", response={201: AssetOut, **errors_for(403, 422)}, summary="Create an asset")
def asset_create(request: HttpRequest, payload: AssetIn) -> Status:
    """Administrators, managers and team leads."""
    actor = actor_of(request)
    _require_staff(actor)
    created = services.asset_create(actor=actor, **_values(payload.model_dump()))
    return Status(201, _asset(actor, created.code))


@router.patch(
    "/assets/{code}", response={200: AssetOut, **errors_for(403, 404, 422)}, summary="Update an asset"
)
def asset_update(request: HttpRequest, payload: AssetUpdateIn, code: str = CODE) -> Asset:
    actor = actor_of(request)
    _require_staff(actor)
    asset = _asset(actor, code)
    given = payload.model_dump(exclude_unset=True)
    for required in ("code", "name", "asset_type", "criticality", "status", "public_reporting"):
        if required in given and given[required] is None:
            raise ValidationFailed(
                _("This field is required."), details={required: [_("This field is required.")]}
            )
    updated = services.asset_update(actor=actor, asset=asset, **_values(given))
    return _asset(actor, updated.code)


class SensitiveValueOut(Schema):
    key: str
    value: Any = Field(description="The clear value (text, number or date as text).")


@router.post(
    "/assets/{code}/sensitive/{key}",
    response={200: SensitiveValueOut, **errors_for(403, 404)},
    summary="Reveal one sensitive custom value",
)
def asset_sensitive_reveal(
    request: HttpRequest, code: str = CODE, key: str = Path(..., max_length=50)
) -> dict[str, Any]:
    """Staff only; the audit trail records who revealed which field of which asset (never the value). A POST:
    each call is an access to record, not a read to cache."""
    actor = actor_of(request)
    _require_staff(actor)
    asset = _asset(actor, code)
    return {
        "key": key,
        "value": services.asset_sensitive_reveal(actor=actor, asset=asset, key=key, request=request),
    }


@router.post(
    "/assets/{code}/retire", response={200: AssetOut, **errors_for(403, 404, 422)}, summary="Retire an asset"
)
def asset_retire(request: HttpRequest, code: str = CODE) -> Asset:
    """Assets with a history are not deleted: a retired asset keeps its work orders and downtime, leaves
    the lists and takes no new tickets. Its components must be retired or moved first."""
    actor = actor_of(request)
    _require_staff(actor)
    services.asset_retire(actor=actor, asset=_asset(actor, code))
    return _asset(actor, code)


# ---- import and export (decision 0165) ---------------------------------------------------------------------
class ImportErrorOut(Schema):
    row: int = Field(description="The row in the file (the header is row 1).")
    column: str = Field(description="The column's name in the header; empty for a row-wide problem.")
    message: str


class ImportRowOut(Schema):
    row: int
    key: str = Field(description="The row's code (or name).")
    action: str = Field(description="created, updated, unchanged or error.")
    errors: list[ImportErrorOut]


class ImportReportOut(Schema):
    kind: str
    mode: str
    dry_run: bool
    applied: bool = Field(description="Whether the file's changes were saved.")
    created: int
    updated: int
    unchanged: int
    failed: int
    rows: list[ImportRowOut]


TransferKind = Literal["locations", "assets"]
UPLOAD = File(..., description="An XLSX workbook or a CSV file (UTF-8, UTF-16 with a BOM, or GBK).")


@router.post(
    "/asset-register/import",
    response={200: ImportReportOut, **errors_for(400, 403, 413, 422)},
    summary="Import locations or assets from XLSX or CSV",
)
@decorate_view(declared_body_at_most(lambda: transfer.max_bytes() + MULTIPART_OVERHEAD))
def register_import(
    request: HttpRequest,
    file: UploadedFile = UPLOAD,
    kind: TransferKind = Form(..., description="What the file holds."),  # noqa: B008
    mode: Literal["all", "valid"] = Form(
        "all",
        description="`all`: a file with any error imports nothing; `valid`: the valid rows are imported.",
    ),
    dry_run: bool = Form(False, description="Only report what would happen (the preview)."),
) -> transfer.ImportReport:
    """Administrators only. Answers the row-by-row report (row, column, why); `applied` says whether anything
    was saved. A file that cannot be read at all (type, encoding, size, header) is a 422. The column format is
    in docs/assets.md."""
    if file.size is not None and file.size > transfer.max_bytes():
        raise ApiError(_("The file is too large."), status_code=413, code="request_too_large")
    return transfer.register_import(
        actor=actor_of(request), kind=kind, content=file.read(), filename=file.name or "", mode=mode,
        dry_run=dry_run,
    )  # fmt: skip


class ExportQuery(Schema):
    kind: TransferKind
    format: Literal["xlsx", "csv"] = "xlsx"
    template: bool = Field(False, description="Only the header row (the empty template to fill).")


@router.get(
    "/asset-register/export",
    response={200: None, **errors_for(403, 422)},
    summary="Export locations or assets as XLSX or CSV",
)
def register_export(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponse:
    """Administrators only. The same columns the import reads, so an export imports back unchanged."""
    export = transfer.register_export(
        actor=actor_of(request), kind=query.kind, file_format=query.format, template=query.template
    )
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---- documents and photos (decision 0166) ------------------------------------------------------------------
class DocumentOut(Schema):
    id: int
    kind: str
    title: str
    filename: str
    content_type: str
    size: int
    sha256: str
    is_image: bool
    created_at: datetime
    url: str = Field(description="The file (staff only): `GET /api/v1/asset-documents/{id}`.")

    @staticmethod
    def resolve_url(document: AssetDocument) -> str:
        return f"/api/v1/asset-documents/{document.pk}"


@router.get(
    "/assets/{code}/documents",
    response={200: list[DocumentOut], **errors_for(403, 404)},
    summary="An asset's documents and photos",
)
def document_list(request: HttpRequest, code: str = CODE) -> list[AssetDocument]:
    actor = actor_of(request)
    _require_staff(actor)
    return selectors.asset_documents(actor=actor, asset=_asset(actor, code))


@router.post(
    "/assets/{code}/documents",
    response={201: DocumentOut, **errors_for(400, 403, 404, 413, 422)},
    summary="Add a document or photo to an asset",
)
@decorate_view(declared_body_at_most(lambda: int(settings.GONGDAN_MAX_ATTACHMENT_BYTES) + MULTIPART_OVERHEAD))
def document_upload(
    request: HttpRequest,
    code: str = CODE,
    file: UploadedFile = File(..., description="The file (multipart/form-data)."),  # noqa: B008
    kind: Literal["", "manual", "photo", "drawing", "certificate", "other"] = Form(
        "", description="Empty: a photo for an image, else a manual."
    ),
    title: str = Form("", max_length=200, description="Empty: the file's name."),
) -> Status:
    """Administrators, managers and team leads. The checks of ticket attachments apply (size, no web pages,
    SVG or executables; an image only if it opens as one)."""
    actor = actor_of(request)
    _require_staff(actor)
    asset = _asset(actor, code)
    if file.size is not None and file.size > int(settings.GONGDAN_MAX_ATTACHMENT_BYTES):
        raise ApiError(_("The file is too large."), status_code=413, code="request_too_large")
    document = asset_document_add(
        actor=actor,
        asset=asset,
        incoming=IncomingFile(file.name or "file", file.read()),
        kind=kind,
        title=title,
    )
    return Status(201, document)


@router.get(
    "/asset-documents/{document_id}",
    response={200: None, **errors_for(403, 404)},
    summary="Download an asset document",
)
def document_download(request: HttpRequest, document_id: int = IdPath) -> FileResponse:
    """Images inline, everything else as a download; always sandboxed."""
    actor = actor_of(request)
    _require_staff(actor)
    document = selectors.asset_document_get(actor=actor, document_id=document_id)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError):
        raise NotFound(_("Document not found.")) from None
    response = FileResponse(
        handle, as_attachment=not document.is_image, filename=document.filename,
        content_type=document.content_type if document.is_image else "application/octet-stream",
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


@router.delete(
    "/asset-documents/{document_id}",
    response={204: None, **errors_for(403, 404)},
    summary="Remove an asset document",
)
def document_delete(request: HttpRequest, document_id: int = IdPath) -> Status:
    actor = actor_of(request)
    _require_staff(actor)
    document = selectors.asset_document_get(actor=actor, document_id=document_id)
    asset_document_delete(actor=actor, document=document)
    return Status(204, None)
