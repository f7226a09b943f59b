"""Thin Huey tasks: call a service. Safe to run twice and on several consumers at once."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from gongdan.portal.services import magic_links_purge


@db_periodic_task(crontab(minute="17", hour="3"))
def portal_links_purge() -> int:
    """Nightly: forget sign-in links that expired more than a day ago."""
    return magic_links_purge()
