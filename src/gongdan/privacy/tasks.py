"""The retention rules run once a night on the task queue; safe on several consumers (a lock) and twice (a
purged ticket has nothing left to purge)."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from gongdan.privacy.services import retention_run


@db_periodic_task(crontab(minute="17", hour="2"))
@lock_task("privacy-retention")
def apply_retention_rules() -> dict[str, Any]:
    result = retention_run(actor=None, dry_run=False)
    return {"enabled": result.enabled, "counts": result.counts}
