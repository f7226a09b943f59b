"""What the portal costs the rest of the site: the resolution scan, and refusing a flood.

    python -m bench.portal [--database-url URL] [--tickets 2000] [--noise 20]

Builds a fresh site (SQLite file by default: /tmp/bench-portal.sqlite3; for PostgreSQL pass an empty
database). Creates --tickets requests through `ticket_create`, resolves half of them through
`ticket_transition`, and writes --noise extra events per ticket (comments and notes, which the scan must
skip). Then times:

- `survey_scan` catching up on every resolution at once (one survey, one notice and one outbox mail each);
- `survey_scan` when nothing is new (the cost every minute on a quiet site);
- a resolution with the portal installed vs. the work it would add if it hooked the transition instead;
- refused sign-in link requests (429) per second, in process, and the queries each one costs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from bench import remove_sqlite_database, setup_django


def build(tickets: int, noise: int) -> dict:
    from django.core.management import call_command

    from gongdan.accounts.models import Team, User
    from gongdan.tickets.models import Category
    from gongdan.tickets.services import ticket_comment, ticket_create, ticket_transition

    call_command("migrate", verbosity=0)
    team = Team.objects.create(name="物业", name_en="Facilities")
    agent = User.objects.create(username="bench_portal_agent", role="agent", email="agent@example.com")
    team.memberships.create(user=agent)
    category = Category.objects.create(name="漏水", name_en="Leak", default_team=team)
    category.path = f"/{category.pk}/"
    category.save(update_fields=["path"])
    requesters = User.objects.bulk_create(
        [User(username=f"r{n}", email=f"r{n}@example.com", role="requester") for n in range(200)]
    )
    resolve_times: list[float] = []
    for n in range(tickets):
        ticket = ticket_create(actor=requesters[n % len(requesters)], subject=f"Leak {n}", category=category,
                               channel="portal")  # fmt: skip
        for k in range(noise):
            ticket_comment(actor=agent, ticket=ticket, body=f"note {k}", is_internal=k % 2 == 0)
        if n % 2 == 0:
            started = time.perf_counter()
            ticket_transition(actor=agent, ticket=ticket, action="resolve", note="fixed")
            resolve_times.append((time.perf_counter() - started) * 1000)
    return {"resolve_ms": resolve_times}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-portal.sqlite3")
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--noise", type=int, default=20)
    args = parser.parse_args()
    remove_sqlite_database(args.database_url)
    os.environ.setdefault("GONGDAN_HUEY_IMMEDIATE", "1")
    os.environ.setdefault("GONGDAN_LOG_LEVEL", "WARNING")
    setup_django(args.database_url, "/tmp/bench-portal-data")
    import datetime as dt
    import logging

    for name in ("huey", "django.request"):  # one line per task run or refusal would bury the figures
        logging.getLogger(name).setLevel(logging.ERROR)

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from gongdan.portal.models import Survey
    from gongdan.portal.services import SCAN_OVERLAP, survey_scan
    from gongdan.tickets.models import TicketEvent

    started = time.perf_counter()
    site = build(args.tickets, args.noise)
    events = TicketEvent.objects.count()
    print(f"built {args.tickets} tickets, {events} events on {connection.vendor} in "
          f"{time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    resolve = site["resolve_ms"]
    print(f"resolve (ticket_transition, portal installed): p50 {statistics.median(resolve):.2f} ms, "
          f"p95 {sorted(resolve)[int(len(resolve) * .95)]:.2f} ms — the portal adds no work here")  # fmt: skip

    later = timezone.now() + SCAN_OVERLAP + dt.timedelta(seconds=1)
    started = time.perf_counter()
    created = 0
    while True:  # a scan reads at most SCAN_PAGES × SCAN_BATCH transition events per run
        made = survey_scan(now=later)
        created += made
        if not made:
            break
    catch_up = time.perf_counter() - started
    assert created == Survey.objects.count()
    print(f"scan catching up: {created} surveys (+ notice + mail each) in {catch_up * 1000:.0f} ms "
          f"= {catch_up * 1000 / max(created, 1):.2f} ms per resolution")  # fmt: skip
    idle = []
    for _ in range(50):
        started = time.perf_counter()
        survey_scan(now=later)
        idle.append((time.perf_counter() - started) * 1000)
    print(f"idle scan (nothing new): p50 {statistics.median(idle):.2f} ms, max {max(idle):.2f} ms")

    cache.clear()
    client = Client(REMOTE_ADDR="203.0.113.200")
    from django.conf import settings

    settings.GONGDAN_PORTAL_RATE_LIMITS = {"link_ip": (1, 3600)}
    client.post("/portal/sign-in/", {"email": "flood@example.com"})
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        n = 500
        for _ in range(n):
            assert client.post("/portal/sign-in/", {"email": "flood@example.com"}).status_code == 429
        refused = time.perf_counter() - started
    print(f"flood: {n} refused sign-in requests in {refused:.2f} s = {n / refused:.0f}/s in one process, "
          f"{len(queries) / n:.1f} database queries each")  # fmt: skip


if __name__ == "__main__":
    main()
