"""Dashboard, drill-down lists, period reports and exports (staff only; figures scoped by selectors)."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.views.page import form_status, render_page
from gongdan.assets.models import Criticality
from gongdan.audit import kinds as audit_kinds
from gongdan.audit.services import audit_record
from gongdan.core.domain_errors import DomainError, PermissionDenied, ValidationFailed
from gongdan.reports import exports, metrics, period_reports, projection, selectors
from gongdan.reports import maintenance as maintenance_report
from gongdan.reports.forms import SubscriptionForm
from gongdan.reports.metrics import AGE_BUCKETS, DRILL_METRICS, ReportFilters
from gongdan.reports.models import Period, ReportSubscription
from gongdan.reports.services import read_download_token, subscription_create
from gongdan.reports.services import subscription_delete as delete
from gongdan.tickets.filters import TicketFilters
from gongdan.tickets.selectors import ticket_list
from gongdan.web.forms import show_domain_error
from gongdan.web.http import SignedInRequest

PAGE_SIZE = 50
# Events folded in on demand before a page is read, so a fresh change shows at once; a larger backlog is left
# to the periodic task (the page never waits long).
CATCH_UP_EVENTS = 2000
EXPORT_FORMATS = ("csv", "xlsx")
MAX_ID = 2**63  # ids are below it (64-bit columns); a larger one overflows when it is compared


KPIS = (
    ("created", pgettext_lazy("report figure", "Created"), "created"),
    ("resolved", gettext_lazy("Resolved"), "resolved"),
    ("mtta_seconds", gettext_lazy("MTTA, assign (h)"), "created"),
    ("first_response_seconds", gettext_lazy("First response (h)"), "created"),
    ("mttr_wall_seconds", gettext_lazy("MTTR, wall (h)"), "resolved"),
    ("median_wall_seconds", gettext_lazy("Median, wall (h)"), "resolved"),
    ("p90_wall_seconds", gettext_lazy("P90, wall (h)"), "resolved"),
    ("mttr_business_seconds", gettext_lazy("MTTR, business (h)"), "resolved"),
    ("sla_response_rate", gettext_lazy("Response SLA met"), "sla_response_breached"),
    ("sla_resolution_rate", gettext_lazy("Resolution SLA met"), "sla_resolution_breached"),
    ("reopen_rate", gettext_lazy("Reopen rate"), "reopened"),
    ("first_contact_rate", gettext_lazy("First-contact resolution"), "first_contact"),
    ("csat_average", gettext_lazy("CSAT average"), "csat"),
)


def _values(request: SignedInRequest, filters: ReportFilters | None) -> dict[str, str]:
    """What the filter bar shows: the parsed filters, or what was typed when it did not parse."""
    source = filters.as_params() if filters is not None else request.GET
    return {name: source.get(name, "") for name in ("start", "end", *metrics.FILTER_DIMENSIONS)}


def _filter_fields(request: SignedInRequest) -> list[tuple[str, Any, list[tuple[int, str]]]]:
    options = selectors.filter_options(actor=request.user)
    labels = {"team": _("Team"), "category": _("Category"), "ticket_type": _("Type"),
              "priority": _("Priority"), "location": _("Location")}  # fmt: skip
    return [(name, labels[name], options[name]) for name in metrics.FILTER_DIMENSIONS]


def _staff(request: SignedInRequest) -> None:
    if not request.user.is_staff_member:
        raise HttpForbidden(_("Reports are for staff."))


def _catch_up() -> int:
    """Fold in fresh events; returns how many are still waiting for the periodic task."""
    return projection.project_pending(max_events=CATCH_UP_EVENTS).lag


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _refused(exc: DomainError) -> HttpResponse:
    """A 400 for a download that cannot be made: the message, then each field named with its problem."""
    lines = [str(exc), *(f"{name}: {' '.join(map(str, problems))}" for name, problems in exc.details.items())]
    return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")


def _parse(request: SignedInRequest) -> tuple[ReportFilters | None, dict[str, list[str]]]:
    try:
        return ReportFilters.parse(request.GET), {}
    except ValidationFailed as exc:
        return None, dict(exc.details or {})


@login_required
def dashboard(request: SignedInRequest) -> HttpResponse:
    _staff(request)
    lag = _catch_up()
    filters, errors = _parse(request)
    context: dict[str, Any] = {
        "lag": lag,
        "filter_fields": _filter_fields(request),
        "values": _values(request, filters),
        "kpis": KPIS,
        "params": request.GET,
        "errors": errors,
        "age_buckets": AGE_BUCKETS,
        "tab": "tickets",
        "tab_query": urlencode({k: v for k, v in (filters.as_params() if filters else {}).items()
                                if k in ("start", "end", "location")}),
    }  # fmt: skip
    status = 200
    if filters is not None:
        try:
            board = selectors.dashboard_get(actor=request.user, filters=filters, compare=True)
        except DomainError as exc:
            errors.update(exc.details or {"team": [str(exc)]})
            board = None
        if board is not None:
            context.update(board=board, filters=filters, chart_data=_chart_data(board, filters),
                           drill=_drill_base(filters), period_rows=_comparison(board),
                           rankings=[(_("Team ranking"), board.teams, "team"),
                                     (_("Agent ranking (top 10)"), board.agents, "assignee")])  # fmt: skip
    if errors:
        status = 400
    return render(request, "reports/dashboard.html", context, status=status)


MAINTENANCE_KPIS = (
    ("pm_rate", gettext_lazy("PM compliance")),
    ("pm_due", gettext_lazy("PM work orders due")),
    ("planned_rate", gettext_lazy("Planned share")),
    ("downtime", gettext_lazy("Downtime (h)")),
    ("mtbf", gettext_lazy("MTBF (h)")),
    ("mttr", gettext_lazy("MTTR (h)")),
)


@login_required
def maintenance(request: SignedInRequest) -> HttpResponse:
    """The dashboard's maintenance tab: PM compliance, planned vs corrective, downtime, MTBF and MTTR."""
    _staff(request)
    errors: dict[str, list[str]] = {}
    try:
        filters = maintenance_report.parse_filters(request.GET)
    except ValidationFailed as exc:
        filters, errors = None, dict(exc.details or {})
    values = maintenance_report.as_params(filters) if filters is not None else request.GET
    options = selectors.filter_options(actor=request.user)
    context: dict[str, Any] = {
        "values": {name: values.get(name, "") for name in maintenance_report.FILTERS},
        "filter_fields": [
            ("location", _("Location"), options["location"]),
            ("asset_type", _("Asset type"), maintenance_report.type_options()),
            ("criticality", _("Criticality"), [(c.value, c.label) for c in Criticality]),
        ],
        "errors": errors,
        "tab": "maintenance",
        "tab_query": urlencode({k: v for k, v in (maintenance_report.as_params(filters) if filters else {}).items()
                                if k in ("start", "end", "location")}),
    }  # fmt: skip
    if filters is not None:
        board = maintenance_report.figures_get(actor=request.user, filters=filters)
        total = board.total
        hours = maintenance_report.hours
        context.update(
            board=board, filters=filters, chart_data=maintenance_report.chart_data(board),
            kpi_values={
                "pm_rate": _shown_percent(board.pm.rate),
                "pm_due": str(board.pm.due),
                "planned_rate": _shown_percent(board.planned_rate),
                "downtime": _shown(hours(total.downtime_seconds)),
                "mtbf": _shown(hours(total.mtbf_seconds)),
                "mttr": _shown(hours(total.mttr_seconds)),
            },
            kpis=MAINTENANCE_KPIS,
        )  # fmt: skip
    return render(request, "reports/maintenance.html", context, status=400 if errors else 200)


def _shown(value: Any) -> str:
    return "—" if value is None else str(value)


def _shown_percent(rate: float | None) -> str:
    return "—" if rate is None else f"{maintenance_report.percent(rate)} %"


def _drill_base(filters: ReportFilters) -> str:
    return reverse("reports:tickets") + "?" + urlencode(filters.as_params())


def _comparison(board: metrics.Dashboard) -> dict[str, dict[str, Any]]:
    out = {}
    for key, _label, kind in period_reports.FIGURES:
        now = period_reports.value_of(kind, board.totals.get(key))
        before = period_reports.value_of(kind, board.previous.get(key))
        out[key] = {"value": period_reports.shown(kind, now), "previous": period_reports.shown(kind, before)}
    return out


def _chart_data(board: metrics.Dashboard, filters: ReportFilters) -> dict[str, Any]:
    """What the ECharts script draws, with translated labels (read by static/reports/dashboard.js)."""
    hours = lambda s: None if s is None else round(s / 3600, 1)  # noqa: E731
    return {
        "drill": _drill_base(filters),
        "labels": {
            "created": pgettext("report figure", "Created"),
            "resolved": _("Resolved"),
            "response": _("First response SLA met"),
            "resolution": _("Resolution SLA met"),
            "hours": _("Mean resolution (h)"),
            "tickets": _("Tickets"),
            "ratings": _("Ratings"),
        },
        "trend": board.trend,
        "channels": [{"name": c["label"], "value": c["created"], "key": c["channel"]} for c in board.by_channel],
        "priorities": [
            {"name": p["label"], "id": p["id"],
             "response": None if p["sla_response_rate"] is None else round(p["sla_response_rate"] * 100, 1),
             "resolution": None if p["sla_resolution_rate"] is None else round(p["sla_resolution_rate"] * 100, 1)}
            for p in board.by_priority
        ],
        "categories": [{"name": c["label"], "id": c["id"], "value": hours(c["average_seconds"])}
                       for c in board.top_categories],
        "csat": board.csat_distribution,
        "backlog": [{"name": str(label), "key": key, "value": board.backlog["buckets"][key]}
                    for key, label, _low, _high in AGE_BUCKETS],
    }  # fmt: skip


@login_required
def tickets(request: SignedInRequest) -> HttpResponse:
    """The tickets behind one figure; keyset pages by id (newest first)."""
    _staff(request)
    _catch_up()  # a ticket created a moment ago is listed (its fact is written by the after-commit consumer)
    filters, errors = _parse(request)
    rows: list[Any] = []
    more = None
    if filters is not None:
        try:
            qs = selectors.drill_down_tickets(actor=request.user, filters=filters, params=request.GET)
            before = request.GET.get("before", "")
            if before:
                if not metrics.whole_number(before, below=MAX_ID):
                    raise ValidationFailed(_("Invalid page."), details={"before": [_("Invalid page.")]})
                qs = qs.filter(pk__lt=int(before))
            rows = list(qs[: PAGE_SIZE + 1])
        except (ValidationFailed, PermissionDenied) as exc:
            errors.update(exc.details or {"metric": [str(exc)]})
        if len(rows) > PAGE_SIZE:
            rows = rows[:PAGE_SIZE]
            params = request.GET.copy()
            params["before"] = str(rows[-1].pk)
            more = "?" + params.urlencode()
    export = request.GET.copy()
    export.pop("before", None)
    metric = request.GET.get("metric") or "created"
    return render(
        request,
        "reports/tickets.html",
        {"rows": rows, "more": more, "errors": errors, "metric_label": DRILL_METRICS.get(metric, metric),
         "filters": filters, "export_query": export.urlencode(),
         "back": reverse("reports:dashboard") + "?" + urlencode(filters.as_params() if filters else {})},
        status=400 if errors else 200,
    )  # fmt: skip


TICKET_HEADER = (
    "Number",
    "Subject",
    "Status",
    "Priority",
    "Team",
    "Assignee",
    "Category",
    "Created",
    "Resolved",
)


def _ticket_rows(qs: Any) -> Any:
    for t in qs[: exports.MAX_EXPORT_ROWS].iterator(chunk_size=2000):
        yield [t.number, t.subject, t.get_status_display(), t.priority.code, t.team and str(t.team),
               t.assignee and t.assignee.name, t.category and str(t.category), t.created_at, t.resolved_at]  # fmt: skip


def _record_export(request: SignedInRequest, what: str, fmt: str) -> None:
    """Every file of ticket data that leaves the site is in the audit trail: who, what, which filter."""
    audit_record(kind=audit_kinds.DATA_EXPORT, actor=request.user, object_type=f"reports.{what}",
                 detail={"format": fmt, "filters": {key: request.GET.getlist(key) for key in request.GET}})  # fmt: skip


def _export(request: SignedInRequest, qs: Any, fmt: str, name: str) -> HttpResponse:
    _record_export(request, name, fmt)
    header = [_(h) for h in TICKET_HEADER]
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        return _attachment(
            exports.csv_bytes(header, _ticket_rows(qs)), exports.CSV_TYPE, f"{name}-{stamp}.csv"
        )
    content = exports.xlsx_bytes([(_("Tickets"), header, _ticket_rows(qs))])
    return _attachment(content, exports.XLSX_TYPE, f"{name}-{stamp}.xlsx")


@login_required
def tickets_export(request: SignedInRequest, fmt: str) -> HttpResponse:
    _staff(request)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    _catch_up()
    try:
        filters = ReportFilters.parse(request.GET)
        qs = selectors.drill_down_tickets(actor=request.user, filters=filters, params=request.GET)
    except (ValidationFailed, PermissionDenied) as exc:
        return _refused(exc)
    return _export(request, qs.select_related("requester"), fmt, "tickets")


def _queue_filters(params: Any) -> TicketFilters:
    """The queue's filter (which refuses ids past 2**63 and instants before year 1 in UTC itself), and
    instants outside the years a report may name."""
    filters = TicketFilters.parse(params)
    errors: dict[str, list[str]] = {}
    for name in ("created_from", "created_to", "updated_from", "updated_to"):
        instant = getattr(filters, name)
        if instant is None:
            continue
        try:
            day = instant.astimezone(UTC).date()
        except OverflowError:
            day = None
        if day is None or not metrics.FIRST_DAY <= day <= metrics.LAST_DAY:
            errors[name] = [
                _("Enter a date between %(first)s and %(last)s.")
                % {"first": metrics.FIRST_DAY.isoformat(), "last": metrics.LAST_DAY.isoformat()}
            ]
    if errors:
        raise ValidationFailed(_("Some filters are not valid."), details=errors)
    return filters


@login_required
def queue_export(request: SignedInRequest, fmt: str) -> HttpResponse:
    """Any queue list, exactly as filtered (the queue's own filter definition and access rules)."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    try:
        filters = _queue_filters(request.GET)
    except ValidationFailed as exc:
        return _refused(exc)
    qs = ticket_list(actor=request.user, filters=filters)
    return _export(request, qs, fmt, "queue")


def _period_args(request: SignedInRequest) -> tuple[str, date, ReportFilters]:
    period = request.GET.get("period") or Period.WEEKLY
    if period not in Period.values:
        raise ValidationFailed(_("Unknown period."), details={"period": [_("Choose a valid option.")]})
    raw = (request.GET.get("date") or "").strip()
    try:
        anchor = metrics.parse_day(raw) if raw else None
    except ValidationFailed as exc:
        raise ValidationFailed(_("Enter a date as YYYY-MM-DD."), details={"date": [str(exc)]}) from None
    anchor = anchor or period_reports.last_complete(period, timezone.localdate())
    return period, anchor, ReportFilters.parse(request.GET)


@login_required
def report(request: SignedInRequest, fmt: str = "html") -> HttpResponse:
    _staff(request)
    if fmt not in ("html", "xlsx", "pdf"):
        raise Http404
    _catch_up()
    try:
        period, anchor, filters = _period_args(request)
        scope = selectors.report_scope(actor=request.user, team=filters.team)
        result = period_reports.period_report(scope=scope, period=period, anchor=anchor, filters=filters)
    except (ValidationFailed, PermissionDenied) as exc:
        if fmt != "html":
            return _refused(exc)
        return render(request, "reports/report.html", {"errors": exc.details or {}, "periods": Period.choices,
                                                         "params": request.GET,
                                                         "filter_fields": _filter_fields(request),
                                                         "values": _values(request, None)},
                      status=400)  # fmt: skip
    name = f"report-{period}-{result.filters.start.isoformat()}"
    if fmt == "xlsx":
        _record_export(request, "report", fmt)
        return _attachment(period_reports.report_xlsx(result), exports.XLSX_TYPE, f"{name}.xlsx")
    if fmt == "pdf":
        _record_export(request, "report", fmt)
        return _attachment(period_reports.report_pdf(result), exports.PDF_TYPE, f"{name}.pdf")
    query = request.GET.copy()
    query["period"], query["date"] = period, result.filters.start.isoformat()
    return render(
        request,
        "reports/report.html",
        {"report": result, "rows": result.rows(), "periods": Period.choices, "period": period,
         "anchor": result.filters.start, "params": request.GET, "query": query.urlencode(),
         "filter_fields": _filter_fields(request), "errors": {}, "values": _values(request, result.filters),
         "earlier": period_reports.previous_bounds(period, result.filters.start)[0].isoformat(),
         "later": (result.filters.end + timedelta(days=1)).isoformat()},
    )  # fmt: skip


@login_required
def download(request: SignedInRequest, token: str) -> HttpResponse:
    """The XLSX a report email links to: only for the subscription's recipient, signed and expiring."""

    try:
        subscription_id, start = read_download_token(token)
    except ValidationFailed as exc:
        return _refused(exc)
    subscription = ReportSubscription.objects.filter(pk=subscription_id, recipient=request.user).first()
    if subscription is None:
        raise Http404
    scope = selectors.report_scope(actor=request.user, team=subscription.team_id)
    result = period_reports.period_report(scope=scope, period=subscription.period, anchor=start,
                                          filters=ReportFilters(start=start, end=start, team=subscription.team_id))  # fmt: skip
    name = f"report-{subscription.period}-{start.isoformat()}.xlsx"
    _record_export(request, "report", "xlsx")
    return _attachment(period_reports.report_xlsx(result), exports.XLSX_TYPE, name)


@admin_required
def subscription_list(request: AdminRequest) -> HttpResponse:

    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("The subscription was added."))
            return redirect("reports:subscription_list")
    subscriptions = ReportSubscription.objects.select_related("recipient", "team").order_by(
        "recipient__display_name", "recipient__username", "period"
    )
    return render_page(request, "reports/subscriptions.html", section="report_subscriptions", form=form,
                       subscriptions=subscriptions, status=form_status(request, form))  # fmt: skip


@admin_required
@require_POST
def subscription_delete(request: AdminRequest, pk: int) -> HttpResponse:

    delete(actor=request.user, subscription=get_object_or_404(ReportSubscription, pk=pk))
    messages.success(request, _("The subscription was removed."))
    return redirect("reports:subscription_list")
