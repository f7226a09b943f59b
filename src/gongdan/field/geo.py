"""Where a job is and how far a technician is from it. Distances are great-circle (routing's helper)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from gongdan.assets.models import Location
from gongdan.core.domain_errors import ValidationFailed
from gongdan.core.trees import path_ids
from gongdan.field.models import GeoStatus
from gongdan.routing.presence import great_circle_km
from gongdan.tickets.models import Ticket

MAX_ACCURACY_M = 100_000.0


@dataclass(frozen=True)
class Fix:
    """What the phone said about its position: coordinates when shared, else why not."""

    status: str
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_m: float | None = None

    @property
    def point(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (float(self.latitude), float(self.longitude))


NOT_SHARED = Fix(status=GeoStatus.DENIED)


def _coordinate(value: Any, field: str, limit: int) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        number = None
    if isinstance(value, bool) or number is None or not number.is_finite() or not -limit <= number <= limit:
        message = _("Between -%(limit)d and %(limit)d.") % {"limit": limit}
        raise ValidationFailed(message, details={field: [message]})
    return number


def clean_fix(*, latitude: Any = None, longitude: Any = None, accuracy: Any = None, status: str = "") -> Fix:
    """A position from the phone, or the reason it has none. Half a position is an error, not a guess."""
    if latitude is None and longitude is None:
        reason = status if status in (GeoStatus.DENIED, GeoStatus.UNAVAILABLE) else GeoStatus.UNAVAILABLE
        return Fix(status=reason)
    if latitude is None or longitude is None:
        message = _("Send latitude and longitude together.")
        raise ValidationFailed(message, details={"latitude": [message]})
    accuracy_m = None
    if accuracy is not None:
        try:
            accuracy_m = float(accuracy)
        except (TypeError, ValueError):
            accuracy_m = -1.0
        if isinstance(accuracy, bool) or not 0 <= accuracy_m <= MAX_ACCURACY_M:
            message = _("The accuracy must be between 0 and %(max)d metres.") % {"max": int(MAX_ACCURACY_M)}
            raise ValidationFailed(message, details={"accuracy": [message]})
    return Fix(
        status=GeoStatus.SHARED,
        latitude=_coordinate(latitude, "latitude", 90),
        longitude=_coordinate(longitude, "longitude", 180),
        accuracy_m=accuracy_m,
    )


def job_positions(tickets: Iterable[Ticket]) -> dict[int, tuple[float, float]]:
    """Ticket id → the coordinates of its location, or of the nearest place above it that has them.

    One query for any number of tickets (their locations must be loaded with select_related)."""
    wanted: dict[int, list[int]] = {}
    for ticket in tickets:
        if ticket.location_id and ticket.location is not None:
            wanted[ticket.pk] = path_ids(ticket.location.path) or [ticket.location_id]
    ids = {pk for path in wanted.values() for pk in path}
    if not ids:
        return {}
    known = {
        pk: (float(lat), float(lon))
        for pk, lat, lon in Location.objects.filter(
            pk__in=ids, latitude__isnull=False, longitude__isnull=False
        ).values_list("pk", "latitude", "longitude")
        if lat is not None and lon is not None
    }
    positions: dict[int, tuple[float, float]] = {}
    for ticket_id, path in wanted.items():
        for pk in reversed(path):  # deepest first
            if pk in known:
                positions[ticket_id] = known[pk]
                break
    return positions


def job_position(ticket: Ticket) -> tuple[float, float] | None:
    return job_positions([ticket]).get(ticket.pk)


def distance_m(a: tuple[float, float] | None, b: tuple[float, float] | None) -> float | None:
    if a is None or b is None:
        return None
    return round(great_circle_km(a[0], a[1], b[0], b[1]) * 1000, 1)
