"""Background work of the audit trail: chaining entries after they commit, shipping them to syslog, and the
daily purge of entries past the retention period. Thin: each finds its work and calls the module that does
it."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from gongdan.audit import services, syslog  # looked up when a task runs (services schedule these tasks)

log = logging.getLogger(__name__)
CHAIN_NUDGE_KEY = "gongdan:audit:chain-nudge"


def syslog_configured() -> bool:
    return bool(getattr(settings, "GONGDAN_AUDIT_SYSLOG", ""))


def chain_window() -> float:
    """How long entries wait to be chained together (seconds): one chainer run per window per site."""
    return float(getattr(settings, "GONGDAN_AUDIT_CHAIN_SECONDS", 0.5))


@db_task(retries=5, retry_delay=2)
def chain_entries() -> int:
    return services.audit_chain_pending()


def schedule_chaining() -> None:
    if settings.HUEY.get("immediate"):
        services.audit_chain_pending()  # tests and scripts: at once, in this thread
        return
    window = chain_window()
    try:
        if cache.add(CHAIN_NUDGE_KEY, 1, timeout=max(1, round(window))):
            chain_entries.schedule(delay=window)
    except Exception:  # the queue or the cache being down must not break the request; the sweep catches up
        log.exception("could not schedule the audit chainer")


schedule_chaining._gongdan_audit_chain = True  # type: ignore[attr-defined]


@db_periodic_task(crontab())  # every minute: whatever a lost wake-up left behind
def chain_entries_sweep() -> int:
    return services.audit_chain_pending()


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
