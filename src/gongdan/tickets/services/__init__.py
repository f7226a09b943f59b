"""Every change to a ticket goes through these functions (rule 1)."""

from gongdan.tickets.services.activity import attachment_add, ticket_comment, time_entry_add
from gongdan.tickets.services.attachments import IncomingFile
from gongdan.tickets.services.core import (
    UNSET,
    available_transitions,
    ticket_assign,
    ticket_create,
    ticket_link,
    ticket_merge,
    ticket_transition,
    ticket_unlink,
    ticket_update,
)
from gongdan.tickets.services.numbering import numbering_settings

__all__ = [
    "UNSET",
    "IncomingFile",
    "attachment_add",
    "available_transitions",
    "numbering_settings",
    "ticket_assign",
    "ticket_comment",
    "ticket_create",
    "ticket_link",
    "ticket_merge",
    "ticket_transition",
    "ticket_unlink",
    "ticket_update",
    "time_entry_add",
]
