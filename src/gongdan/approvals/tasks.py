"""Thin Huey tasks: find ids, call a service. Safe to run twice and on several consumers at once."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from gongdan.approvals import services


@db_periodic_task(crontab(minute="*"))
def approval_deadlines() -> dict[str, int]:
    """Every minute: remind the approvers of stages past their deadline, then escalate the late ones. Each
    step is claimed by a conditional UPDATE, so consumers running this at once act once."""
    return services.approval_deadline_sweep()
