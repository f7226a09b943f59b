"""Daily, weekly and monthly reports: the dashboard's figures for one period beside the period before."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from gongdan.core.domain_errors import ValidationFailed
from gongdan.maintenance.figures import Figures
from gongdan.reports import exports, metrics
from gongdan.reports import maintenance as maintenance_report
from gongdan.reports.metrics import ReportFilters, Scope
from gongdan.reports.models import Period
from gongdan.reports.selectors import Labels
from gongdan.tickets.models import Priority

# (key in the figures, label, how it reads)
FIGURES = (
    ("created", pgettext_lazy("report figure", "Created"), "count"),
    ("resolved", gettext_lazy("Resolved"), "count"),
    ("cancelled", gettext_lazy("Cancelled"), "count"),
    ("mtta_seconds", gettext_lazy("Mean time to assign (h)"), "hours"),
    ("first_response_seconds", gettext_lazy("Mean time to first response (h)"), "hours"),
    ("mttr_wall_seconds", gettext_lazy("MTTR, wall (h)"), "hours"),
    ("median_wall_seconds", gettext_lazy("Median resolution, wall (h)"), "hours"),
    ("p90_wall_seconds", gettext_lazy("90th percentile resolution, wall (h)"), "hours"),
    ("mttr_business_seconds", gettext_lazy("MTTR, business (h)"), "hours"),
    ("median_business_seconds", gettext_lazy("Median resolution, business (h)"), "hours"),
    ("sla_response_rate", gettext_lazy("First response SLA met"), "percent"),
    ("sla_resolution_rate", gettext_lazy("Resolution SLA met"), "percent"),
    ("reopen_rate", gettext_lazy("Reopen rate"), "percent"),
    ("first_contact_rate", gettext_lazy("First-contact resolution"), "percent"),
    ("csat_average", gettext_lazy("CSAT average (1–5)"), "average"),
    ("csat_count", gettext_lazy("Ratings"), "count"),
)


def period_bounds(period: str, anchor: date) -> tuple[date, date]:
    if period == Period.DAILY:
        return anchor, anchor
    if period == Period.WEEKLY:
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=6)
    if period == Period.MONTHLY:
        start = anchor.replace(day=1)
        return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])
    raise ValidationFailed(_("Unknown period."), details={"period": [_("Choose a valid option.")]})


def previous_bounds(period: str, start: date) -> tuple[date, date]:
    """The period before: the day before, the week before, the calendar month before."""
    return period_bounds(period, start - timedelta(days=1))


def last_complete(period: str, today: date) -> date:
    """An anchor inside the last period that has ended by `today`."""
    start, _end = period_bounds(period, today)
    return start - timedelta(days=1)


def value_of(kind: str, raw: Any) -> Any:
    if raw is None:
        return None
    if kind == "hours":
        return round(raw / 3600, 1)
    if kind == "percent":
        return round(raw * 100, 1)
    if kind == "average":
        return round(raw, 2)
    return int(raw)


def shown(kind: str, value: Any) -> str:
    if value is None:
        return "—"
    return f"{value} %" if kind == "percent" else str(value)


@dataclass
class PeriodReport:
    period: str
    filters: ReportFilters
    previous_filters: ReportFilters
    board: metrics.Dashboard
    previous: dict[str, Any]
    scope: Scope
    maintenance: Figures | None = None  # None on a site with no equipment

    @property
    def title(self) -> str:
        return _("%(period)s report, %(start)s – %(end)s") % {
            "period": Period(self.period).label,
            "start": self.filters.start.isoformat(),
            "end": self.filters.end.isoformat(),
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per figure: this period, the one before and the change."""
        out = []
        for key, label, kind in FIGURES:
            now = value_of(kind, self.board.totals.get(key))
            before = value_of(kind, self.previous.get(key))
            change = None if now is None or before is None else round(now - before, 2)
            out.append({"key": key, "label": str(label), "kind": kind, "current": now, "previous": before,
                        "change": change, "current_text": shown(kind, now), "previous_text": shown(kind, before),
                        "change_text": "—" if change is None else (f"+{change}" if change > 0 else str(change))})  # fmt: skip
        return out


def period_report(*, scope: Scope, period: str, anchor: date, filters: ReportFilters) -> PeriodReport:
    start, end = period_bounds(period, anchor)
    current = ReportFilters(**{**filters.__dict__, "start": start, "end": end})
    before_start, before_end = previous_bounds(period, start)
    previous = ReportFilters(**{**filters.__dict__, "start": before_start, "end": before_end})
    board = metrics.dashboard(scope, current, labels=Labels())
    maintenance = maintenance_report.period_figures(start=start, end=end, location=filters.location)
    return PeriodReport(period=period, filters=current, previous_filters=previous, board=board,
                        previous=metrics.summary(scope, previous), scope=scope, maintenance=maintenance)  # fmt: skip


def _team_rows(report: PeriodReport) -> list[list[Any]]:
    return [
        [t["label"], t["created"], t["resolved"], value_of("percent", t["sla_rate"]),
         value_of("average", t["csat_average"]), value_of("hours", t["median_seconds"])]
        for t in report.board.teams
    ]  # fmt: skip


def _team_header() -> list[str]:
    return [
        _("Team"),
        pgettext("report figure", "Created"),
        _("Resolved"),
        _("SLA met %"),
        _("CSAT"),
        _("Median resolution (h)"),
    ]


def resolved_ticket_rows(report: PeriodReport) -> Iterator[list[Any]]:
    """Every ticket resolved in the period, for the report's last sheet (read from the facts, joined to the
    tickets for number and subject; names come from the labels, not from more joins)."""
    facts = metrics.facts(report.scope, report.filters).filter(
        resolved_day__gte=report.filters.start, resolved_day__lte=report.filters.end
    )
    labels = Labels()
    codes = dict(Priority.objects.values_list("pk", "code"))
    # One plain fetch: a server-side cursor would keep PostgreSQL from its parallel plan (1.4 s → 0.3 s).
    rows = list(
        facts.order_by("ticket_id").values_list(
            "ticket__number", "ticket__subject", "team_id", "priority_id", "category_id", "created_at",
            "resolved_at", "resolution_wall_seconds", "reopen_count",
        )[: exports.MAX_EXPORT_ROWS]
    )  # fmt: skip
    for number, subject, team, priority, category, created, resolved, wall, reopens in rows:
        yield [number, subject, labels.team(team) if team else "", codes.get(priority, ""),
               labels.category(category) if category else "", created, resolved,
               None if wall is None else round(wall / 3600, 2), reopens]  # fmt: skip


def report_xlsx(report: PeriodReport) -> bytes:
    rows = report.rows()
    summary = [[r["label"], r["current"], r["previous"], r["change"]] for r in rows]
    board = report.board
    maintenance = maintenance_report.xlsx_sheets(report.maintenance) if report.maintenance else []
    return exports.xlsx_bytes(
        [
            (_("Summary"), [report.title, _("This period"), _("Previous period"), pgettext("report", "Change")], summary),
            (_("By team"), _team_header(), _team_rows(report)),
            (_("By priority"), [_("Priority"), pgettext("report figure", "Created"), _("Resolved"), _("First response SLA met"),
                                _("Resolution SLA met")],
             [[p["label"], p["created"], p["resolved"], value_of("percent", p["sla_response_rate"]),
               value_of("percent", p["sla_resolution_rate"])] for p in board.by_priority]),
            (_("Slowest categories"), [_("Category"), _("Resolved"), _("Mean resolution (h)")],
             [[c["label"], c["resolved"], value_of("hours", c["average_seconds"])] for c in board.top_categories]),
            (_("By day"), [_("Day"), pgettext("report figure", "Created"), _("Resolved")],
             [[d["day"], d["created"], d["resolved"]] for d in board.trend]),
            *maintenance,
            (_("Resolved tickets"), [_("Number"), _("Subject"), _("Team"), _("Priority"), _("Category"),
                                     _("Created"), _("Resolved"), _("Resolution, wall (h)"), _("Reopened")],
             resolved_ticket_rows(report)),
        ]
    )  # fmt: skip


def report_pdf(report: PeriodReport) -> bytes:
    rows = report.rows()
    subtitle = _("Compared with %(start)s – %(end)s") % {
        "start": report.previous_filters.start.isoformat(),
        "end": report.previous_filters.end.isoformat(),
    }
    return exports.pdf_bytes(
        report.title,
        subtitle,
        [
            (_("Summary"), [_("Figure"), _("This period"), _("Previous period"), pgettext("report", "Change")],
             [[r["label"], r["current_text"], r["previous_text"], r["change_text"]] for r in rows]),
            (_("By team"), _team_header(), _team_rows(report)),
            (_("Slowest categories"), [_("Category"), _("Resolved"), _("Mean resolution (h)")],
             [[c["label"], c["resolved"], value_of("hours", c["average_seconds"])]
              for c in report.board.top_categories]),
        ],
    )  # fmt: skip
