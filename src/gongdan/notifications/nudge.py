"""Wake the rule engine when ticket events commit.

The ticket services must not learn about notifications, and their path must stay cheap: this adds no SQL
to it. A `post_save` receiver on TicketEvent registers one `on_commit` callback per transaction (however
many events it writes); after the commit the callback queues `run_rules`, which reads the new events from
the cursor. A rolled-back transaction queues nothing. The minute sweep covers a lost nudge."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction

log = logging.getLogger(__name__)


def _queue() -> None:
    from gongdan.notifications.tasks import run_rules

    try:
        run_rules()
    except Exception:  # the queue being down must not break the request; the minute sweep runs the rules
        log.exception("could not queue the notification rules")


_queue._gongdan_rules = True  # type: ignore[attr-defined]


def event_saved(
    sender: Any, instance: Any, created: bool, using: str = DEFAULT_DB_ALIAS, **kwargs: Any
) -> None:
    if not created:
        return
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and any(
        getattr(entry[1], "_gongdan_rules", False) for entry in connection.run_on_commit
    ):
        return  # already queued for this transaction
    transaction.on_commit(_queue, using=using)
