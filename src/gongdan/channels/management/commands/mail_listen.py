"""Run the built-in inbound SMTP listener: `python -m gongdan mail_listen --listen 0.0.0.0:25`."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gongdan.channels.smtp_listener import make_controller


class Command(BaseCommand):
    help = "Receive mail for the mailboxes' support addresses over SMTP and turn it into tickets."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--listen", default="127.0.0.1:2525", help="host:port (default 127.0.0.1:2525)")
        parser.add_argument("--tls-cert", default="", help="PEM certificate chain: offers STARTTLS")
        parser.add_argument("--tls-key", default="", help="PEM private key for --tls-cert")

    def handle(self, *args: Any, **options: Any) -> None:
        host, _sep, port = options["listen"].rpartition(":")
        if not host or not port.isdigit():
            raise CommandError("--listen must look like 0.0.0.0:25")
        controller = make_controller(
            host, int(port), tls_cert=options["tls_cert"], tls_key=options["tls_key"]
        )
        controller.start()
        self.stdout.write(f"Listening for mail on {host}:{port}")
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        try:
            stop.wait()
        finally:
            controller.stop()
