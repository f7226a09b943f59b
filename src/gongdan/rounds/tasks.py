"""Thin Huey tasks: call a service. Safe to run twice and on several consumers at once."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from gongdan.rounds import services


@db_periodic_task(crontab(minute="11"))
def rounds_sweep() -> int:
    """Every hour: write the next two weeks of round runs and mark the ones whose window passed as missed."""
    services.rounds_generate()
    return services.rounds_mark_missed()
