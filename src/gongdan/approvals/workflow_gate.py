"""Approvals' part in drawn workflows (decision 0151), registered with the tickets app from AppConfig.ready():
a transition that names an approval flow asks for it the first time it is taken (the ticket stays in its
state), and is allowed once that request was approved after the ticket last moved. The granted approval
takes the transition itself (services._finish)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.approvals import services
from gongdan.approvals.models import ApprovalFlow, ApprovalRequest, RequestStatus
from gongdan.core.domain_errors import Conflict
from gongdan.tickets.models import Ticket, TicketEvent, WorkflowTransition

TRANSITIONED = "transitioned"


class TransitionApprovals:
    def choices(self) -> list[tuple[str, str]]:
        return [
            (flow.code, flow.label)
            for flow in ApprovalFlow.objects.filter(is_active=True).order_by("order", "code")
        ]

    def allows(
        self, *, actor: User | None, ticket: Ticket, transition: WorkflowTransition, note: str
    ) -> bool:
        latest = (
            ApprovalRequest.objects.filter(ticket=ticket, target_action=transition.action)
            .order_by("-started_at", "-pk")
            .first()
        )
        if latest is not None and latest.is_open:
            raise Conflict(_("“%(action)s” is waiting for its approval.") % {"action": transition.label},
                           code="approval_running")  # fmt: skip
        if latest is not None and latest.status == RequestStatus.APPROVED and latest.decided_at is not None:
            last_move = (
                TicketEvent.objects.filter(ticket=ticket, kind=TRANSITIONED)
                .order_by("-created_at", "-pk")
                .values_list("created_at", flat=True)
                .first()
            )
            if last_move is None or latest.decided_at >= last_move:
                return True
        flow = ApprovalFlow.objects.filter(code=transition.approval, is_active=True).first()
        if flow is None:
            raise Conflict(_("The approval flow “%(flow)s” is not available.") % {"flow": transition.approval},
                           code="approval_unavailable")  # fmt: skip
        request = services.approval_start(
            actor=actor, ticket=ticket, flow=flow, automatic=True, target_action=transition.action
        )
        return request.status == RequestStatus.APPROVED  # no stage applied: nothing to wait for
