"""Thin Huey tasks: call a service. Safe to run twice and on several consumers at once."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from gongdan.maintenance.services import pm


@db_periodic_task(crontab(minute="7"))
def pm_sweep() -> int:
    """Every hour: schedule the next 90 days of preventive maintenance and open what has come due."""
    pm.pm_generate(days=90)
    return pm.pm_open_due()
