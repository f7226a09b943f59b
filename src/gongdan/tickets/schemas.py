"""API shapes for tickets and their configuration. Inputs refuse unknown fields. Each output shape is
defined once, as a schema read from the rows themselves (`resolve_*` where the answer's name or form is not
the column's); the selectors load those rows with select_related/prefetch, so serialising runs no queries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.urls import reverse
from ninja import Schema
from pydantic import Field

from gongdan.accounts.models import User
from gongdan.accounts.schemas import TeamRef, UserRef
from gongdan.api.inputs import DateIn, DateTimeIn, Id, StrictInput
from gongdan.assets.models import Location
from gongdan.tickets import events
from gongdan.tickets.models import (
    Attachment,
    Category,
    CustomField,
    Status,
    Ticket,
    TicketEvent,
    TicketType,
    WorkflowTransition,
)
from gongdan.tickets.services.core import MAX_DESCRIPTION, MAX_SUBJECT
from gongdan.tickets.services.sensitive_values import masked_values

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
    due_at: DateTimeIn | None = None
    location: Id | None = None
    location_text: str = Field("", max_length=LOCATION_TEXT_MAX)
    asset: str | None = Field(
        None, max_length=60, description="Asset code; the location follows the asset's."
    )
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
    due_at: DateTimeIn | None = None
    location: Id | None = None
    location_text: str | None = Field(None, max_length=LOCATION_TEXT_MAX)
    asset: str | None = Field(None, max_length=60, description="Asset code (null: no asset).")
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
    work_date: DateIn | None = Field(None, description="Defaults to today.")
    note: str = Field("", max_length=500)


class LinkIn(StrictInput):
    ticket: TicketNumber = Field(..., max_length=40, description="The other ticket's number.")
    kind: Literal["relates", "parent", "child"] = Field(
        "relates", description="`parent`: the other ticket becomes this one's parent; `child`: the reverse."
    )


class MergeIn(StrictInput):
    into: TicketNumber = Field(..., max_length=40, description="The ticket this one duplicates.")


# ---- output ------------------------------------------------------------------------------------------
def ticket_url(number: str) -> str:
    return reverse("tickets:ticket_detail", args=[number])


def status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


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

    @staticmethod
    def resolve_name(location: Location) -> str:
        return str(location)


class AssetRef(Schema):
    id: int
    code: str
    name: str


class OrganisationBrief(Schema):
    id: int
    name: str


class TicketListItem(Schema):
    """Expects LIST_RELATED selected and `tags` prefetched."""

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

    @staticmethod
    def resolve_status_label(ticket: Ticket) -> str:
        return status_label(ticket.status)

    @staticmethod
    def resolve_type(ticket: Ticket) -> TicketType:
        return ticket.ticket_type

    @staticmethod
    def resolve_tags(ticket: Ticket) -> list[str]:
        return sorted(t.name for t in ticket.tags.all())

    @staticmethod
    def resolve_url(ticket: Ticket) -> str:
        return ticket_url(ticket.number)


class TicketPage(Schema):
    items: list[TicketListItem]
    next_cursor: str | None
    has_more: bool


class TicketOut(TicketListItem):
    """Expects a ticket from selectors.ticket_get (relations selected, tags and watchers prefetched) or
    the one ticket_create returns (its relations in memory)."""

    description: str
    description_html: str
    organisation: OrganisationBrief | None
    watchers: list[UserRef]
    location: LocationRef | None
    location_text: str
    asset: AssetRef | None
    parent: str | None
    duplicate_of: str | None
    custom_fields: dict[str, Any]
    channel: str
    resolution: str
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None

    @staticmethod
    def resolve_watchers(ticket: Ticket) -> list[User]:
        return sorted(ticket.watchers.all(), key=lambda u: u.pk)

    @staticmethod
    def resolve_parent(ticket: Ticket) -> str | None:
        return ticket.parent.number if ticket.parent_id and ticket.parent else None

    @staticmethod
    def resolve_duplicate_of(ticket: Ticket) -> str | None:
        return ticket.duplicate_of.number if ticket.duplicate_of_id and ticket.duplicate_of else None

    @staticmethod
    def resolve_custom_fields(ticket: Ticket) -> dict[str, Any]:
        return masked_values(ticket.custom_values)  # sensitive values are revealed on the ticket page only


class TransitionOut(Schema):
    action: str
    label: str
    to_status: str
    to_status_label: str
    requires_note: bool

    @staticmethod
    def resolve_to_status_label(transition: WorkflowTransition) -> str:
        return status_label(transition.to_status)


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

    @staticmethod
    def resolve_url(attachment: Attachment) -> str:
        return reverse("api:attachment_download", args=[attachment.pk])


class CommentOut(Schema):
    """Expects `author` selected and `attachments` prefetched (as selectors.ticket_comments does)."""

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
    """Read from selectors.ticket_relatives: only the tickets the actor may see."""

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

    @staticmethod
    def resolve_description(event: TicketEvent) -> str:
        return str(events.describe(event.kind))

    @staticmethod
    def resolve_data(event: TicketEvent) -> dict[str, Any]:
        return event.data or {}


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
    """Expects the default team, priority and type selected."""

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

    @staticmethod
    def resolve_parent(category: Category) -> int | None:
        return category.parent_id


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
    logic: dict[str, Any] = Field(description="When the field is shown, required or offers fewer choices: "
                                  "show_when, require_when and choices_when, each a list of conditions "
                                  "(field, op, value) that must all hold. See docs/forms.md.")  # fmt: skip

    @staticmethod
    def resolve_label(field: CustomField) -> str:
        return field.display_label

    @staticmethod
    def resolve_label_zh(field: CustomField) -> str:
        return field.label

    @staticmethod
    def resolve_choices(field: CustomField) -> list[dict[str, str]]:
        return [{"value": value, "label": label} for value, label in field.choice_options()]


# ---- saved queue views --------------------------------------------------------------------------------
class SavedViewIn(StrictInput):
    name: str = Field(
        ..., min_length=1, max_length=60, description="The tab's name, unique among your views."
    )
    query: str = Field(
        "", max_length=1000, description="The queue's filters as a query string, e.g. `status=open&sort=due`."
    )
    team: Id | None = Field(None, description="Share with this team (one of yours); null keeps it to you.")
    columns: list[str] | None = Field(
        None, max_length=8,
        description="The optional columns the queue shows, of `status`, `priority`, `requester`, `assignee`, `category`, `created`, `updated`, `due`; "
        "the number and subject are always shown. Null: the default columns.",
    )  # fmt: skip


class SavedViewUpdateIn(StrictInput):
    name: str | None = Field(None, min_length=1, max_length=60, description="A new name.")
    query: str | None = Field(None, max_length=1000, description="New filters, as a query string.")
    team: Id | None = Field(None, description="Share with this team; null stops sharing (owner only).")
    columns: list[str] | None = Field(
        None, max_length=8, description="The optional columns shown, in any order."
    )


class SavedViewOut(Schema):
    id: int
    name: str
    query: str
    team: int | None = Field(None, alias="team_id")
    owner: int = Field(..., alias="owner_id")
    columns: list[str] = Field(..., alias="column_list", description="The optional columns shown, in order.")
    created_at: datetime
    updated_at: datetime
