"""Thin Huey tasks: each finds ids and calls a service; every one is safe to run twice or on several
consumers (claims and repeats are conditional UPDATEs)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def run_rules() -> dict[str, int]:
    """Queued when a transaction that wrote ticket events commits (see apps.py)."""
    from gongdan.notifications.rules import process_events

    return process_events()


@db_periodic_task(crontab())  # every minute: whatever a lost nudge left behind
def rules_sweep() -> dict[str, int]:
    from gongdan.notifications.rules import process_events

    return process_events()
