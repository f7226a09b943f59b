"""The maintenance plans' meter source (services.pm.MeterSource), read from the meters app: a plan "every 500
running hours" compares the asset's latest `hours` reading with its next due value."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from gongdan.meters.selectors import current_values


class MetersReadings:
    def current_readings(self, *, meter: str, asset_ids: Sequence[int]) -> dict[int, Decimal]:
        return {
            asset: Decimal(str(value))
            for asset, value in current_values(code=meter, asset_ids=asset_ids).items()
        }
