"""Report figures over the API: the dashboard's numbers as JSON, for whoever may see them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from gongdan.api.errors import errors_for
from gongdan.reports import maintenance as maintenance_report
from gongdan.reports import selectors
from gongdan.reports.metrics import ReportFilters
from gongdan.reports.projection import project_pending

router = Router()


class FiltersIn(Schema):
    start: date | None = None
    end: date | None = None
    team: int | None = None
    category: int | None = None
    ticket_type: int | None = None
    priority: int | None = None
    location: int | None = None


@router.get(
    "/reports/dashboard",
    response={200: dict[str, Any], **errors_for(401, 403, 422)},
    summary="Dashboard figures",
)
def dashboard(request: HttpRequest, filters: Query[FiltersIn]) -> dict[str, Any]:
    """Every figure of the dashboard for a date range (at most 400 days, by default the last 30 days) and
    optional team, category, type, priority and location ids, with `previous` holding the headline figures
    of the period of the same length just before (the same keys as `totals`); agents get their own teams'
    figures only. Definitions: docs/reports.md."""
    actor = request.auth  # type: ignore[attr-defined]
    params = {k: ("" if v is None else str(v)) for k, v in filters.dict().items()}
    parsed = ReportFilters.parse(params)
    project_pending(max_events=2000)  # fold in fresh events first, as the web page does
    board = selectors.dashboard_get(actor=actor, filters=parsed, compare=True)
    out = asdict(board)
    out["filters"] = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in out["filters"].items()}
    return out


class MaintenanceFiltersIn(Schema):
    start: date | None = None
    end: date | None = None
    location: int | None = None
    asset_type: int | None = None
    criticality: str | None = None


@router.get(
    "/reports/maintenance",
    response={200: dict[str, Any], **errors_for(401, 403, 422)},
    summary="Maintenance figures",
)
def maintenance(request: HttpRequest, filters: Query[MaintenanceFiltersIn]) -> dict[str, Any]:
    """PM compliance, planned vs corrective work orders, downtime per asset and per line, MTBF and MTTR per
    asset type and the top failing types, for a date range (at most 400 days, by default the last 30 days)
    and optionally a location (with everything under it), an asset type and a criticality (A, B or C).
    Durations in hours, rates from 0 to 1, null where there is no data. Definitions: docs/reports.md."""
    actor = request.auth  # type: ignore[attr-defined]
    params = {k: ("" if v is None else str(v)) for k, v in filters.dict().items()}
    parsed = maintenance_report.parse_filters(params)
    return maintenance_report.as_json(maintenance_report.figures_get(actor=actor, filters=parsed))
