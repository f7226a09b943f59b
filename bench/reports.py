"""Reports at scale: projection catch-up, the dashboard's default view (what a manager opens first: the last
30 days, no filter, beside the 30 before) through the web page and the API, the dashboard over random
90-day filters, the monthly XLSX, and the naive recomputation (scanning tickets) for comparison. Writes only
the reports app's own tables.

    .venv/bin/python -m bench.reports --database-url postgres://postgres@127.0.0.1:5432/gd_bench_1m
    .venv/bin/python -m bench.reports ... --skip-catch-up --only-default   # the default view alone
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--data-dir", default="/tmp/bench-reports")
    parser.add_argument("--reads", type=int, default=40)
    parser.add_argument("--skip-catch-up", action="store_true")
    parser.add_argument("--only-default", action="store_true", help="time the default view only")
    args = parser.parse_args()
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
