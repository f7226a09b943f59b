"""SLA engine: sweep time with 1M open tickets' clocks of which 1,000 are due (target < 1 s), and the cost
the SLA hook adds to each ticket create (target < 2 ms).

    python -m bench.sla [--database-url URL] [--clocks 1000000] [--due 1000] [--creates 300]

Builds a fresh site in the given database (SQLite file by default: /tmp/bench-sla.sqlite3, deleted first;
for PostgreSQL pass an empty database, e.g. postgres://postgres@127.0.0.1:5432/gd_bench_sla): migrations,
one template ticket copied --clocks times by a single INSERT … SELECT over a generated series (no services),
one running resolution clock per ticket under a 24×7 bench policy whose step "80 % → notify the team leads"
is due on --due of them and hours away on the rest. Then times `escalation_sweep()` (find by the partial
index, lock, fire, notify, record events) and, separately, the find query alone; then creates --creates
tickets through `ticket_create` with the SLA hook on and off and prints the difference per create.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import timedelta

from bench import remove_sqlite_database, setup_django


def build(clocks: int, due: int) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from gongdan.accounts.models import Team, User
    from gongdan.sla import services as sla
    from gongdan.sla.models import BusinessCalendar, SlaClock
    from gongdan.tickets.models import Priority, Ticket
    from gongdan.tickets.services import ticket_create

    call_command("migrate", verbosity=0)
    admin = User.objects.create(username="bench_admin", role="admin")
    requester = User.objects.create(username="bench_requester")
    team = Team.objects.create(name="基准", name_en="Bench")
    for i in range(3):
        lead = User.objects.create(username=f"bench_lead{i}", role="team_lead", email=f"lead{i}@example.com")
        team.memberships.create(user=lead, team_role="lead")
    p3 = Priority.objects.get(code="P3")
    policy = sla.policy_create(actor=admin, name="bench", order=0, calendar=BusinessCalendar.objects.get(is_24x7=True),
                               conditions={"priorities": ["P3"]}, targets={p3: (None, None, 240)})  # fmt: skip
    sla.step_create(actor=admin, policy=policy, target="resolution", percent=80, action="notify_team_leads")
    template = ticket_create(
        actor=admin, requester=requester, subject="bench template 打印机", priority=p3, team=team
    )
    SlaClock.objects.filter(ticket=template).delete()

    columns = [f.column for f in Ticket._meta.concrete_fields if f.column not in ("id", "number")]
    listed = ", ".join(columns)
    if connection.vendor == "postgresql":
        series = f"generate_series(1, {clocks}) AS s(i)"
        prefix = ""
    else:
        series = "s"
        prefix = f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {clocks}) "
    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"{prefix}INSERT INTO tickets_ticket ({listed}, number) "
            f"SELECT {', '.join('t.' + c for c in columns)}, 'BENCH-' || s.i FROM tickets_ticket t, {series} "
            f"WHERE t.id = %s",
            [template.pk],
        )
    print(f"  {clocks:,} tickets in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    early, late = now - timedelta(minutes=200), now
    with transaction.atomic(), connection.cursor() as cursor:
        # Every ticket has one running resolution clock (240 min, 24×7). The first `due` tickets started 200
        # minutes ago: their 80 % step (192 min) is due. The others started now: due in 192 minutes.
        cursor.execute(
            "INSERT INTO sla_slaclock (ticket_id, kind, team_id, policy_id, calendar_id, run, target_minutes, "
            "started_at, due_at, paused_business_seconds, next_escalation_at, created_at) "
            "SELECT t.id, 'resolution', t.team_id, %s, %s, 1, 240, "
            "CASE WHEN t.id < %s THEN %s ELSE %s END, CASE WHEN t.id < %s THEN %s ELSE %s END, 0, "
            "CASE WHEN t.id < %s THEN %s ELSE %s END, %s FROM tickets_ticket t WHERE t.id <> %s",
            [policy.pk, policy.calendar_id, template.pk + 1 + due, early, late,
             template.pk + 1 + due, early + timedelta(minutes=240), late + timedelta(minutes=240),
             template.pk + 1 + due, early + timedelta(minutes=192), late + timedelta(minutes=192), now, template.pk],
        )  # fmt: skip
    print(f"  {clocks:,} clocks in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"policy": policy, "admin": admin, "requester": requester, "team": team, "p3": p3}


def sweep(due: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from gongdan.sla.escalation import due_clock_ids, escalation_sweep
    from gongdan.sla.models import EscalationFiring

    now = timezone.now()
    started = time.perf_counter()
    ids = due_clock_ids(now=now, limit=5000)
    find_ms = (time.perf_counter() - started) * 1000
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN (ANALYZE, BUFFERS) SELECT id FROM sla_slaclock WHERE next_escalation_at <= %s "
                "ORDER BY next_escalation_at LIMIT 5000",
                [now],
            )
            plan = "\n    ".join(row[0] for row in cursor.fetchall())
        print(f"  plan:\n    {plan}")
    started = time.perf_counter()
    fired = escalation_sweep(now=now)
    sweep_s = time.perf_counter() - started
    print(f"  find {len(ids)} due clocks by index: {find_ms:.1f} ms")
    print(f"  sweep fired {fired} steps ({EscalationFiring.objects.count()} firings) in {sweep_s:.3f} s "
          f"— target < 1 s: {'met' if sweep_s < 1 else 'NOT met'}")  # fmt: skip
    started = time.perf_counter()
    again = escalation_sweep(now=now)
    print(
        f"  a second sweep at the same instant fires {again} (exactly once) in {time.perf_counter() - started:.3f} s"
    )


def create_cost(site: dict, creates: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongdan.sla import clocks
    from gongdan.tickets.models import Priority
    from gongdan.tickets.services import ticket_create

    p2 = Priority.objects.get(code="P2")  # the seeded standard policy: business hours, China calendar
    original = clocks.sla_on_event

    def timed(label: str) -> tuple[float, int]:
        times = []
        for i in range(creates):
            started = time.perf_counter()
            ticket_create(actor=site["admin"], requester=site["requester"], subject=f"{label} {i}", priority=p2,
                          team=site["team"])  # fmt: skip
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            ticket_create(
                actor=site["admin"],
                requester=site["requester"],
                subject=label,
                priority=p2,
                team=site["team"],
            )
        return statistics.median(times), len(queries.captured_queries)

    timed("warm-up")
    with_hook, with_queries = timed("with SLA")
    clocks.sla_on_event = lambda **kwargs: None
    import gongdan.sla.clocks as module

    module.sla_on_event = clocks.sla_on_event
    try:
        without, without_queries = timed("without SLA")
    finally:
        module.sla_on_event = original
    print(f"  ticket_create median: {with_hook:.2f} ms with SLA, {without:.2f} ms without → "
          f"{with_hook - without:+.2f} ms per create ({with_queries - without_queries:+d} queries: "
          f"{with_queries} vs {without_queries}) — target < 2 ms: {'met' if with_hook - without < 2 else 'NOT met'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-sla.sqlite3")
    parser.add_argument("--clocks", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--creates", type=int, default=300)
    args = parser.parse_args()
    remove_sqlite_database(args.database_url)
    setup_django(args.database_url, "/tmp/bench-sla-data")
    from django.db import connection

    print(f"SLA bench on {connection.vendor}: {args.clocks:,} open tickets' clocks, {args.due} due; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    site = build(args.clocks, args.due)
    sweep(args.due)
    create_cost(site, args.creates)


if __name__ == "__main__":
    main()
