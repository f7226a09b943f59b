"""Reads for the mail intake screens (administrators only: the views check)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from gongdan.channels.models import InboundMail, Mailbox

PAGE_SIZE = 50


def mailbox_list() -> list[Mailbox]:
    return list(Mailbox.objects.select_related("default_category", "default_team", "default_priority"))


def mail_list(*, state: str = "", before: int | None = None) -> tuple[list[InboundMail], int | None]:
    """Newest first, keyset-paged by id; the raw bytes are not loaded."""
    rows: QuerySet[InboundMail] = InboundMail.objects.select_related("mailbox", "ticket").defer("raw")
    if state:
        rows = rows.filter(state=state)
    if before:
        rows = rows.filter(pk__lt=before)
    page = list(rows.order_by("-id")[: PAGE_SIZE + 1])
    next_before = page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None
    return page[:PAGE_SIZE], next_before


def mail_counts() -> dict[str, int]:
    return dict(InboundMail.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
