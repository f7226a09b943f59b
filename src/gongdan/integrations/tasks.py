"""Thin Huey tasks: find rows, call a service. Safe to run twice and on several consumers at once."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from gongdan.integrations.chat.actions import forget_old_callbacks
from gongdan.integrations.services import deliveries_prune


@db_periodic_task(crontab(minute="17", hour="3"))
def integrations_prune_deliveries() -> int:
    """Nightly: the delivery log keeps 30 days (an admin reads it to debug a sender, not as an archive)."""
    return deliveries_prune()


@db_periodic_task(crontab(minute="23"))
def integrations_forget_chat_callbacks() -> int:
    """Hourly: chat callbacks are kept a day (long past any platform's retry or timestamp window)."""
    return forget_old_callbacks()
