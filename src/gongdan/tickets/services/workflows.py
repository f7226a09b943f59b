"""The workflow editor's changes (decision 0150): save a draft, validate it, publish it (moving the open tickets
of removed states by the admin's mapping), discard it, and export/import a version as JSON.

A definition is the diagram as JSON::

    {"states": [{"code", "name", "name_en", "status", "x", "y"}, …],
     "transitions": [{"action", "name", "name_en", "from", "to", "roles", "requires_note",
                      "required_fields", "checks", "approval"}, …]}

`clean_definition` checks its shape (a 422 naming the place of each problem); `workflow_problems` checks the
graph (unreachable states, dead ends, no way to done) and names the states; only a definition with neither
kind of problem is published. Publishing compiles the definition into WorkflowState and WorkflowTransition
rows, which is what the lifecycle reads.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.audit.services import audit_record
from gongdan.core.config_cache import configuration_changed
from gongdan.core.domain_errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongdan.tickets import workflow_rules
from gongdan.tickets.models import (
    CustomField,
    Status,
    Ticket,
    TicketType,
    VersionStatus,
    WorkflowState,
    WorkflowTransition,
    WorkflowVersion,
)
from gongdan.tickets.models.ticket import FINISHED_STATUSES, OPEN_STATUSES
from gongdan.tickets.models.workflow import StateCategory, category_of
from gongdan.tickets.services.core import apply_status, lock_ticket

EXPORT_FORMAT = "gongdan.workflow/1"
MAX_STATES = 40
MAX_TRANSITIONS = 200
MAX_NAME = 120
MAX_COORDINATE = 100_000
MAX_IMPORT_BYTES = 200_000
CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ROLE_TOKENS = ("requester", "assignee", "agent", "team_lead", "manager", "admin")
# Tickets are created new (or assigned when someone is named): a workflow starts from those states.
ENTRY_STATUSES = (Status.NEW, Status.ASSIGNED)

AUDIT_DRAFT = "workflow.draft"
AUDIT_PUBLISH = "workflow.publish"
AUDIT_DISCARD = "workflow.discard"
AUDIT_RESTORE = "workflow.restore"


def _require_admin(actor: User | None) -> None:
    if actor is not None and not actor.is_admin:
        raise PermissionDenied(_("Only administrators change workflows."))


def _owner_key(ticket_type: TicketType | None) -> Q:
    return Q(ticket_type__isnull=True) if ticket_type is None else Q(ticket_type=ticket_type)


def _owner_label(ticket_type: TicketType | None) -> str:
    return ticket_type.label if ticket_type is not None else _("Default workflow")


# --- the shape of a definition ----------------------------------------------------------------------------


def _text(value: Any, *, required: bool, place: str, errors: dict[str, list[str]]) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        errors.setdefault(place, []).append(_("Must be text."))
    elif required and not text:
        errors.setdefault(place, []).append(_("Required."))
    elif len(text) > MAX_NAME:
        errors.setdefault(place, []).append(_("At most %(max)d characters.") % {"max": MAX_NAME})
    return text


def _coordinate(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:  # NaN
        return 0.0
    return float(max(-MAX_COORDINATE, min(MAX_COORDINATE, round(value, 1))))


def _codes(value: Any, *, place: str, allowed: set[str] | None, errors: dict[str, list[str]]) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.setdefault(place, []).append(_("Must be a list of codes."))
        return []
    unknown = [v for v in value if (allowed is not None and v not in allowed) or not CODE.match(v)]
    if unknown:
        errors.setdefault(place, []).append(_("Unknown: %(codes)s.") % {"codes": ", ".join(unknown[:5])})
    return list(dict.fromkeys(value))


def clean_definition(data: Any) -> dict[str, Any]:
    """The definition as it will be kept, or ValidationFailed whose details name each problem's place
    ("states.2.code", "transitions.0.to" …)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        raise ValidationFailed(_("A workflow is an object with states and transitions."), code="invalid_workflow",
                               details={"definition": [_("Must be an object.")]})  # fmt: skip
    raw_states, raw_transitions = data.get("states"), data.get("transitions", [])
    if not isinstance(raw_states, list) or not raw_states:
        errors["states"] = [_("Add at least one state.")]
        raw_states = []
    elif len(raw_states) > MAX_STATES:
        errors["states"] = [_("At most %(max)d states.") % {"max": MAX_STATES}]
        raw_states = []
    if not isinstance(raw_transitions, list):
        errors["transitions"] = [_("Must be a list.")]
        raw_transitions = []
    elif len(raw_transitions) > MAX_TRANSITIONS:
        errors["transitions"] = [_("At most %(max)d transitions.") % {"max": MAX_TRANSITIONS}]
        raw_transitions = []
    states: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_states):
        place = f"states.{index}"
        if not isinstance(raw, dict):
            errors[place] = [_("Must be an object.")]
            continue
        code = raw.get("code")
        if not isinstance(code, str) or not CODE.match(code):
            errors.setdefault(f"{place}.code", []).append(
                _("A code is 1–40 lower-case letters, digits or _, starting with a letter.")
            )
            code = ""
        elif code in seen:
            errors.setdefault(f"{place}.code", []).append(
                _("Two states have the code “%(code)s”.") % {"code": code}
            )
        seen.add(code)
        status = raw.get("status")
        if status not in Status.values:
            errors.setdefault(f"{place}.status", []).append(_("Choose a system status."))
        states.append({
            "code": code,
            "name": _text(raw.get("name"), required=True, place=f"{place}.name", errors=errors),
            "name_en": _text(raw.get("name_en"), required=False, place=f"{place}.name_en", errors=errors),
            "status": status if status in Status.values else "",
            "x": _coordinate(raw.get("x")),
            "y": _coordinate(raw.get("y")),
        })  # fmt: skip
    approvals = workflow_rules.approval_gate()
    approval_codes = {code for code, _label in approvals.choices()} if approvals is not None else set()
    check_codes = set(workflow_rules.checks())
    field_keys = set(workflow_rules.TICKET_FIELDS) | set(CustomField.objects.values_list("key", flat=True))
    transitions: list[dict[str, Any]] = []
    pairs: set[tuple[str, str]] = set()
    for index, raw in enumerate(raw_transitions):
        place = f"transitions.{index}"
        if not isinstance(raw, dict):
            errors[place] = [_("Must be an object.")]
            continue
        action = raw.get("action")
        if not isinstance(action, str) or not CODE.match(action):
            errors.setdefault(f"{place}.action", []).append(
                _("A code is 1–40 lower-case letters, digits or _, starting with a letter.")
            )
            action = ""
        ends = {}
        for end in ("from", "to"):
            value = raw.get(end)
            if value not in seen or not value:
                errors.setdefault(f"{place}.{end}", []).append(_("Connect it to a state."))
            ends[end] = value if isinstance(value, str) else ""
        if ends["from"] and ends["from"] == ends["to"]:
            errors.setdefault(f"{place}.to", []).append(_("A transition leads to another state."))
        if (action, ends["from"]) in pairs and action:
            errors.setdefault(f"{place}.action", []).append(
                _("Two transitions “%(action)s” leave the same state.") % {"action": action}
            )
        pairs.add((action, ends["from"]))
        approval = raw.get("approval") or ""
        if not isinstance(approval, str) or (approval and approval not in approval_codes):
            errors.setdefault(f"{place}.approval", []).append(_("Choose an approval flow that exists."))
            approval = ""
        transitions.append({
            "action": action,
            "name": _text(raw.get("name"), required=True, place=f"{place}.name", errors=errors),
            "name_en": _text(raw.get("name_en"), required=False, place=f"{place}.name_en", errors=errors),
            "from": ends["from"],
            "to": ends["to"],
            "roles": _codes(raw.get("roles"), place=f"{place}.roles", allowed=set(ROLE_TOKENS), errors=errors),
            "requires_note": bool(raw.get("requires_note")),
            "required_fields": _codes(raw.get("required_fields"), place=f"{place}.required_fields",
                                      allowed=field_keys, errors=errors),
            "checks": _codes(raw.get("checks"), place=f"{place}.checks", allowed=check_codes, errors=errors),
            "approval": approval,
        })  # fmt: skip
    if errors:
        raise ValidationFailed(_("The workflow has mistakes; see each one."), code="invalid_workflow",
                               details=errors)  # fmt: skip
    return {"states": states, "transitions": transitions}


# --- the graph --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    code: str  # unreachable | dead_end | no_way_to_done | no_done_state | no_start_state
    message: str
    state: str = ""


def workflow_problems(definition: dict[str, Any]) -> list[Problem]:
    """What keeps a (well-formed) definition from being published, each naming its state."""
    states = {s["code"]: s for s in definition["states"]}
    names = {code: s["name_en"] if _english() and s["name_en"] else s["name"] for code, s in states.items()}
    outgoing: dict[str, set[str]] = {code: set() for code in states}
    incoming: dict[str, set[str]] = {code: set() for code in states}
    for t in definition["transitions"]:
        outgoing[t["from"]].add(t["to"])
        incoming[t["to"]].add(t["from"])
    problems: list[Problem] = []
    starts = [code for code, s in states.items() if s["status"] in ENTRY_STATUSES]
    done = {code for code, s in states.items() if s["status"] in FINISHED_STATUSES}
    if not starts:
        problems.append(
            Problem("no_start_state", _("No state stands for “New”: new tickets would have no state."))
        )
    if not done:
        problems.append(
            Problem("no_done_state", _("No state is in the category Done: no ticket could finish."))
        )
    reached = _reach(starts, outgoing)
    for code in states:
        if starts and code not in reached:
            problems.append(Problem("unreachable", _("“%(state)s” cannot be reached from a new ticket.")
                                    % {"state": names[code]}, code))  # fmt: skip
    finishing = _reach(list(done), incoming)
    for code, s in states.items():
        if s["status"] in FINISHED_STATUSES:
            continue
        if not outgoing[code]:
            problems.append(Problem("dead_end", _("“%(state)s” is a dead end: no transition leaves it.")
                                    % {"state": names[code]}, code))  # fmt: skip
        elif done and code not in finishing:
            problems.append(Problem("no_way_to_done", _("From “%(state)s” no path leads to a done state.")
                                    % {"state": names[code]}, code))  # fmt: skip
    return problems


def _reach(starts: list[str], edges: dict[str, set[str]]) -> set[str]:
    seen, queue = set(starts), deque(starts)
    while queue:
        for following in edges[queue.popleft()]:
            if following not in seen:
                seen.add(following)
                queue.append(following)
    return seen


def _english() -> bool:
    return (get_language() or "").lower().startswith("en")


def workflow_validate(definition: Any) -> tuple[dict[str, Any], list[Problem]]:
    cleaned = clean_definition(definition)
    return cleaned, workflow_problems(cleaned)


# --- reading what is there --------------------------------------------------------------------------------


def published_version(ticket_type: TicketType | None) -> WorkflowVersion | None:
    return WorkflowVersion.objects.filter(_owner_key(ticket_type), status=VersionStatus.PUBLISHED).first()


def draft_version(ticket_type: TicketType | None) -> WorkflowVersion | None:
    return WorkflowVersion.objects.filter(_owner_key(ticket_type), status=VersionStatus.DRAFT).first()


def definition_in_use(ticket_type: TicketType | None) -> dict[str, Any]:
    """The definition the type's tickets follow now: its published version, else the default workflow's."""
    version = published_version(ticket_type) or (published_version(None) if ticket_type is not None else None)
    if version is not None:
        return dict(version.definition)
    return definition_from_rows(ticket_type)


def definition_from_rows(ticket_type: TicketType | None) -> dict[str, Any]:
    """The live rows as a definition (a site whose rows were written some other way than publishing)."""
    own = WorkflowTransition.objects.filter(_owner_key(ticket_type))
    rows = list((own if own.exists() else WorkflowTransition.objects.filter(ticket_type__isnull=True))
                .order_by("order", "pk"))  # fmt: skip
    states = list(WorkflowState.objects.filter(_owner_key(ticket_type)).order_by("order", "pk"))
    if not states:
        states = [
            WorkflowState(code=v, name=str(label), name_en=str(label), status=v)
            for v, label in Status.choices
        ]
    return {
        "states": [{"code": s.code, "name": s.name, "name_en": s.name_en, "status": s.status,
                    "x": 80 + 180 * (i % 4), "y": 80 + 140 * (i // 4)} for i, s in enumerate(states)],
        "transitions": [{"action": t.action, "name": t.name, "name_en": t.name_en,
                         "from": t.from_state or t.from_status, "to": t.to_state or t.to_status,
                         "roles": list(t.allowed_roles), "requires_note": t.requires_note,
                         "required_fields": list(t.required_fields), "checks": list(t.checks),
                         "approval": t.approval} for t in rows],
    }  # fmt: skip


def workflow_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What changed between two definitions: states by code, transitions by (action, from). Positions on
    the diagram are not changes."""

    def states(d: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {s["code"]: {k: v for k, v in s.items() if k not in ("x", "y")} for s in d.get("states", [])}

    def transitions(d: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {f"{t['action']}@{t['from']}": t for t in d.get("transitions", [])}

    result: dict[str, Any] = {}
    for part, read in (("states", states), ("transitions", transitions)):
        old, new = read(before), read(after)
        result[part] = {
            "added": sorted(set(new) - set(old)),
            "removed": sorted(set(old) - set(new)),
            "changed": sorted(
                {
                    key: sorted(
                        f for f in set(old[key]) | set(new[key]) if old[key].get(f) != new[key].get(f)
                    )
                    for key in set(old) & set(new)
                    if old[key] != new[key]
                }.items()
            ),
        }
    return result


# --- changes ----------------------------------------------------------------------------------------------


@transaction.atomic
def workflow_draft_save(
    *, actor: User | None, ticket_type: TicketType | None, definition: Any, note: str = ""
) -> WorkflowVersion:
    """Keep the editor's diagram as the type's draft (one per type; the next version number)."""
    _require_admin(actor)
    cleaned = clean_definition(definition)
    note = (note or "").strip()[:300]
    if ticket_type is not None:  # two admins saving the first draft at once queue here
        TicketType.objects.select_for_update().filter(pk=ticket_type.pk).first()
    draft = (
        WorkflowVersion.objects.select_for_update()
        .filter(_owner_key(ticket_type), status=VersionStatus.DRAFT)
        .first()
    )
    now = timezone.now()
    if draft is None:
        number = (
            WorkflowVersion.objects.filter(_owner_key(ticket_type)).aggregate(n=Max("number"))["n"] or 0
        ) + 1
        draft = WorkflowVersion.objects.create(ticket_type=ticket_type, number=number, definition=cleaned,
                                               note=note, created_by=actor, created_at=now, updated_at=now)  # fmt: skip
    else:
        draft.definition, draft.note, draft.updated_at = cleaned, note or draft.note, now
        draft.save(update_fields=["definition", "note", "updated_at"])
    audit_record(kind=AUDIT_DRAFT, actor=actor, object_type="tickets.workflowversion", object_id=draft.pk,
                 object_repr=f"{_owner_label(ticket_type)} v{draft.number}",
                 detail={"ticket_type": getattr(ticket_type, "code", None), "version": draft.number,
                         "diff": workflow_diff(definition_in_use(ticket_type), cleaned)})  # fmt: skip
    return draft


@transaction.atomic
def workflow_draft_discard(*, actor: User | None, ticket_type: TicketType | None) -> None:
    _require_admin(actor)
    draft = (
        WorkflowVersion.objects.select_for_update()
        .filter(_owner_key(ticket_type), status=VersionStatus.DRAFT)
        .first()
    )
    if draft is None:
        raise NotFound(_("There is no draft."))
    audit_record(kind=AUDIT_DISCARD, actor=actor, object_type="tickets.workflowversion", object_id=draft.pk,
                 object_repr=f"{_owner_label(ticket_type)} v{draft.number}", detail={"version": draft.number})  # fmt: skip
    draft.delete()


def restorable_version(ticket_type: TicketType | None, number: int) -> WorkflowVersion:
    """A version that may be restored as the draft: any but the draft itself."""
    version = WorkflowVersion.objects.filter(_owner_key(ticket_type), number=number).first()
    if version is None:
        raise NotFound(_("That version does not exist."))
    if version.status == VersionStatus.DRAFT:
        raise Conflict(_("Version %(number)d is the draft already; edit it.") % {"number": number},
                       code="already_draft")  # fmt: skip
    return version


@transaction.atomic
def workflow_restore(*, actor: User | None, ticket_type: TicketType | None, number: int) -> WorkflowVersion:
    """Revert: make version `number`'s definition the type's draft (replacing a draft there is). Nothing goes
    live: the admin validates and publishes the draft as usual, mapping the open tickets of any state it
    removes. A definition naming what is gone since (an approval flow, a field) is refused by its place."""
    _require_admin(actor)
    old = restorable_version(ticket_type, number)
    replaced = draft_version(ticket_type)
    draft = workflow_draft_save(actor=actor, ticket_type=ticket_type, definition=old.definition,
                                note=_("Restored from version %(number)d") % {"number": number})  # fmt: skip
    audit_record(kind=AUDIT_RESTORE, actor=actor, object_type="tickets.workflowversion", object_id=draft.pk,
                 object_repr=f"{_owner_label(ticket_type)} v{draft.number}",
                 detail={"ticket_type": getattr(ticket_type, "code", None), "restored": number,
                         "draft": draft.number, "replaced_draft": replaced is not None})  # fmt: skip
    return draft


def _types_following(ticket_type: TicketType | None) -> list[int]:
    """The ticket types whose tickets follow this workflow: the type, or every type without its own."""
    if ticket_type is not None:
        return [ticket_type.pk]
    own = set(
        WorkflowTransition.objects.filter(ticket_type__isnull=False).values_list("ticket_type", flat=True)
    )
    return [pk for pk in TicketType.objects.values_list("pk", flat=True) if pk not in own]


def stranded_states(ticket_type: TicketType | None, definition: dict[str, Any]) -> dict[str, int]:
    """Open tickets that would be left in a state the definition no longer has: {state code: how many}.
    A ticket's empty state is the state named like its status (decision 0150)."""
    keep = {s["code"] for s in definition["states"]}
    counts: Counter[str] = Counter()
    rows = (
        Ticket.objects.filter(ticket_type__in=_types_following(ticket_type), status__in=OPEN_STATUSES)
        .values("state", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        code = row["state"] or row["status"]
        if code not in keep:
            counts[code] += row["n"]
    return dict(counts)


@transaction.atomic
def workflow_publish(
    *, actor: User | None, ticket_type: TicketType | None, mapping: dict[str, str] | None = None
) -> WorkflowVersion:
    """Publish the type's draft: validate it, move each open ticket of a removed state to the state the
    admin mapped it to (a transition event each), replace the live states and transitions, retire the
    version published before."""
    _require_admin(actor)
    draft = (
        WorkflowVersion.objects.select_for_update()
        .filter(_owner_key(ticket_type), status=VersionStatus.DRAFT)
        .first()
    )
    if draft is None:
        raise NotFound(_("There is no draft to publish."))
    definition, problems = workflow_validate(draft.definition)
    if problems:
        raise ValidationFailed(_("The workflow cannot be published: %(problems)s")
                               % {"problems": " ".join(p.message for p in problems)}, code="workflow_invalid",
                               details={"workflow": [p.message for p in problems]})  # fmt: skip
    states = {s["code"]: s for s in definition["states"]}
    mapping = dict(mapping or {})
    stranded = stranded_states(ticket_type, definition)
    missing = sorted(code for code in stranded if code not in mapping)
    if missing:
        raise ValidationFailed(
            _("Open tickets are in states this version removes; say where each goes: %(states)s.")
            % {"states": ", ".join(f"{code} ({stranded[code]})" for code in missing)},
            code="mapping_required",
            details={f"mapping.{code}": [_("%(count)d open tickets; choose their new state.") % {"count": stranded[code]}]
                     for code in missing},
        )  # fmt: skip
    bad = {old: new for old, new in mapping.items() if old in stranded and (
        new not in states or category_of(states[new]["status"]) == StateCategory.DONE)}  # fmt: skip
    if bad:
        raise ValidationFailed(_("Open tickets move to an open or pending state of this version."),
                               code="mapping_invalid",
                               details={f"mapping.{old}": [_("Choose an open or pending state.")] for old in bad})  # fmt: skip
    now = timezone.now()
    previous = published_version(ticket_type)
    before = previous.definition if previous is not None else definition_in_use(ticket_type)
    _compile(ticket_type, definition)
    configuration_changed()
    moved = _move_stranded(actor, ticket_type, {old: mapping[old] for old in stranded}, states)
    if previous is not None:
        previous.status = VersionStatus.RETIRED
        previous.save(update_fields=["status"])
    draft.definition = definition
    draft.status, draft.published_by, draft.published_at, draft.updated_at = (
        VersionStatus.PUBLISHED,
        actor,
        now,
        now,
    )
    draft.moved = {"mapping": {old: mapping[old] for old in stranded}, "tickets": moved}
    draft.save(update_fields=["definition", "status", "published_by", "published_at", "updated_at", "moved"])
    audit_record(kind=AUDIT_PUBLISH, actor=actor, object_type="tickets.workflowversion", object_id=draft.pk,
                 object_repr=f"{_owner_label(ticket_type)} v{draft.number}",
                 detail={"ticket_type": getattr(ticket_type, "code", None), "version": draft.number,
                         "previous": previous.number if previous else None, "moved": draft.moved,
                         "diff": workflow_diff(before, definition)})  # fmt: skip
    return draft


def _compile(ticket_type: TicketType | None, definition: dict[str, Any]) -> None:
    statuses = {s["code"]: s["status"] for s in definition["states"]}
    WorkflowTransition.objects.filter(_owner_key(ticket_type)).delete()
    WorkflowState.objects.filter(_owner_key(ticket_type)).delete()
    WorkflowState.objects.bulk_create([
        WorkflowState(ticket_type=ticket_type, code=s["code"], name=s["name"], name_en=s["name_en"],
                      status=s["status"], order=i) for i, s in enumerate(definition["states"])
    ])  # fmt: skip
    WorkflowTransition.objects.bulk_create([
        WorkflowTransition(ticket_type=ticket_type, action=t["action"], name=t["name"], name_en=t["name_en"],
                           from_status=statuses[t["from"]], to_status=statuses[t["to"]],
                           from_state=t["from"], to_state=t["to"], allowed_roles=t["roles"],
                           requires_note=t["requires_note"], required_fields=t["required_fields"],
                           checks=t["checks"], approval=t["approval"], order=i)
        for i, t in enumerate(definition["transitions"])
    ])  # fmt: skip


def _move_stranded(
    actor: User | None,
    ticket_type: TicketType | None,
    mapping: dict[str, str],
    states: dict[str, dict[str, Any]],
) -> int:
    moved = 0
    types = _types_following(ticket_type)
    for old, new in mapping.items():
        ids = list(
            Ticket.objects.filter(ticket_type__in=types, status__in=OPEN_STATUSES)
            .filter(Q(state=old) | Q(state="", status=old))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for pk in ids:
            ticket = lock_ticket(pk, expected_version=None)
            ticket.state = old  # the state it was in, for the event
            apply_status(ticket, actor=actor, to_status=states[new]["status"], to_state=new,
                         action="workflow_published", note=_("Moved by publishing a new workflow version."))  # fmt: skip
            moved += 1
    return moved


# --- export and import ------------------------------------------------------------------------------------


def workflow_export(version: WorkflowVersion) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "ticket_type": version.ticket_type.code if version.ticket_type_id and version.ticket_type else None,
        "version": version.number,
        "status": version.status,
        "definition": version.definition,
    }


@transaction.atomic
def workflow_import(*, actor: User | None, ticket_type: TicketType | None, data: Any) -> WorkflowVersion:
    """An exported version becomes the type's draft (publishing it is a separate, checked step)."""
    _require_admin(actor)
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        message = _("This is not a Gongdan workflow export (format %(format)s).") % {"format": EXPORT_FORMAT}
        raise ValidationFailed(message, code="invalid_export", details={"file": [message]})
    version = workflow_draft_save(actor=actor, ticket_type=ticket_type, definition=data.get("definition"),
                                  note=_("Imported from version %(number)s") % {"number": data.get("version", "?")})  # fmt: skip
    return version
