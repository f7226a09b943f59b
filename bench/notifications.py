"""Notifications: how fast the rule engine (the `notifications.rules` consumer of the ticket-event
pipeline) turns ticket events into messages, and how fast webhooks are delivered to a local receiver. What a
create costs with every consumer running is `bench.create`.

    python -m bench.notifications [--database-url URL] [--events 2000] [--webhooks 500]

Builds a fresh site (SQLite file /tmp/bench-notifications.sqlite3 by default, deleted first; for PostgreSQL
pass an empty database). Huey is NOT in immediate mode: the wake-up after each commit goes into the configured
queue (Huey's SQLite file, or Redis when REDIS_URL is set) and nothing consumes it during the bench.
"""

from __future__ import annotations

import argparse
import os
import time

from bench import remove_sqlite_database, setup_django


def build() -> dict:
    from django.core.management import call_command

    from gongdan.accounts.models import Team, User
    from gongdan.outbox import services as integrations

    call_command("migrate", verbosity=0)
    admin = User.objects.create(username="bench_admin", role="admin", email="admin@example.com")
    requester = User.objects.create(username="bench_requester", email="req@example.com")
    team = Team.objects.create(name="基准", name_en="Bench")
    for i in range(5):
        agent = User.objects.create(username=f"bench_agent{i}", role="agent", email=f"a{i}@example.com")
        team.memberships.create(user=agent, team_role="lead" if i == 0 else "member")
    integrations.allow_list_set(actor=admin, entries=["127.0.0.1"])
    return {"admin": admin, "requester": requester, "team": team, "integrations": integrations}


def engine(site: dict, events: int) -> None:
    from gongdan.notifications import services as notifications
    from gongdan.notifications.models import NotificationRule
    from gongdan.notifications.rules import CONSUMER
    from gongdan.outbox.models import OutboxMessage
    from gongdan.tickets import pipeline
    from gongdan.tickets.services import ticket_create

    integrations = site["integrations"]
    admin = site["admin"]
    hook = integrations.webhook_create(actor=admin, name="bench", url="http://127.0.0.1:9/in")
    bot = integrations.chat_bot_create(
        actor=admin, name="bench", kind="wecom", url="http://127.0.0.1:9/send?key=K"
    )
    NotificationRule.objects.filter(event="created").update(is_active=True)
    notifications.rule_create(actor=admin, name="bench hook+bot", event="created", recipients=[], channels=[],
                             webhooks=[hook], chat_bots=[bot])  # fmt: skip
    pipeline.move_to_end(CONSUMER)
    for i in range(events):
        ticket_create(actor=site["requester"], subject=f"engine {i}")
    before = OutboxMessage.objects.count()
    started = time.perf_counter()
    result = pipeline.run(names=[CONSUMER], max_batches=10_000)
    seconds = time.perf_counter() - started
    written = OutboxMessage.objects.count() - before
    totals = {"events": result.handled.get(CONSUMER, 0), "messages": result.results.get(CONSUMER, 0)}
    print(f"  rule engine: {totals['events']} events → {totals['messages']} notices/messages "
          f"({written} outbox rows: emails, webhook calls, chat posts) in {seconds:.2f} s = "
          f"{totals['events'] / seconds:,.0f} events/s")  # fmt: skip


def webhooks(site: dict, count: int) -> None:
    from django.utils import timezone
    from tests.outbox.receivers import Receiver

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
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--webhooks", type=int, default=500)
    args = parser.parse_args()
    remove_sqlite_database(args.database_url)
    os.environ.setdefault("GONGDAN_HUEY_IMMEDIATE", "0")
    setup_django(args.database_url, "/tmp/bench-notifications-data")
    from django.db import connection

    print(f"Notifications bench on {connection.vendor}; load average {os.getloadavg()[0]:.1f}")
    site = build()
    engine(site, args.events)
    webhooks(site, args.webhooks)


if __name__ == "__main__":
    main()
