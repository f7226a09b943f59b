"""`python -m gongdan load_demo`: load the bilingual demo site once (a second run changes nothing)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from huey.contrib.djhuey import HUEY

from gongdan.demo.marker import DEFAULT_TICKETS, LOGINS, demo_loaded


@contextmanager
def tasks_run_here() -> Iterator[None]:
    """Run the tasks the load's commit queues (deliveries, SLA steps, the event consumers) in this process,
    at once, instead of leaving a backlog of hundreds for the queue consumer that starts beside the web
    server. What is due later is found by the queue's minute sweeps."""
    immediate, queue_settings = HUEY.immediate, settings.HUEY
    huey_log = logging.getLogger("huey")
    level = huey_log.level
    HUEY.immediate = True
    settings.HUEY = {**queue_settings, "immediate": True}
    huey_log.setLevel(logging.WARNING)  # not a line per task
    try:
        yield
    finally:
        HUEY.immediate = immediate
        settings.HUEY = queue_settings
        huey_log.setLevel(level)


class Command(BaseCommand):
    help = (
        "Load a demo help desk (teams, agents, requesters, locations, categories and about 300 tickets "
        "over 90 days, in Chinese and English). Idempotent. Demo sign-ins use GONGDAN_DEMO_PASSWORD, or a "
        "random password printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tickets", type=int, default=DEFAULT_TICKETS, help="how many tickets (default 300)"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed, for a reproducible site")

    def handle(self, *args, tickets: int, seed: int, **options) -> None:
        names = ", ".join(f"{username} ({role})" for username, role in LOGINS)
        if demo_loaded():
            self.stdout.write(f"Demo site already loaded. Demo sign-ins: {names}")
            return
        from gongdan.demo.loader import load_demo  # the loader and its data's libraries: only to load

        started = time.monotonic()

        def progress(line: str) -> None:
            # On stderr, as it goes: `./gongdan start` keeps stdout (the sign-ins) to print once the site is up.
            self.stderr.write(f"  [{time.monotonic() - started:5.1f} s] {line}", style_func=lambda text: text)
            self.stderr.flush()

        with tasks_run_here():
            result = load_demo(tickets_count=max(0, tickets), password=os.environ.get("GONGDAN_DEMO_PASSWORD") or None,
                               seed=seed, progress=progress)  # fmt: skip
        progress("done")
        counts = result.counts
        self.stdout.write(
            f"Demo site loaded in {time.monotonic() - started:.1f} s: {counts.get('tickets', 0)} tickets, "
            f"{counts.get('teams', 0)} teams, {counts.get('staff', 0)} staff, "
            f"{counts.get('requesters', 0)} requesters in {counts.get('organisations', 0)} organisations."
        )
        if os.environ.get("GONGDAN_DEMO_PASSWORD"):
            self.stdout.write(f"Demo sign-ins (password from GONGDAN_DEMO_PASSWORD): {names}")
        else:
            self.stdout.write(f"Demo sign-ins (password {result.password}, shown only this once): {names}")
