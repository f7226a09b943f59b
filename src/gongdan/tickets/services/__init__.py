"""Every change to a ticket goes through these functions (rule 1): the tickets app's public door. Other apps
import from here, never from the modules behind it."""

from gongdan.tickets.services.activity import (
    MAX_ATTACHMENTS_PER_CALL,
    attachment_add,
    ticket_comment,
    time_entry_add,
)
from gongdan.tickets.services.attachments import IncomingFile, attachment_orphans_purge, check_file
from gongdan.tickets.services.core import (
    MAX_DESCRIPTION,
    MAX_SUBJECT,
    UNSET,
    IntakeDefaults,
    append_event,
    available_transitions,
    build_search_text,
    default_priority,
    default_ticket_type,
    events_append_many,
    label_of,
    lock_ticket,
    ticket_assign,
    ticket_create,
    ticket_edit,
    ticket_link,
    ticket_merge,
    ticket_transition,
    ticket_unlink,
    ticket_update,
    workflow_for,
)
from gongdan.tickets.services.custom_fields import clean_custom_values, fields_for_category
from gongdan.tickets.services.numbering import numbering_settings

__all__ = [
    "MAX_ATTACHMENTS_PER_CALL",
    "MAX_DESCRIPTION",
    "MAX_SUBJECT",
    "UNSET",
    "IncomingFile",
    "IntakeDefaults",
    "append_event",
    "attachment_add",
    "attachment_orphans_purge",
    "available_transitions",
    "build_search_text",
    "check_file",
    "clean_custom_values",
    "default_priority",
    "default_ticket_type",
    "events_append_many",
    "fields_for_category",
    "label_of",
    "lock_ticket",
    "numbering_settings",
    "ticket_assign",
    "ticket_comment",
    "ticket_create",
    "ticket_edit",
    "ticket_link",
    "ticket_merge",
    "ticket_transition",
    "ticket_unlink",
    "ticket_update",
    "time_entry_add",
    "workflow_for",
]
