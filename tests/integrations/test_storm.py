"""An alert storm: 10,000 alerts over 500 fingerprints, posted to the endpoint in groups of 100 the way
Alertmanager batches them, yields exactly 500 tickets. On PostgreSQL eight senders post at once, so the
same fingerprint arrives in concurrent requests (the race the (integration, fingerprint) row settles)."""

from __future__ import annotations

import json
import random
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection

from gongdan.integrations import services
from gongdan.integrations.models import AlertLink, Kind
from gongdan.tickets.models import Ticket, TicketEvent

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FINGERPRINTS = 500
ALERTS = 10_000
GROUP = 100


def storm(seed: int = 4) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    alerts = [
        {
            "status": "firing",
            "labels": {
                "alertname": "HostDown",
                "instance": f"host{n:03d}:9100",
                "severity": "critical" if n % 2 else "warning",
            },
            "annotations": {"summary": f"host{n:03d} is down"},
            "startsAt": "2026-11-27T05:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "",
            "fingerprint": f"{n:016x}",
        }
        for n in range(FINGERPRINTS)
        for _ in range(ALERTS // FINGERPRINTS)
    ]
    rng.shuffle(alerts)
    return [
        {"receiver": "tickets", "status": "firing", "alerts": alerts[i : i + GROUP], "groupLabels": {},
         "commonLabels": {"alertname": "HostDown"}, "commonAnnotations": {}, "externalURL": "http://am:9093",
         "version": "4", "groupKey": "{}:{}", "truncatedAlerts": 0}
        for i in range(0, len(alerts), GROUP)
    ]  # fmt: skip


def test_ten_thousand_alerts_over_five_hundred_fingerprints_make_five_hundred_tickets(
    live_server, admin_user
):
    integration, secret = services.integration_create(actor=admin_user, kind=Kind.ALERTMANAGER, name="Storm")
    url = f"{live_server.url}/api/v1/integrations/{integration.slug}/alertmanager"
    # SQLite's in-memory test database is one shared connection: post one group at a time there.
    senders = 8 if connection.vendor == "postgresql" else 1

    def post(group: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            url, data=json.dumps(group).encode(), method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {secret}"})  # fmt: skip
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 (loopback)
            assert response.status == 200
            return json.loads(response.read())

    with ThreadPoolExecutor(senders) as pool:
        answers = list(pool.map(post, storm()))

    assert sum(a["created"] for a in answers) == FINGERPRINTS
    assert sum(a["created"] + a["unchanged"] for a in answers) == ALERTS  # nothing lost
    assert Ticket.objects.count() == FINGERPRINTS
    assert AlertLink.objects.filter(ticket__isnull=False).count() == FINGERPRINTS
    assert TicketEvent.objects.filter(kind="commented").count() == 0  # repeats wrote nothing
    assert Ticket.objects.filter(priority__code__in=["P1", "P3"]).count() == FINGERPRINTS
