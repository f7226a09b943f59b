"""`./gongdan mqtt` / `manage.py mqtt_ingest`: run the MQTT ingester until stopped (SIGTERM or Ctrl-C)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongdan.meters.ingest import Ingester


class Command(BaseCommand):
    help = "Subscribe to the MQTT topics meters listen on and store their readings (GONGDAN_MQTT_URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="", help="broker URL; default: GONGDAN_MQTT_URL")
        parser.add_argument("--client-id", default="", help="default: GONGDAN_MQTT_CLIENT_ID")

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"] or settings.GONGDAN_MQTT_URL
        if not url:
            raise CommandError("No broker: set GONGDAN_MQTT_URL (e.g. mqtt://127.0.0.1:1883) or pass --url.")
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        try:
            ingester = Ingester(url, options["client_id"] or settings.GONGDAN_MQTT_CLIENT_ID)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"MQTT ingester: {ingester.broker.host}:{ingester.broker.port} as {ingester.client_id}"
        )
        ingester.run(stop)
