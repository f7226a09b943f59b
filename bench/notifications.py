"""Notifications: what the rule-engine nudge costs each ticket create (target: no query, < 1 ms), how fast
the rule engine turns ticket events into messages, and how fast webhooks are delivered to a local receiver.

    python -m bench.notifications [--database-url URL] [--creates 300] [--events 2000] [--webhooks 500]

Builds a fresh site (SQLite file /tmp/bench-notifications.sqlite3 by default, deleted first; for PostgreSQL
pass an empty database). Huey is NOT in immediate mode: the nudge really enqueues into the configured queue
(Huey's SQLite file, or Redis when REDIS_URL is set) and nothing consumes it during the bench.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from bench import setup_django


def build() -> dict:
    from django.core.management import call_command

    from gongdan.accounts.models import Team, User
    from gongdan.notifications import integrations

    call_command("migrate", verbosity=0)
    admin = User.objects.create(username="bench_admin", role="admin", email="admin@example.com")
    requester = User.objects.create(username="bench_requester", email="req@example.com")
    team = Team.objects.create(name="基准", name_en="Bench")
    for i in range(5):
        agent = User.objects.create(username=f"bench_agent{i}", role="agent", email=f"a{i}@example.com")
        team.memberships.create(user=agent, team_role="lead" if i == 0 else "member")
    integrations.allow_list_set(actor=admin, entries=["127.0.0.1"])
    return {"admin": admin, "requester": requester, "team": team, "integrations": integrations}


def create_cost(site: dict, creates: int) -> None:
    from django.db import connection
    from django.db.models.signals import post_save
    from django.test.utils import CaptureQueriesContext

    from gongdan.notifications.nudge import event_saved
    from gongdan.tickets.models import TicketEvent
    from gongdan.tickets.services import ticket_create

    def create(label: str) -> float:
        started = time.perf_counter()
        ticket_create(actor=site["admin"], requester=site["requester"], subject=label, team=site["team"])
        return (time.perf_counter() - started) * 1000

    def connect(on: bool) -> None:
        if on:
            post_save.connect(
                event_saved, sender=TicketEvent, dispatch_uid="gongdan.notifications.rules_nudge"
            )
        else:
            post_save.disconnect(
                event_saved, sender=TicketEvent, dispatch_uid="gongdan.notifications.rules_nudge"
            )

    for i in range(20):
        create(f"warm-up {i}")
    on: list[float] = []
    off: list[float] = []
    try:
        for i in range(creates):  # alternate, so a busy machine's drift falls on both sides alike
            connect(i % 2 == 0)
            (on if i % 2 == 0 else off).append(create(f"create {i}"))
        counts = []
        for enabled in (True, False):
            connect(enabled)
            with CaptureQueriesContext(connection) as queries:
                create("counted")
            counts.append(len(queries.captured_queries))
    finally:
        connect(True)
    with_nudge, without = statistics.median(on), statistics.median(off)
    with_queries, without_queries = counts
    queue = "Redis" if os.environ.get("REDIS_URL") else "Huey SQLite"
    print(f"  ticket_create median: {with_nudge:.2f} ms with the nudge ({queue} enqueue after commit), "
          f"{without:.2f} ms without → {with_nudge - without:+.2f} ms per create; queries in the transaction "
          f"{with_queries} vs {without_queries} ({with_queries - without_queries:+d})")  # fmt: skip


def engine(site: dict, events: int) -> None:
    from gongdan.notifications.models import NotificationRule, RuleCursor
    from gongdan.notifications.rules import process_events
    from gongdan.outbox.models import OutboxMessage
    from gongdan.tickets.models import TicketEvent
    from gongdan.tickets.services import ticket_create

    integrations = site["integrations"]
    admin = site["admin"]
    hook = integrations.webhook_create(actor=admin, name="bench", url="http://127.0.0.1:9/in")
    bot = integrations.chat_bot_create(
        actor=admin, name="bench", kind="wecom", url="http://127.0.0.1:9/send?key=K"
    )
    NotificationRule.objects.filter(event="created").update(is_active=True)
    integrations.rule_create(actor=admin, name="bench hook+bot", event="created", recipients=[], channels=[],
                             webhooks=[hook], chat_bots=[bot])  # fmt: skip
    last = TicketEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    RuleCursor.objects.filter(name="rules").update(last_event_id=last)
    for i in range(events):
        ticket_create(actor=site["requester"], subject=f"engine {i}")
    before = OutboxMessage.objects.count()
    started = time.perf_counter()
    totals = process_events(max_batches=10_000)
    seconds = time.perf_counter() - started
    written = OutboxMessage.objects.count() - before
    print(f"  rule engine: {totals['events']} events → {totals['messages']} notices/messages "
          f"({written} outbox rows: emails, webhook calls, chat posts) in {seconds:.2f} s = "
          f"{totals['events'] / seconds:,.0f} events/s")  # fmt: skip


def webhooks(site: dict, count: int) -> None:
    from django.utils import timezone
    from tests.notifications.receivers import Receiver

    from gongdan.outbox.services import deliver, outbox_enqueue

    receiver = Receiver(lambda got: (200, b"ok", {})).start()
    try:
        hook = site["integrations"].webhook_create(actor=site["admin"], name="fast", url=receiver.url("/in"))
        ids = [outbox_enqueue(channel="webhook", address=hook.url, subject="ticket.created", body_text=f'{{"n":{i}}}',
                              headers={"webhook-id": f"msg_bench{i}"}, webhook=hook,
                              idempotency_key=f"msg_bench{i}").pk for i in range(count)]  # fmt: skip
        started = time.perf_counter()
        now = timezone.now()
        sent = sum(1 for pk in ids if deliver(pk, now=now) == "sent")
        seconds = time.perf_counter() - started
    finally:
        receiver.stop()
    print(f"  webhooks: {sent}/{count} signed deliveries to a local receiver in {seconds:.2f} s = "
          f"{sent / seconds:,.0f}/s on one consumer thread (SSRF check + sign + POST + log + state)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-notifications.sqlite3")
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--webhooks", type=int, default=500)
    args = parser.parse_args()
    if args.database_url.startswith("sqlite:///"):
        path = args.database_url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
    os.environ.setdefault("GONGDAN_HUEY_IMMEDIATE", "0")
    setup_django(args.database_url, "/tmp/bench-notifications-data")
    from django.db import connection

    print(f"Notifications bench on {connection.vendor}; load average {os.getloadavg()[0]:.1f}")
    site = build()
    create_cost(site, args.creates)
    engine(site, args.events)
    webhooks(site, args.webhooks)


if __name__ == "__main__":
    main()
