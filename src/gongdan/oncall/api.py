"""The on-call pages of the REST API: the pages sent to me, and acknowledging one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from gongdan.accounts.models import User
from gongdan.api.errors import errors_for
from gongdan.api.inputs import IdPath
from gongdan.oncall import selectors, services
from gongdan.oncall.models import Page

router = Router()


def actor_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class PageOut(Schema):
    id: int
    ticket: str
    reason: str = Field(description="Why it rang, in the caller's language")
    reason_code: str = Field(description="The same, as stored: a code such as sla:first_response:0:P0")
    state: str
    repeat_count: int
    created_at: datetime
    next_repeat_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None


def page_out(page: Page) -> dict[str, Any]:
    return {
        "id": page.pk,
        "ticket": page.ticket.number,
        "reason": page.reason_label,
        "reason_code": page.reason,
        "state": page.state,
        "repeat_count": page.repeat_count,
        "created_at": page.created_at,
        "next_repeat_at": page.next_repeat_at,
        "acknowledged_at": page.acknowledged_at,
        "acknowledged_by": page.acknowledged_by.username if page.acknowledged_by else None,
    }


@router.get("/pages", response={200: list[PageOut], **errors_for(401)}, summary="Pages sent to me")
def page_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [page_out(p) for p in selectors.my_pages(actor=actor_of(request))]


@router.post(
    "/pages/{page_id}/acknowledge",
    response={200: PageOut, **errors_for(401, 404, 409)},
    summary="Acknowledge a page",
)
def page_acknowledge(request: HttpRequest, page_id: int = IdPath) -> dict[str, Any]:
    """Stops the repeats. 409 if someone already acknowledged it (the message says who)."""
    page = services.page_acknowledge(actor=actor_of(request), page_id=page_id, via="api")
    return page_out(page)
