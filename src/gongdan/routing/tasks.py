"""Thin Huey tasks. The shift sweep claims each agent's on→off flip with a conditional UPDATE (see
services.shift_sweep), so it is safe to run twice or on several consumers; the lock only saves work."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from gongdan.routing.services import shift_sweep


@db_periodic_task(crontab(minute="*"))
@lock_task("routing-shift-sweep")
def routing_shift_sweep() -> int:
    return shift_sweep()
