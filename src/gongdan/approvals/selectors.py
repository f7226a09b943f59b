"""Reads that depend on who asks: my approvals (mine and those delegated or escalated to me), one task I may
decide, where a ticket's approval stands (the requester's portal, the ticket page), the flows (admins)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import ngettext, pgettext

from gongdan.accounts.models import Role, User
from gongdan.approvals import services
from gongdan.approvals.models import (
    ApprovalFlow,
    ApprovalRequest,
    ApprovalStage,
    ApprovalStep,
    ApprovalTask,
    Delegation,
    FlowVersion,
    RequestStatus,
    StepStatus,
    TaskStatus,
)
from gongdan.approvals.services import flow_for_ticket, may_decide, represented_by
from gongdan.core.domain_errors import NotFound
from gongdan.core.snapshot_diff import snapshot_diff
from gongdan.tickets.access import can_view, can_work
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import fields_for_category

MAX_MINE = 200


def my_pending_tasks(*, actor: User, now: dt.datetime | None = None) -> list[ApprovalTask]:
    """The tasks waiting for `actor`'s decision now: their own, their delegators', escalated to them; oldest
    first; never on their own request. Three queries whatever their number."""
    now = now or timezone.now()
    people = represented_by(actor, at=now)
    return list(
        ApprovalTask.objects.filter(
            Q(approver_id__in=people) | Q(escalated_to=actor),
            status=TaskStatus.PENDING,
            step__status=StepStatus.ACTIVE,
            step__request__status=RequestStatus.PENDING,
        )
        .exclude(step__request__ticket__requester=actor)
        .select_related(
            "approver",
            "step__request__flow",
            "step__request__ticket__requester",
            "step__request__ticket__category",
            "step__request__ticket__priority",
        )
        .order_by("step__started_at", "pk")[:MAX_MINE]
    )


def my_pending_count(*, actor: User) -> int:
    """How many decisions wait for `actor` (a badge): two queries."""
    now = timezone.now()
    return (
        ApprovalTask.objects.filter(
            Q(approver_id__in=represented_by(actor, at=now)) | Q(escalated_to=actor),
            status=TaskStatus.PENDING,
            step__status=StepStatus.ACTIVE,
            step__request__status=RequestStatus.PENDING,
        )
        .exclude(step__request__ticket__requester=actor)
        .count()
    )


def request_values(ticket: Ticket) -> list[tuple[str, str]]:
    """The ticket's custom field values as the approver reads them: each field's label in the reader's
    language, choices by their label, in the form's order (no query: the configuration is cached)."""
    values = ticket.custom_values or {}
    shown: list[tuple[str, str]] = []
    for custom_field in fields_for_category(ticket.category):
        if custom_field.key not in values or values[custom_field.key] in (None, "", []):
            continue
        value = values[custom_field.key]
        choices = dict(custom_field.choice_options())
        if isinstance(value, list):
            text = ", ".join(choices.get(str(v), str(v)) for v in value)
        else:
            text = choices.get(str(value), str(value))
        shown.append((custom_field.display_label, text))
    return shown


def my_decided_tasks(*, actor: User, limit: int = 20) -> list[ApprovalTask]:
    return list(
        ApprovalTask.objects.filter(decided_by=actor)
        .select_related("approver", "step__request__ticket")
        .order_by("-decided_at", "-pk")[:limit]
    )


def task_for_decision(*, actor: User, task_id: int) -> ApprovalTask:
    """One task `actor` may decide (or has decided), with what the decision page shows; NotFound otherwise."""
    task = (
        ApprovalTask.objects.select_related(
            "approver",
            "decided_by",
            "step__request__flow",
            "step__request__ticket__requester",
            "step__request__ticket__category",
            "step__request__ticket__priority",
        )
        .filter(pk=task_id)
        .first()
    )
    if task is None or (
        may_decide(actor, task, at=timezone.now(), requester_id=task.step.request.ticket.requester_id) is None
        and task.decided_by_id != actor.pk
    ):
        raise NotFound("Approval not found.")
    return task


@dataclass
class StepView:
    step: ApprovalStep
    tasks: list[ApprovalTask] = field(default_factory=list)


@dataclass
class RequestView:
    request: ApprovalRequest
    steps: list[StepView]
    upcoming: list[ApprovalStage]

    @property
    def waiting_on(self) -> list[User]:
        return [t.approver for s in self.steps if s.step.status == StepStatus.ACTIVE for t in s.tasks
                if t.status == TaskStatus.PENDING]  # fmt: skip


def approval_status(*, ticket: Ticket) -> list[RequestView]:
    """Every approval of a ticket, newest first: its stages, who decided what, who it waits on, and the
    stages still ahead. Callers have checked that the asker may see the ticket. Four queries."""
    requests = list(
        ApprovalRequest.objects.filter(ticket=ticket)
        .select_related("flow")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=ApprovalStep.objects.order_by("position").prefetch_related(
                    Prefetch(
                        "tasks",
                        queryset=ApprovalTask.objects.select_related("approver", "decided_by").order_by(
                            "order", "pk"
                        ),
                    )
                ),
            ),
        )
        .order_by("-started_at", "-pk")
    )
    views = []
    for request in requests:
        steps = [StepView(step=s, tasks=list(s.tasks.all())) for s in request.steps.all()]
        upcoming: list[ApprovalStage] = []
        if request.is_open:
            last = max((s.step.position for s in steps), default=0)
            upcoming = [st for st in request.flow.stages.order_by("position") if st.position > last]
        views.append(RequestView(request=request, steps=steps, upcoming=upcoming))
    return views


def ticket_approvals_for(*, actor: User, ticket: Ticket) -> list[RequestView]:
    if not can_view(actor, ticket):
        raise NotFound("Ticket not found.")
    return approval_status(ticket=ticket)


def ticket_approval_panel(actor: User, ticket: Ticket) -> dict[str, Any] | None:
    """The ticket page's approval card: shown when the ticket has an approval or one may be started."""
    views = approval_status(ticket=ticket)
    startable = None
    if ticket.is_open and can_work(actor, ticket) and not any(v.request.is_open for v in views):
        startable = flow_for_ticket(ticket)
    if not views and startable is None:
        return None
    return {"approval_views": views, "approval_startable": startable}


def flow_list() -> QuerySet[ApprovalFlow]:
    return (
        ApprovalFlow.objects.select_related("ticket_type", "category")
        .prefetch_related("stages")
        .order_by("order", "code")
    )


def flow_stages(flow: ApprovalFlow) -> list[ApprovalStage]:
    return list(
        flow.stages.select_related("approver_team").prefetch_related("approver_people").order_by("position")
    )


MAX_VERSIONS = 200


@dataclass
class VersionLine:
    """One version on the versions screen: what it was, and what differs between it and the flow now."""

    version: FlowVersion
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (path, then, now)
    is_current: bool = False


def flow_versions(flow: ApprovalFlow) -> list[VersionLine]:
    """The flow's versions, newest first, each with its differences from the flow as it is now (what a
    revert to it would change)."""
    current = services.flow_snapshot(flow)
    rows = list(FlowVersion.objects.filter(flow_id=flow.pk).select_related("actor")[:MAX_VERSIONS])
    lines = []
    for row in rows:
        changes = [
            (_path_label(path), _shown(then, path), _shown(now, path))
            for path, (then, now) in snapshot_diff(row.snapshot, current).items()
        ]
        lines.append(VersionLine(version=row, changes=changes, is_current=not changes))
    return lines


def _field_label(model: Any, name: str) -> str:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    if field.auto_created and not field.concrete:  # the flow's stages, seen from the flow
        return str(field.related_model._meta.verbose_name_plural)
    return str(field.verbose_name)


def _path_label(path: str) -> str:
    """`stages.2.mode` as the reader's words: "Stage 2 · how they decide"."""
    parts = path.split(".")
    if parts[0] != "stages" or len(parts) < 2:
        return _field_label(ApprovalFlow, parts[0])
    words = [pgettext("approval flow version", "Stage %(n)s") % {"n": parts[1]}]
    if len(parts) > 2:
        words.append(_field_label(ApprovalStage, parts[2]))
    return " · ".join(words)


def _choice_label(path: str, value: Any) -> str | None:
    """A coded value (a mode, a kind of approver, a role, an operator, hours) in the reader's words, by the field
    its path ends in; None when that field has none."""
    parts = path.split(".")
    if parts[-1] == "approver_role":
        return str(dict(Role.choices).get(str(value), value))
    if parts[-1].endswith("_hours") and isinstance(value, int):
        return ngettext("%(n)d working hour", "%(n)d working hours", value) % {"n": value}
    model = ApprovalStage if parts[0] == "stages" and len(parts) > 2 else ApprovalFlow
    try:
        field = model._meta.get_field(parts[-1])
    except FieldDoesNotExist:
        return None
    labels = {str(code): str(label) for code, label in (getattr(field, "choices", None) or ())}
    return labels.get(str(value))


def _shown(value: Any, path: str = "") -> str:
    """A value as the screen shows it: codes in words, a whole stage as its values in a line (name ·
    approvers · mode …)."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, dict):
        return " · ".join(_shown(v, f"{path}.{k}") for k, v in value.items() if v not in (None, "", []))
    if isinstance(value, list):
        return ", ".join(_shown(v, path) for v in value)
    if (label := _choice_label(path, value)) is not None:
        return label
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def my_delegations(*, actor: User) -> list[Delegation]:
    now = timezone.now()
    return list(
        Delegation.objects.filter(person=actor, ends_at__gt=now)
        .select_related("delegate")
        .order_by("starts_at")
    )


def delegated_to_me(*, actor: User) -> list[Delegation]:
    now = timezone.now()
    return list(
        Delegation.objects.filter(delegate=actor, starts_at__lte=now, ends_at__gt=now).select_related(
            "person"
        )
    )
