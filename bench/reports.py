"""Reports at scale: projection catch-up, the dashboard's default view (what a manager opens first: the last
30 days, no filter, beside the 30 before) through the web page and the API, the dashboard over random
90-day filters, the monthly XLSX, and the naive recomputation (scanning tickets) for comparison. Writes only
the reports app's own tables.

    .venv/bin/python -m bench.reports --database-url postgres://postgres@127.0.0.1:5432/gd_bench_1m
    .venv/bin/python -m bench.reports ... --skip-catch-up --only-default   # the default view alone
    .venv/bin/python -m bench.reports --maintenance [--database-url URL] [--assets 50000] [--work-orders 300000]

`--maintenance` builds its own equipment in an empty database (SQLite /tmp/bench-figures.sqlite3 by default):
assets in 10 types and 500 lines, PM work orders over a year (on time, late, missed, not yet due) and downtime
periods, then times the maintenance figures (decision 0163) over the last 30 days, a quarter and a year, the
maintenance tab as a page, and the maintenance sheets of the monthly XLSX.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

from bench import setup_django

WARM_UPS = 5


def timed(label: str, reads: int, read: Callable[[], object]) -> None:
    """Run `read` WARM_UPS + `reads` times and print p50 / p95 / max of the timed ones."""
    timings = []
    for n in range(reads + WARM_UPS):
        started = time.perf_counter()
        read()
        if n >= WARM_UPS:
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    print(f"{label}, {len(timings)} reads: p50 {statistics.median(timings):.0f} ms, p95 {p95:.0f} ms, "
          f"max {timings[-1]:.0f} ms")  # fmt: skip


def build_equipment(assets: int, work_orders: int, downtimes: int, seed: int = 7) -> None:
    """Bulk rows (no services: the figures read rows, not how they were written)."""
    from datetime import date, datetime, time

    from django.core.management import call_command
    from django.utils import timezone

    from gongdan.accounts.models import User
    from gongdan.assets.models import Asset, AssetType, Location
    from gongdan.maintenance.figures import day_start
    from gongdan.maintenance.models import Downtime, PmPlan, PmWorkOrder

    rng = random.Random(seed)
    call_command("migrate", verbosity=0)
    User.objects.create(username=BENCH_ADMIN_NAME, role="admin", is_superuser=True)
    sites = [Location.objects.create(name=f"工厂 {n}", kind="site") for n in range(5)]
    for site in sites:
        site.path = f"/{site.pk}/"
        site.save(update_fields=["path"])
    types = [AssetType.objects.create(name=f"类型 {n}", code=f"type{n}") for n in range(10)]
    lines = 500
    Asset.objects.bulk_create(
        (Asset(code=f"EQ-{n:06d}", name=f"设备 {n}", asset_type=types[n % 10], location=sites[n % 5],
               criticality="ABC"[n % 3], installed_on=date(2024, 1, 1)) for n in range(assets)),
        batch_size=5000,
    )  # fmt: skip
    ids = list(Asset.objects.order_by("pk").values_list("pk", flat=True))
    # the first `lines` assets are lines; every other asset is a machine of one of them
    rows = list(Asset.objects.order_by("pk").only("pk", "path", "parent"))
    for n, asset in enumerate(rows):
        if n < lines:
            asset.path = f"/{asset.pk}/"
        else:
            parent = ids[n % lines]
            asset.parent_id, asset.path = parent, f"/{parent}/{asset.pk}/"
    Asset.objects.bulk_update(rows, ["path", "parent"], batch_size=5000)
    requester = User.objects.get(username=BENCH_ADMIN_NAME)
    plans = PmPlan.objects.bulk_create(
        PmPlan(name=f"计划 {n}", asset_id=ids[n], starts_on=date(2025, 1, 1), requester=requester)
        for n in range(min(assets, work_orders // 12 + 1))
    )
    today = timezone.localdate()
    batch: list[PmWorkOrder] = []
    for n in range(work_orders):
        plan = plans[n % len(plans)]
        due = today - timedelta(days=330) + timedelta(days=n // len(plans) * 30 + rng.randrange(30))
        roll = rng.random()
        row = PmWorkOrder(plan=plan, asset_id=plan.asset_id, planned_on=due, due_on=due, opens_on=due)
        if due < today and roll < 0.85:
            late = roll > 0.7
            row.status = "done"
            row.completed_at = datetime.combine(
                due + timedelta(days=3 if late else 0), time(10), tzinfo=day_start(due).tzinfo
            )
        elif due < today:
            row.status = "open"
        batch.append(row)
        if len(batch) == 10_000:
            PmWorkOrder.objects.bulk_create(batch, ignore_conflicts=True)
            batch.clear()
    PmWorkOrder.objects.bulk_create(batch, ignore_conflicts=True)
    now = timezone.now()
    Downtime.objects.bulk_create(
        (Downtime(asset_id=ids[rng.randrange(len(ids))], started_at=(start := now - timedelta(hours=rng.uniform(1, 24 * 365))),
                  ended_at=start + timedelta(hours=rng.uniform(0.2, 12))) for _n in range(downtimes)),
        batch_size=10_000,
    )  # fmt: skip


BENCH_ADMIN_NAME = "bench_figures_admin"


def maintenance_bench(args: argparse.Namespace) -> None:
    from bench import remove_sqlite_database

    database_url = args.database_url or "sqlite:////tmp/bench-figures.sqlite3"
    remove_sqlite_database(database_url)
    setup_django(database_url, args.data_dir)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from gongdan.accounts.models import User
    from gongdan.assets.models import Location
    from gongdan.maintenance.figures import FigureFilters, maintenance_figures
    from gongdan.maintenance.models import Downtime, PmWorkOrder
    from gongdan.reports.exports import xlsx_bytes
    from gongdan.reports.maintenance import xlsx_sheets

    started = time.perf_counter()
    build_equipment(args.assets, args.work_orders, args.downtimes)
    print(f"built in {time.perf_counter() - started:.0f} s on {connection.vendor}: {args.assets:,} assets, "
          f"{PmWorkOrder.objects.count():,} PM work orders, {Downtime.objects.count():,} downtime periods")  # fmt: skip
    print("load average: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    today = timezone.localdate()
    site = Location.objects.order_by("pk").first()
    for label, days in (("last 30 days", 30), ("last quarter", 91), ("last year", 365)):
        filters = FigureFilters(start=today - timedelta(days=days - 1), end=today)
        timed(
            f"maintenance figures, {label}, every asset", args.reads, lambda f=filters: maintenance_figures(f)
        )
    filters = FigureFilters(start=today - timedelta(days=29), end=today, location=site.pk if site else None,
                            criticality="A")  # fmt: skip
    timed(
        "maintenance figures, last 30 days, one site and criticality A",
        args.reads,
        lambda: maintenance_figures(filters),
    )
    settings.ALLOWED_HOSTS = ["*"]
    browser = Client()
    browser.force_login(User.objects.get(username=BENCH_ADMIN_NAME))

    def page() -> None:
        response = browser.get("/reports/maintenance/")
        if response.status_code != 200:
            raise SystemExit(f"/reports/maintenance/ answered {response.status_code}")

    timed("maintenance tab, web page (GET /reports/maintenance/, last 30 days)", args.reads, page)
    month = FigureFilters(
        start=(today.replace(day=1) - timedelta(days=1)).replace(day=1),
        end=today.replace(day=1) - timedelta(days=1),
    )
    started = time.perf_counter()
    content = xlsx_bytes(xlsx_sheets(maintenance_figures(month)))
    print(f"maintenance sheets of the monthly XLSX {month.start:%Y-%m}: {(time.perf_counter() - started) * 1000:.0f} ms, "
          f"{len(content) / 1e3:.0f} kB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--data-dir", default="/tmp/bench-reports")
    parser.add_argument("--reads", type=int, default=40)
    parser.add_argument("--skip-catch-up", action="store_true")
    parser.add_argument("--only-default", action="store_true", help="time the default view only")
    parser.add_argument(
        "--maintenance", action="store_true", help="the maintenance figures on their own data"
    )
    parser.add_argument("--assets", type=int, default=50_000)
    parser.add_argument("--work-orders", type=int, default=300_000)
    parser.add_argument("--downtimes", type=int, default=50_000)
    args = parser.parse_args()
    if args.maintenance:
        maintenance_bench(args)
        return
    setup_django(args.database_url, args.data_dir)

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Avg, Count, F, Q

    from gongdan.accounts.models import Team
    from gongdan.reports.metrics import ReportFilters, Scope, dashboard
    from gongdan.reports.models import TicketFact
    from gongdan.reports.period_reports import period_report, report_xlsx
    from gongdan.reports.projection import project_pending
    from gongdan.reports.selectors import Labels
    from gongdan.tickets.models import Category, Priority, Ticket, TicketEvent

    call_command("migrate", "reports", verbosity=0)
    print(
        f"database: {connection.vendor}, tickets {Ticket.objects.count():,}, events {TicketEvent.objects.count():,}"
    )
    print("load average: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    if not args.skip_catch_up:
        result = project_pending(batch_size=20_000)
        print(f"catch-up: {result.tickets:,} tickets built, {result.events:,} events replayed, in "
              f"{result.seconds:.1f} s (a first build goes ticket by ticket; see docs/reports.md)")  # fmt: skip
    latest = TicketFact.objects.order_by("-created_day").values_list("created_day", flat=True).first()
    earliest = TicketFact.objects.order_by("created_day").values_list("created_day", flat=True).first()
    if latest is None or earliest is None:
        raise SystemExit("no ticket facts: generate a data set first (bench/README.md)")
    span = max(0, (latest - earliest).days - 89)
    print(f"facts: {TicketFact.objects.count():,} tickets from {earliest} to {latest}")
    teams = list(Team.objects.values_list("pk", flat=True))
    categories = list(Category.objects.values_list("pk", flat=True))
    priorities = list(Priority.objects.values_list("pk", flat=True))
    rng = random.Random(7)

    def random_filters() -> ReportFilters:
        end = latest - timedelta(days=rng.randint(0, span))
        choice = rng.randint(0, 3)
        return ReportFilters(
            start=end - timedelta(days=89),
            end=end,
            team=rng.choice(teams) if choice == 1 else None,
            category=rng.choice(categories) if choice == 2 else None,
            priority=rng.choice(priorities) if choice == 3 else None,
        )

    # The page as a browser gets it (filter bar, charts' data, template) and the API's JSON, in-process through
    # Django's test client: what the figures cost plus what the web adds.
    from django.conf import settings
    from django.test import Client

    from bench import BENCH_ADMIN
    from gongdan.accounts.models import User

    settings.ALLOWED_HOSTS = ["*"]
    browser = Client()
    browser.force_login(User.objects.get(username=BENCH_ADMIN))

    def get(path: str, params: dict[str, str] | None = None) -> None:
        response = browser.get(path, params or {})
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")

    default = ReportFilters.default()
    print(f"default view: {default.start} to {default.end} beside {default.previous().start} to "
          f"{default.previous().end}")  # fmt: skip
    timed("default view, figures only (metrics.dashboard, last 30 days + previous)", args.reads,
          lambda: dashboard(Scope(), ReportFilters.default(), labels=Labels(), compare=True))  # fmt: skip
    timed("default view, web page (GET /reports/ as an admin)", args.reads, lambda: get("/reports/"))
    timed("default view, API (GET /api/v1/reports/dashboard as an admin)", args.reads,
          lambda: get("/api/v1/reports/dashboard"))  # fmt: skip
    if args.only_default:
        return

    timed("dashboard, 90-day filters (all figures + previous period)", args.reads,
          lambda: dashboard(Scope(), random_filters(), labels=Labels(), compare=True))  # fmt: skip
    timed("dashboard web page, 90-day filters (GET /reports/ as an admin)", args.reads,
          lambda: get("/reports/", random_filters().as_params()))  # fmt: skip

    month = latest.replace(day=1) - timedelta(days=1)
    started = time.perf_counter()
    report = period_report(
        scope=Scope(), period="monthly", anchor=month, filters=ReportFilters(start=month, end=month)
    )
    content = report_xlsx(report)
    print(f"monthly XLSX {month:%Y-%m}: {time.perf_counter() - started:.2f} s, {len(content) / 1e6:.1f} MB, "
          f"{report.board.totals['resolved']:,} resolved tickets listed")  # fmt: skip

    filters = random_filters()
    started = time.perf_counter()
    tickets = Ticket.objects.filter(created_at__date__gte=filters.start, created_at__date__lte=filters.end)
    resolved = Ticket.objects.filter(
        resolved_at__date__gte=filters.start, resolved_at__date__lte=filters.end
    ).exclude(status="cancelled")
    tickets.aggregate(n=Count("pk"))
    resolved.aggregate(n=Count("pk"), mttr=Avg(F("resolved_at") - F("created_at")))
    list(resolved.values("team_id").annotate(n=Count("pk"), mttr=Avg(F("resolved_at") - F("created_at"))))
    list(
        resolved.values("category_id")
        .annotate(mttr=Avg(F("resolved_at") - F("created_at")))
        .order_by("-mttr")[:10]
    )
    list(tickets.values("channel").annotate(n=Count("pk")))
    Ticket.objects.filter(Q(status__in=["new", "assigned", "in_progress"])).count()
    naive = time.perf_counter() - started
    print(
        f"naive recomputation from tickets (a subset of the figures, no pending time, no reopen): {naive * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
