"""Reads for the outbox screens (admins only): messages, chat bots, webhooks and their deliveries."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from gongdan.accounts.models import User
from gongdan.core.domain_errors import NotFound, PermissionDenied
from gongdan.outbox.models import ChatBot, DeliveryAttempt, OutboxMessage, Webhook

PAGE_SIZE = 25


def require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied("admin")


def outbox_list(
    *, actor: User, state: str = "", before: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[OutboxMessage], int | None]:
    require_admin(actor)
    rows: QuerySet[OutboxMessage] = OutboxMessage.objects.select_related("ticket").order_by("-id")
    if state:
        rows = rows.filter(state=state)
    if before:
        rows = rows.filter(id__lt=before)
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return found, (found[-1].pk if more and found else None)


def outbox_message_get(*, actor: User, pk: int) -> OutboxMessage:
    """One message with its body, for reading it in the product (the demo's mail, a failed delivery)."""
    require_admin(actor)
    message = OutboxMessage.objects.select_related("ticket", "recipient").filter(pk=pk).first()
    if message is None:
        raise NotFound("outbox message")
    return message


def outbox_counts() -> dict[str, int]:

    return dict(OutboxMessage.objects.values_list("state").annotate(n=Count("id")).order_by())


def chat_bot_rows() -> list[Any]:

    waiting = Q(messages__state__in=["pending", "failed", "sending"])
    return list(
        ChatBot.objects.annotate(
            waiting=Count("messages", filter=waiting),
            dead=Count("messages", filter=Q(messages__state="dead")),
        ).order_by("name", "id")
    )


def webhook_rows() -> list[Any]:

    return list(
        Webhook.objects.annotate(
            waiting=Count("messages", filter=Q(messages__state__in=["pending", "failed", "sending"])),
            dead=Count("messages", filter=Q(messages__state="dead")),
            sent=Count("messages", filter=Q(messages__state="sent")),
        ).order_by("name", "id")
    )


def deliveries(
    *, actor: User, webhook: Any, before: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[Any], int | None]:
    """A webhook's messages, newest first (keyset on id), each with its attempts (newest first)."""

    require_admin(actor)
    rows = (
        OutboxMessage.objects.filter(webhook=webhook)
        .select_related("ticket")
        .prefetch_related(Prefetch("http_attempts", queryset=DeliveryAttempt.objects.order_by("-id")))
        .order_by("-id")
    )
    if before:
        rows = rows.filter(id__lt=before)
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return found, (found[-1].pk if more and found else None)
