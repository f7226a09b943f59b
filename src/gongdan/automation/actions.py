"""What a rule (or a macro) does, one action at a time, each through the tickets' services (rule 1).

    {"type": "set_field",  "field": "priority" | "ticket_type" | "category" | "custom.<key>", "value": …}
    {"type": "assign",     "team": id | null, "assignee": id | null}
    {"type": "add_tags",   "tags": ["urgent", …]}
    {"type": "note",       "body": template}             an internal note
    {"type": "reply",      "body": template}             a public reply
    {"type": "transition", "action": "close"}            a workflow action, e.g. close, resolve
    {"type": "notify",     "recipients": ["assignee", "team", "team_lead", "requester", "watchers"],
                           "message": template}          in-app notices and mail, through notifications
    {"type": "webhook",    "webhook": id}                a signed webhook call, through the outbox
    {"type": "subtickets", "items": [subject template, …]}   a sub-ticket per checklist line

`plan` says what an action would change on a ticket as it is (the dry run and the loop guard read it; None:
nothing), `apply` does it and says what it did."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.accounts.models import Membership, Team, User
from gongdan.automation import templating
from gongdan.core.domain_errors import ValidationFailed
from gongdan.notifications.services import notify
from gongdan.outbox.models import OutboxMessage, Webhook
from gongdan.outbox.services import outbox_enqueue
from gongdan.tickets.models import Category, Status, Ticket
from gongdan.tickets.reference import reference
from gongdan.tickets.services import (
    UNSET,
    label_of,
    ticket_assign,
    ticket_comment,
    ticket_create,
    ticket_edit,
    ticket_transition,
)

MAX_ACTIONS = 20
MAX_TAGS = 10
MAX_ITEMS = 20
NOTICE_KIND = "automation_notice"

TYPES: dict[str, Promise] = {
    "set_field": gettext_lazy("Set a field"),
    "assign": gettext_lazy("Assign"),
    "add_tags": gettext_lazy("Add tags"),
    "note": gettext_lazy("Add an internal note"),
    "reply": gettext_lazy("Add a public reply"),
    "transition": gettext_lazy("Change the status"),
    "notify": gettext_lazy("Notify"),
    "webhook": gettext_lazy("Call a webhook"),
    "subtickets": gettext_lazy("Create sub-tickets from a checklist"),
}
MACRO_TYPES = frozenset({"set_field", "assign", "add_tags", "transition"})  # a macro's reply is its own body
SETTABLE = {"priority": gettext_lazy("Priority"), "ticket_type": gettext_lazy("Type"),
            "category": gettext_lazy("Category")}  # fmt: skip
RECIPIENTS = {
    "assignee": gettext_lazy("the assignee"),
    "team": gettext_lazy("the team"),
    "team_lead": gettext_lazy("the team's leads"),
    "requester": gettext_lazy("the requester"),
    "watchers": gettext_lazy("the watchers"),
}
CUSTOM_KEY = re.compile(r"^custom\.[-a-zA-Z0-9_]{1,50}$")


@dataclass
class Context:
    """Who acts: `actor` None is the system (a rule); a macro acts as the agent. `author` writes the notes
    and replies. `key` makes the messages an action sends idempotent (one event, one rule)."""

    actor: User | None
    author: User
    key: str
    source: dict[str, Any] = field(default_factory=dict)  # what the events' data name as the cause
    agent_name: str = ""


# --- checking -------------------------------------------------------------------------------------------------


def _id(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _clean_one(item: Any, where: str, errors: dict[str, list[str]], allowed: Iterable[str]) -> dict[str, Any]:
    kind = str(item.get("type") or "") if isinstance(item, dict) else ""
    if kind not in allowed:
        errors[f"{where}.type"] = [_("Choose what to do.")]
        return {}
    ref = reference()
    if kind == "set_field":
        name = str(item.get("field") or "")
        value = str(item.get("value") if item.get("value") is not None else "").strip()
        if name == "priority":
            if ref.priority_by_code(value) is None:
                errors[f"{where}.value"] = [_("Unknown priority “%(value)s”.") % {"value": value[:20]}]
        elif name == "ticket_type":
            if ref.ticket_type_by_code(value) is None:
                errors[f"{where}.value"] = [_("Unknown type “%(value)s”.") % {"value": value[:40]}]
        elif name == "category":
            category_id = _id(value)
            if category_id is None or not Category.objects.filter(pk=category_id, is_active=True).exists():
                errors[f"{where}.value"] = [_("Unknown category “%(value)s”.") % {"value": value[:20]}]
        elif CUSTOM_KEY.match(name):
            if len(value) > 2000:
                errors[f"{where}.value"] = [_("At most %(max)d characters.") % {"max": 2000}]
        else:
            errors[f"{where}.field"] = [_("Choose a field to set.")]
        return {"type": kind, "field": name, "value": value}
    if kind == "assign":
        team_id, assignee_id = _id(item.get("team")), _id(item.get("assignee"))
        if item.get("team") not in (None, "") and (
            team_id is None or not Team.objects.filter(pk=team_id, is_active=True).exists()
        ):
            errors[f"{where}.team"] = [_("Unknown team.")]
        if item.get("assignee") not in (None, "") and (
            assignee_id is None or not User.objects.filter(pk=assignee_id, is_active=True).exists()
        ):
            errors[f"{where}.assignee"] = [_("Unknown person.")]
        if team_id is None and assignee_id is None:
            errors[f"{where}.team"] = [_("Choose a team, a person or both.")]
        return {"type": kind, "team": team_id, "assignee": assignee_id}
    if kind == "add_tags":
        tags = [" ".join(str(t).split()).lower() for t in _as_list(item.get("tags"))]
        tags = list(dict.fromkeys(t for t in tags if t))
        if not tags or len(tags) > MAX_TAGS or any(len(t) > 50 for t in tags):
            errors[f"{where}.tags"] = [
                _("Enter one to %(max)d tags of at most 50 characters.") % {"max": MAX_TAGS}
            ]
        return {"type": kind, "tags": tags}
    if kind in ("note", "reply"):
        return {"type": kind, "body": templating.check_template(item.get("body"), errors, f"{where}.body")}
    if kind == "transition":
        action = str(item.get("action") or "").strip()
        if not any(t.action == action for t in ref.transitions):
            errors[f"{where}.action"] = [_("Unknown workflow action “%(action)s”.") % {"action": action[:40]}]
        return {"type": kind, "action": action}
    if kind == "notify":
        recipients = [str(r) for r in _as_list(item.get("recipients"))]
        if not recipients or any(r not in RECIPIENTS for r in recipients):
            errors[f"{where}.recipients"] = [_("Choose who hears of it.")]
        message = templating.check_template(item.get("message"), errors, f"{where}.message")
        return {"type": kind, "recipients": list(dict.fromkeys(recipients)), "message": message}
    if kind == "webhook":
        hook_id = _id(item.get("webhook"))
        if hook_id is None or not Webhook.objects.filter(pk=hook_id).exists():
            errors[f"{where}.webhook"] = [_("Choose a webhook.")]
        return {"type": kind, "webhook": hook_id}
    # subtickets
    lines = [str(line).strip() for line in _as_list(item.get("items"), split_lines=True)]
    lines = [line for line in lines if line]
    if not lines or len(lines) > MAX_ITEMS:
        errors[f"{where}.items"] = [_("Enter one to %(max)d checklist lines.") % {"max": MAX_ITEMS}]
    for index, line in enumerate(lines):
        templating.check_template(line, errors, f"{where}.items.{index}")
        if len(line) > 200:
            errors[f"{where}.items.{index}"] = [_("At most %(max)d characters.") % {"max": 200}]
    return {"type": kind, "items": lines}


def _as_list(value: Any, *, split_lines: bool = False) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        return value.splitlines() if split_lines else [part.strip() for part in value.split(",")]
    return [value]


def clean_actions(
    raw: Any, *, allowed: Iterable[str] = TYPES, prefix: str = "actions", required: bool = True
) -> list[dict[str, Any]]:
    if raw in (None, ""):
        raw = []
    if not isinstance(raw, list):
        message = _("Actions must be a list.")
        raise ValidationFailed(message, details={prefix: [message]})
    if required and not raw:
        message = _("Add at least one action.")
        raise ValidationFailed(message, details={prefix: [message]})
    if len(raw) > MAX_ACTIONS:
        message = _("At most %(max)d actions.") % {"max": MAX_ACTIONS}
        raise ValidationFailed(message, details={prefix: [message]})
    errors: dict[str, list[str]] = {}
    allowed = frozenset(allowed)
    cleaned = [_clean_one(item, f"{prefix}.{index}", errors, allowed) for index, item in enumerate(raw)]
    if errors:
        raise ValidationFailed(_("Some actions are not valid."), details=errors)
    return cleaned


# --- what it would do, what it does -----------------------------------------------------------------------------


def _field_value(action: dict[str, Any]) -> tuple[str, Any]:
    """The ticket_edit change of a set_field action: (the change's name, the model row or value)."""
    ref = reference()
    name, value = action["field"], action["value"]
    if name == "priority":
        return "priority", ref.priority_by_code(value)
    if name == "ticket_type":
        return "ticket_type", ref.ticket_type_by_code(value)
    if name == "category":
        return "category", ref.categories.get(int(value)) or Category.objects.filter(pk=int(value)).first()
    return "custom_values", value


def plan(action: dict[str, Any], ticket: Ticket, *, tags: list[str] | None = None) -> str | None:
    """What the action would change on the ticket as it is now, in words; None when nothing."""
    kind = action["type"]
    if kind == "set_field":
        name, value = _field_value(action)
        if name == "custom_values":
            key = action["field"][7:]
            if str((ticket.custom_values or {}).get(key, "")) == str(value):
                return None
            return _("set %(field)s to “%(value)s”") % {"field": key, "value": value}
        if value is None or getattr(ticket, f"{name}_id") == value.pk:
            return None
        return _("set %(field)s to “%(value)s”") % {"field": SETTABLE[name], "value": value}
    if kind == "assign":
        team_same = action["team"] is None or action["team"] == ticket.team_id
        if team_same and (action["assignee"] is None or action["assignee"] == ticket.assignee_id):
            return None
        if ticket.status not in (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.PENDING_REQUESTER,
                                 Status.PENDING_THIRD_PARTY):  # fmt: skip
            return None
        parts = []
        if action["team"]:
            parts.append(str(reference().teams.get(action["team"]) or action["team"]))
        if action["assignee"]:
            person = User.objects.filter(pk=action["assignee"]).first()
            parts.append(person.name if person else str(action["assignee"]))
        return _("assign to %(whom)s") % {"whom": " / ".join(parts)}
    if kind == "add_tags":
        held = tags if tags is not None else [t.name for t in ticket.tags.all()]
        missing = [t for t in action["tags"] if t not in held]
        return _("add tags %(tags)s") % {"tags": ", ".join(missing)} if missing else None
    if kind == "note":
        return _("add an internal note: %(text)s") % {"text": templating.render(action["body"], ticket)[:200]}
    if kind == "reply":
        return _("reply to the requester: %(text)s") % {
            "text": templating.render(action["body"], ticket)[:200]
        }
    if kind == "transition":
        moves = [t for t in reference().workflow(ticket.ticket_type_id) if t.action == action["action"]]
        move = next((t for t in moves if t.from_status == ticket.status), None)
        if move is None:
            return None
        return _("change the status to %(status)s") % {"status": Status(move.to_status).label}
    if kind == "notify":
        whom = ", ".join(str(RECIPIENTS[r]) for r in action["recipients"])
        return _("notify %(whom)s") % {"whom": whom}
    if kind == "webhook":
        hook = Webhook.objects.filter(pk=action["webhook"]).first()
        return _("call the webhook %(name)s") % {"name": hook.name if hook else action["webhook"]}
    return _("create %(count)d sub-tickets") % {"count": len(action["items"])}


def _recipients(ticket: Ticket, wanted: list[str]) -> list[User]:
    people: dict[int, User] = {}
    if "requester" in wanted:
        people[ticket.requester_id] = ticket.requester
    if "assignee" in wanted and ticket.assignee_id:
        people[ticket.assignee_id] = ticket.assignee  # type: ignore[assignment]
    if ticket.team_id and ({"team", "team_lead"} & set(wanted)):
        members = Membership.objects.filter(team_id=ticket.team_id, user__is_active=True).select_related(
            "user"
        )
        for membership in members:
            if "team" in wanted or membership.team_role == Membership.TeamRole.LEAD:
                people[membership.user_id] = membership.user
    if "watchers" in wanted:
        people.update({u.pk: u for u in ticket.watchers.all()})
    return list(people.values())


def apply(action: dict[str, Any], ticket: Ticket, context: Context) -> tuple[Ticket, str | None]:
    """Do the action through the services; returns the ticket as it now is and what was done (None: nothing
    needed doing). Raises the services' DomainError when they refuse."""
    described = plan(action, ticket)
    if described is None:
        return ticket, None
    kind = action["type"]
    if kind == "set_field":
        name, value = _field_value(action)
        if name == "custom_values":
            value = {**(ticket.custom_values or {}), action["field"][7:]: value}
        return ticket_edit(actor=context.actor, ticket=ticket, changes={name: value}), described
    if kind == "assign":
        team = Team.objects.get(pk=action["team"]) if action["team"] else None
        person = User.objects.get(pk=action["assignee"]) if action["assignee"] else None
        if person is None:
            return ticket_edit(actor=context.actor, ticket=ticket, changes={"team": team}), described
        return ticket_assign(actor=context.actor, ticket=ticket, assignee=person,
                             team=team if team is not None else UNSET, reason=context.source), described  # fmt: skip
    if kind == "add_tags":
        held = [t.name for t in ticket.tags.all()]
        changes = {"tags": [*held, *[t for t in action["tags"] if t not in held]]}
        return ticket_edit(actor=context.actor, ticket=ticket, changes=changes), described
    if kind in ("note", "reply"):
        body = templating.render(action["body"], ticket, agent=context.agent_name)
        ticket_comment(actor=context.author, ticket=ticket, body=body, is_internal=kind == "note")
        return Ticket.objects.get(pk=ticket.pk), described
    if kind == "transition":
        return ticket_transition(actor=context.actor, ticket=ticket, action=action["action"],
                                 note=_("Done by “%(name)s”.") % {"name": context.source.get("name", "")}), described  # fmt: skip
    if kind == "notify":
        message = templating.render(action["message"], ticket, agent=context.agent_name)
        notify(recipients=_recipients(ticket, action["recipients"]), kind=NOTICE_KIND, ticket=ticket,
               data={"message": message[:1000], "rule": context.source.get("name", "")})  # fmt: skip
        return ticket, described
    if kind == "webhook":
        hook = Webhook.objects.get(pk=action["webhook"])
        key = f"auto_{context.key}_w{hook.pk}"[:200]
        body = json.dumps({"type": "automation.rule_applied", "timestamp": timezone.now(),
                           "data": {"rule": context.source, "ticket": {
                               "number": ticket.number, "subject": ticket.subject, "status": ticket.status,
                               "priority": label_of(ticket.priority), "team": label_of(ticket.team),
                               "assignee": label_of(ticket.assignee)}}},
                          cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))  # fmt: skip
        outbox_enqueue(channel=OutboxMessage.Channel.WEBHOOK, address=hook.url, subject="automation.rule_applied",
                       body_text=body, headers={"webhook-id": key}, idempotency_key=key, kind="automation",
                       ticket=ticket, webhook=hook)  # fmt: skip
        return ticket, described
    for line in action["items"]:
        ticket_create(actor=None, requester=ticket.requester, subject=templating.render(line, ticket)[:200],
                      category=ticket.category, team=ticket.team, priority=ticket.priority, parent=ticket,
                      channel=ticket.channel)  # fmt: skip
    return ticket, described
