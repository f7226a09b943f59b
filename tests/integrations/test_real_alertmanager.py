"""A real Prometheus Alertmanager (Debian's package) posts to a live Gongdan: alerts are injected through
its API, it groups them and calls our webhook with the integration's bearer secret."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError

from gongdan.integrations import services
from gongdan.integrations.models import AlertLink, Delivery, Kind
from gongdan.tickets.models import Status, Ticket
from tests.peers import require_peer

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.peer("alertmanager"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RunningAlertmanager:
    def __init__(self, url: str) -> None:
        self.url = url

    def fire(self, alerts: list[dict[str, Any]]) -> None:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            f"{self.url}/api/v2/alerts", data=json.dumps(alerts).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            assert response.status == 200


def start_alertmanager(
    tmp_path: Path, webhook: str, secret: str, *, repeat: str = "1h"
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    config = tmp_path / "am.yml"
    config.write_text(
        json.dumps(  # YAML is a superset of JSON
            {
                "route": {"receiver": "tickets", "group_by": ["cluster"], "group_wait": "1s",
                          "group_interval": "1s", "repeat_interval": repeat},
                "receivers": [{"name": "tickets", "webhook_configs": [{
                    "url": webhook, "send_resolved": True, "max_alerts": 0,
                    "http_config": {"authorization": {"type": "Bearer", "credentials": secret}},
                }]}],
            }
        )
    )  # fmt: skip
    process = subprocess.Popen(  # noqa: S603
        [require_peer("alertmanager"), f"--config.file={config}", f"--storage.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "am.log").open("w"),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"Alertmanager did not start: {(tmp_path / 'am.log').read_text()}")


@pytest.fixture
def real_alertmanager(
    live_server, admin_user, category, tmp_path
) -> Iterator[Callable[..., RunningAlertmanager]]:
    processes: list[subprocess.Popen] = []

    def start(*, repeat: str = "1h") -> RunningAlertmanager:
        # A name of its own for each start: the live server outlives the test that started it.
        suffix = len(processes) + 1
        integration, secret = services.integration_create(actor=admin_user, kind=Kind.ALERTMANAGER,
                                                          name=f"Prometheus {tmp_path.name}-{suffix}",
                                                          slug=f"prom-{abs(hash(tmp_path)) % 10**8}-{suffix}",
                                                          category=category)  # fmt: skip
        webhook = f"{live_server.url}/api/v1/integrations/{integration.slug}/alertmanager"
        process, url = start_alertmanager(tmp_path, webhook, secret, repeat=repeat)
        processes.append(process)
        return RunningAlertmanager(url)

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for(check: Callable[[], bool], *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OperationalError:  # SQLite's shared in-memory test database: the server thread is writing
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds}s; deliveries: "
                         f"{list(Delivery.objects.values_list('status_code', 'error', 'summary'))}")  # fmt: skip


def disk_full(*, ends_at: str | None = None, instance: str = "db1:9100") -> dict[str, Any]:
    alert: dict[str, Any] = {
        "labels": {"alertname": "DiskFull", "instance": instance, "severity": "critical", "cluster": "prod"},
        "annotations": {"summary": f"Disk almost full on {instance}", "description": "/var is 97% full"},
        "generatorURL": "http://prometheus.local/graph?g0.expr=disk",
    }
    if ends_at:
        alert["endsAt"] = ends_at
    return alert


def test_firing_opens_one_ticket_repeats_keep_it_and_resolving_resolves_it(real_alertmanager):
    am = real_alertmanager(repeat="2s")

    am.fire([disk_full()])
    wait_for(lambda: Ticket.objects.exists())
    ticket = Ticket.objects.get()
    assert ticket.subject == "Disk almost full on db1:9100"
    assert ticket.priority.code == "P1"
    assert ticket.channel == "monitoring"

    # Alertmanager re-sends the group every repeat_interval, and the alert is pushed again: same ticket.
    am.fire([disk_full()])
    wait_for(lambda: Delivery.objects.filter(status_code=200).count() >= 3, seconds=30)
    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.version == 1

    am.fire([disk_full(ends_at=datetime.now(UTC).isoformat())])
    wait_for(lambda: Ticket.objects.get().status == Status.RESOLVED)
    ticket.refresh_from_db()
    assert ticket.events.filter(kind="alert_resolved").exists()
    assert not Delivery.objects.exclude(status_code=200).exists()


def test_a_small_storm_through_alertmanager_makes_one_ticket_per_fingerprint(real_alertmanager):
    am = real_alertmanager()
    instances = [f"node{i:02d}:9100" for i in range(40)]

    for _round in range(5):  # 200 pushes of 40 distinct alerts, as scrapes re-evaluate rules
        am.fire([disk_full(instance=instance) for instance in instances])

    wait_for(
        lambda: Ticket.objects.count() >= 40 and AlertLink.objects.filter(ticket__isnull=False).count() == 40
    )
    time.sleep(2.5)  # another group_interval: nothing more may appear
    wait_for(lambda: Delivery.objects.exists())  # (the server thread is idle again)
    assert Ticket.objects.count() == 40
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        f"Disk almost full on {instance}" for instance in instances
    ]
