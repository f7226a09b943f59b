"""The maintenance tab of the dashboard, its sheets in the period XLSX and its API shape (decision 0163).

The numbers come from `gongdan.maintenance.figures`; this module parses the filters (the period, a location,
an asset type, a criticality), and turns the figures into what the page, the charts, the XLSX and the JSON show.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gongdan.accounts.models import User
from gongdan.assets.access import can_see_assets
from gongdan.assets.models import Asset, AssetType, Criticality
from gongdan.core.domain_errors import PermissionDenied, ValidationFailed
from gongdan.maintenance.figures import FigureFilters, Figures, maintenance_figures
from gongdan.reports.metrics import ReportFilters, whole_number

FILTERS = ("start", "end", "location", "asset_type", "criticality")


def parse_filters(params: Any) -> FigureFilters:
    """The period as the dashboard parses it (dates, at most 400 days, default the last 30), and the
    equipment; a bad value is a ValidationFailed naming the field."""
    errors: dict[str, list[str]] = {}
    try:
        period = ReportFilters.parse({"start": params.get("start") or "", "end": params.get("end") or ""})
    except ValidationFailed as exc:
        errors.update(exc.details or {})
        period = None
    ids: dict[str, int | None] = {}
    for name in ("location", "asset_type"):
        raw = (params.get(name) or "").strip()
        if raw and not whole_number(raw, below=2**31):
            errors[name] = [_("Choose a valid option.")]
        ids[name] = int(raw) if raw and name not in errors else None
    criticality = (params.get("criticality") or "").strip()
    if criticality and criticality not in Criticality.values:
        errors["criticality"] = [_("Choose a valid option.")]
    if errors or period is None:
        raise ValidationFailed(_("Some filters are not valid."), details=errors)
    return FigureFilters(start=period.start, end=period.end, location=ids["location"],
                         asset_type=ids["asset_type"], criticality=criticality)  # fmt: skip


def as_params(filters: FigureFilters) -> dict[str, str]:
    params = {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    for name in ("location", "asset_type", "criticality"):
        value = getattr(filters, name)
        if value:
            params[name] = str(value)
    return params


def figures_get(*, actor: User, filters: FigureFilters) -> Figures:
    """The figures for a staff member who may see the equipment (every staff member: decision 0164)."""
    if not actor.is_active or not can_see_assets(actor):
        raise PermissionDenied(_("Reports are for staff."))
    return maintenance_figures(filters)


def type_options() -> list[tuple[int, str]]:
    return [(t.pk, str(t)) for t in AssetType.objects.filter(is_active=True)]


def hours(seconds: float | None, digits: int = 1) -> float | None:
    return None if seconds is None else round(seconds / 3600, digits)


def percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _label(row: dict[str, Any]) -> str:
    return f"{row['code']} {row['name']}"


def chart_data(board: Figures) -> dict[str, Any]:
    """What static/reports/maintenance.js draws, with translated labels."""
    asset_url = reverse("assets:asset_detail", args=["__code__"])
    return {
        "asset_url": asset_url,
        "labels": {
            "on_time": _("On time"),
            "late": _("Late"),
            "missed": pgettext("maintenance work order", "Missed"),
            "not_yet_due": _("Not yet due"),
            "planned": _("Planned (preventive)"),
            "corrective": _("Corrective"),
            "hours": _("Downtime (h)"),
            "mtbf": _("MTBF (h)"),
            "mttr": _("MTTR (h)"),
            "work_orders": _("Work orders"),
        },
        "pm": [{"day": b["start"].isoformat(), **{k: b[k] for k in ("on_time", "late", "missed", "not_yet_due")}}
               for b in board.pm_buckets],
        "mix": [{"name": _("Planned (preventive)"), "value": board.planned, "key": "planned"},
                {"name": _("Corrective"), "value": board.corrective, "key": "corrective"}],
        "assets": [{"name": _label(r), "code": r["code"], "value": hours(r["seconds"], 2), "failures": r["failures"]}
                   for r in board.downtime_by_asset],
        "lines": [{"name": _label(r), "code": r["code"], "value": hours(r["seconds"], 2), "failures": r["failures"]}
                  for r in board.downtime_by_line],
        "types": [{"name": r["label"], "mtbf": hours(r["reliability"].mtbf_seconds),
                   "mttr": hours(r["reliability"].mttr_seconds)}
                  for r in board.by_type if r["reliability"].repairs],
    }  # fmt: skip


def as_json(board: Figures) -> dict[str, Any]:
    """The API's shape: plain numbers, hours for durations, rates 0…1 (null: no data)."""

    def reliability(r: Any) -> dict[str, Any]:
        return {"failures": r.failures, "repairs": r.repairs, "corrective_work_orders": r.corrective,
                "downtime_hours": hours(r.downtime_seconds, 2), "observed_hours": hours(r.observed_seconds, 2),
                "mtbf_hours": hours(r.mtbf_seconds, 2), "mttr_hours": hours(r.mttr_seconds, 2)}  # fmt: skip

    def downtime(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"id": r["id"], "code": r["code"], "name": r["name"], "downtime_hours": hours(r["seconds"], 2),
                 "failures": r["failures"]} for r in rows]  # fmt: skip

    f = board.filters
    return {
        "filters": {"start": f.start.isoformat(), "end": f.end.isoformat(), "location": f.location,
                    "asset_type": f.asset_type, "criticality": f.criticality or None},
        "pm_compliance": {"rate": board.pm.rate, "due": board.pm.due, "on_time": board.pm.on_time,
                          "late": board.pm.late, "missed": board.pm.missed, "not_yet_due": board.pm.not_yet_due},
        "pm_by_due_date": [{"start": b["start"].isoformat(), **{k: b[k] for k in ("on_time", "late", "missed", "not_yet_due")}}
                           for b in board.pm_buckets],
        "work_orders": {"planned": board.planned, "corrective": board.corrective, "planned_rate": board.planned_rate},
        "downtime_by_asset": downtime(board.downtime_by_asset),
        "downtime_by_line": downtime(board.downtime_by_line),
        "totals": reliability(board.total),
        "by_asset_type": [{"id": r["id"], "label": r["label"], **reliability(r["reliability"])} for r in board.by_type],
        "top_failing_asset_types": [r["id"] for r in board.top_failing],
        "parts_consumption": board.parts,
    }  # fmt: skip


def has_equipment() -> bool:
    return Asset.objects.exists()


def xlsx_sheets(board: Figures) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The maintenance sheets of the period XLSX: figures, PM work orders, downtime, asset types (and parts
    once the spare parts app gives them)."""
    pm, total = board.pm, board.total
    summary: list[list[Any]] = [
        [_("PM compliance %"), percent(pm.rate)],
        [_("PM work orders due"), pm.due],
        [_("Done on time"), pm.on_time],
        [_("Done late"), pm.late],
        [pgettext("maintenance work order", "Missed"), pm.missed],
        [_("Not yet due"), pm.not_yet_due],
        [_("Planned (preventive) work orders"), board.planned],
        [_("Corrective work orders"), board.corrective],
        [_("Planned share %"), percent(board.planned_rate)],
        [_("Failures"), total.failures],
        [_("Downtime (h)"), hours(total.downtime_seconds, 2)],
        [_("MTBF (h)"), hours(total.mtbf_seconds, 2)],
        [_("MTTR (h)"), hours(total.mttr_seconds, 2)],
    ]
    sheets: list[tuple[str, list[str], list[list[Any]]]] = [
        (_("Maintenance"), [_("Figure"), _("This period")], summary),
        (_("PM work orders"), [_("Due from"), _("On time"), _("Late"), pgettext("maintenance work order", "Missed"),
                               _("Not yet due")],
         [[b["start"], b["on_time"], b["late"], b["missed"], b["not_yet_due"]] for b in board.pm_buckets]),
        (_("Downtime"), [_("Kind"), _("Code"), _("Asset"), _("Downtime (h)"), _("Failures")],
         [[pgettext("downtime of", "Asset"), r["code"], r["name"], hours(r["seconds"], 2), r["failures"]]
          for r in board.downtime_by_asset]
         + [[_("Line"), r["code"], r["name"], hours(r["seconds"], 2), r["failures"]] for r in board.downtime_by_line]),
        (_("Asset types"), [_("Asset type"), _("Failures"), _("Corrective work orders"), _("Downtime (h)"),
                            _("MTBF (h)"), _("MTTR (h)")],
         [[r["label"], r["reliability"].failures, r["reliability"].corrective, hours(r["reliability"].downtime_seconds, 2),
           hours(r["reliability"].mtbf_seconds, 2), hours(r["reliability"].mttr_seconds, 2)]
          for r in sorted(board.by_type, key=lambda r: (-r["reliability"].failures, r["label"]))]),
    ]  # fmt: skip
    if board.parts is not None:
        sheets.append((_("Parts consumption"), [_("Part"), _("Quantity"), _("Unit"), _("Cost")],
                       [[p.get("part"), p.get("quantity"), p.get("unit"), p.get("cost")] for p in board.parts]))  # fmt: skip
    return sheets


def period_figures(*, start: date, end: date, location: int | None) -> Figures | None:
    """The period report's maintenance figures (the whole site's equipment, or one location's), or None on
    a site with no equipment."""
    if not has_equipment():
        return None
    return maintenance_figures(FigureFilters(start=start, end=end, location=location))
