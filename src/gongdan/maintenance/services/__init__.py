"""Every change maintenance makes: downtime from tickets (`downtime`), preventive maintenance plans (`pm`)."""

from gongdan.maintenance.services.downtime import (
    ENDING_STATUSES,
    asset_down_from_ticket,
    downtime_end_for,
    maintenance_react,
)

__all__ = ["ENDING_STATUSES", "asset_down_from_ticket", "downtime_end_for", "maintenance_react"]
