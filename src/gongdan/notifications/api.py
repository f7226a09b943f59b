"""My notifications and my pages over the API (/api/v1/notifications, /api/v1/pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from gongdan.accounts.models import User
from gongdan.api.errors import errors_for
from gongdan.api.inputs import IdPath
from gongdan.notifications import kinds, selectors, services
from gongdan.notifications.models import Notification

router = Router()


def actor_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class NotificationOut(Schema):
    id: int
    kind: str
    title: str = Field(description="The notice in the caller's language.")
    ticket: str | None = Field(description="Ticket number, if the notice is about a ticket.")
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    unread: int
    next_before: int | None = Field(
        description="Pass as `before` to get the next (older) page; null at the end."
    )


class NotificationQuery(Schema):
    before: int | None = Field(None, ge=1, le=2**62)
    limit: int = Field(selectors.PAGE_SIZE, ge=1, le=selectors.MAX_PAGE_SIZE)


class ReadAllOut(Schema):
    updated: int


def notification_out(notice: Notification, user: User) -> dict[str, Any]:
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "title": kinds.render(notice.kind, data=notice.data, ticket=notice.ticket, user=user).title,
        "ticket": notice.ticket.number if notice.ticket else None,
        "data": notice.data,
        "created_at": notice.created_at,
        "read_at": notice.read_at,
    }


@router.get(
    "/notifications", response={200: NotificationPage, **errors_for(401, 422)}, summary="My notifications"
)
def notification_list(request: HttpRequest, query: Query[NotificationQuery]) -> dict[str, Any]:
    """The caller's notices, newest first; page with `before` (keyset)."""
    actor = actor_of(request)
    notices, next_before = selectors.notification_page(actor=actor, before=query.before, limit=query.limit)
    return {
        "items": [notification_out(n, actor) for n in notices],
        "unread": selectors.unread_count(actor=actor),
        "next_before": next_before,
    }


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **errors_for(401, 404)},
    summary="Mark a notification read",
)
def notification_read(request: HttpRequest, notification_id: int = IdPath) -> dict[str, Any]:
    actor = actor_of(request)
    notice = services.notification_mark_read(actor=actor, notification_id=notification_id)
    notice = Notification.objects.select_related("ticket").get(pk=notice.pk)
    return notification_out(notice, actor)


@router.post(
    "/notifications/read-all", response={200: ReadAllOut, **errors_for(401)}, summary="Mark all read"
)
def notification_read_all(request: HttpRequest) -> dict[str, int]:
    return {"updated": services.notifications_mark_all_read(actor=actor_of(request))}
