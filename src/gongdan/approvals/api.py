"""The approvals part of the REST API: the flows (admins), my pending approvals, deciding one, where a
ticket's approval stands, and asking for one."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from gongdan.accounts.models import User
from gongdan.api.errors import errors_for
from gongdan.api.inputs import IdPath, StrictInput, Version
from gongdan.approvals import selectors, services
from gongdan.approvals.models import ApprovalFlow, ApprovalTask
from gongdan.core.domain_errors import NotFound, PermissionDenied
from gongdan.tickets.selectors import ticket_get

router = Router()


def actor_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class TaskOut(Schema):
    id: int
    ticket: str
    subject: str
    requester: str
    flow: str
    stage: str
    status: str
    approver: str = Field(
        description="Whose decision it is (someone else's when you decide as their delegate)"
    )
    on_behalf: bool
    asked_at: datetime


def task_out(task: ApprovalTask, actor: User) -> dict[str, Any]:
    ticket = task.step.request.ticket
    return {
        "id": task.pk, "ticket": ticket.number, "subject": ticket.subject, "requester": ticket.requester.name,
        "flow": task.step.request.flow.label, "stage": task.step.label, "status": task.status,
        "approver": task.approver.username, "on_behalf": task.approver_id != actor.pk,
        "asked_at": task.step.started_at,
    }  # fmt: skip


class DecisionIn(StrictInput):
    decision: Literal["approve", "reject", "send_back"]
    comment: str = Field("", max_length=2000, description="Required to reject or send back")


class DecisionOut(Schema):
    id: int
    status: str
    request_status: str
    decided_by: str | None
    on_behalf: bool


class TaskStateOut(Schema):
    approver: str
    status: str
    decided_by: str | None
    decided_at: datetime | None
    comment: str


class StepOut(Schema):
    position: int
    name: str
    mode: str
    required_count: int
    status: str
    tasks: list[TaskStateOut]


class ApprovalOut(Schema):
    id: int
    flow: str
    status: str
    started_at: datetime
    decided_at: datetime | None
    steps: list[StepOut]
    upcoming: list[str]


class FlowOut(Schema):
    id: int
    code: str
    name: str
    is_active: bool
    definition: dict[str, Any] = Field(description="The flow as exported (the import format)")


class ChangeOut(Schema):
    field: str = Field(description='What differs, in the reader\'s language ("Stage 2 · how they decide")')
    then: str = Field(description="Its value in this version")
    now: str = Field(description="Its value in the flow as it is now")


class FlowVersionOut(Schema):
    version: int
    action: str = Field(description="created, updated, stages, imported, reverted or deleted")
    actor: str | None
    created_at: datetime
    reverted_from: int | None
    is_current: bool = Field(description="The flow is as this version left it")
    changes: list[ChangeOut] = Field(description="What a revert to this version would change")
    snapshot: dict[str, Any] = Field(description="The flow as this version left it (the import format)")


class RevertIn(StrictInput):
    version: Version


@router.get(
    "/approvals/mine", response={200: list[TaskOut], **errors_for(401)}, summary="Approvals waiting for me"
)
def approval_mine(request: HttpRequest) -> list[dict[str, Any]]:
    actor = actor_of(request)
    return [task_out(t, actor) for t in selectors.my_pending_tasks(actor=actor)]


@router.post(
    "/approvals/tasks/{task_id}/decide",
    response={200: DecisionOut, **errors_for(401, 404, 409, 422)},
    summary="Approve, reject or send back",
)
def approval_decide(request: HttpRequest, payload: DecisionIn, task_id: int = IdPath) -> dict[str, Any]:
    """409 when the approval was already decided or is back with the requester."""
    task = services.approval_decide(actor=actor_of(request), task_id=task_id, decision=payload.decision,
                                    comment=payload.comment, via="api")  # fmt: skip
    request_status = (
        ApprovalTask.objects.filter(pk=task.pk).values_list("step__request__status", flat=True).get()
    )
    return {"id": task.pk, "status": task.status, "request_status": request_status,
            "decided_by": task.decided_by.username if task.decided_by else None, "on_behalf": task.on_behalf}  # fmt: skip


def approval_out(view: selectors.RequestView) -> dict[str, Any]:
    request = view.request
    return {
        "id": request.pk, "flow": request.flow.label, "status": request.status, "started_at": request.started_at,
        "decided_at": request.decided_at, "upcoming": [s.label for s in view.upcoming],
        "steps": [{"position": s.step.position, "name": s.step.label, "mode": s.step.mode,
                   "required_count": s.step.required_count, "status": s.step.status,
                   "tasks": [{"approver": t.approver.name, "status": t.status,
                              "decided_by": t.decided_by.name if t.decided_by else None,
                              "decided_at": t.decided_at, "comment": t.comment} for t in s.tasks]}
                  for s in view.steps],
    }  # fmt: skip


@router.get(
    "/tickets/{number}/approvals",
    response={200: list[ApprovalOut], **errors_for(401, 404)},
    summary="Where a ticket's approvals stand",
)
def ticket_approvals(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    ticket = ticket_get(actor=actor_of(request), number=number)
    return [approval_out(v) for v in selectors.ticket_approvals_for(actor=actor_of(request), ticket=ticket)]


@router.post(
    "/tickets/{number}/approvals",
    response={201: ApprovalOut, **errors_for(401, 403, 404, 409, 422)},
    summary="Ask for approval (the flow that matches the ticket)",
)
def ticket_approval_start(request: HttpRequest, number: str) -> tuple[int, dict[str, Any]]:
    actor = actor_of(request)
    ticket = ticket_get(actor=actor, number=number)
    started = services.approval_start(actor=actor, ticket=ticket)
    view = next(v for v in selectors.approval_status(ticket=ticket) if v.request.pk == started.pk)
    return 201, approval_out(view)


@router.get(
    "/approvals/flows", response={200: list[FlowOut], **errors_for(401, 403)}, summary="Approval flows"
)
def flow_list(request: HttpRequest) -> list[dict[str, Any]]:
    _require_admin(request)
    return [flow_out(f) for f in selectors.flow_list()]


def _require_admin(request: HttpRequest) -> User:
    actor = actor_of(request)
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators can read approval flows."))
    return actor


def _flow(flow_id: int) -> ApprovalFlow:
    flow = selectors.flow_list().filter(pk=flow_id).first()
    if flow is None:
        raise NotFound(_("Approval flow not found."))
    return flow


def flow_out(flow: ApprovalFlow) -> dict[str, Any]:
    return {"id": flow.pk, "code": flow.code, "name": flow.label, "is_active": flow.is_active,
            "definition": services.flow_export(flow)}  # fmt: skip


@router.get(
    "/approvals/flows/{flow_id}/versions",
    response={200: list[FlowVersionOut], **errors_for(401, 403, 404)},
    summary="An approval flow's versions",
)
def flow_versions(request: HttpRequest, flow_id: int = IdPath) -> list[dict[str, Any]]:
    """Newest first (the last 200), each with what differs between it and the flow now, as the Versions screen
    shows it."""
    _require_admin(request)
    return [
        {"version": line.version.number, "action": line.version.action,
         "actor": line.version.actor.username if line.version.actor else None,
         "created_at": line.version.created_at, "reverted_from": line.version.reverted_from,
         "is_current": line.is_current, "snapshot": line.version.snapshot,
         "changes": [{"field": what, "then": then, "now": now} for what, then, now in line.changes]}
        for line in selectors.flow_versions(_flow(flow_id))
    ]  # fmt: skip


@router.post(
    "/approvals/flows/{flow_id}/revert",
    response={200: FlowOut, **errors_for(401, 403, 404, 409, 415, 422)},
    summary="Revert an approval flow to a version",
)
def flow_revert(request: HttpRequest, payload: RevertIn, flow_id: int = IdPath) -> dict[str, Any]:
    """Through the same checks as a save: a team, person or calendar deleted since is refused by name (422);
    the version the flow already is answers 409. The revert is one more version; requests already running
    keep the stages they copied."""
    actor = _require_admin(request)
    flow = services.flow_revert(actor=actor, flow=_flow(flow_id), number=payload.version)
    return flow_out(_flow(flow.pk))
