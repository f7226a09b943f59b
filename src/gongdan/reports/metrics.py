"""The figures of the dashboard and the reports, read from the rollups and the per-ticket facts.

`Scope` says which teams' figures the reader may see (decided by `selectors.report_scope`); `ReportFilters`
is the one filter definition shared by the dashboard, the drill-down lists, the exports and the API.
Every figure's definition is in docs/reports.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection, transaction
from django.db.models import Aggregate, Count, FloatField, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from gongdan.core.domain_errors import ValidationFailed
from gongdan.reports.models import COUNTERS, DailyRollup, TicketFact
from gongdan.reports.projection import local_day

MAX_RANGE_DAYS = 400
DEFAULT_RANGE_DAYS = 30
# Days a report may name: the previous period, the day after and the UTC instants of every day in between must
# exist (Python's and the databases' calendars stop at years 1 and 9999).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9998, 12, 31)
FILTER_DIMENSIONS = ("team", "category", "ticket_type", "priority", "location")
AGE_BUCKETS = (
    ("lt1d", gettext_lazy("< 1 day"), 0, 1),
    ("1to3d", gettext_lazy("1–3 days"), 1, 3),
    ("3to7d", gettext_lazy("3–7 days"), 3, 7),
    ("7to30d", gettext_lazy("7–30 days"), 7, 30),
    ("gt30d", gettext_lazy("> 30 days"), 30, None),
)


@dataclass(frozen=True)
class Scope:
    """The teams whose figures a reader sees; None: every team (and tickets with no team)."""

    team_ids: tuple[int, ...] | None = None

    def q(self) -> Q:
        return Q() if self.team_ids is None else Q(team_id__in=self.team_ids)


@dataclass(frozen=True)
class ReportFilters:
    start: date
    end: date  # inclusive
    team: int | None = None
    category: int | None = None
    ticket_type: int | None = None
    priority: int | None = None
    location: int | None = None

    @classmethod
    def default(cls, *, days: int = DEFAULT_RANGE_DAYS) -> ReportFilters:
        today = local_day(timezone.now())
        return cls(start=today - timedelta(days=days - 1), end=today)

    @classmethod
    def parse(cls, params: Any) -> ReportFilters:
        """From a QueryDict or dict of strings; a bad value is a ValidationFailed naming the field."""
        errors: dict[str, list[str]] = {}
        default = cls.default()
        values: dict[str, Any] = {}
        for name, fallback in (("start", default.start), ("end", default.end)):
            raw = (params.get(name) or "").strip()
            if not raw:
                values[name] = fallback
                continue
            try:
                values[name] = parse_day(raw)
            except ValidationFailed as exc:
                errors[name] = [str(exc)]
        for name in FILTER_DIMENSIONS:
            raw = (params.get(name) or "").strip()
            if not raw:
                values[name] = None
            elif whole_number(raw, below=2**31):
                values[name] = int(raw)
            else:
                errors[name] = [_("Choose a valid option.")]
        if not errors:
            if values["end"] < values["start"]:
                errors["end"] = [_("The end date is before the start date.")]
            elif (values["end"] - values["start"]).days + 1 > MAX_RANGE_DAYS:
                errors["end"] = [_("A report covers at most %(days)d days.") % {"days": MAX_RANGE_DAYS}]
        if errors:
            raise ValidationFailed(_("Some filters are not valid."), details=errors)
        return cls(**values)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> ReportFilters:
        """The period of the same length just before this one."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def as_params(self) -> dict[str, str]:
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        for name in FILTER_DIMENSIONS:
            value = getattr(self, name)
            if value:
                params[name] = str(value)
        return params

    def dimension_q(self) -> Q:
        q = Q()
        for name in FILTER_DIMENSIONS:
            value = getattr(self, name)
            if value:
                q &= Q(**{f"{name}_id": value})
        return q


def whole_number(raw: str, *, below: int) -> bool:
    """`raw` is a positive whole number in ASCII digits (str.isdigit also takes "²", which int() refuses)
    below `below`."""
    return raw.isascii() and raw.isdigit() and 0 < int(raw) < below


def parse_day(raw: str) -> date:
    """A day typed as YYYY-MM-DD between FIRST_DAY and LAST_DAY; ValidationFailed (its message) otherwise."""
    try:
        parsed = parse_date(raw)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed(_("Enter a date as YYYY-MM-DD."))
    if not FIRST_DAY <= parsed <= LAST_DAY:
        raise ValidationFailed(
            _("Enter a date between %(first)s and %(last)s.")
            % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
        )
    return parsed


def rollups(scope: Scope, filters: ReportFilters) -> QuerySet[DailyRollup]:
    return DailyRollup.objects.filter(
        scope.q(), filters.dimension_q(), day__gte=filters.start, day__lte=filters.end
    ).order_by()


def fact_sums(start: date, end: date) -> dict[str, Any]:
    """The rollup counters summed straight from ticket facts: each counter counts on the day its rollup
    cell does (created, resolved, first response, SLA stop, rating, cancellation day)."""

    def on(column: str, **more: Any) -> Q:
        return Q(**{f"{column}__gte": start, f"{column}__lte": end}, **more)

    resolved = on("resolved_day")
    sums: dict[str, Any] = {
        "created": Count("pk", filter=on("created_day")),
        "cancelled": Count("pk", filter=on("cancelled_day")),
        "resolved": Count("pk", filter=resolved),
        "reopened": Count("pk", filter=on("resolved_day", reopen_count__gt=0)),
        "first_contact": Count("pk", filter=on("resolved_day", first_contact=True)),
        "resolution_wall_sum": Sum("resolution_wall_seconds", filter=resolved),
        "resolution_business_sum": Sum("resolution_business_seconds", filter=resolved),
        "resolution_business_count": Count("resolution_business_seconds", filter=resolved),
        "first_response_count": Count("pk", filter=on("first_response_day")),
        "first_response_sum": Sum("first_response_seconds", filter=on("first_response_day")),
        "first_assign_count": Count("pk", filter=on("first_assign_day")),
        "first_assign_sum": Sum("first_assign_seconds", filter=on("first_assign_day")),
        "sla_response_met": Count("pk", filter=on("sla_response_day", sla_response_met=True)),
        "sla_response_breached": Count("pk", filter=on("sla_response_day", sla_response_met=False)),
        "sla_resolution_met": Count("pk", filter=on("resolved_day", sla_resolution_met=True)),
        "sla_resolution_breached": Count("pk", filter=on("resolved_day", sla_resolution_met=False)),
        "csat_count": Count("pk", filter=on("csat_day")),
        "csat_sum": Sum("csat_rating", filter=on("csat_day")),
    }
    for n in range(1, 6):
        sums[f"csat_{n}"] = Count("pk", filter=on("csat_day", csat_rating=n))
    # Prefixed: some counters share a name with a fact column (first_contact, sla_*_met).
    return {f"{FACT_PREFIX}{name}": value for name, value in sums.items()}


FACT_PREFIX = "sum_"


def unprefixed(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k.removeprefix(FACT_PREFIX): v for k, v in row.items()}


AGENT_COUNTERS = ("resolved", "sla_response_met", "sla_response_breached", "sla_resolution_met",
                  "sla_resolution_breached", "csat_count", "csat_sum")  # fmt: skip


class Source:
    """Where a period's counters are summed from: the daily rollups, or (filtered by location, which the
    rollups do not key by) the ticket facts of that location. Both give rows with the same counter names."""

    def __init__(self, scope: Scope, filters: ReportFilters) -> None:
        self.filters = filters
        self.from_facts = bool(filters.location)
        if self.from_facts:
            self.base: QuerySet[Any] = facts(scope, filters)
            self.sums = fact_sums(filters.start, filters.end)
        else:
            self.base = rollups(scope, filters)
            self.sums = _sums()

    def total(self) -> dict[str, Any]:
        return unprefixed(self.base.aggregate(**self.sums))

    def by(self, column: str, order: str | None = None, only: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """Counters per value of `column` (all of them, or `only` those named)."""
        sums = self.sums
        if only:
            sums = {k: v for k, v in sums.items() if k.removeprefix(FACT_PREFIX) in only}
        rows = self.base.values(column).annotate(**sums)
        if order:
            name = order.lstrip("-")
            rows = rows.order_by(order.replace(name, FACT_PREFIX + name) if self.from_facts else order)
        return [unprefixed(row) for row in rows]

    def per_day(self) -> dict[date, tuple[int, int]]:
        if not self.from_facts:
            rows = self.base.values("day").annotate(c=Sum("created"), r=Sum("resolved"))
            return {row["day"]: (row["c"] or 0, row["r"] or 0) for row in rows}
        start, end = self.filters.start, self.filters.end
        out: dict[date, tuple[int, int]] = {}
        for day, n in (
            self.base.filter(created_day__gte=start, created_day__lte=end)
            .values_list("created_day")
            .annotate(n=Count("pk"))
        ):
            out[day] = (n, 0)
        for day, n in (
            self.base.filter(resolved_day__gte=start, resolved_day__lte=end)
            .values_list("resolved_day")
            .annotate(n=Count("pk"))
        ):
            out[day] = (out.get(day, (0, 0))[0], n)
        return out

    def grouped(self) -> Groups:
        """The period's counters in total, per day, and per channel, priority, category and team.

        On PostgreSQL the rollups are read in two GROUPING SETS statements: every counter per priority and per
        team (the total is the sum of the priority rows: each rollup row has one priority), and only the
        counters the trend, the channels and the categories show per day, channel and category (summing all
        23 counters for six groupings was most of the time). Elsewhere one query per grouping."""
        if self.from_facts or connection.vendor != "postgresql":
            return Groups(self.total(), self.per_day(), {column: self.by(column) for column in GROUPINGS})
        where, params = _where(self.base)
        groups = Groups(total=dict.fromkeys(COUNTERS, 0), per_day={}, by={column: [] for column in GROUPINGS})
        with connection.cursor() as cursor:
            for columns, counters in (WIDE_GROUPINGS, NARROW_GROUPINGS):
                sums = ", ".join(f"SUM({c})" for c in counters)
                sets = ", ".join(f"({c})" for c in columns)
                cursor.execute(
                    f"SELECT GROUPING({', '.join(columns)}), {', '.join(columns)}, {sums} "  # noqa: S608 (column names from our own list, values as parameters)
                    f"FROM {DailyRollup._meta.db_table} WHERE {where} GROUP BY GROUPING SETS ({sets})",
                    params,
                )
                for row in cursor.fetchall():
                    flags, keys = row[0], row[1 : 1 + len(columns)]
                    values = {c: int(v) for c, v in zip(counters, row[1 + len(columns) :], strict=True)}
                    # GROUPING(): a bit set for each column summed over; the one grouped by has its bit clear.
                    index = [flags >> (len(columns) - 1 - i) & 1 for i in range(len(columns))].index(0)
                    column, key = columns[index], keys[index]
                    if column == "day":
                        groups.per_day[key] = (values["created"], values["resolved"])
                    else:
                        groups.by[column].append({column: key, **values})
        for row in groups.by["priority_id"]:
            for c in COUNTERS:
                groups.total[c] += row[c]
        return groups


GROUPINGS = ("channel", "priority_id", "category_id", "team_id")
# (columns, counters) of the two statements `Source.grouped` reads the rollups with on PostgreSQL.
WIDE_GROUPINGS = (("priority_id", "team_id"), COUNTERS)
NARROW_GROUPINGS = (("day", "channel", "category_id"), ("created", "resolved", "resolution_wall_sum"))


@dataclass
class Groups:
    total: dict[str, Any]
    per_day: dict[date, tuple[int, int]]
    by: dict[str, list[dict[str, Any]]]


def facts(scope: Scope, filters: ReportFilters) -> QuerySet[TicketFact]:
    return TicketFact.objects.filter(scope.q(), filters.dimension_q()).order_by()


def _sums(prefix: str = "") -> dict[str, Sum]:
    return {f"{prefix}{c}": Sum(c) for c in COUNTERS}


def _ratio(part: float | None, whole: float | None) -> float | None:
    return None if not whole else (part or 0) / whole


def derive(row: dict[str, Any]) -> dict[str, Any]:
    """The derived figures of one row of summed counters."""
    get = lambda name: row.get(name) or 0  # noqa: E731
    sla_response = get("sla_response_met") + get("sla_response_breached")
    sla_resolution = get("sla_resolution_met") + get("sla_resolution_breached")
    return {
        **{c: get(c) for c in COUNTERS},
        "mtta_seconds": _ratio(get("first_assign_sum"), get("first_assign_count")),
        "first_response_seconds": _ratio(get("first_response_sum"), get("first_response_count")),
        "mttr_wall_seconds": _ratio(get("resolution_wall_sum"), get("resolved")),
        "mttr_business_seconds": _ratio(get("resolution_business_sum"), get("resolution_business_count")),
        "reopen_rate": _ratio(get("reopened"), get("resolved")),
        "first_contact_rate": _ratio(get("first_contact"), get("resolved")),
        "sla_response_rate": _ratio(get("sla_response_met"), sla_response),
        "sla_resolution_rate": _ratio(get("sla_resolution_met"), sla_resolution),
        "sla_rate": _ratio(
            get("sla_response_met") + get("sla_resolution_met"), sla_response + sla_resolution
        ),
        "csat_average": _ratio(get("csat_sum"), get("csat_count")),
    }


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(p) WITHIN GROUP (ORDER BY expr): linear interpolation between ranks."""

    function = "percentile_cont"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: str, percentile: float, **extra: Any) -> None:
        super().__init__(expression, percentile=float(percentile), **extra)


def percentile(values: list[int], p: float) -> float | None:
    """The same interpolation as percentile_cont, over sorted values."""
    if not values:
        return None
    k = (len(values) - 1) * p
    low = int(k)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (k - low)


def resolution_percentiles(
    scope: Scope, filters: ReportFilters, *, teams: Sequence[int] = (), agents: Sequence[int] = ()
) -> dict[str, Any]:
    """Median and p90 of resolution time (wall and business) over the tickets resolved in the period, and
    the median (wall) for each of `teams` and of `agents`."""
    resolved = facts(scope, filters).filter(resolved_day__gte=filters.start, resolved_day__lte=filters.end)
    teams, agents = list(teams), list(agents)
    if connection.vendor == "postgresql":
        out: dict[str, Any] = {"team": {}, "agent": {}}
        names = ("median_wall_seconds", "p90_wall_seconds", "median_business_seconds", "p90_business_seconds")
        figures = ", ".join(
            f"percentile_cont({p}) WITHIN GROUP (ORDER BY {column})"
            for p, column in ((0.5, "resolution_wall_seconds"), (0.9, "resolution_wall_seconds"),
                              (0.5, "resolution_business_seconds"), (0.9, "resolution_business_seconds"))
        )  # fmt: skip
        where, params = _where(resolved)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {figures} FROM {TicketFact._meta.db_table} WHERE {where}", params)  # noqa: S608 (our table; the WHERE built from fixed clauses, values as parameters)
            out.update(zip(names, cursor.fetchone() or (None,) * len(names), strict=True))
        # Per team and per agent from the (team|assignee, resolved_day, resolution_wall_seconds) indexes: each
        # group's rows arrive in order, so no sort of the whole period precedes the groups' own sorts.
        for key, column, ids in (("team", "team_id", teams), ("agent", "assignee_id", agents)):
            if ids:
                out[key] = dict(
                    resolved.filter(**{f"{column}__in": ids})
                    .values(column)
                    .annotate(m=PercentileCont("resolution_wall_seconds", 0.5))
                    .values_list(column, "m")
                )
        return out
    wanted = set(agents)
    where, params = _where(resolved)
    with connection.cursor() as cursor:  # plain rows: no model machinery for a few hundred thousand of them
        cursor.execute(
            "SELECT resolution_wall_seconds, resolution_business_seconds, team_id, assignee_id "  # noqa: S608 (our own table name, values as parameters)
            f"FROM {TicketFact._meta.db_table} WHERE {where}",
            params,
        )
        rows = cursor.fetchall()
    walls = sorted([row[0] for row in rows])
    business = sorted([row[1] for row in rows if row[1] is not None])
    per_team: dict[int, list[int]] = defaultdict(list)
    per_agent: dict[int, list[int]] = defaultdict(list)
    wanted_teams = set(teams)
    if wanted_teams:
        for wall, _business, team_id, _assignee in rows:
            if team_id in wanted_teams:
                per_team[team_id].append(wall)
    if wanted:
        for wall, _business, _team, assignee_id in rows:
            if assignee_id in wanted:
                per_agent[assignee_id].append(wall)
    return {
        "median_wall_seconds": percentile(walls, 0.5),
        "p90_wall_seconds": percentile(walls, 0.9),
        "median_business_seconds": percentile(business, 0.5),
        "p90_business_seconds": percentile(business, 0.9),
        "team": {k: percentile(sorted(v), 0.5) for k, v in per_team.items()},
        "agent": {k: percentile(sorted(v), 0.5) for k, v in per_agent.items()},
    }


def _where(queryset: QuerySet[Any]) -> tuple[str, list[Any]]:
    """The WHERE clause of a one-table queryset, for a statement the ORM cannot write (GROUPING SETS)."""
    try:
        where, params = queryset.query.get_compiler(connection=connection).compile(queryset.query.where)
    except EmptyResultSet:  # e.g. an agent in no team: team_id IN ()
        return "1 = 0", []
    except FullResultSet:
        return "1 = 1", []
    return where, list(params)


@contextmanager
def reading() -> Iterator[None]:
    """On PostgreSQL, one read-only transaction for a page of figures, in which the percentile sorts (a few
    hundred thousand numbers) stay in memory: the default 4 MB work_mem sends them to disk. On SQLite no
    transaction: ours begin IMMEDIATE, which would hold the write lock for the whole read."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def backlog(scope: Scope, filters: ReportFilters) -> dict[str, Any]:
    """Open tickets now (filtered by team, category… but not by date) and their age buckets."""
    now = timezone.now()
    buckets: dict[str, Any] = {}
    for key, _label, low, high in AGE_BUCKETS:
        condition = Q(created_at__lte=now - timedelta(days=low))
        if high is not None:
            condition &= Q(created_at__gt=now - timedelta(days=high))
        buckets[key] = Count("pk", filter=condition)
    row = facts(scope, filters).filter(is_open=True).aggregate(total=Count("pk"), **buckets)
    return {"total": row.pop("total"), "buckets": row}


def age_bucket_q(key: str) -> Q:
    now = timezone.now()
    for bucket, _label, low, high in AGE_BUCKETS:
        if bucket == key:
            condition = Q(created_at__lte=now - timedelta(days=low))
            if high is not None:
                condition &= Q(created_at__gt=now - timedelta(days=high))
            return condition
    raise ValidationFailed(_("Unknown age bucket."), details={"age": [_("Choose a valid option.")]})


def summary(scope: Scope, filters: ReportFilters) -> dict[str, Any]:
    """The headline figures of one period (one query on the rollups, one on the facts)."""
    with reading():
        return _summary(scope, filters)


def _summary(scope: Scope, filters: ReportFilters) -> dict[str, Any]:
    totals = derive(Source(scope, filters).total())
    percentiles = resolution_percentiles(scope, filters)
    totals.update({k: v for k, v in percentiles.items() if k not in ("team", "agent")})
    return totals


@dataclass
class Dashboard:
    filters: ReportFilters
    totals: dict[str, Any]
    previous: dict[str, Any]
    backlog: dict[str, Any]
    trend: list[dict[str, Any]]
    by_channel: list[dict[str, Any]]
    by_priority: list[dict[str, Any]]
    top_categories: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    agents: list[dict[str, Any]]
    csat_distribution: list[int] = field(default_factory=list)


def dashboard(scope: Scope, filters: ReportFilters, *, labels: Any, compare: bool = False) -> Dashboard:
    """Every dashboard figure for this scope and filters. `labels` names ids (see selectors.Labels)."""
    with reading():
        groups = Source(scope, filters).grouped()
        agent_rows = top_agents(scope, filters)
        percentiles = resolution_percentiles(
            scope,
            filters,
            teams=[row["team_id"] for row in groups.by["team_id"]],
            agents=[row["assignee_id"] for row in agent_rows],
        )
        previous = _summary(scope, filters.previous()) if compare else {}
        open_backlog = backlog(scope, filters)
    totals = derive(groups.total)
    totals.update({k: v for k, v in percentiles.items() if k not in ("team", "agent")})

    trend = []
    day = filters.start
    while day <= filters.end:
        created, resolved = groups.per_day.get(day, (0, 0))
        trend.append({"day": day.isoformat(), "created": created, "resolved": resolved})
        day += timedelta(days=1)

    by_channel = [
        {"channel": row["channel"], "label": labels.channel(row["channel"]), "created": row["created"]}
        for row in sorted(groups.by["channel"], key=lambda r: (-(r["created"] or 0), r["channel"]))
        if row["created"]
    ]
    by_priority = []
    for row in groups.by["priority_id"]:
        figures = derive(row)
        if (
            figures["resolved"]
            or figures["created"]
            or figures["sla_response_met"] + figures["sla_response_breached"]
        ):
            by_priority.append(
                {"id": row["priority_id"], "label": labels.priority(row["priority_id"]), **figures}
            )
    by_priority.sort(key=lambda r: labels.priority_rank(r["id"]))

    categories = []
    for row in groups.by["category_id"]:
        figures = derive(row)
        if figures["resolved"]:
            categories.append({"id": row["category_id"], "label": labels.category(row["category_id"]),
                               "resolved": figures["resolved"], "average_seconds": figures["mttr_wall_seconds"]})  # fmt: skip
    categories.sort(key=lambda r: (-r["average_seconds"], r["id"]))
    top_categories = categories[:10]

    teams = []
    for row in groups.by["team_id"]:
        figures = derive(row)
        if not (figures["resolved"] or figures["created"]):
            continue
        teams.append({"id": row["team_id"], "label": labels.team(row["team_id"]), **figures,
                      "median_seconds": percentiles["team"].get(row["team_id"])})  # fmt: skip
    teams.sort(key=lambda r: (-r["resolved"], r["label"]))

    labels.preload_users([row["assignee_id"] for row in agent_rows])
    agents = []
    for row in agent_rows:
        figures = derive(row)
        agents.append({"id": row["assignee_id"], "label": labels.user(row["assignee_id"]), **figures,
                       "median_seconds": percentiles["agent"].get(row["assignee_id"])})  # fmt: skip
    distribution = [totals[f"csat_{n}"] for n in range(1, 6)]
    return Dashboard(
        filters=filters,
        totals=totals,
        previous=previous,
        backlog=open_backlog,
        trend=trend,
        by_channel=by_channel,
        by_priority=by_priority,
        top_categories=top_categories,
        teams=teams,
        agents=agents,
        csat_distribution=distribution,
    )


def top_agents(scope: Scope, filters: ReportFilters, limit: int = 10) -> list[dict[str, Any]]:
    """The agents who resolved the most tickets in the period (their current assignee), with their
    counters, from the facts."""
    resolved_facts = facts(scope, filters).filter(
        resolved_day__gte=filters.start, resolved_day__lte=filters.end
    )
    sums = fact_sums(filters.start, filters.end)
    return [
        unprefixed(row)
        for row in resolved_facts.exclude(assignee_id=0)
        .values("assignee_id")
        .annotate(**{k: v for k, v in sums.items() if k.removeprefix(FACT_PREFIX) in AGENT_COUNTERS})
        .order_by(f"-{FACT_PREFIX}resolved", "assignee_id")[:limit]
    ]


DRILL_METRICS = {
    "created": pgettext_lazy("report figure", "Created"),
    "resolved": gettext_lazy("Resolved"),
    "reopened": gettext_lazy("Reopened"),
    "first_contact": gettext_lazy("Resolved at first contact"),
    "cancelled": gettext_lazy("Cancelled"),
    "backlog": gettext_lazy("Open backlog"),
    "sla_response_breached": gettext_lazy("First response target missed"),
    "sla_resolution_breached": gettext_lazy("Resolution target missed"),
    "sla_response_met": gettext_lazy("First response target met"),
    "sla_resolution_met": gettext_lazy("Resolution target met"),
    "csat": gettext_lazy("Rated"),
}


def drill_down(scope: Scope, filters: ReportFilters, params: Any) -> QuerySet[TicketFact]:
    """The facts behind one figure: `metric` plus optional narrowing (day, channel, assignee, rating, age)."""
    metric = params.get("metric") or "created"
    if metric not in DRILL_METRICS:
        raise ValidationFailed(_("Unknown figure."), details={"metric": [_("Choose a valid option.")]})
    qs = facts(scope, filters)
    start, end = filters.start, filters.end
    day_raw = (params.get("day") or "").strip()
    if day_raw:
        try:
            start = end = parse_day(day_raw)
        except ValidationFailed as exc:
            raise ValidationFailed(_("Enter a date as YYYY-MM-DD."), details={"day": [str(exc)]}) from None
    between = lambda column: {f"{column}__gte": start, f"{column}__lte": end}  # noqa: E731
    if metric == "created":
        qs = qs.filter(**between("created_day"))
    elif metric in ("resolved", "reopened", "first_contact", "sla_resolution_breached", "sla_resolution_met"):
        qs = qs.filter(**between("resolved_day"))
        if metric == "reopened":
            qs = qs.filter(reopen_count__gt=0)
        elif metric == "first_contact":
            qs = qs.filter(first_contact=True)
        elif metric.startswith("sla_"):
            qs = qs.filter(sla_resolution_met=metric.endswith("_met"))
    elif metric.startswith("sla_response"):
        qs = qs.filter(**between("sla_response_day"), sla_response_met=metric.endswith("_met"))
    elif metric == "cancelled":
        qs = qs.filter(**between("cancelled_day"))
    elif metric == "csat":
        qs = qs.filter(**between("csat_day"))
        rating = (params.get("rating") or "").strip()
        if rating:
            if rating not in {"1", "2", "3", "4", "5"}:
                raise ValidationFailed(
                    _("Unknown rating."), details={"rating": [_("Choose a valid option.")]}
                )
            qs = qs.filter(csat_rating=int(rating))
    elif metric == "backlog":
        qs = qs.filter(is_open=True)
        if params.get("age"):
            qs = qs.filter(age_bucket_q(params.get("age")))
    for name in ("channel", "assignee", "category", "priority", "team"):
        raw = (params.get(name) or "").strip()
        if not raw:
            continue
        if name == "channel":
            qs = qs.filter(channel=raw)
        elif whole_number(raw, below=2**31):
            qs = qs.filter(**{f"{name}_id": int(raw)})
        else:
            raise ValidationFailed(_("Choose a valid option."), details={name: [_("Choose a valid option.")]})
    return qs
