"""Alert intake: alerts per second through the Alertmanager webhook endpoint.

    python -m bench.alert_intake [--database-url URL] [--alerts 10000] [--fingerprints 500] [--group 100]
                                 [--senders 1]

Builds a fresh site (SQLite file /tmp/bench-alerts.sqlite3 by default, deleted first; for PostgreSQL pass an
empty database such as postgres://postgres@127.0.0.1:5432/gd_bench_alerts) with one Alertmanager
integration, then posts a storm of --alerts alerts over --fingerprints distinct fingerprints, shuffled into
groups of --group alerts per POST as Alertmanager batches them, through the real endpoint (URL routing,
bearer secret, JSON parsing, validation, services, delivery log) with Django's test client in-process, from
--senders threads at once. Pass 1 is the storm (every fingerprint opens its ticket); pass 2 re-sends the
same groups (the steady state of repeat_interval: every alert unchanged). Prints alerts/s for each pass and
checks that exactly --fingerprints tickets exist.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor

from bench import remove_sqlite_database, setup_django


def groups(alerts: int, fingerprints: int, size: int) -> list[bytes]:
    rng = random.Random(7)
    rows = [
        {"status": "firing", "startsAt": "2026-11-27T05:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "",
         "labels": {"alertname": "HostDown", "instance": f"host{n:04d}:9100", "severity": ("critical", "warning")[n % 2]},
         "annotations": {"summary": f"host{n:04d} is down", "description": "node_exporter stopped answering"},
         "fingerprint": f"{n:016x}"}
        for n in range(fingerprints)
        for _ in range(alerts // fingerprints)
    ]  # fmt: skip
    rng.shuffle(rows)
    return [
        json.dumps({"receiver": "tickets", "status": "firing", "alerts": rows[i : i + size], "groupLabels": {},
                    "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am:9093", "version": "4",
                    "groupKey": "{}:{}", "truncatedAlerts": 0}).encode()
        for i in range(0, len(rows), size)
    ]  # fmt: skip


def post_all(url: str, secret: str, bodies: list[bytes], senders: int) -> tuple[float, dict[str, int]]:
    from django.db import connection
    from django.test import Client

    totals: dict[str, int] = {}

    def send(chunk: list[bytes]) -> dict[str, int]:
        client = Client()
        counts: dict[str, int] = {}
        try:
            for body in chunk:
                response = client.post(url, data=body, content_type="application/json",
                                       HTTP_AUTHORIZATION=f"Bearer {secret}")  # fmt: skip
                assert response.status_code == 200, response.content
                for key, value in response.json().items():
                    if isinstance(value, int):
                        counts[key] = counts.get(key, 0) + value
        finally:
            connection.close()
        return counts

    chunks = [bodies[i::senders] for i in range(senders)]
    started = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        for counts in pool.map(send, chunks):
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
    return time.perf_counter() - started, totals


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-alerts.sqlite3")
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--fingerprints", type=int, default=500)
    parser.add_argument("--group", type=int, default=100)
    parser.add_argument("--senders", type=int, default=1)
    args = parser.parse_args()
    remove_sqlite_database(args.database_url)
    setup_django(args.database_url, "/tmp/bench-alerts-data")
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from gongdan.accounts.models import User
    from gongdan.integrations.services import integration_create
    from gongdan.tickets.models import Ticket

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    admin = User.objects.create(username="bench_admin", role="admin")
    integration, secret = integration_create(actor=admin, kind="alertmanager", name="Bench Prometheus")
    url = f"/api/v1/integrations/{integration.slug}/alertmanager"
    bodies = groups(args.alerts, args.fingerprints, args.group)
    sent = sum(len(json.loads(b)["alerts"]) for b in bodies)
    print(f"Alert intake on {connection.vendor}: {sent:,} alerts over {args.fingerprints} fingerprints in "
          f"{len(bodies)} POSTs of {args.group}, {args.senders} sender(s); load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    connection.close()
    for label in ("storm (opens every ticket)", "repeat (all unchanged)"):
        seconds, totals = post_all(url, secret, bodies, args.senders)
        summary = ", ".join(f"{k} {v}" for k, v in sorted(totals.items()) if v)
        print(f"  {label:28} {seconds:7.2f} s  {sent / seconds:8.0f} alerts/s  ({summary})")
    tickets = Ticket.objects.count()
    print(
        f"  tickets: {tickets} (expected {args.fingerprints}) -> {'OK' if tickets == args.fingerprints else 'WRONG'}"
    )


if __name__ == "__main__":
    main()
