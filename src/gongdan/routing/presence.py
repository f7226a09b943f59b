"""Who can take work right now: working schedules (shifts) and distances."""

from __future__ import annotations

import math
import zoneinfo
from collections.abc import Iterable
from datetime import datetime, time
from typing import Protocol

EARTH_RADIUS_KM = 6371.0088


class Period(Protocol):
    """A WorkPeriod row, or the engine's lighter copy of one."""

    @property
    def weekday(self) -> int: ...
    @property
    def start(self) -> time: ...
    @property
    def end(self) -> time: ...


def on_shift(periods: Iterable[Period], time_zone: str, now: datetime) -> bool:
    """Whether `now` falls in one of the schedule's weekly periods, read in the schedule's time zone.
    A period whose end is before its start runs past midnight into the next day."""
    local = now.astimezone(zoneinfo.ZoneInfo(time_zone))
    moment = local.time().replace(tzinfo=None)
    weekday = local.weekday()
    for period in periods:
        if period.start < period.end:
            if period.weekday == weekday and period.start <= moment < period.end:
                return True
        elif (period.weekday == weekday and moment >= period.start) or (
            period.weekday == (weekday - 1) % 7 and moment < period.end
        ):
            return True
    return False


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance on a spherical Earth: metres of error over city distances, plenty for routing."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
