"""Reads whose answer depends on who asks. Every view and endpoint reads tickets through here."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.core.domain_errors import NotFound
from gongdan.core.trees import TreeRow, path_ids, tree_rows
from gongdan.tickets import events
from gongdan.tickets.access import can_view, can_work, team_ids, visible_tickets
from gongdan.tickets.filters import TicketFilters
from gongdan.tickets.models import (
    Attachment,
    Category,
    Comment,
    CustomField,
    SavedView,
    Tag,
    Ticket,
    TicketEvent,
    TicketLink,
    TimeEntry,
    WorkflowTransition,
)

LIST_RELATED = ("priority", "ticket_type", "category", "team", "assignee", "requester")


def ticket_list(*, actor: User, filters: TicketFilters | None = None) -> QuerySet[Ticket]:
    filters = filters or TicketFilters()
    tickets = filters.apply(visible_tickets(actor), actor=actor)
    return tickets.select_related(*LIST_RELATED).defer("search_text", "search_notes", "description_html")


def ticket_get(*, actor: User, number: str) -> Ticket:
    """The ticket by number, or NotFound, also when it exists but the actor may not see it.

    Found by its unique number first and checked with can_view after: one small join instead of the
    access filter's OR-chain keeps PostgreSQL's planning time (which grows with every join) low.
    """
    ticket = (
        Ticket.objects.select_related(*LIST_RELATED, "organisation", "location", "asset", "created_by")
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
            "watchers",
            Prefetch("parent", queryset=Ticket.objects.only("id", "number", "subject", "status")),
            Prefetch("duplicate_of", queryset=Ticket.objects.only("id", "number", "subject", "status")),
        )
        .filter(number=(number or "").strip().upper())
        .order_by()
        .first()
    )
    if ticket is None or not can_view(actor, ticket):
        raise NotFound(_("Ticket %(number)s not found.") % {"number": number})
    return ticket


def ticket_comments(*, actor: User, ticket: Ticket) -> QuerySet[Comment]:
    comments = ticket.comments.select_related("author").prefetch_related("attachments")
    if not can_work(actor, ticket):
        comments = comments.filter(is_internal=False)
    return comments


def ticket_attachments(*, actor: User, ticket: Ticket) -> QuerySet[Attachment]:
    attachments = ticket.attachments.select_related("uploaded_by")
    if not can_work(actor, ticket):
        attachments = attachments.filter(is_internal=False)
    return attachments


def ticket_timeline(*, actor: User, ticket: Ticket) -> list[TicketEvent]:
    """The ticket's history as the actor may see it, oldest first, with comments and their files."""
    timeline = ticket.events.select_related("actor", "comment", "comment__author").prefetch_related(
        "comment__attachments"
    )
    if not can_work(actor, ticket):
        timeline = timeline.filter(is_internal=False, kind__in=events.PUBLIC_KINDS)
    return list(timeline.order_by("created_at", "id"))


def ticket_time_total(*, ticket: Ticket) -> int:
    return ticket.time_entries.aggregate(total=Sum("minutes"))["total"] or 0


def ticket_time_entries(*, actor: User, ticket: Ticket) -> QuerySet[TimeEntry]:
    if not can_work(actor, ticket):
        return TimeEntry.objects.none()
    return ticket.time_entries.select_related("user")


def attachment_get(*, actor: User, attachment_id: int) -> Attachment:
    """An attachment the actor may download; NotFound otherwise (same answer as for a missing one)."""
    attachment = (
        Attachment.objects.select_related("ticket")
        .filter(pk=attachment_id, ticket__in=visible_tickets(actor))
        .first()
    )
    if attachment is None or (attachment.is_internal and not can_work(actor, attachment.ticket)):
        raise NotFound(_("Attachment not found."))
    return attachment


@dataclass
class Relatives:
    parent: Ticket | None
    children: list[Ticket]
    related: list[Ticket]
    duplicate_of: Ticket | None
    duplicates: list[Ticket]


def ticket_relatives(*, actor: User, ticket: Ticket) -> Relatives:
    """The tickets linked to this one that the actor may see (number, subject and status only).

    The linked ids come first through their own indexes (parent_id, duplicate_of_id, the link table);
    the access filter then runs on those few primary keys only — combined with the access rules' ORs,
    databases otherwise prefer scanning the whole ticket table.
    """
    link, table = TicketLink._meta.db_table, Ticket._meta.db_table
    related_ids: set[int] = set()
    child_ids: list[int] = []
    duplicate_ids: list[int] = []
    with connection.cursor() as cursor:
        # One round trip for the three id lists, each through its own index.
        cursor.execute(
            f"SELECT 0, source_id, target_id FROM {link} WHERE source_id = %s OR target_id = %s "  # noqa: S608 — our own table names
            f"UNION ALL SELECT * FROM (SELECT 1, id, 0 FROM {table} WHERE parent_id = %s ORDER BY id LIMIT 500) c "
            f"UNION ALL SELECT * FROM (SELECT 2, id, 0 FROM {table} WHERE duplicate_of_id = %s ORDER BY id LIMIT 500) d",
            [ticket.pk] * 4,
        )
        for kind, first, second in cursor.fetchall():
            if kind == 0:
                related_ids.update(other for other in (first, second) if other != ticket.pk)
            else:
                (child_ids if kind == 1 else duplicate_ids).append(first)
    child_ids.sort()
    duplicate_ids.sort()
    wanted = {
        *related_ids,
        *child_ids,
        *duplicate_ids,
        *(i for i in (ticket.parent_id, ticket.duplicate_of_id) if i),
    }
    by_id = (
        {t.pk: t for t in visible_tickets(actor).only("number", "subject", "status").filter(pk__in=wanted)}
        if wanted
        else {}
    )
    return Relatives(
        parent=by_id.get(ticket.parent_id or 0),
        children=[by_id[i] for i in child_ids if i in by_id],
        related=[by_id[i] for i in sorted(related_ids) if i in by_id],
        duplicate_of=by_id.get(ticket.duplicate_of_id or 0),
        duplicates=[by_id[i] for i in duplicate_ids if i in by_id],
    )


def category_tree() -> list[TreeRow]:
    categories = Category.objects.select_related("default_team", "default_priority", "default_type").annotate(
        field_count=Count("custom_fields")
    )
    return tree_rows(categories, sort_key=lambda n: (n.order, n.label.lower(), n.pk))


def category_ancestors(category: Category) -> list[Category]:
    ids = [pk for pk in path_ids(category.path) if pk != category.pk]
    by_pk = Category.objects.in_bulk(ids)
    return [by_pk[pk] for pk in ids if pk in by_pk]


def inherited_fields(category: Category) -> list[CustomField]:
    """Fields of the parents, which the category's form shows above its own."""
    ancestors = category_ancestors(category)
    depth = {c.pk: i for i, c in enumerate(ancestors)}
    fields = CustomField.objects.filter(category__in=ancestors).select_related("category")
    return sorted(fields, key=lambda f: (depth[f.category_id], f.order, f.pk))


def workflow_transitions() -> QuerySet[WorkflowTransition]:
    return WorkflowTransition.objects.select_related("ticket_type").order_by(
        "ticket_type__order", "ticket_type_id", "order", "id"
    )


def saved_view_list(*, actor: User) -> QuerySet[SavedView]:
    """The actor's own views and those shared with a team the actor belongs to (staff only)."""
    if not actor.is_active or not actor.is_staff_member:
        return SavedView.objects.none()
    return (
        SavedView.objects.filter(Q(owner=actor) | Q(team_id__in=team_ids(actor)))
        .select_related("team", "owner")
        .order_by("name", "id")
    )


def saved_view_get(*, actor: User, view_id: int) -> SavedView:
    view = saved_view_list(actor=actor).filter(pk=view_id).first()
    if view is None:
        raise NotFound(_("No such view."))
    return view
