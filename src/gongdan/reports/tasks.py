"""Thin Huey tasks: safe to run twice and on several consumers at once (the cursor row is locked)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from gongdan.reports.projection import project_pending
from gongdan.reports.services import subscriptions_send_due


@db_periodic_task(crontab(minute="*"))
def reports_project() -> int:
    """Every minute: fold new ticket events into the report facts and rollups."""
    return project_pending().events


@db_periodic_task(crontab(minute="15", hour="*"))
def reports_send_subscriptions() -> int:
    """Every hour: email the periodic reports whose period has ended and that were not sent yet."""

    return subscriptions_send_due()
