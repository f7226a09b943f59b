"""`manage.py meters_simulate`: feed the demo's meters while the demo runs (started by `./gongdan start --demo`).

Every few seconds each demo asset publishes one JSON message to gongdan/demo/<asset>/state over MQTT when
GONGDAN_MQTT_URL is set (the ingester stores it, as a real sensor's would be); without a broker the readings
are written straight through the meters' one door. Now and then compressor 1's discharge temperature drifts
above its limit for a minute, so a work order appears and later notes the return to normal."""

from __future__ import annotations

import json
import random
import signal
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection
from django.utils import timezone

from gongdan.demo.meters import demo_meters, live_payloads
from gongdan.meters.ingest import parse_broker_url
from gongdan.meters.services import NewReading, readings_store


class Command(BaseCommand):
    help = "Publish simulated readings for the demo's meters (MQTT when configured, else straight to the database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=5.0, help="seconds between rounds")
        parser.add_argument("--hot-every", type=float, default=900.0, help="seconds between hot spells")
        parser.add_argument("--rounds", type=int, default=0, help="stop after this many rounds (0: run on)")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        meters = demo_meters()
        if not meters:
            self.stdout.write("meters_simulate: no demo meters (load the demo first); nothing to do")
            return
        client = self._client() if settings.GONGDAN_MQTT_URL else None
        self.stdout.write(f"meters_simulate: {len(meters)} meters, "
                          f"{'over MQTT' if client else 'written directly (no broker configured)'}")  # fmt: skip
        rng = random.Random()
        started = time.monotonic()
        rounds = 0
        while not stop.is_set():
            elapsed = time.monotonic() - started
            hot = options["hot_every"] > 0 and 60 < elapsed % options["hot_every"] < 120
            now = timezone.now()
            payloads = live_payloads(meters, now, rng, hot=hot)
            if client is not None:
                for topic, body in payloads.items():
                    client.publish(topic, json.dumps(body), qos=1)
            else:
                if not connection.in_atomic_block:  # a long-running loop: drop a connection the server closed
                    close_old_connections()
                by_topic = {(m.mqtt_topic, m.mqtt_value_path.removeprefix("$.")): m.pk for m in meters}
                readings_store([NewReading(by_topic[(t, k)], now, v) for t, body in payloads.items()
                                for k, v in body.items() if (t, k) in by_topic])  # fmt: skip
            rounds += 1
            if options["rounds"] and rounds >= options["rounds"]:
                break
            stop.wait(options["every"])
        if client is not None:
            client.disconnect()
            client.loop_stop()

    def _client(self) -> Any:
        broker = parse_broker_url(settings.GONGDAN_MQTT_URL)
        client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id="gongdan-demo-sim"
        )
        if broker.username:
            client.username_pw_set(broker.username, broker.password)
        if broker.tls:
            client.tls_set()
        client.connect_async(broker.host, broker.port)
        client.loop_start()
        return client
