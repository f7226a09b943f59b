"""Every change approvals make: flows and their stages (admins), delegations (anyone), and running a request
on a ticket — start, decide, resume after a send-back, remind and escalate.

Lock order, everywhere: the ticket (through `tickets.lock_ticket`), then the request row, then its tasks. Two
approvers deciding at once therefore queue on the ticket and the request; the second sees the first's
outcome and is refused if there is nothing left for them to decide (never a double advance).

The ticket waits in the lifecycle's own pending state while a request runs (decision 0095): the system
transitions `approval_wait`, `approval_granted…`, `approval_rejected` and `approval_send_back` are workflow rows
no person may take (their roles are empty). A ticket type whose own workflow lacks them still gets the
approval; only its status does not move.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongdan.accounts.models import Membership, Organisation, Role, Team, User
from gongdan.approvals import events, links
from gongdan.approvals.models import (
    OPEN_REQUEST_STATUSES,
    ApprovalFlow,
    ApprovalRequest,
    ApprovalStage,
    ApprovalStep,
    ApprovalTask,
    ApproverKind,
    ConditionOperator,
    Decision,
    Delegation,
    FlowVersion,
    RequestStatus,
    StageMode,
    StepStatus,
    TaskStatus,
)
from gongdan.audit.services import audit_configuration_change
from gongdan.core.config_cache import cached, configuration_changed
from gongdan.core.domain_errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongdan.notifications.kinds import site_url
from gongdan.notifications.services import email_headers
from gongdan.outbox.models import OutboxMessage
from gongdan.outbox.services import outbox_enqueue
from gongdan.sla import business_time
from gongdan.sla.models import BusinessCalendar
from gongdan.sla.rules import current_rules
from gongdan.tickets import services as tickets
from gongdan.tickets.access import can_work
from gongdan.tickets.models import Category, Ticket, TicketType

MAX_COMMENT = 2000
MAX_STAGES = 20
MAX_IMPORT_BYTES = 100_000

# The system transitions (seeded by migration 0002); no person may take them.
WAIT = "approval_wait"
GRANTED = "approval_granted"
GRANTED_ASSIGNED = "approval_granted_assigned"
REJECTED = "approval_rejected"
SENT_BACK = "approval_send_back"
SYSTEM_ACTIONS = frozenset({WAIT, GRANTED, GRANTED_ASSIGNED, REJECTED, SENT_BACK})


# --- flows and stages (admins) ----------------------------------------------------------------------------


def _require_admin(actor: User | None) -> None:
    """Admins change flows; `actor=None` is the system (the demo, a deployment script)."""
    if actor is not None and not actor.is_admin:
        raise PermissionDenied(_("Only administrators can change approval flows."))


def _clean_flow(values: dict[str, Any], *, flow: ApprovalFlow | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = " ".join(str(values.get("name") or "").split())
    if not name:
        errors["name"] = [_("This field is required.")]
    code = str(values.get("code") or "").strip().lower()
    if not code:
        errors["code"] = [_("This field is required.")]
    elif ApprovalFlow.objects.filter(code=code).exclude(pk=flow.pk if flow else 0).exists():
        errors["code"] = [_("Another flow has this code.")]
    ticket_type = values.get("ticket_type")
    category = values.get("category")
    if ticket_type is None and category is None:
        message = _("Choose a ticket type, a category or both: a flow for every ticket is not allowed.")
        errors["ticket_type"] = [message]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], details=errors)
    return {
        "name": name[:120],
        "name_en": " ".join(str(values.get("name_en") or "").split())[:120],
        "code": code[:60],
        "description": str(values.get("description") or "")[:2000],
        "ticket_type": ticket_type,
        "category": category,
        "start_on_create": bool(values.get("start_on_create", True)),
        "calendar": values.get("calendar"),
        "is_active": bool(values.get("is_active", True)),
        "order": int(values.get("order") or 0),
    }


# --- versions: every save of a flow or its stages ---------------------------------------------------------


def flow_snapshot(flow: ApprovalFlow) -> dict[str, Any]:
    """The flow as a version keeps it and the audit trail shows it: its export, without the file's format."""
    return {k: v for k, v in flow_export(flow).items() if k != "format"}


def _record(
    flow: ApprovalFlow,
    *,
    actor: User | None,
    action: str,
    before: dict[str, Any] | None,
    reverted_from: int | None = None,
    flow_id: int | None = None,
) -> FlowVersion | None:
    """Write the audit entry and the version of one change (in the change's transaction). A save that
    changed nothing is neither audited nor a version."""
    after = flow_snapshot(flow) if action != FlowVersion.Action.DELETED else None
    if before is not None and after is not None and before == after:
        return None
    pk = flow_id if flow_id is not None else flow.pk
    audit_configuration_change(actor=actor, instance=flow, before=before, after=after, object_id=pk)
    last = FlowVersion.objects.filter(flow_id=pk).aggregate(n=Max("number"))["n"] or 0
    return FlowVersion.objects.create(
        flow_id=pk, code=flow.code, number=last + 1, action=action, snapshot=after if after is not None else before,
        reverted_from=reverted_from, actor=actor if actor is not None and actor.pk else None,
    )  # fmt: skip


def _locked(flow: ApprovalFlow) -> None:
    """Two admins saving one flow at once take turns (their versions are numbered in that order)."""
    ApprovalFlow.objects.select_for_update().filter(pk=flow.pk).first()


# --- flows and their stages --------------------------------------------------------------------------------


@transaction.atomic
def flow_create(*, actor: User | None, **values: Any) -> ApprovalFlow:
    _require_admin(actor)
    flow = ApprovalFlow.objects.create(**_clean_flow(values, flow=None), updated_at=timezone.now())
    configuration_changed()
    _record(flow, actor=actor, action=FlowVersion.Action.CREATED, before=None)
    return flow


def _flow_save(flow: ApprovalFlow, values: dict[str, Any]) -> ApprovalFlow:
    cleaned = _clean_flow(values, flow=flow)
    for name, value in cleaned.items():
        setattr(flow, name, value)
    flow.updated_at = timezone.now()
    flow.save()
    configuration_changed()
    return flow


@transaction.atomic
def flow_update(*, actor: User | None, flow: ApprovalFlow, **values: Any) -> ApprovalFlow:
    _require_admin(actor)
    _locked(flow)
    before = flow_snapshot(flow)
    _flow_save(flow, values)
    _record(flow, actor=actor, action=FlowVersion.Action.UPDATED, before=before)
    return flow


@transaction.atomic
def flow_delete(*, actor: User | None, flow: ApprovalFlow) -> None:
    _require_admin(actor)
    if flow.requests.exists():
        raise Conflict(
            _("This flow has run on tickets and is kept for their history; switch it off instead."),
            code="flow_in_use",
        )
    pk, before = flow.pk, flow_snapshot(flow)
    flow.delete()
    configuration_changed()
    _record(flow, actor=actor, action=FlowVersion.Action.DELETED, before=before, flow_id=pk)


def _clean_stage(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = " ".join(str(values.get("name") or "").split())
    if not name:
        errors["name"] = [_("This field is required.")]
    mode = values.get("mode") or StageMode.ALL
    if mode not in StageMode.values:
        errors["mode"] = [_("Unknown choice.")]
    kind = values.get("approver_kind") or ""
    if kind not in ApproverKind.values:
        errors["approver_kind"] = [_("Unknown choice.")]
    role = str(values.get("approver_role") or "")
    team = values.get("approver_team")
    people = [p for p in values.get("approver_people") or () if p is not None]
    if kind == ApproverKind.ROLE and role not in Role.values:
        errors["approver_role"] = [_("Choose the role whose people approve.")]
    if kind in (ApproverKind.TEAM_LEADS, ApproverKind.TEAM_MEMBERS) and not isinstance(team, Team):
        errors["approver_team"] = [_("Choose the team whose people approve.")]
    if kind == ApproverKind.PEOPLE and not people:
        errors["approver_people"] = [_("Name at least one person.")]
    required = values.get("required_count") or 1
    if not isinstance(required, int) or isinstance(required, bool) or not 1 <= required <= 50:
        errors["required_count"] = [_("A whole number from 1 to 50.")]
    elif mode == StageMode.QUORUM and kind == ApproverKind.PEOPLE and required > len(people):
        errors["required_count"] = [_("More approvals are needed than there are people named.")]
    field = str(values.get("condition_field") or "").strip()
    operator = str(values.get("condition_operator") or "")
    condition_value = str(values.get("condition_value") or "").strip()
    if field and operator not in ConditionOperator.values:
        errors["condition_operator"] = [_("Choose how the field is compared.")]
    if field and not condition_value:
        errors["condition_value"] = [_("This field is required.")]
    for hours_name in ("deadline_hours", "escalate_after_hours"):
        hours = values.get(hours_name)
        if hours is not None and (not isinstance(hours, int) or not 1 <= hours <= 24 * 90):
            errors[hours_name] = [_("A whole number of hours from 1 to 2160.")]
    if values.get("escalate_after_hours") and not values.get("deadline_hours"):
        errors["escalate_after_hours"] = [_("Set a deadline first: escalation counts from it.")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], details=errors)
    return {
        "name": name[:120],
        "name_en": " ".join(str(values.get("name_en") or "").split())[:120],
        "mode": mode,
        "required_count": required if mode == StageMode.QUORUM else 1,
        "approver_kind": kind,
        "approver_role": role if kind == ApproverKind.ROLE else "",
        "approver_team": team if kind in (ApproverKind.TEAM_LEADS, ApproverKind.TEAM_MEMBERS) else None,
        "people": people if kind == ApproverKind.PEOPLE else [],
        "condition_field": field[:50],
        "condition_operator": operator if field else "",
        "condition_value": condition_value[:200] if field else "",
        "deadline_hours": values.get("deadline_hours"),
        "escalate_after_hours": values.get("escalate_after_hours"),
    }


@transaction.atomic
def stage_create(*, actor: User | None, flow: ApprovalFlow, **values: Any) -> ApprovalStage:
    _require_admin(actor)
    _locked(flow)
    before = flow_snapshot(flow)
    stage = _stage_insert(flow=flow, values=values)
    _record(flow, actor=actor, action=FlowVersion.Action.STAGES, before=before)
    return stage


def _stage_insert(*, flow: ApprovalFlow, values: dict[str, Any]) -> ApprovalStage:
    cleaned = _clean_stage(values)
    people = cleaned.pop("people")
    ApprovalFlow.objects.select_for_update().filter(pk=flow.pk).first()  # positions are handed out in turn
    positions = list(flow.stages.values_list("position", flat=True))
    if len(positions) >= MAX_STAGES:
        raise ValidationFailed(_("A flow has at most %(max)d stages.") % {"max": MAX_STAGES})
    stage = ApprovalStage.objects.create(flow=flow, position=max(positions, default=0) + 1, **cleaned)
    if people:
        stage.approver_people.set(people)
    configuration_changed()
    return stage


@transaction.atomic
def stage_delete(*, actor: User | None, stage: ApprovalStage) -> None:
    _require_admin(actor)
    flow_id = stage.flow_id
    _locked(stage.flow)
    before = flow_snapshot(stage.flow)
    stage.delete()
    for position, row in enumerate(
        ApprovalStage.objects.filter(flow_id=flow_id).order_by("position"), start=1
    ):
        if row.position != position:
            ApprovalStage.objects.filter(pk=row.pk).update(position=position)
    flow = ApprovalFlow.objects.get(pk=flow_id)
    configuration_changed()
    _record(flow, actor=actor, action=FlowVersion.Action.STAGES, before=before)


@transaction.atomic
def stage_move(*, actor: User | None, stage: ApprovalStage, up: bool) -> None:
    """Swap a stage with its neighbour (the stage editor's arrows)."""
    _require_admin(actor)
    _locked(stage.flow)
    siblings = list(
        ApprovalStage.objects.select_for_update().filter(flow_id=stage.flow_id).order_by("position")
    )
    index = next(i for i, s in enumerate(siblings) if s.pk == stage.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        return
    a, b = siblings[index], siblings[other]
    before = flow_snapshot(stage.flow)
    ApprovalStage.objects.filter(pk=a.pk).update(position=0)  # free the position (unique per flow)
    ApprovalStage.objects.filter(pk=b.pk).update(position=a.position)
    ApprovalStage.objects.filter(pk=a.pk).update(position=b.position)
    configuration_changed()
    _record(stage.flow, actor=actor, action=FlowVersion.Action.STAGES, before=before)


# --- export and import ------------------------------------------------------------------------------------


def flow_export(flow: ApprovalFlow) -> dict[str, Any]:
    """A flow as JSON that another site imports: rows are named by their codes and names, never ids."""
    stages = []
    for stage in (
        flow.stages.select_related("approver_team").prefetch_related("approver_people").order_by("position")
    ):
        stages.append({
            "name": stage.name, "name_en": stage.name_en, "mode": stage.mode,
            "required_count": stage.required_count, "approver_kind": stage.approver_kind,
            "approver_role": stage.approver_role,
            "approver_team": stage.approver_team.name if stage.approver_team else None,
            "approver_people": sorted(p.username for p in stage.approver_people.all()),
            "condition_field": stage.condition_field, "condition_operator": stage.condition_operator,
            "condition_value": stage.condition_value, "deadline_hours": stage.deadline_hours,
            "escalate_after_hours": stage.escalate_after_hours,
        })  # fmt: skip
    category = flow.category
    return {
        "format": "gongdan.approval_flow/1",
        "code": flow.code, "name": flow.name, "name_en": flow.name_en, "description": flow.description,
        "ticket_type": flow.ticket_type.code if flow.ticket_type else None,
        "category": {"name": category.name, "name_en": category.name_en} if category else None,
        "start_on_create": flow.start_on_create,
        "calendar": flow.calendar.name if flow.calendar else None,
        "is_active": flow.is_active, "order": flow.order, "stages": stages,
    }  # fmt: skip


def _named(model: Any, field: str, value: Any, error_key: str, errors: dict[str, list[str]]) -> Any:
    if value in (None, ""):
        return None
    row = model.objects.filter(**{field: value}).first()
    if row is None:
        errors.setdefault(error_key, []).append(
            _("“%(value)s” does not exist on this site.") % {"value": value}
        )
    return row


def _resolved(data: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An exported flow's values and stages with every name resolved on this site, or ValidationFailed
    naming each that is not here (nothing is written)."""
    if not isinstance(data, dict) or data.get("format") != "gongdan.approval_flow/1":
        raise ValidationFailed(
            _("This is not an exported approval flow."), details={"file": [_("Wrong format.")]}
        )
    stages = data.get("stages")
    if not isinstance(stages, list) or not stages or len(stages) > MAX_STAGES:
        raise ValidationFailed(_("A flow needs 1 to %(max)d stages.") % {"max": MAX_STAGES},
                               details={"stages": [_("Wrong number of stages.")]})  # fmt: skip
    errors: dict[str, list[str]] = {}
    ticket_type = _named(TicketType, "code", data.get("ticket_type"), "ticket_type", errors)
    category = None
    if isinstance(data.get("category"), dict):
        category = _named(Category, "name", data["category"].get("name"), "category", errors)
    calendar_name = data.get("calendar")
    calendar = None
    if calendar_name:
        calendar = _named(BusinessCalendar, "name", calendar_name, "calendar", errors)
    stage_values = []
    for index, raw in enumerate(stages, start=1):
        if not isinstance(raw, dict):
            errors.setdefault("stages", []).append(_("Stage %(n)d is not an object.") % {"n": index})
            continue
        team = _named(Team, "name", raw.get("approver_team"), "stages", errors)
        people = [_named(User, "username", u, "stages", errors) for u in raw.get("approver_people") or []]
        stage_values.append({**{k: raw.get(k) for k in (
            "name", "name_en", "mode", "required_count", "approver_kind", "approver_role", "condition_field",
            "condition_operator", "condition_value", "deadline_hours", "escalate_after_hours")},
            "approver_team": team, "approver_people": people})  # fmt: skip
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], details=errors)
    values = {k: data.get(k) for k in ("code", "name", "name_en", "description", "start_on_create", "is_active",
                                         "order")}  # fmt: skip
    values.update(ticket_type=ticket_type, category=category, calendar=calendar)
    return values, stage_values


def _replace(flow: ApprovalFlow, values: dict[str, Any], stage_values: list[dict[str, Any]]) -> ApprovalFlow:
    _flow_save(flow, values)
    flow.stages.all().delete()
    for raw_stage in stage_values:
        _stage_insert(flow=flow, values=raw_stage)
    return flow


@transaction.atomic
def flow_import(*, actor: User | None, data: Any) -> ApprovalFlow:
    """Create a flow from `flow_export`'s JSON, or replace the stages of the flow with the same code. Every
    name must resolve on this site, or nothing is written. One version either way."""
    _require_admin(actor)
    values, stage_values = _resolved(data)
    flow = ApprovalFlow.objects.filter(code=str(values.get("code") or "").strip().lower()).first()
    if flow is None:
        flow = ApprovalFlow.objects.create(**_clean_flow(values, flow=None), updated_at=timezone.now())
        before = None
    else:
        _locked(flow)
        before = flow_snapshot(flow)
    _replace(flow, values, stage_values)
    _record(flow, actor=actor, action=FlowVersion.Action.IMPORTED, before=before)
    return flow


@transaction.atomic
def flow_revert(*, actor: User | None, flow: ApprovalFlow, number: int) -> ApprovalFlow:
    """Make the flow what it was at version `number`, through the same checks as a save (a team, person or
    calendar deleted since is refused by name); the result is one more version."""
    _require_admin(actor)
    old = FlowVersion.objects.filter(flow_id=flow.pk, number=number).first()
    if old is None or old.action == FlowVersion.Action.DELETED:
        raise NotFound(_("That version does not exist."))
    _locked(flow)
    before = flow_snapshot(flow)
    if old.snapshot == before:
        raise Conflict(_("The flow is already as it was at version %(number)d.") % {"number": number},
                       code="nothing_to_revert")  # fmt: skip
    values, stage_values = _resolved({**old.snapshot, "format": "gongdan.approval_flow/1"})
    _replace(flow, values, stage_values)
    _record(flow, actor=actor, action=FlowVersion.Action.REVERTED, before=before, reverted_from=number)
    return flow


# --- delegation -------------------------------------------------------------------------------------------


@transaction.atomic
def delegation_create(
    *,
    actor: User,
    delegate: User | None,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    note: str = "",
    person: User | None = None,
) -> Delegation:
    """`actor` names who decides for them while they are away (an admin may do it for `person`)."""
    person = person or actor
    if person.pk != actor.pk and not actor.is_admin:
        raise PermissionDenied(_("You can only name a delegate for yourself."))
    errors: dict[str, list[str]] = {}
    if delegate is None or not delegate.is_active:
        errors["delegate"] = [_("Choose an active person.")]
    elif delegate.pk == person.pk:
        errors["delegate"] = [_("You cannot delegate to yourself.")]
    if starts_at is None:
        errors["starts_at"] = [_("This field is required.")]
    if ends_at is None:
        errors["ends_at"] = [_("This field is required.")]
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    elif ends_at <= timezone.now():
        errors["ends_at"] = [_("The end is in the past.")]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], details=errors)
    assert delegate is not None
    assert starts_at is not None
    assert ends_at is not None
    return Delegation.objects.create(
        person=person,
        delegate=delegate,
        starts_at=starts_at,
        ends_at=ends_at,
        note=(note or "").strip()[:200],
    )


@transaction.atomic
def delegation_end(*, actor: User, delegation: Delegation) -> None:
    if delegation.person_id != actor.pk and not actor.is_admin:
        raise NotFound(_("Delegation not found."))
    now = timezone.now()
    if delegation.ends_at > now:
        Delegation.objects.filter(pk=delegation.pk).update(
            ends_at=max(now, delegation.starts_at + dt.timedelta(seconds=1))
        )


def delegates_of(person_id: int, *, at: dt.datetime) -> list[int]:
    return list(
        Delegation.objects.filter(person_id=person_id, starts_at__lte=at, ends_at__gt=at).values_list(
            "delegate_id", flat=True
        )
    )


def represented_by(actor: User, *, at: dt.datetime) -> list[int]:
    """The people `actor` decides for now: themselves and whoever delegated to them."""
    return [actor.pk, *Delegation.objects.filter(delegate=actor, starts_at__lte=at, ends_at__gt=at)
            .values_list("person_id", flat=True)]  # fmt: skip


# --- which flow a ticket needs ----------------------------------------------------------------------------


def _active_flows() -> list[tuple[int, int | None, str | None, bool]]:
    """(flow id, type id, category path, starts on create) of the active flows with stages, in order: one
    query, cached per process behind the configuration version."""
    rows = (
        ApprovalFlow.objects.filter(is_active=True, stages__isnull=False)
        .distinct()
        .order_by("order", "code")
        .values_list("pk", "ticket_type_id", "category__path", "start_on_create")
    )
    return list(rows)


def flow_for_ticket(ticket: Ticket, *, on_create: bool = False) -> ApprovalFlow | None:
    """The first active flow whose type and category match the ticket (no query when none is configured)."""
    flows = cached("approvals.flows", _active_flows)
    if not flows:
        return None
    category_path = ticket.category.path if ticket.category_id and ticket.category else ""
    for flow_id, type_id, path, starts_on_create in flows:
        if on_create and not starts_on_create:
            continue
        if type_id is not None and type_id != ticket.ticket_type_id:
            continue
        if path is not None and not category_path.startswith(path):
            continue
        return ApprovalFlow.objects.select_related("calendar").get(pk=flow_id)
    return None


# --- running a request ------------------------------------------------------------------------------------


def _as_number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None


def condition_holds(stage: ApprovalStage, values: dict[str, Any]) -> bool:
    """A stage's condition on a ticket field (`cost > 10000`); a stage without one always applies. A
    missing field does not meet it."""
    if not stage.condition_field:
        return True
    if stage.condition_field not in values or values[stage.condition_field] in (None, ""):
        return False
    actual, wanted = values[stage.condition_field], stage.condition_value
    a, w = _as_number(actual), _as_number(wanted)
    op = stage.condition_operator
    if op in (ConditionOperator.EQ, ConditionOperator.NE):
        same = (a == w) if a is not None and w is not None else str(actual).strip() == wanted.strip()
        return same if op == ConditionOperator.EQ else not same
    if a is None or w is None:
        return False
    return {
        ConditionOperator.GT: a > w,
        ConditionOperator.GTE: a >= w,
        ConditionOperator.LT: a < w,
        ConditionOperator.LTE: a <= w,
    }.get(ConditionOperator(op), False)


def approvers_for(stage: ApprovalStage, ticket: Ticket) -> list[User]:
    """Who approves this stage for this ticket, in a stable order; active people only, and never the ticket's
    requester: nobody approves their own request (a manager's renovation goes to the other managers, or to the
    administrators when they were the only one)."""
    kind = stage.approver_kind
    people: list[User] = []
    if kind == ApproverKind.REQUESTER_MANAGER:
        manager = User.objects.filter(pk=ticket.requester.manager_id, is_active=True).first()
        people = [manager] if manager else []
    elif kind == ApproverKind.ORGANISATION_HEAD:
        organisation_id = ticket.organisation_id or ticket.requester.organisation_id
        people = list(User.objects.filter(is_active=True, pk__in=_org_heads(organisation_id)))
    elif kind == ApproverKind.ROLE:
        people = list(User.objects.filter(is_active=True, role=stage.approver_role).order_by("pk"))
    elif kind in (ApproverKind.TEAM_LEADS, ApproverKind.TEAM_MEMBERS):
        memberships = Membership.objects.filter(team_id=stage.approver_team_id or 0, user__is_active=True)
        if kind == ApproverKind.TEAM_LEADS:
            memberships = memberships.filter(team_role=Membership.TeamRole.LEAD)
        people = [m.user for m in memberships.select_related("user").order_by("joined_at", "pk")]
    elif kind == ApproverKind.PEOPLE:
        people = list(stage.approver_people.filter(is_active=True).order_by("pk"))
    return [person for person in people if person.pk != ticket.requester_id]


def _org_heads(organisation_id: int | None) -> list[int]:
    if organisation_id is None:
        return []
    head_id = Organisation.objects.filter(pk=organisation_id).values_list("head_id", flat=True).first()
    return [head_id] if head_id else []


def _deadline(flow: ApprovalFlow, start: dt.datetime, hours: int | None) -> dt.datetime | None:
    if not hours:
        return None
    calendar = current_rules().calendars.get(flow.calendar_id) if flow.calendar_id else None
    if calendar is None or not business_time.has_working_time(calendar):
        return start + dt.timedelta(hours=hours)
    return business_time.add(calendar, start, dt.timedelta(hours=hours))


def _move(ticket: Ticket, action: str, *, note: str = "") -> None:
    """Take a system transition if the ticket's workflow has it from its current status; copy the result
    onto `ticket` so a caller answers from the moved ticket."""
    if not any(t.action == action and t.from_status == ticket.status for t in tickets.workflow_for(ticket)):
        return
    moved = tickets.ticket_transition(actor=None, ticket=ticket, action=action, note=note)
    for name in ("status", "state", "version", "updated_at", "resolved_at", "closed_at", "resolution"):
        setattr(ticket, name, getattr(moved, name))


def _clean_comment(comment: str, *, required: bool) -> str:
    comment = (comment or "").strip()
    if required and not comment:
        message = _("Say why in a comment.")
        raise ValidationFailed(message, code="comment_required", details={"comment": [message]})
    if len(comment) > MAX_COMMENT:
        message = _("The comment is too long (at most %(max)d characters).") % {"max": MAX_COMMENT}
        raise ValidationFailed(message, details={"comment": [message]})
    return comment


@transaction.atomic
def approval_start(
    *,
    actor: User | None,
    ticket: Ticket,
    flow: ApprovalFlow | None = None,
    automatic: bool = False,
    target_action: str = "",
) -> ApprovalRequest:
    """Start `flow` (or the flow that matches) on a ticket: the first applicable stage's approvers are asked,
    and the ticket waits. An agent asks for it from the ticket page; ticket creation starts it itself; a
    drawn workflow's transition that names the flow starts it for that transition (`target_action`, decision
    0151): the ticket then stays in its state and the granted approval takes the transition."""
    if not automatic:
        if actor is None or not can_work(actor, ticket):
            raise PermissionDenied(_("Only the people who work this ticket can ask for approval."))
    flow = flow or flow_for_ticket(ticket)
    if flow is None:
        raise ValidationFailed(_("No approval flow applies to this ticket."), code="no_flow",
                               details={"flow": [_("No approval flow applies to this ticket.")]})  # fmt: skip
    if not flow.is_active:
        raise ValidationFailed(
            _("This approval flow is switched off."), details={"flow": [_("Switched off.")]}
        )
    stages = list(flow.stages.prefetch_related("approver_people").order_by("position"))
    if not stages:
        raise ValidationFailed(_("This approval flow has no stages."), details={"flow": [_("No stages.")]})
    locked = tickets.lock_ticket(ticket, expected_version=None)
    if not locked.is_open:
        raise Conflict(_("This ticket is finished; it needs no approval."), code="ticket_finished")
    now = timezone.now()
    try:
        with transaction.atomic():
            request = ApprovalRequest.objects.create(
                ticket=locked, flow=flow, started_by=actor, started_at=now, target_action=target_action
            )
    except IntegrityError:
        raise Conflict(_("An approval is already running on this ticket."), code="approval_running") from None
    step = _activate_from(request, locked, stages, position=1, now=now)
    tickets.append_event(locked, actor=actor, kind=events.APPROVAL_STARTED, at=now, data={
        "request": request.pk, "flow": flow.label, "stage": step.label if step else "",
        "action": target_action})  # fmt: skip
    if step is None:  # every stage's condition was unmet: nothing to approve
        _finish(
            request, locked, outcome=RequestStatus.APPROVED, actor=actor, comment="", now=now, moved=False
        )
    elif not target_action:
        _move(locked, WAIT)
    _copy_status(locked, ticket)
    return request


def _copy_status(source: Ticket, target: Ticket) -> None:
    if source is not target:
        for name in ("status", "state", "version", "updated_at", "resolved_at", "closed_at", "resolution"):
            setattr(target, name, getattr(source, name))


def _activate_from(
    request: ApprovalRequest,
    ticket: Ticket,
    stages: Sequence[ApprovalStage],
    *,
    position: int,
    now: dt.datetime,
) -> ApprovalStep | None:
    """Open the first stage at or after `position` whose condition holds (the others are recorded as
    skipped); None when no stage is left."""
    values = ticket.custom_values or {}
    for stage in stages:
        if stage.position < position:
            continue
        common = {"request": request, "position": stage.position, "stage": stage, "name": stage.name,
                  "name_en": stage.name_en, "mode": stage.mode, "required_count": stage.required_count,
                  "started_at": now}  # fmt: skip
        if not condition_holds(stage, values):
            ApprovalStep.objects.create(**common, status=StepStatus.SKIPPED, decided_at=now)
            continue
        remind_at = _deadline(request.flow, now, stage.deadline_hours)
        escalate_at = (
            _deadline(request.flow, remind_at, stage.escalate_after_hours)
            if remind_at and stage.escalate_after_hours
            else None
        )
        step = ApprovalStep.objects.create(**common, remind_at=remind_at, escalate_at=escalate_at)
        people = approvers_for(stage, ticket)
        fallback = not people
        if fallback:  # nobody to ask (no manager recorded…): the administrators decide, never a silent pass
            admins = list(User.objects.filter(is_active=True).filter(Q(role=Role.ADMIN) | Q(is_superuser=True))
                          .order_by("pk")[:10])  # fmt: skip
            # Not the requester either, unless they are the site's only administrator (the request must end).
            people = [person for person in admins if person.pk != ticket.requester_id] or admins
        serial = stage.mode == StageMode.SERIAL
        tasks = ApprovalTask.objects.bulk_create([
            ApprovalTask(step=step, approver=person, order=index,
                         status=TaskStatus.WAITING if serial and index else TaskStatus.PENDING)
            for index, person in enumerate(people)
        ])  # fmt: skip
        if stage.mode == StageMode.QUORUM and step.required_count > len(tasks):
            step.required_count = max(len(tasks), 1)
            step.save(update_fields=["required_count"])
        _notify(ticket, [t for t in tasks if t.status == TaskStatus.PENDING], step=step, purpose="ask")
        return step
    return None


def _needed(step: ApprovalStep, task_count: int) -> int:
    if step.mode == StageMode.ANY:
        return 1
    if step.mode == StageMode.QUORUM:
        return min(step.required_count, task_count)
    return task_count


def may_decide(actor: User, task: ApprovalTask, *, at: dt.datetime, requester_id: int | None) -> User | None:
    """Whom `actor` decides this task for (the approver), or None if they may not: the approver, the
    person it was escalated to, or a delegate of the approver while the delegation runs. Never the ticket's
    requester (`requester_id`): nobody decides their own request, not as a delegate nor as the manager an
    escalation reached."""
    if actor.pk == requester_id:
        return None
    if actor.pk == task.approver_id or actor.pk == task.escalated_to_id:
        return task.approver
    if actor.pk in delegates_of(task.approver_id, at=at):
        return task.approver
    return None


@transaction.atomic
def approval_decide(
    *, actor: User, task_id: int, decision: str, comment: str = "", via: str = "web"
) -> ApprovalTask:
    """One approver's decision. Approve counts towards the stage; reject ends the request once the stage can
    no longer get the approvals it needs; send back asks the requester for more and pauses everything."""
    if decision not in Decision.values:
        raise ValidationFailed(_("Unknown decision."), details={"decision": [_("Unknown decision.")]})
    comment = _clean_comment(comment, required=decision != Decision.APPROVE)
    found = (
        ApprovalTask.objects.filter(pk=task_id)
        .values_list("step__request__ticket_id", "step__request_id")
        .first()
    )
    if found is None:
        raise NotFound(_("Approval not found."))
    ticket = tickets.lock_ticket(found[0], expected_version=None, related=("requester",))
    request = ApprovalRequest.objects.select_for_update().select_related("flow").get(pk=found[1])
    task = ApprovalTask.objects.select_for_update().select_related("step", "approver").get(pk=task_id)
    now = timezone.now()
    represented = may_decide(actor, task, at=now, requester_id=ticket.requester_id)
    if represented is None:
        raise NotFound(_("Approval not found."))
    step = task.step
    if (
        request.status != RequestStatus.PENDING
        or step.status != StepStatus.ACTIVE
        or task.status != TaskStatus.PENDING
    ):
        raise Conflict(
            _("This approval was already decided or is not waiting for you now."), code="already_decided"
        )
    on_behalf = represented.name if represented.pk != actor.pk else ""
    event_data = {"request": request.pk, "stage": step.label, "decision": decision, "comment": comment,
                  "on_behalf_of": on_behalf, "via": via}  # fmt: skip
    if decision == Decision.SEND_BACK:
        ApprovalTask.objects.filter(step=step, status=TaskStatus.PENDING).update(round=F("round") + 1)
        request.status = RequestStatus.SENT_BACK
        request.save(update_fields=["status"])
        task.refresh_from_db()
        tickets.append_event(ticket, actor=actor, kind=events.APPROVAL_DECIDED, at=now, data=event_data)
        if not request.target_action:
            _move(ticket, SENT_BACK, note=comment)
        return task
    task.status = TaskStatus.APPROVED if decision == Decision.APPROVE else TaskStatus.REJECTED
    task.decided_by, task.decided_at, task.comment, task.via = actor, now, comment, via[:20]
    task.save(update_fields=["status", "decided_by", "decided_at", "comment", "via"])
    tickets.append_event(ticket, actor=actor, kind=events.APPROVAL_DECIDED, at=now, data=event_data)
    states = list(ApprovalTask.objects.filter(step=step).values_list("status", flat=True))
    approved = states.count(TaskStatus.APPROVED)
    undecided = sum(1 for s in states if s in (TaskStatus.PENDING, TaskStatus.WAITING))
    needed = _needed(step, len(states))
    if approved >= needed:
        _close_step(step, StepStatus.APPROVED, now)
        stages = list(request.flow.stages.prefetch_related("approver_people").order_by("position"))
        following = _activate_from(request, ticket, stages, position=step.position + 1, now=now)
        if following is None:
            _finish(request, ticket, outcome=RequestStatus.APPROVED, actor=actor, comment=comment, now=now)
        else:
            tickets.append_event(ticket, actor=actor, kind=events.APPROVAL_FINISHED, at=now, data={
                "request": request.pk, "outcome": "stage", "stage": step.label, "next_stage": following.label})  # fmt: skip
    elif approved + undecided < needed:
        _close_step(step, StepStatus.REJECTED, now)
        _finish(request, ticket, outcome=RequestStatus.REJECTED, actor=actor, comment=comment, now=now)
    elif step.mode == StageMode.SERIAL:
        following_task = (
            ApprovalTask.objects.filter(step=step, status=TaskStatus.WAITING).order_by("order", "pk").first()
        )
        if following_task is not None:
            following_task.status = TaskStatus.PENDING
            following_task.save(update_fields=["status"])
            _notify(ticket, [following_task], step=step, purpose="ask")
    task.refresh_from_db()
    return task


def _close_step(step: ApprovalStep, status: str, now: dt.datetime) -> None:
    step.status, step.decided_at = status, now
    step.save(update_fields=["status", "decided_at"])
    ApprovalTask.objects.filter(step=step, status__in=(TaskStatus.PENDING, TaskStatus.WAITING)).update(
        status=TaskStatus.SKIPPED
    )


def _finish(
    request: ApprovalRequest,
    ticket: Ticket,
    *,
    outcome: str,
    actor: User | None,
    comment: str,
    now: dt.datetime,
    moved: bool = True,
) -> None:
    request.status, request.decided_at, request.outcome_comment = outcome, now, comment
    request.save(update_fields=["status", "decided_at", "outcome_comment"])
    tickets.append_event(ticket, actor=actor, kind=events.APPROVAL_FINISHED, at=now,
                         data={"request": request.pk, "outcome": outcome, "comment": comment})  # fmt: skip
    if request.target_action:
        if outcome == RequestStatus.APPROVED and moved:  # the transition it guarded, now allowed
            moved_ticket = tickets.ticket_transition(
                actor=None, ticket=ticket, action=request.target_action, note=comment
            )
            _copy_status(moved_ticket, ticket)
        return
    if outcome == RequestStatus.APPROVED:
        _move(ticket, GRANTED_ASSIGNED if ticket.assignee_id else GRANTED)
    elif outcome == RequestStatus.REJECTED:
        _move(ticket, REJECTED, note=_("Not approved: %(reason)s") % {"reason": comment} if comment else "")


def approval_resume(*, ticket: Ticket, actor: User | None) -> ApprovalRequest | None:
    """The requester answered a send-back: the same stage waits again, its approvers asked anew. Called by
    the reaction inside the reply's transaction (the ticket is locked)."""
    request = (
        ApprovalRequest.objects.select_for_update()
        .filter(ticket=ticket, status=RequestStatus.SENT_BACK)
        .select_related("flow")
        .first()
    )
    if request is None:
        return None
    now = timezone.now()
    request.status = RequestStatus.PENDING
    request.save(update_fields=["status"])
    step = request.steps.filter(status=StepStatus.ACTIVE).order_by("-position").first()
    pending: list[ApprovalTask] = []
    if step is not None:
        stage = step.stage
        if stage is not None and stage.deadline_hours:
            step.remind_at = _deadline(request.flow, now, stage.deadline_hours)
            step.escalate_at = (
                _deadline(request.flow, step.remind_at, stage.escalate_after_hours)
                if step.remind_at and stage.escalate_after_hours else None
            )  # fmt: skip
            step.reminded_at = step.escalated_at = None
            step.save(update_fields=["remind_at", "escalate_at", "reminded_at", "escalated_at"])
        pending = list(step.tasks.filter(status=TaskStatus.PENDING).select_related("approver"))
        _notify(ticket, pending, step=step, purpose="ask")
    tickets.append_event(ticket, actor=actor, kind=events.APPROVAL_RESUMED, at=now, data={
        "request": request.pk, "stage": step.label if step else "", "people": [t.approver.name for t in pending]})  # fmt: skip
    if not request.target_action:
        _move(ticket, WAIT)
    return request


def approval_cancel_for(*, ticket: Ticket, actor: User | None, reason: str) -> ApprovalRequest | None:
    """The ticket was finished another way (resolved, cancelled): its open request ends as cancelled."""
    request = (
        ApprovalRequest.objects.select_for_update()
        .filter(ticket=ticket, status__in=OPEN_REQUEST_STATUSES)
        .first()
    )
    if request is None:
        return None
    now = timezone.now()
    request.status, request.decided_at, request.outcome_comment = RequestStatus.CANCELLED, now, reason
    request.save(update_fields=["status", "decided_at", "outcome_comment"])
    for step in request.steps.filter(status=StepStatus.ACTIVE):
        _close_step(step, StepStatus.CANCELLED, now)
    tickets.append_event(ticket, actor=actor, kind=events.APPROVAL_FINISHED, at=now,
                         data={"request": request.pk, "outcome": RequestStatus.CANCELLED, "comment": reason})  # fmt: skip
    return request


# --- deadlines --------------------------------------------------------------------------------------------


def approval_deadline_sweep(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Remind the approvers of stages past their deadline, then escalate those still waiting past the
    escalation time. Each step is claimed by a conditional UPDATE, so several workers running this at once
    remind and escalate each step once."""
    now = now or timezone.now()
    counts = {"reminded": 0, "escalated": 0}
    due_remind = ApprovalStep.objects.filter(
        status=StepStatus.ACTIVE,
        reminded_at__isnull=True,
        remind_at__lte=now,
        request__status=RequestStatus.PENDING,
    ).values_list("pk", flat=True)[:limit]
    for step_id in list(due_remind):
        counts["reminded"] += _step_deadline(step_id, now=now, escalate=False)
    due_escalate = ApprovalStep.objects.filter(
        status=StepStatus.ACTIVE, escalated_at__isnull=True, escalate_at__lte=now,
        request__status=RequestStatus.PENDING,
    ).values_list("pk", flat=True)[:limit]  # fmt: skip
    for step_id in list(due_escalate):
        counts["escalated"] += _step_deadline(step_id, now=now, escalate=True)
    return counts


@transaction.atomic
def _step_deadline(step_id: int, *, now: dt.datetime, escalate: bool) -> int:
    ticket_id = ApprovalStep.objects.filter(pk=step_id).values_list("request__ticket_id", flat=True).first()
    if ticket_id is None:
        return 0
    ticket = tickets.lock_ticket(ticket_id, expected_version=None)
    column = "escalated_at" if escalate else "reminded_at"
    claimed = ApprovalStep.objects.filter(
        pk=step_id,
        status=StepStatus.ACTIVE,
        request__status=RequestStatus.PENDING,
        **{f"{column}__isnull": True},
    ).update(**{column: now})
    if not claimed:  # another worker did it, or the step moved on
        return 0
    step = ApprovalStep.objects.select_related("request").get(pk=step_id)
    pending = list(step.tasks.filter(status=TaskStatus.PENDING).select_related("approver__manager"))
    if escalate:
        for task in pending:
            manager = task.approver.manager
            # Not to the requester: nobody decides their own request (a task whose only manager filed it
            # stays with its approver, and its reminder said so).
            if (
                manager is not None
                and manager.is_active
                and manager.pk != ticket.requester_id
                and task.escalated_to_id is None
            ):
                task.escalated_to = manager
                task.save(update_fields=["escalated_to"])
        people = [t.escalated_to.name for t in pending if t.escalated_to]
        _notify(ticket, [t for t in pending if t.escalated_to], step=step, purpose="escalate")
        kind = events.APPROVAL_ESCALATED
    else:
        people = [t.approver.name for t in pending]
        _notify(ticket, pending, step=step, purpose="remind")
        kind = events.APPROVAL_REMINDED
    tickets.append_event(ticket, actor=None, kind=kind, at=now, is_internal=True,
                         data={"request": step.request_id, "stage": step.label, "people": people})  # fmt: skip
    return 1


# --- mail -------------------------------------------------------------------------------------------------


def _recipients(task: ApprovalTask, purpose: str, now: dt.datetime) -> list[User]:
    if purpose == "escalate":
        return [task.escalated_to] if task.escalated_to else []
    people = [task.approver]
    people += list(User.objects.filter(pk__in=delegates_of(task.approver_id, at=now), is_active=True))
    return people


def _notify(ticket: Ticket, tasks: Iterable[ApprovalTask], *, step: ApprovalStep, purpose: str) -> int:
    """Mail each person who may decide a task a summary and signed links to approve or reject (each opens a
    confirmation page; nothing acts on a GET). Written to the outbox in this transaction."""
    now = timezone.now()
    sent = 0
    for task in tasks:
        for person in _recipients(task, purpose, now):
            if not person.email:
                continue
            language = person.language or settings.LANGUAGE_CODE
            with translation.override(language):
                context = {
                    "ticket": ticket, "step": step, "person": person, "task": task, "purpose": purpose,
                    "on_behalf": person.pk != task.approver_id, "approver": task.approver,
                    "approve_url": site_url(reverse("approvals:link", args=[
                        links.make_link(task_id=task.pk, user_id=person.pk, round=task.round, decision=Decision.APPROVE)])),
                    "reject_url": site_url(reverse("approvals:link", args=[
                        links.make_link(task_id=task.pk, user_id=person.pk, round=task.round, decision=Decision.REJECT)])),
                    "list_url": site_url(reverse("approvals:mine")),
                    "hours": links.max_age() // 3600,
                }  # fmt: skip
                subject = {
                    "ask": _("Approval needed"), "remind": _("Reminder: approval needed"),
                    "escalate": _("Escalated to you: approval needed"),
                }[purpose] + f" · {ticket.number} {ticket.subject}"  # fmt: skip
                key = f"approval-{task.pk}-r{task.round}-{purpose}-u{person.pk}"
                outbox_enqueue(
                    channel=OutboxMessage.Channel.EMAIL,
                    address=person.email,
                    subject=subject,
                    body_text=render_to_string("approvals/email/task.txt", context),
                    body_html=render_to_string("approvals/email/task.html", context),
                    headers=email_headers(key=key, kind="approval", ticket=ticket),
                    idempotency_key=key,
                    kind="approval",
                    recipient=person,
                    ticket=ticket,
                )
                sent += 1
    return sent
