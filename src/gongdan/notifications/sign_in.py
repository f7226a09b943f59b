"""The person whose account was locked after too many failed sign-ins hears about it at once, in the bell
and by mail (urgent: quiet hours do not hold it back), so a lockout they did not cause is noticed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gongdan.notifications.services import notify

ACCOUNT_LOCKED = "account_locked"
SECOND_FACTORS_RESET = "second_factors_reset"


def notify_account_locked(
    sender: Any,
    *,
    user: Any = None,
    ip_address: str | None = None,
    until: dt.datetime | None = None,
    **kwargs: Any,
) -> None:
    """Receiver of gongdan.accounts.signals.account_locked (connected in NotificationsConfig.ready)."""
    if user is None:
        return
    notify(
        recipients=[user],
        kind=ACCOUNT_LOCKED,
        data={"ip_address": ip_address or "", "until": until.isoformat() if until else ""},
        urgent=True,
    )


def notify_second_factors_reset(sender: Any, *, user: Any = None, actor: Any = None, **kwargs: Any) -> None:
    """Receiver of gongdan.mfa.signals.second_factors_reset: a reset the user did not ask for is noticed."""
    if user is None:
        return
    notify(
        recipients=[user],
        kind=SECOND_FACTORS_RESET,
        data={"actor": getattr(actor, "name", "") if actor is not None else ""},
        urgent=True,
    )
