"""Ticket states in the words a requester uses (the agent screens keep the workflow's own names)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongdan.tickets.models import Status

PLAIN_STATUS: dict[str, Promise] = {
    Status.NEW: _("Received"),
    Status.ASSIGNED: _("A technician has it"),
    Status.IN_PROGRESS: _("Being worked on"),
    Status.PENDING_REQUESTER: _("Waiting for your reply"),
    Status.PENDING_THIRD_PARTY: _("Waiting for a supplier"),
    Status.RESOLVED: _("Fixed — please confirm"),
    Status.CLOSED: _("Done"),
    Status.CANCELLED: _("Cancelled"),
}
STATUS_TONE: dict[str, str] = {
    Status.NEW: "blue",
    Status.ASSIGNED: "azure",
    Status.IN_PROGRESS: "indigo",
    Status.PENDING_REQUESTER: "orange",
    Status.PENDING_THIRD_PARTY: "yellow",
    Status.RESOLVED: "green",
    Status.CLOSED: "secondary",
    Status.CANCELLED: "secondary",
}


def plain_status(status: str) -> str:
    return str(PLAIN_STATUS.get(status, status))
