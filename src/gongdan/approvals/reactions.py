"""Approvals' part in a ticket change, inside its transaction (registered from AppConfig.ready):

- a new ticket that matches a flow set to start on create waits for its approval;
- the requester's reply to a send-back (the tickets app moves the ticket back in progress) resumes the stage;
- a ticket finished another way (resolved, cancelled by an agent) ends its open request as cancelled.
"""

from __future__ import annotations

from gongdan.approvals import services
from gongdan.approvals.models import OPEN_REQUEST_STATUSES, ApprovalRequest, RequestStatus
from gongdan.tickets import events as ticket_events
from gongdan.tickets.models.ticket import FINISHED_STATUSES
from gongdan.tickets.reactions import TicketChange

REQUESTER_REPLIED = "requester_replied"  # the action ticket_comment records for a requester's reply


def approvals_react(change: TicketChange) -> None:
    ticket = change.ticket
    if change.creating:
        flow = services.flow_for_ticket(ticket, on_create=True)
        if flow is not None:
            creator = change.events[0].actor if change.events else None

            def start() -> None:
                services.approval_start(actor=creator, ticket=ticket, flow=flow, automatic=True)

            change.after_write(start)
        return
    for event in change.events:
        if (
            event.kind == ticket_events.COMMENTED
            and event.actor_id == ticket.requester_id
            and not event.is_internal
            and ApprovalRequest.objects.filter(ticket=ticket, status=RequestStatus.SENT_BACK)
            .exclude(target_action="")
            .exists()
        ):  # a drawn transition's approval sent back: the requester's reply resumes it where it stands
            services.approval_resume(ticket=ticket, actor=event.actor)
            continue
        if event.kind != ticket_events.TRANSITIONED:
            continue
        action = event.data.get("action", "")
        if action in services.SYSTEM_ACTIONS:
            continue
        if action == REQUESTER_REPLIED:
            if ApprovalRequest.objects.filter(ticket=ticket, status=RequestStatus.SENT_BACK).exists():
                services.approval_resume(ticket=ticket, actor=event.actor)
        elif event.data.get("to") in FINISHED_STATUSES:
            if ApprovalRequest.objects.filter(ticket=ticket, status__in=OPEN_REQUEST_STATUSES).exists():
                services.approval_cancel_for(
                    ticket=ticket, actor=event.actor, reason=str(event.data.get("note", ""))
                )
