"""Proof of presence at a stop: does a scanned code name this stop, and where was the phone (decision 0158).

A stop with an asset is proved by the asset's label (its address `<site>/a/<code>/`, or the code typed as
written on the machine); a stop at a place by the place's labels (the technician label `/m/locations/<id>/`,
the public "report here" label `/portal/new/?location=<id>`, or the place's code as written on the wall)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from gongdan.assets.models import Asset, Location
from gongdan.core.domain_errors import ValidationFailed
from gongdan.core.trees import path_ids
from gongdan.routing.presence import great_circle_km

MAX_CODE = 500
MAX_ACCURACY_M = 100_000.0
SHARED, DENIED, UNAVAILABLE = "shared", "denied", "unavailable"


@dataclass(frozen=True)
class Position:
    """What the phone said about where it was: coordinates when shared, else why not."""

    status: str = UNAVAILABLE
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: float | None = None


def _coordinate(value: Any, field: str, limit: int) -> Decimal:
    try:
        number: Decimal | None = Decimal(str(value).strip()).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        number = None
    if isinstance(value, bool) or number is None or not number.is_finite() or not -limit <= number <= limit:
        message = _("Between -%(limit)d and %(limit)d.") % {"limit": limit}
        raise ValidationFailed(message, details={field: [message]})
    return number


def clean_position(
    *, latitude: Any = None, longitude: Any = None, accuracy: Any = None, status: str = ""
) -> Position:
    """A position from the phone, or the reason it has none. Half a position is an error, not a guess."""
    if latitude in (None, "") and longitude in (None, ""):
        return Position(status=status if status in (DENIED, UNAVAILABLE) else UNAVAILABLE)
    if latitude in (None, "") or longitude in (None, ""):
        message = _("Send latitude and longitude together.")
        raise ValidationFailed(message, details={"latitude": [message]})
    accuracy_m = None
    if accuracy not in (None, ""):
        try:
            accuracy_m = float(accuracy)
        except (TypeError, ValueError):
            accuracy_m = -1.0
        if isinstance(accuracy, bool) or not 0 <= accuracy_m <= MAX_ACCURACY_M:
            message = _("The accuracy must be between 0 and %(max)d metres.") % {"max": int(MAX_ACCURACY_M)}
            raise ValidationFailed(message, details={"accuracy": [message]})
    return Position(SHARED, _coordinate(latitude, "latitude", 90), _coordinate(longitude, "longitude", 180),
                    accuracy_m)  # fmt: skip


def _named_by_address(code: str) -> tuple[str, str] | None:
    """("asset", code) or ("location", id) for an address Gongdan prints on its labels."""
    try:
        parts = urlsplit(code)
    except ValueError:
        return None
    path = parts.path or "/"
    if path.startswith("/portal/new"):
        return ("location", parse_qs(parts.query).get("location", [""])[0])
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name == "assets:asset_scan":
        return ("asset", str(match.kwargs.get("code", "")))
    if match.view_name == "field:location":
        return ("location", str(match.kwargs.get("pk", "")))
    return None


def code_names_stop(code: str, *, asset: Asset | None, location: Location | None) -> bool:
    """True when `code` is one of the stop's labels (asset stops: the asset's; place stops: the place's)."""
    code = (code or "").strip()
    if not code:
        message = _("Scan the stop's code.")
        raise ValidationFailed(message, details={"code": [message]})
    if len(code) > MAX_CODE or not code.isprintable():
        message = _("This is not a code Gongdan made.")
        raise ValidationFailed(message, details={"code": [message]})
    named = _named_by_address(code) if "/" in code else None
    if asset is not None:
        if named is not None:
            return named[0] == "asset" and named[1].casefold() == asset.code.casefold()
        return code.casefold() == asset.code.casefold()
    if location is None:
        return False
    if named is not None:
        return named[0] == "location" and named[1] == str(location.pk)
    return bool(location.code) and code.casefold() == location.code.casefold()


def stop_coordinates(location: Location | None) -> tuple[float, float] | None:
    """The place's coordinates, or those of the nearest place above it that has them."""
    if location is None:
        return None
    ids = path_ids(location.path) or [location.pk]
    known = {
        pk: (float(lat), float(lon))
        for pk, lat, lon in Location.objects.filter(
            pk__in=ids, latitude__isnull=False, longitude__isnull=False
        ).values_list("pk", "latitude", "longitude")
        if lat is not None and lon is not None
    }
    for pk in reversed(ids):
        if pk in known:
            return known[pk]
    return None


def distance_m(position: Position, place: tuple[float, float] | None) -> float | None:
    if place is None or position.latitude is None or position.longitude is None:
        return None
    return round(
        great_circle_km(float(position.latitude), float(position.longitude), place[0], place[1]) * 1000, 1
    )
