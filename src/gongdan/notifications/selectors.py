"""Reads that depend on who asks: my notices; and the rules list (administrators)."""

from __future__ import annotations

from typing import Any

from gongdan.accounts.models import User
from gongdan.notifications.models import Notification, NotificationRule

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def notification_page(
    *, actor: User, before: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[Notification], int | None]:
    """The actor's notices, newest first, by keyset on id; returns (rows, the `before` of the next page)."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = Notification.objects.filter(user=actor).select_related("ticket").order_by("-id")
    if before:
        rows = rows.filter(id__lt=before)
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return found, (found[-1].pk if more and found else None)


def unread_count(*, actor: User) -> int:
    return Notification.objects.filter(user=actor, read_at=None).count()


# --- rules, chat bots, webhooks (admins) ---------------------------------------------------------------------


def rule_rows() -> list[Any]:

    return list(
        NotificationRule.objects.select_related("team")
        .prefetch_related("chat_bots", "webhooks", "priorities")
        .order_by("event", "name", "id")
    )
