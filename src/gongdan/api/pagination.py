"""Keyset pagination for lists other than tickets (tickets use gongdan.tickets.filters.paginate)."""

from __future__ import annotations

import base64
import binascii
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from gongdan.core.domain_errors import ValidationFailed

DEFAULT_LIMIT = 25
MAX_LIMIT = 200

M = TypeVar("M", bound=Model)


class PageQuery(Schema):
    cursor: str = Field("", max_length=200, description="`next_cursor` of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size, 1 to 200.")


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(_("The cursor is not valid."), details={"cursor": [_("Invalid cursor.")]})


def encode_id_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"id:{pk}".encode()).decode().rstrip("=")


def decode_id_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _bad_cursor() from None
    prefix, _sep, value = raw.partition(":")
    if prefix != "id" or not value.isdigit() or len(value) > 18:
        raise _bad_cursor()
    return int(value)


def page_by_id[M: Model](queryset: QuerySet[M], *, cursor: str, limit: int) -> dict[str, Any]:
    """Ascending by primary key: stable while rows are added."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            _("The page size must be between 1 and %(max)d.") % {"max": MAX_LIMIT},
            details={"limit": [_("Out of range.")]},
        )
    queryset = queryset.order_by("pk")
    if cursor:
        queryset = queryset.filter(pk__gt=decode_id_cursor(cursor))
    rows = list(queryset[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": rows,
        "next_cursor": encode_id_cursor(rows[-1].pk) if has_more and rows else None,
        "has_more": has_more,
    }
