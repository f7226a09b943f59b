"""Thin Huey tasks. The time-rule sweep is safe on several workers at once (automation.timed): the lock only
saves work."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from gongdan.automation.timed import sweep


@db_periodic_task(crontab(minute="*/5"))
@lock_task("automation-time-rules")
def automation_time_rules() -> int:
    return sweep()
