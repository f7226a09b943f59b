from gongdan.tickets.models.activity import Attachment, Comment, TicketEvent, TimeEntry
from gongdan.tickets.models.config import (
    Category,
    CustomField,
    DeskSettings,
    FieldType,
    Priority,
    TicketNumbering,
    TicketType,
    WorkflowTransition,
)
from gongdan.tickets.models.pipeline import EventCursor
from gongdan.tickets.models.saved_view import SavedView
from gongdan.tickets.models.ticket import (
    OPEN_STATUSES,
    Channel,
    Status,
    Tag,
    Ticket,
    TicketLink,
    TicketSequence,
)
from gongdan.tickets.models.workflow import StateCategory, VersionStatus, WorkflowState, WorkflowVersion

__all__ = [
    "OPEN_STATUSES",
    "Attachment",
    "Category",
    "Channel",
    "Comment",
    "CustomField",
    "DeskSettings",
    "EventCursor",
    "FieldType",
    "Priority",
    "SavedView",
    "StateCategory",
    "Status",
    "Tag",
    "Ticket",
    "TicketEvent",
    "TicketLink",
    "TicketNumbering",
    "TicketSequence",
    "TicketType",
    "TimeEntry",
    "VersionStatus",
    "WorkflowState",
    "WorkflowTransition",
    "WorkflowVersion",
]
