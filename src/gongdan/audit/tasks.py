"""Background work of the audit trail: shipping entries to syslog after they commit, and the daily purge of
entries past the retention period. Thin: each finds its work and calls the module that does it."""

from __future__ import annotations

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from gongdan.audit import services, syslog  # looked up when a task runs (services schedule these tasks)


def syslog_configured() -> bool:
    return bool(getattr(settings, "GONGDAN_AUDIT_SYSLOG", ""))


@db_task(retries=5, retry_delay=10)
def ship_to_syslog() -> int:
    return syslog.ship_pending()


def schedule_syslog() -> None:
    ship_to_syslog()


@db_periodic_task(crontab())  # every minute: covers a wake-up lost with a crashed process
def ship_to_syslog_sweep() -> int:
    return syslog.ship_pending() if syslog_configured() else 0


@db_periodic_task(crontab(hour="3", minute="17"))
def purge_old_entries() -> None:
    services.audit_purge()
