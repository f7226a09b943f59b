"""Thin Huey tasks: deliver one message, and a minute sweep for messages due again or left behind. Safe to run
twice or on several consumers (a message is claimed with a conditional UPDATE)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from gongdan.outbox import services as outbox


@db_task()
def deliver_outbox_message(message_id: int) -> str | None:
    return outbox.deliver(message_id)


@db_task()
def deliver_outbox_messages(message_ids: list[int]) -> dict[str, int]:
    """A batch an event consumer wrote: one task, not one per message."""
    return outbox.deliver_many(list(message_ids))


@db_periodic_task(crontab())  # every minute
def outbox_sweep() -> dict[str, int]:
    return outbox.deliver_due()
