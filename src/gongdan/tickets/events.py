"""The event kinds tickets write, and how each reads on a timeline."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CREATED = "created"
UPDATED = "updated"
ASSIGNED = "assigned"
TRANSITIONED = "transitioned"
COMMENTED = "commented"
NOTE_ADDED = "note_added"
ATTACHMENT_ADDED = "attachment_added"
TIME_LOGGED = "time_logged"
LINKED = "linked"
UNLINKED = "unlinked"
MERGED = "merged"
MERGED_INTO = "merged_into"

DESCRIPTIONS: dict[str, Promise] = {
    CREATED: _("created the ticket"),
    UPDATED: _("changed fields"),
    ASSIGNED: _("changed the assignment"),
    TRANSITIONED: _("changed the status"),
    COMMENTED: _("replied"),
    NOTE_ADDED: _("added an internal note"),
    ATTACHMENT_ADDED: _("attached a file"),
    TIME_LOGGED: _("logged time"),
    LINKED: _("linked a ticket"),
    UNLINKED: _("removed a link"),
    MERGED: _("merged a duplicate into this ticket"),
    MERGED_INTO: _("merged this ticket into another"),
}

# Kinds a requester may see on their timeline (plus public comments, which carry is_internal=False).
PUBLIC_KINDS = {CREATED, TRANSITIONED, COMMENTED, ATTACHMENT_ADDED, MERGED_INTO}


def register(kind: str, description: Promise, *, public: bool = False) -> str:
    """Let another app (routing, SLA, notifications…) add its own event kinds to ticket timelines.

    Call it at import time of that app's `events.py` (imported from its AppConfig.ready) so every process
    knows the kind before it renders a timeline."""
    existing = DESCRIPTIONS.get(kind)
    if existing is not None and existing != description:
        raise ValueError(f"ticket event kind {kind!r} is already registered")
    DESCRIPTIONS[kind] = description
    if public:
        PUBLIC_KINDS.add(kind)
    return kind


def describe(kind: str) -> str:
    return str(DESCRIPTIONS.get(kind, kind))
