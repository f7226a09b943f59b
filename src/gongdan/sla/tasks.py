"""Thin Huey tasks: find ids, call a service. Safe to run twice and on several consumers at once."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from gongdan.sla import escalation  # looked up when a task runs (the engine schedules these tasks)


@db_periodic_task(crontab(minute="*"))
def sla_sweep() -> int:
    """Every minute: fire what is due (the safety net behind the ETA tasks scheduled on commit)."""
    return escalation.escalation_sweep()


@db_task(priority=100)  # ahead of everything else in the queue: a page must not wait behind an alert storm
def sla_escalate_clocks(clock_ids: list[int]) -> int:
    """Scheduled on commit for clocks with an escalation due within a minute (a P0's on-call page)."""
    return escalation.escalate_clocks(clock_ids=list(clock_ids))


@db_task(priority=100)
def sla_act(firing_ids: list[int]) -> int:
    """Carry out recorded escalation steps (notify, page, reassign, raise); each once."""
    return escalation.escalation_act(firing_ids=list(firing_ids))
