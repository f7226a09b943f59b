"""Importing and exporting the register: locations and assets as XLSX or CSV rows (docs/assets.md has the
column reference; decisions 0165 and 0166).

Codes are the natural keys: a row whose code is already in the register updates that location or asset, any
other row creates one. Parents, locations and asset types are named by code (a location without a code by its
full name, "Site / Building"). Every row goes through the same services as the screens (`location_create`,
`asset_update`…) inside a savepoint, so a row's errors are exactly the ones the form would show; the whole file
is one transaction that is rolled back for a preview, and — unless the admin chose to import the valid rows —
when any row has an error."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.accounts.services import require_admin
from gongdan.assets import services
from gongdan.assets.models import Asset, AssetField, AssetStatus, AssetType, Criticality, Location
from gongdan.assets.spreadsheets import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    read_table,
    unescape_formula,
    write_csv,
    write_xlsx,
)
from gongdan.audit.kinds import DATA_EXPORT
from gongdan.audit.services import audit_record
from gongdan.core.domain_errors import ValidationFailed
from gongdan.core.sensitive_values import masked_values

LOCATIONS, ASSETS = "locations", "assets"
KINDS = (LOCATIONS, ASSETS)
FORMATS = ("xlsx", "csv")
ALL_OR_NOTHING, VALID_ROWS = "all", "valid"
MODES = (ALL_OR_NOTHING, VALID_ROWS)
AUDIT_IMPORT = "assets.register_import"
CUSTOM_PREFIX = "cf."

LOCATION_COLUMNS = ("code", "name", "kind", "parent", "address", "latitude", "longitude", "active")
ASSET_COLUMNS = (
    "code", "name", "type", "model", "serial_number", "manufacturer", "supplier", "installed_on",
    "warranty_ends_on", "criticality", "status", "location", "parent", "cost",
)  # fmt: skip
REQUIRED_COLUMNS = {LOCATIONS: ("name",), ASSETS: ("code", "name", "type")}
# service field → column, for the errors a service names by field
ASSET_FIELD_COLUMNS = {"asset_type": "type", "model_name": "model"}
LOCATION_FIELD_COLUMNS = {"is_active": "active"}


def max_bytes() -> int:
    return int(settings.GONGDAN_ASSET_IMPORT_MAX_BYTES)


def max_rows() -> int:
    return int(settings.GONGDAN_ASSET_IMPORT_MAX_ROWS)


# --- the report ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    message: str


@dataclass
class RowResult:
    row: int
    key: str
    action: str = ""  # created / updated / unchanged / error
    errors: list[CellError] = field(default_factory=list)


@dataclass
class ImportReport:
    kind: str
    mode: str
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)
    applied: bool = False

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def failed(self) -> int:
        return self.count("error")

    @property
    def errors(self) -> list[CellError]:
        return [e for r in self.rows for e in r.errors]


class RowInvalid(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


# --- reading cells ------------------------------------------------------------------------------------------


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return unescape_formula(str(raw).strip())


def _date(raw: Any) -> date | None:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = _text(raw)
    if not text:
        return None
    text = text.split(" ")[0].split("T")[0].replace("/", "-").replace(".", "-")
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return date(year, month, day)
    except ValueError:
        raise ValueError(_("Give a date as YYYY-MM-DD.")) from None


def _decimal(raw: Any) -> Decimal | None:
    text = _text(raw).replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("Give a number.")) from None
    if not number.is_finite():
        raise ValueError(_("Give a number."))
    return number


def _labels(choices: list[tuple[str, Any]]) -> dict[str, str]:
    """Code, English and Chinese label (case-insensitive) → code: a file written by hand may use any."""
    found: dict[str, str] = {}
    for code, label in choices:
        found[code.lower()] = code
        for language in ("en", "zh-hans"):
            with translation.override(language):
                found[str(label).strip().lower()] = code
    return found


def _choice(raw: Any, names: dict[str, str]) -> str | None:
    text = _text(raw).lower()
    if not text:
        return None
    if text not in names:
        raise ValueError(_("“%(value)s” is not one of the choices.") % {"value": _text(raw)})
    return names[text]


TRUE_WORDS = {"true", "yes", "y", "1", "是", "启用", "x"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "停用"}


def _boolean(raw: Any) -> bool | None:
    text = _text(raw).lower()
    if not text:
        return None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("Give true or false."))


# --- the header ---------------------------------------------------------------------------------------------


def _columns(kind: str, header: list[str]) -> dict[str, int]:
    """Column name → index; unknown, repeated and missing required columns refuse the file."""
    known = LOCATION_COLUMNS if kind == LOCATIONS else ASSET_COLUMNS
    custom_keys = set(AssetField.objects.values_list("key", flat=True)) if kind == ASSETS else set()
    columns: dict[str, int] = {}
    problems: list[str] = []
    for index, raw in enumerate(header):
        name = unescape_formula(raw.strip())
        if not name:
            continue
        if name.lower().startswith(CUSTOM_PREFIX) and kind == ASSETS:
            key = name[len(CUSTOM_PREFIX) :]
            if key not in custom_keys:
                problems.append(
                    _("Column “%(name)s”: no asset type has a field with this key.") % {"name": name}
                )
                continue
            name = CUSTOM_PREFIX + key
        else:
            name = name.lower()
            if name not in known:
                problems.append(_("Column “%(name)s” is not a column of this import.") % {"name": raw})
                continue
        if name in columns:
            problems.append(_("Column “%(name)s” appears twice.") % {"name": raw})
        columns[name] = index
    for required in REQUIRED_COLUMNS[kind]:
        if required not in columns:
            problems.append(_("The column “%(name)s” is missing.") % {"name": required})
    if problems:
        raise ValidationFailed(problems[0], code="import_header", details={"file": problems})
    return columns


# --- lookups ------------------------------------------------------------------------------------------------


def _location_by_ref(ref: str) -> Location:
    """A location by code (any case) or, for one without a code, by its full name."""
    found = list(Location.objects.filter(Q(code__iexact=ref) | Q(full_name=ref)).select_related("parent")[:2])
    by_code = [loc for loc in found if loc.code.lower() == ref.lower()]
    if len(by_code) == 1:
        return by_code[0]
    if len(found) == 1:
        return found[0]
    if not found:
        raise LookupError(_("No location has the code or full name “%(ref)s”.") % {"ref": ref})
    raise ValueError(_("Several locations have the code “%(ref)s”: use the full name.") % {"ref": ref})


# --- the import ---------------------------------------------------------------------------------------------


def register_import(
    *,
    actor: User,
    kind: str,
    content: bytes,
    filename: str = "",
    mode: str = ALL_OR_NOTHING,
    dry_run: bool = False,
) -> ImportReport:
    """Read the file and apply it in one transaction. `dry_run` (the preview) always rolls back; otherwise a
    file with an error anywhere changes nothing unless `mode` is "valid" (then the valid rows are kept).
    Raises ValidationFailed for a file that cannot be read at all (type, encoding, size, header)."""
    require_admin(actor)
    if kind not in KINDS:
        raise ValidationFailed(
            _("Choose locations or assets."), details={"kind": [_("Not one of the choices.")]}
        )
    if mode not in MODES:
        raise ValidationFailed(_("Not one of the choices."), details={"mode": [_("Not one of the choices.")]})
    if len(content) > max_bytes():
        message = _("The file is larger than %(limit)d KB.") % {"limit": max_bytes() // 1024}
        raise ValidationFailed(message, code="file_too_large", details={"file": [message]})
    table = read_table(content, sheet=kind, max_rows=max_rows())
    columns = _columns(kind, table.header)
    report = ImportReport(kind=kind, mode=mode, dry_run=dry_run)
    with transaction.atomic():
        rows = [
            (number, {name: _cell(values, index) for name, index in columns.items()})
            for number, values in table.rows
        ]
        apply = _apply_location if kind == LOCATIONS else _apply_asset
        _apply_in_order(actor, rows, apply, report)
        keep = (
            not dry_run and (report.failed == 0 or mode == VALID_ROWS) and (report.created or report.updated)
        )
        if keep:
            audit_record(
                kind=AUDIT_IMPORT, actor=actor, object_type=kind, object_repr=(filename or kind)[:200],
                detail={
                    "file": filename[:200], "sha256": hashlib.sha256(content).hexdigest(), "mode": mode,
                    "created": report.created, "updated": report.updated, "failed": report.failed,
                    "rows": len(rows),
                },
            )  # fmt: skip
            report.applied = True
        else:
            transaction.set_rollback(True)
    return report


def _cell(values: list[Any], index: int) -> Any:
    return values[index] if index < len(values) else None


def _apply_in_order(
    actor: User,
    rows: list[tuple[int, dict[str, Any]]],
    apply: Callable[[User, dict[str, Any]], str],
    report: ImportReport,
) -> None:
    """Rows whose parent comes later in the file wait for it: passes until nothing more can be placed."""
    seen: dict[str, int] = {}
    pending: list[tuple[int, dict[str, Any], RowResult]] = []
    for number, values in rows:
        key = _text(values.get("code")) or _text(values.get("name"))
        result = RowResult(row=number, key=key)
        report.rows.append(result)
        code = _text(values.get("code")).lower()
        if code and code in seen:
            message = _("This code is already in row %(row)d.") % {"row": seen[code]}
            result.action, result.errors = "error", [CellError(number, "code", message)]
            continue
        if code:
            seen[code] = number
        pending.append((number, values, result))
    while pending:
        waiting: list[tuple[int, dict[str, Any], RowResult]] = []
        for number, values, result in pending:
            try:
                with transaction.atomic():
                    result.action = apply(actor, values)
            except _ParentLater:
                waiting.append((number, values, result))
            except RowInvalid as exc:
                result.action = "error"
                result.errors = [CellError(number, column, message) for column, message in exc.errors]
            except ValidationFailed as exc:
                result.action = "error"
                result.errors = _service_errors(number, exc, report.kind)
        if len(waiting) == len(pending):  # nothing placed this pass: the parents are not anywhere
            for number, values, result in waiting:
                ref = _text(values.get("parent"))
                message = (
                    _("No location has the code or full name “%(ref)s”.")
                    if report.kind == LOCATIONS
                    else _("No asset has the code “%(ref)s”.")
                ) % {"ref": ref}
                result.action, result.errors = "error", [CellError(number, "parent", message)]
            break
        pending = waiting


class _ParentLater(Exception):
    """The row's parent is not in the register (yet): it may be created further down the file."""


def _service_errors(number: int, exc: ValidationFailed, kind: str) -> list[CellError]:
    names = ASSET_FIELD_COLUMNS if kind == ASSETS else LOCATION_FIELD_COLUMNS
    errors: list[CellError] = []
    for name, messages in (exc.details or {}).items():
        if name.startswith("custom_values."):
            column = CUSTOM_PREFIX + name.removeprefix("custom_values.")
        else:
            column = names.get(name, name)
        errors.extend(CellError(number, column, str(m)) for m in messages)
    return errors or [CellError(number, "", str(exc.message))]


def _parse(values: dict[str, Any], parsers: dict[str, tuple[str, Callable[[Any], Any]]]) -> dict[str, Any]:
    """Column → service field through its parser; every bad cell is named at once."""
    parsed: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for column, (target, parse) in parsers.items():
        if column not in values:
            continue
        try:
            parsed[target] = parse(values[column])
        except ValueError as exc:
            errors.append((column, str(exc)))
    if errors:
        raise RowInvalid(errors)
    return parsed


def _apply_location(actor: User, values: dict[str, Any]) -> str:
    parsed = _parse(values, {
        "code": ("code", _text), "name": ("name", _text), "address": ("address", _text),
        "kind": ("kind", lambda raw: _choice(raw, _labels(list(Location.Kind.choices)))),
        "latitude": ("latitude", _decimal), "longitude": ("longitude", _decimal),
        "active": ("is_active", _boolean),
    })  # fmt: skip
    errors: list[tuple[str, str]] = []
    if len(parsed.get("code", "")) > 60:
        errors.append(("code", _("At most %(max)d characters.") % {"max": 60}))
    if len(parsed.get("address", "")) > 400:
        errors.append(("address", _("At most %(max)d characters.") % {"max": 400}))
    if not parsed.get("name"):
        errors.append(("name", _("This field is required.")))
    if errors:
        raise RowInvalid(errors)
    if parsed.get("kind") is None:
        parsed.pop("kind", None)
    if parsed.get("is_active") is None:
        parsed.pop("is_active", None)
    if "parent" in values:
        ref = _text(values["parent"])
        parsed["parent"] = None
        if ref:
            try:
                parsed["parent"] = _location_by_ref(ref)
            except LookupError:
                raise _ParentLater from None
            except ValueError as exc:
                raise RowInvalid([("parent", str(exc))]) from None
    existing = None
    if parsed.get("code"):
        found = list(Location.objects.filter(code__iexact=parsed["code"])[:2])
        if len(found) > 1:
            raise RowInvalid([("code", _("Several locations have this code."))])
        existing = found[0] if found else None
    else:
        existing = Location.objects.filter(parent=parsed.get("parent"), name=parsed["name"]).first()
    if existing is None:
        services.location_create(actor=actor, **parsed)
        return "created"
    changed = {k: v for k, v in parsed.items() if _differs(getattr(existing, k), v)}
    if not changed:
        return "unchanged"
    services.location_update(actor=actor, location=existing, **changed)
    return "updated"


def _differs(before: Any, after: Any) -> bool:
    if isinstance(before, Decimal) or isinstance(after, Decimal):
        if before is None or after is None:
            return before is not after
        return Decimal(before) != Decimal(after)
    if before is None and after == "":
        return False
    return bool(before != after)


def _asset_parsers() -> dict[str, tuple[str, Callable[[Any], Any]]]:
    return {
        "code": ("code", _text), "name": ("name", _text), "model": ("model_name", _text),
        "serial_number": ("serial_number", _text), "manufacturer": ("manufacturer", _text),
        "supplier": ("supplier", _text), "installed_on": ("installed_on", _date),
        "warranty_ends_on": ("warranty_ends_on", _date), "cost": ("cost", _decimal),
        "criticality": ("criticality", lambda raw: _choice(raw, _labels(list(Criticality.choices)))),
        "status": ("status", lambda raw: _choice(raw, _labels(list(AssetStatus.choices)))),
    }  # fmt: skip


def _apply_asset(actor: User, values: dict[str, Any]) -> str:
    parsed = _parse(values, _asset_parsers())
    errors: list[tuple[str, str]] = []
    type_code = _text(values.get("type"))
    asset_type = AssetType.objects.prefetch_related("fields").filter(code__iexact=type_code).first()
    if asset_type is None:
        message = (
            _("No asset type has the code “%(code)s”.") % {"code": type_code}
            if type_code
            else _("This field is required.")
        )
        errors.append(("type", message))
    for choice in ("criticality", "status"):
        if choice in parsed and parsed[choice] is None:
            parsed.pop(choice)
    if "location" in values:
        ref = _text(values["location"])
        parsed["location"] = None
        if ref:
            try:
                parsed["location"] = _location_by_ref(ref)
            except (LookupError, ValueError) as exc:
                errors.append(("location", str(exc)))
    if errors:
        raise RowInvalid(errors)
    assert asset_type is not None
    parsed["asset_type"] = asset_type
    existing = Asset.objects.filter(code__iexact=parsed.get("code", "")).select_related("parent").first()
    custom = {
        name.removeprefix(CUSTOM_PREFIX): _text(raw)
        for name, raw in values.items()
        if name.startswith(CUSTOM_PREFIX) and raw is not None and not isinstance(raw, date)
    } | {
        name.removeprefix(CUSTOM_PREFIX): _date(raw).isoformat()  # type: ignore[union-attr]
        for name, raw in values.items()
        if name.startswith(CUSTOM_PREFIX) and isinstance(raw, date)
    }
    type_keys = {f.key for f in asset_type.fields.all()}
    parsed["custom_values"] = {k: v for k, v in custom.items() if k in type_keys and v != ""}
    if existing is not None:
        # Only the columns in the file change; custom fields of the type absent from the file are kept.
        keep = {k: v for k, v in existing.custom_values.items() if CUSTOM_PREFIX + k not in values}
        parsed["custom_values"] = keep | parsed["custom_values"]
    if "parent" in values:
        ref = _text(values["parent"])
        parsed["parent"] = None
        if ref:
            parsed["parent"] = Asset.objects.filter(code__iexact=ref).first()
            if parsed["parent"] is None:
                raise _ParentLater
    if existing is None:
        services.asset_create(actor=actor, **parsed)
        return "created"
    try:
        # The mask exported for a sensitive value means "unchanged"; an unchanged value keeps its sealed text.
        normal = services.asset_custom_values_stored(
            asset_type, parsed["custom_values"], existing.custom_values
        )
    except ValidationFailed:
        normal = None
    compare = dict(parsed, custom_values=normal) if normal is not None else parsed
    if "cost" in compare and compare["cost"] is not None:
        compare["cost"] = compare["cost"].quantize(Decimal("0.01"))
    changed = {k: v for k, v in compare.items() if normal is None or _differs(getattr(existing, k), v)}
    if not changed:
        return "unchanged"
    services.asset_update(actor=actor, asset=existing, **{k: parsed[k] for k in changed})
    return "updated"


# --- the export ---------------------------------------------------------------------------------------------


def custom_keys() -> list[str]:
    """Every asset field's key once, in the order of the types and their fields."""
    keys: list[str] = []
    for key in AssetField.objects.order_by(
        "asset_type__order", "asset_type__code", "order", "id"
    ).values_list("key", flat=True):
        if key not in keys:
            keys.append(key)
    return keys


def header_for(kind: str) -> list[str]:
    if kind == LOCATIONS:
        return list(LOCATION_COLUMNS)
    return [*ASSET_COLUMNS, *(CUSTOM_PREFIX + key for key in custom_keys())]


def _location_ref(location: Location | None) -> str:
    if location is None:
        return ""
    return location.code or location.full_name


def _location_rows() -> Iterator[list[Any]]:
    for loc in Location.objects.select_related("parent").order_by("path").iterator(chunk_size=2000):
        yield [
            loc.code, loc.name, loc.kind, _location_ref(loc.parent), loc.address, loc.latitude, loc.longitude,
            loc.is_active,
        ]  # fmt: skip


def _asset_rows(keys: list[str]) -> Iterator[list[Any]]:
    assets = Asset.objects.select_related("asset_type", "location", "parent").order_by("path")
    for asset in assets.iterator(chunk_size=2000):
        masked = masked_values(asset.custom_values)  # a sensitive value leaves only as the mask
        yield [
            asset.code, asset.name, asset.asset_type.code, asset.model_name, asset.serial_number,
            asset.manufacturer, asset.supplier, asset.installed_on, asset.warranty_ends_on, asset.criticality,
            asset.status, _location_ref(asset.location), asset.parent.code if asset.parent else "", asset.cost,
            *(masked.get(key) for key in keys),
        ]  # fmt: skip


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes
    content_type: str


def register_export(*, actor: User, kind: str, file_format: str, template: bool = False) -> ExportFile:
    """The register (or, with `template`, only the header row) in the format the import reads. Exports of
    data are audited; the empty template is not."""
    require_admin(actor)
    if kind not in KINDS:
        raise ValidationFailed(
            _("Choose locations or assets."), details={"kind": [_("Not one of the choices.")]}
        )
    if file_format not in FORMATS:
        raise ValidationFailed(_("Choose XLSX or CSV."), details={"format": [_("Not one of the choices.")]})
    header = header_for(kind)
    rows: Iterator[list[Any]]
    if template:
        rows = iter(())
    elif kind == LOCATIONS:
        rows = _location_rows()
    else:
        rows = _asset_rows([h.removeprefix(CUSTOM_PREFIX) for h in header if h.startswith(CUSTOM_PREFIX)])
    if file_format == "xlsx":
        content, content_type = write_xlsx(kind, header, rows), XLSX_CONTENT_TYPE
    else:
        content, content_type = write_csv(header, rows), CSV_CONTENT_TYPE
    name = f"gongdan-{kind}{'-template' if template else ''}.{file_format}"
    if not template:
        with transaction.atomic():
            audit_record(
                kind=DATA_EXPORT, actor=actor, object_type=kind, object_repr=name,
                detail={"what": f"assets.{kind}", "format": file_format, "bytes": len(content)},
            )  # fmt: skip
    return ExportFile(filename=name, content=content, content_type=content_type)
