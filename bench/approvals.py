"""An approval decision end to end: the approver's POST on the web (session, form, service, locks, events, the
next stage's tasks and mails in the outbox, the ticket's move when the last stage approves), and the same
through the service alone. Budget: p95 < 100 ms.

    python -m bench.approvals [--database-url URL] [--tickets 300] [--background 2000]

Builds a fresh site (SQLite file /tmp/bench-approvals.sqlite3 by default, deleted first; for PostgreSQL pass
an empty database such as postgres://postgres@127.0.0.1:5432/gd_bench_approvals) with a two-stage flow
(any one of three leads, then a manager), --background tickets that need no approval (so the tables are
not empty), and --tickets that wait for approval. Then decides every first stage through the web page (which
opens the second stage: tasks and mails) and every second stage through the service (which approves the
request and moves the ticket), and prints p50/p95/max of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from bench import remove_sqlite_database, setup_django


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * fraction), len(ordered) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-approvals.sqlite3")
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--background", type=int, default=2000)
    args = parser.parse_args()
    remove_sqlite_database(args.database_url)
    os.environ.setdefault("GONGDAN_HUEY_IMMEDIATE", "0")
    os.environ.setdefault("GONGDAN_LOG_LEVEL", "WARNING")
    setup_django(args.database_url, "/tmp/bench-approvals-data")

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from gongdan.accounts.models import Team, User
    from gongdan.approvals import services
    from gongdan.approvals.models import ApprovalRequest, ApprovalTask, RequestStatus, TaskStatus
    from gongdan.tickets.models import Category, Ticket
    from gongdan.tickets.services import ticket_create

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    admin = User.objects.create(username="bench_approvals_admin", role="admin", email="admin@example.com")
    team = Team.objects.create(name="物业", name_en="Property")
    leads = []
    for n in range(3):
        lead = User(username=f"lead{n}", role="team_lead", email=f"lead{n}@example.com")
        lead.set_password("bench-Passw0rd-gd")
        lead.save()
        team.memberships.create(user=lead, team_role="lead")
        leads.append(lead)
    manager = User.objects.create(username="bench_manager", role="manager", email="manager@example.com")
    plain, needs = (Category.objects.create(name=n, name_en=e, default_team=team)
                    for n, e in (("报修", "Repair"), ("装修", "Renovation")))  # fmt: skip
    for category in (plain, needs):
        category.path = f"/{category.pk}/"
        category.save(update_fields=["path"])
    flow = services.flow_create(actor=admin, name="装修审批", code="bench", category=needs)
    services.stage_create(actor=admin, flow=flow, name="物业经理", approver_kind="team_leads", approver_team=team,
                          mode="any")  # fmt: skip
    services.stage_create(
        actor=admin, flow=flow, name="经理", approver_kind="people", approver_people=[manager]
    )
    requesters = User.objects.bulk_create(
        [User(username=f"owner{n}", email=f"owner{n}@example.com", role="requester") for n in range(100)]
    )
    for n in range(args.background):
        ticket_create(actor=requesters[n % 100], subject=f"Leak {n}", category=plain, channel="portal")
    waiting = [ticket_create(actor=requesters[n % 100], subject=f"Kitchen {n}", category=needs, channel="portal")
               for n in range(args.tickets)]  # fmt: skip
    print(f"built {args.background} + {args.tickets} tickets on {connection.vendor} in "
          f"{time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.1f}")  # fmt: skip

    browsers = {}
    for lead in leads:
        browsers[lead.pk] = Client()
        browsers[lead.pk].force_login(lead)
    web_ms: list[float] = []
    for index, ticket in enumerate(waiting):
        lead = leads[index % 3]
        task = ApprovalTask.objects.get(
            step__request__ticket=ticket, approver=lead, status=TaskStatus.PENDING
        )
        t0 = time.perf_counter()
        response = browsers[lead.pk].post(f"/approvals/{task.pk}/", {"decision": "approve", "comment": "OK"})
        web_ms.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 302, response.status_code

    service_ms: list[float] = []
    queries: list[int] = []
    for ticket in waiting:
        task = ApprovalTask.objects.get(
            step__request__ticket=ticket, approver=manager, status=TaskStatus.PENDING
        )
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            services.approval_decide(actor=manager, task_id=task.pk, decision="approve", comment="Go")
            service_ms.append((time.perf_counter() - t0) * 1000)
        queries.append(len(captured))

    approved = ApprovalRequest.objects.filter(status=RequestStatus.APPROVED).count()
    moved = Ticket.objects.filter(pk__in=[t.pk for t in waiting], status="new").count()
    assert approved == moved == len(waiting), (approved, moved)
    for label, values in (("first stage, web POST (opens stage 2: tasks + mails)", web_ms),
                          ("last stage, service (approves, moves the ticket)", service_ms)):  # fmt: skip
        print(f"{label}: n={len(values)} p50 {statistics.median(values):.1f} ms, "
              f"p95 {percentile(values, 0.95):.1f} ms, max {max(values):.1f} ms")  # fmt: skip
    print(f"queries per last-stage decision: median {statistics.median(queries):.0f}")
    if os.environ.get("BENCH_SHOW_QUERIES"):
        with CaptureQueriesContext(connection) as captured:
            ticket = ticket_create(actor=requesters[0], subject="Shown", category=needs, channel="portal")
            task = ApprovalTask.objects.get(
                step__request__ticket=ticket, status=TaskStatus.PENDING, approver=leads[0]
            )
            services.approval_decide(actor=leads[0], task_id=task.pk, decision="approve")
        for query in captured:
            print(query["sql"][:160])
    worst = max(percentile(web_ms, 0.95), percentile(service_ms, 0.95))
    print(f"budget p95 < 100 ms: {'met' if worst < 100 else 'MISSED'} ({worst:.1f} ms)")


if __name__ == "__main__":
    main()
