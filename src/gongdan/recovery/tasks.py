"""Thin Huey tasks: call a service. Safe to run twice (the outbox's idempotency key holds per token)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from gongdan.recovery.mail import password_reset_mail_send


@db_task(retries=2, retry_delay=10)
def password_reset_mail(email: str, language: str) -> bool:
    """Mail a reset link to the account with this address, if there is one that may reset."""
    return password_reset_mail_send(email=email, language=language) is not None
