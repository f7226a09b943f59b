"""Thin Huey tasks of the tickets app: the ticket event consumers (gongdan.tickets.pipeline) and file
housekeeping. Each is safe to run twice or on several consumers at once."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from gongdan.tickets import pipeline
from gongdan.tickets.services.attachments import attachment_orphans_purge
from gongdan.tickets.services.sensitive_values import ticket_custom_values_reseal

RUN_BATCHES = 5


@db_task(priority=50)
def run_event_consumers() -> dict[str, Any]:
    """Scheduled when a transaction that appended ticket events commits (at most once a second). A few batches
    per task, then a fresh task for the rest: a queue worker is never held for long, so an urgent task (a
    page) waits at most one batch behind a backlog."""
    result = pipeline.run(max_batches=RUN_BATCHES)
    if result.more and not result.failed:
        run_event_consumers.schedule(delay=0)  # a long backlog: go on in a fresh task
    return {"events": result.events, "handled": result.handled, "failed": result.failed}


@db_periodic_task(crontab())  # every minute: whatever a lost wake-up left behind
def event_consumers_sweep() -> dict[str, Any]:
    result = pipeline.run(max_batches=RUN_BATCHES)
    if result.more and not result.failed:
        run_event_consumers.schedule(delay=0)
    return {"events": result.events, "handled": result.handled, "failed": result.failed}


@db_periodic_task(crontab(minute="43", hour="3"))
@lock_task("purge-orphan-attachment-files")
def purge_orphan_attachment_files() -> int:
    return attachment_orphans_purge()


@db_task()
@lock_task("reseal-sensitive-custom-values")
def reseal_sensitive_custom_values() -> int:
    """After a field is marked sensitive: seal the values it already holds (the rotation's own pass)."""
    return ticket_custom_values_reseal()
