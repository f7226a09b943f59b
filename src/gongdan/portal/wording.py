"""Ticket states in the words a requester uses (the agent screens keep the workflow's own names)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from gongdan.tickets.models import Status

# A context of their own (literal, for makemessages): "Received" is also the mail intake's column "time
# received" in another catalogue, and without a context the first catalogue's translation wins.
PLAIN_STATUS: dict[str, Promise] = {
    Status.NEW: pgettext_lazy("requester status", "Received"),
    Status.ASSIGNED: pgettext_lazy("requester status", "A technician has it"),
    Status.IN_PROGRESS: pgettext_lazy("requester status", "Being worked on"),
    Status.PENDING_REQUESTER: pgettext_lazy("requester status", "Waiting for your reply"),
    Status.PENDING_THIRD_PARTY: pgettext_lazy("requester status", "Waiting for a supplier"),
    Status.RESOLVED: pgettext_lazy("requester status", "Fixed — please confirm"),
    Status.CLOSED: pgettext_lazy("requester status", "Done"),
    Status.CANCELLED: pgettext_lazy("requester status", "Cancelled"),
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
