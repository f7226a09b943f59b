"""Reads whose answer depends on who asks (rule 2): a requester's own requests, their timeline, their
surveys. Built on gongdan.tickets.selectors, so the portal can never show more than the ticket rules allow."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from gongdan.accounts.models import User
from gongdan.portal.models import Survey
from gongdan.tickets import events as ticket_events
from gongdan.tickets.filters import TicketFilters
from gongdan.tickets.models import Attachment, Ticket, TicketEvent
from gongdan.tickets.models.ticket import OPEN_STATUSES
from gongdan.tickets.search import search_terms
from gongdan.tickets.selectors import ticket_attachments, ticket_get, ticket_list, ticket_timeline

MAX_SUGGESTIONS = 5
SUGGESTION_POOL = 200


def my_requests(*, actor: User) -> QuerySet[Ticket]:
    """The tickets the actor asked for, newest activity first (also for staff using the portal)."""
    return ticket_list(actor=actor, filters=TicketFilters(requester=actor.pk))


def request_get(*, actor: User, number: str) -> Ticket:
    """One of the actor's requests; NotFound for anything they may not see (same as a missing number)."""
    return ticket_get(actor=actor, number=number)


def request_timeline(*, actor: User, ticket: Ticket) -> list[TicketEvent]:
    """The public history only: for a requester the ticket selectors already drop internal notes and
    internal kinds; staff looking through the portal get the same public view."""
    events = ticket_timeline(actor=actor, ticket=ticket)
    return [
        e
        for e in events
        if e.kind in ticket_events.PUBLIC_KINDS
        and not e.is_internal
        and not (e.comment is not None and e.comment.is_internal)
    ]


def request_timeline_with_files(*, actor: User, ticket: Ticket) -> list[TicketEvent]:
    """The public timeline with each event's files in `event.files` (a reply's own files, or the one file
    an `attachment_added` event names), from one extra query for the ticket's visible attachments."""
    timeline = request_timeline(actor=actor, ticket=ticket)
    by_id = {a.pk: a for a in ticket_attachments(actor=actor, ticket=ticket)}
    for event in timeline:
        files: list[Attachment] = []
        if event.comment_id and event.comment is not None:
            files = [a for a in event.comment.attachments.all() if not a.is_internal]
        elif event.kind == ticket_events.ATTACHMENT_ADDED and isinstance(event.data, dict):
            found = by_id.get(event.data.get("attachment"))  # type: ignore[arg-type]
            files = [found] if found else []
        event.files = files  # type: ignore[attr-defined]
    return timeline


@dataclass
class Suggestion:
    ticket: Ticket
    score: int


def similar_requests(*, actor: User, text: str) -> list[Suggestion]:
    """The actor's own open requests that share words with `text` (simple substring matching, Chinese
    and English alike). Only ever the actor's own tickets: suggestions must not reveal anyone else's."""
    terms = [t for t in search_terms(text) if len(t) >= 2]
    if not terms:
        return []
    rows = list(
        Ticket.objects.filter(requester=actor, status__in=OPEN_STATUSES)
        .order_by("-updated_at", "-id")
        .only("number", "subject", "status", "search_text", "updated_at")[:SUGGESTION_POOL]
    )
    scored = []
    for ticket in rows:
        haystack = f"{ticket.subject.lower()}\n{ticket.search_text}"
        score = sum(1 for term in terms if term in haystack)
        if score:
            scored.append(Suggestion(ticket=ticket, score=score))
    scored.sort(key=lambda s: (-s.score, -s.ticket.updated_at.timestamp()))
    return scored[:MAX_SUGGESTIONS]


def open_survey(*, actor: User, ticket: Ticket) -> Survey | None:
    """The latest unanswered survey of this ticket, if the actor is the one asked."""
    return (
        Survey.objects.filter(ticket=ticket, requester=actor, answered_at__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )


def last_rating(*, ticket: Ticket) -> Survey | None:
    return (
        Survey.objects.filter(ticket=ticket, answered_at__isnull=False)
        .order_by("-answered_at", "-id")
        .first()
    )


def surveys_waiting(*, actor: User) -> dict[int, Survey]:
    """Unanswered surveys of the actor, by ticket id (one query for the whole "my requests" list)."""
    surveys = Survey.objects.filter(requester=actor, answered_at__isnull=True).order_by("created_at", "id")
    return {s.ticket_id: s for s in surveys}
