"""API shapes for tickets and their configuration. Inputs refuse unknown fields; outputs are built by
functions from rows the selectors loaded with select_related/prefetch (so serialising runs no queries)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.urls import reverse
from ninja import Schema
from pydantic import Field

from gongdan.accounts.schemas import TeamRef, UserRef, team_ref, user_ref
from gongdan.api.inputs import Id, StrictInput
from gongdan.tickets import events
from gongdan.tickets.models import (
    Attachment,
    Category,
    Comment,
    CustomField,
    Priority,
    Status,
    Ticket,
    TicketEvent,
    TicketType,
    TimeEntry,
    WorkflowTransition,
)
from gongdan.tickets.services.core import MAX_DESCRIPTION, MAX_SUBJECT

TicketNumber = str
# The OpenAPI document promises the limits the services and columns hold, taken from them.
MAX_TEXT = MAX_DESCRIPTION
SUBJECT_MAX = MAX_SUBJECT
LOCATION_TEXT_MAX: int = Ticket._meta.get_field("location_text").max_length or 300


# ---- input -------------------------------------------------------------------------------------------
class TicketCreateIn(StrictInput):
    subject: str = Field(..., max_length=SUBJECT_MAX)
    description: str = Field("", max_length=MAX_TEXT)
    category: Id | None = None
    type: str | None = Field(None, max_length=40, description="Ticket type code, e.g. `incident`.")
    priority: str | None = Field(None, max_length=10, description="Priority code, e.g. `P2`.")
    team: Id | None = None
    assignee: Id | None = None
    requester: Id | None = Field(None, description="Staff may report on someone's behalf.")
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list, max_length=50)
    due_at: datetime | None = None
    location: Id | None = None
    location_text: str = Field("", max_length=LOCATION_TEXT_MAX)
    parent: TicketNumber | None = Field(None, max_length=40, description="Parent ticket number.")
    watchers: list[Id] = Field(default_factory=list, max_length=100)


class TicketUpdateIn(StrictInput):
    """Only the fields sent change. `version` (or the If-Match header) guards against lost updates."""

    subject: str | None = Field(None, max_length=SUBJECT_MAX)
    description: str | None = Field(None, max_length=MAX_TEXT)
    category: Id | None = None
    type: str | None = Field(None, max_length=40)
    priority: str | None = Field(None, max_length=10)
    team: Id | None = None
    assignee: Id | None = None
    requester: Id | None = None
    custom_fields: dict[str, Any] | None = None
    tags: list[str] | None = Field(None, max_length=50)
    due_at: datetime | None = None
    location: Id | None = None
    location_text: str | None = Field(None, max_length=LOCATION_TEXT_MAX)
    parent: TicketNumber | None = Field(None, max_length=40)
    watchers: list[Id] | None = Field(None, max_length=100)
    version: int | None = Field(None, ge=1, le=2**31 - 1)


class TransitionIn(StrictInput):
    action: str = Field(..., max_length=40)
    note: str = Field("", max_length=MAX_TEXT)
    version: int | None = Field(None, ge=1, le=2**31 - 1)


class CommentIn(StrictInput):
    body: str = Field(..., max_length=MAX_TEXT)
    internal: bool = Field(False, description="An internal note, hidden from the requester.")


class TimeEntryIn(StrictInput):
    minutes: int = Field(..., ge=1, le=24 * 60)
    work_date: date | None = Field(None, description="Defaults to today.")
    note: str = Field("", max_length=500)


class LinkIn(StrictInput):
    ticket: TicketNumber = Field(..., max_length=40, description="The other ticket's number.")
    kind: Literal["relates", "parent", "child"] = Field(
        "relates", description="`parent`: the other ticket becomes this one's parent; `child`: the reverse."
    )


class MergeIn(StrictInput):
    into: TicketNumber = Field(..., max_length=40, description="The ticket this one duplicates.")


# ---- output ------------------------------------------------------------------------------------------
class PriorityRef(Schema):
    code: str
    label: str
    colour: str


class TypeRef(Schema):
    code: str
    label: str


class CategoryRef(Schema):
    id: int
    label: str


class LocationRef(Schema):
    id: int
    name: str


class OrganisationBrief(Schema):
    id: int
    name: str


class TicketListItem(Schema):
    number: str
    subject: str
    status: str
    status_label: str
    priority: PriorityRef
    type: TypeRef
    category: CategoryRef | None
    team: TeamRef | None
    assignee: UserRef | None
    requester: UserRef
    tags: list[str]
    due_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    url: str


class TicketPage(Schema):
    items: list[TicketListItem]
    next_cursor: str | None
    has_more: bool


class TicketOut(TicketListItem):
    description: str
    description_html: str
    organisation: OrganisationBrief | None
    watchers: list[UserRef]
    location: LocationRef | None
    location_text: str
    parent: str | None
    duplicate_of: str | None
    custom_fields: dict[str, Any]
    channel: str
    resolution: str
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None


class TransitionOut(Schema):
    action: str
    label: str
    to_status: str
    to_status_label: str
    requires_note: bool


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    is_image: bool
    is_internal: bool
    comment_id: int | None
    uploaded_by: UserRef | None
    created_at: datetime
    url: str


class CommentOut(Schema):
    id: int
    author: UserRef | None
    body: str
    body_html: str
    is_internal: bool
    channel: str
    created_at: datetime
    attachments: list[AttachmentOut]


class TimeEntryOut(Schema):
    id: int
    user: UserRef
    minutes: int
    work_date: date
    note: str
    created_at: datetime


class TimeEntriesOut(Schema):
    items: list[TimeEntryOut]
    total_minutes: int


class TicketBrief(Schema):
    number: str
    subject: str
    status: str


class LinksOut(Schema):
    parent: TicketBrief | None
    children: list[TicketBrief]
    related: list[TicketBrief]
    duplicate_of: TicketBrief | None
    duplicates: list[TicketBrief]


class EventOut(Schema):
    id: int
    kind: str
    description: str
    actor: UserRef | None
    is_internal: bool
    comment_id: int | None
    data: dict[str, Any]
    created_at: datetime


class PriorityOut(Schema):
    code: str
    label: str
    name: str
    name_en: str
    colour: str
    rank: int
    is_default: bool


class TicketTypeOut(Schema):
    code: str
    label: str
    name: str
    name_en: str
    is_active: bool
    order: int


class CategoryOut(Schema):
    id: int
    label: str
    name: str
    name_en: str
    parent: int | None
    depth: int
    description: str
    default_team: TeamRef | None
    default_priority: PriorityRef | None
    default_type: TypeRef | None
    template: str
    order: int
    is_active: bool


class ChoiceOut(Schema):
    value: str
    label: str


class CustomFieldOut(Schema):
    id: int
    key: str
    label: str
    label_zh: str
    label_en: str
    field_type: str
    required: bool
    choices: list[ChoiceOut]
    help_text: str
    order: int
    category: CategoryRef


# ---- builders ----------------------------------------------------------------------------------------
def priority_ref(priority: Priority | None) -> dict[str, Any] | None:
    if priority is None:
        return None
    return {"code": priority.code, "label": priority.label, "colour": priority.colour}


def type_ref(ticket_type: TicketType | None) -> dict[str, Any] | None:
    return None if ticket_type is None else {"code": ticket_type.code, "label": ticket_type.label}


def category_ref(category: Category | None) -> dict[str, Any] | None:
    return None if category is None else {"id": category.pk, "label": category.label}


def ticket_url(number: str) -> str:
    return reverse("tickets:ticket_detail", args=[number])


def ticket_list_item(ticket: Ticket) -> dict[str, Any]:
    """Expects LIST_RELATED selected and `tags` prefetched."""
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "status_label": str(Status(ticket.status).label) if ticket.status in Status.values else ticket.status,
        "priority": priority_ref(ticket.priority),
        "type": type_ref(ticket.ticket_type),
        "category": category_ref(ticket.category),
        "team": team_ref(ticket.team),
        "assignee": user_ref(ticket.assignee),
        "requester": user_ref(ticket.requester),
        "tags": sorted(t.name for t in ticket.tags.all()),
        "due_at": ticket.due_at,
        "version": ticket.version,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "url": ticket_url(ticket.number),
    }


def ticket_detail(ticket: Ticket) -> dict[str, Any]:
    """Expects a ticket from selectors.ticket_get (relations selected, tags and watchers prefetched)."""
    data = ticket_list_item(ticket)
    organisation = ticket.organisation
    location = ticket.location
    data.update(
        {
            "description": ticket.description,
            "description_html": ticket.description_html,
            "organisation": None
            if organisation is None
            else {"id": organisation.pk, "name": organisation.name},
            "watchers": [user_ref(u) for u in sorted(ticket.watchers.all(), key=lambda u: u.pk)],
            "location": None if location is None else {"id": location.pk, "name": str(location)},
            "location_text": ticket.location_text,
            "parent": ticket.parent.number if ticket.parent_id and ticket.parent else None,
            "duplicate_of": ticket.duplicate_of.number
            if ticket.duplicate_of_id and ticket.duplicate_of
            else None,
            "custom_fields": ticket.custom_values or {},
            "channel": ticket.channel,
            "resolution": ticket.resolution,
            "first_response_at": ticket.first_response_at,
            "resolved_at": ticket.resolved_at,
            "closed_at": ticket.closed_at,
        }
    )
    return data


def transition_out(transition: WorkflowTransition) -> dict[str, Any]:
    to_label = (
        Status(transition.to_status).label if transition.to_status in Status.values else transition.to_status
    )
    return {
        "action": transition.action,
        "label": transition.label,
        "to_status": transition.to_status,
        "to_status_label": str(to_label),
        "requires_note": transition.requires_note,
    }


def attachment_out(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "is_image": attachment.is_image,
        "is_internal": attachment.is_internal,
        "comment_id": attachment.comment_id,
        "uploaded_by": user_ref(attachment.uploaded_by),
        "created_at": attachment.created_at,
        "url": reverse("api:attachment_download", args=[attachment.pk]),
    }


def comment_out(comment: Comment) -> dict[str, Any]:
    """Expects `author` selected and `attachments` prefetched (as selectors.ticket_comments does)."""
    return {
        "id": comment.pk,
        "author": user_ref(comment.author),
        "body": comment.body,
        "body_html": comment.body_html,
        "is_internal": comment.is_internal,
        "channel": comment.channel,
        "created_at": comment.created_at,
        "attachments": [attachment_out(a) for a in comment.attachments.all()],
    }


def time_entry_out(entry: TimeEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "user": user_ref(entry.user),
        "minutes": entry.minutes,
        "work_date": entry.work_date,
        "note": entry.note,
        "created_at": entry.created_at,
    }


def ticket_brief(ticket: Ticket | None) -> dict[str, Any] | None:
    if ticket is None:
        return None
    return {"number": ticket.number, "subject": ticket.subject, "status": ticket.status}


def event_out(event: TicketEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "description": events.describe(event.kind),
        "actor": user_ref(event.actor),
        "is_internal": event.is_internal,
        "comment_id": event.comment_id,
        "data": event.data or {},
        "created_at": event.created_at,
    }


def priority_out(priority: Priority) -> dict[str, Any]:
    return {
        "code": priority.code,
        "label": priority.label,
        "name": priority.name,
        "name_en": priority.name_en,
        "colour": priority.colour,
        "rank": priority.rank,
        "is_default": priority.is_default,
    }


def ticket_type_out(ticket_type: TicketType) -> dict[str, Any]:
    return {
        "code": ticket_type.code,
        "label": ticket_type.label,
        "name": ticket_type.name,
        "name_en": ticket_type.name_en,
        "is_active": ticket_type.is_active,
        "order": ticket_type.order,
    }


def category_out(category: Category) -> dict[str, Any]:
    return {
        "id": category.pk,
        "label": category.label,
        "name": category.name,
        "name_en": category.name_en,
        "parent": category.parent_id,
        "depth": category.depth,
        "description": category.description,
        "default_team": team_ref(category.default_team),
        "default_priority": priority_ref(category.default_priority),
        "default_type": type_ref(category.default_type),
        "template": category.template,
        "order": category.order,
        "is_active": category.is_active,
    }


def custom_field_out(field: CustomField) -> dict[str, Any]:
    return {
        "id": field.pk,
        "key": field.key,
        "label": field.display_label,
        "label_zh": field.label,
        "label_en": field.label_en,
        "field_type": field.field_type,
        "required": field.required,
        "choices": [{"value": value, "label": label} for value, label in field.choice_options()],
        "help_text": field.help_text,
        "order": field.order,
        "category": category_ref(field.category),
    }
