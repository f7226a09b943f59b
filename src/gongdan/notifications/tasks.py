"""Thin Huey tasks: each finds ids and calls a service; every one is safe to run twice or on several
consumers (claims and repeats are conditional UPDATEs)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from gongdan.notifications import outbox


@db_task()
def deliver_outbox_message(message_id: int) -> str | None:
    return outbox.deliver(message_id)


@db_periodic_task(crontab())  # every minute
def outbox_sweep() -> dict[str, int]:
    return outbox.deliver_due()


@db_task()
def repeat_page(page_id: int) -> bool:
    from gongdan.notifications.services import page_repeat

    return page_repeat(page_id=page_id)


@db_periodic_task(crontab())  # every minute
def pages_repeat_sweep() -> int:
    from gongdan.notifications.services import pages_repeat_due

    return pages_repeat_due()


@db_task()
def run_rules() -> dict[str, int]:
    """Queued when a transaction that wrote ticket events commits (see apps.py)."""
    from gongdan.notifications.rules import process_events

    return process_events()


@db_periodic_task(crontab())  # every minute: whatever a lost nudge left behind
def rules_sweep() -> dict[str, int]:
    from gongdan.notifications.rules import process_events

    return process_events()
