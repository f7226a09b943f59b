"""The rule engine: an after-commit consumer of ticket events (gongdan.tickets.pipeline).

Ticket services append `TicketEvent` rows (rule 3); they know nothing about notifications. The pipeline hands
this engine the events it has not seen, in batches, inside the transaction that moves its cursor: it matches
them against the admin's rules and writes the messages they call for (in-app notices, outbox emails, chat
posts, webhook calls) in that transaction, so an event is acted on once and a consumer killed half-way
commits nothing. The rules, the teams' members and the people's preferences are read once per batch."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import prefetch_related_objects
from django.utils import translation

from gongdan.accounts.models import Membership, User
from gongdan.notifications import kinds
from gongdan.notifications.models import NotificationRule, Recipient, RuleEvent
from gongdan.notifications.services import Fanout, compose_email, email_headers
from gongdan.outbox.models import OutboxMessage
from gongdan.outbox.services import Draft
from gongdan.tickets import pipeline
from gongdan.tickets.models import TicketEvent

log = logging.getLogger(__name__)

MAX_EXCERPT = 1000

# Which ticket event kinds feed which rule event. Other apps add theirs (a survey, say) with
# `register_event_source` from their AppConfig.ready.
EVENT_SOURCES: dict[str, str] = {
    "created": RuleEvent.CREATED,
    "assigned": RuleEvent.ASSIGNED,
    "commented": RuleEvent.COMMENTED,
    "transitioned": RuleEvent.STATE_CHANGED,
    "sla_escalated": RuleEvent.SLA_WARNING,
    "sla_breached": RuleEvent.SLA_BREACHED,
    "oncall_paged": RuleEvent.P0_PAGE,
    "survey_sent": RuleEvent.SURVEY,
}
# Requesters (and other non-staff) only ever hear about what their own timeline shows them.
PUBLIC_EVENTS = {RuleEvent.CREATED, RuleEvent.COMMENTED, RuleEvent.STATE_CHANGED, RuleEvent.SURVEY}
KIND_OF = {event: f"ticket_{event}" for event in RuleEvent.values}
WEBHOOK_TYPES: dict[str, str] = {
    RuleEvent.CREATED: "ticket.created",
    RuleEvent.ASSIGNED: "ticket.assigned",
    RuleEvent.COMMENTED: "ticket.commented",
    RuleEvent.STATE_CHANGED: "ticket.status_changed",
    RuleEvent.SLA_WARNING: "ticket.sla_warning",
    RuleEvent.SLA_BREACHED: "ticket.sla_breached",
    RuleEvent.P0_PAGE: "ticket.paged",
    RuleEvent.SURVEY: "ticket.survey_sent",
    RuleEvent.LOW_STOCK: "ticket.part_low_stock",
}


# Recipients another app knows how to find (on-call: whoever is on call for the ticket's team now). Registered
# with `register_recipients` from that app's AppConfig.ready.
RECIPIENT_RESOLVERS: dict[str, Callable[[Any], Iterable[User]]] = {}


def register_recipients(recipient: str, resolve: Callable[[Any], Iterable[User]]) -> None:
    if recipient not in Recipient.values:
        raise ValueError(f"unknown recipient {recipient!r}")
    RECIPIENT_RESOLVERS[recipient] = resolve


def register_event_source(ticket_event_kind: str, rule_event: str) -> None:
    if rule_event not in RuleEvent.values:
        raise ValueError(f"unknown rule event {rule_event!r}")
    EVENT_SOURCES[ticket_event_kind] = rule_event


def rule_event_of(event: TicketEvent) -> str | None:
    rule_event = EVENT_SOURCES.get(event.kind)
    if rule_event == RuleEvent.COMMENTED and event.is_internal:
        return None
    if rule_event == RuleEvent.P0_PAGE and (event.data or {}).get("repeat"):
        return None  # the first page, not its repeats
    return rule_event


def _name(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("label") or "")
    return str(value or "")


def event_data(event: TicketEvent, rule_event: str) -> dict[str, Any]:
    """What the notice needs to say, kept with it (it is rendered when read, in the reader's language)."""
    data = event.data if isinstance(event.data, dict) else {}
    found: dict[str, Any] = {"event": event.pk, "actor": event.actor.name if event.actor else ""}
    if rule_event == RuleEvent.CREATED:
        found["requester_id"] = event.ticket.requester_id
    elif rule_event == RuleEvent.ASSIGNED:
        after = data.get("to") or {}
        found["assignee"] = _name(after.get("assignee"))
        found["assignee_id"] = (
            (after.get("assignee") or {}).get("id") if isinstance(after.get("assignee"), dict) else None
        )
        found["team"] = _name(after.get("team"))
    elif rule_event == RuleEvent.STATE_CHANGED:
        found["from"], found["to"] = data.get("from"), data.get("to")
    elif rule_event == RuleEvent.COMMENTED and event.comment is not None:
        found["excerpt"] = event.comment.body[:MAX_EXCERPT]
    elif rule_event in (RuleEvent.SLA_WARNING, RuleEvent.SLA_BREACHED):
        found["target"] = data.get("clock") or data.get("target")
        found["percent"] = data.get("percent")
    elif rule_event == RuleEvent.P0_PAGE:
        found["reason"] = data.get("reason", "")
    elif rule_event == RuleEvent.LOW_STOCK:
        found["stock"] = {
            key: data.get(key) for key in ("part", "name", "name_en", "total", "reorder_point", "unit")
        }
    return found


@dataclass
class Outgoing:
    """Everything one event causes, gathered first so each person gets one message per event."""

    people: dict[int, tuple[User, set[str], str]] = field(default_factory=dict)  # user → channels, template
    addresses: dict[str, str] = field(default_factory=dict)  # fixed address → template
    bots: dict[int, tuple[Any, str]] = field(default_factory=dict)
    hooks: dict[int, Any] = field(default_factory=dict)


def _recipients(rule: NotificationRule, ticket: Any, cache: dict[str, Any]) -> list[User]:
    people: list[User] = []
    wanted = set(rule.recipients or [])
    if Recipient.REQUESTER in wanted:
        people.append(ticket.requester)
    if Recipient.ASSIGNEE in wanted and ticket.assignee is not None:
        people.append(ticket.assignee)
    if ticket.team_id and wanted & {Recipient.TEAM, Recipient.TEAM_LEAD}:
        key = f"team{ticket.team_id}"
        if key not in cache:
            cache[key] = list(
                Membership.objects.filter(team_id=ticket.team_id, user__is_active=True).select_related("user")
            )
        for membership in cache[key]:
            if Recipient.TEAM in wanted or membership.team_role == Membership.TeamRole.LEAD:
                people.append(membership.user)
    if Recipient.WATCHERS in wanted:
        people.extend(ticket.watchers.all())
    for recipient, resolve in RECIPIENT_RESOLVERS.items():
        if recipient in wanted:
            people.extend(resolve(ticket))
    return people


def _matches(rule: NotificationRule, rule_event: str, ticket: Any) -> bool:
    if rule.event != rule_event:
        return False
    if rule.team_id and rule.team_id != ticket.team_id:
        return False
    priorities = {p.pk for p in rule.priorities.all()}
    return not priorities or ticket.priority_id in priorities


def gather(
    event: TicketEvent, rule_event: str, rules: Iterable[NotificationRule], cache: dict[str, Any]
) -> Outgoing:
    out = Outgoing()
    ticket = event.ticket
    for rule in rules:
        if not _matches(rule, rule_event, ticket):
            continue
        channels = set(rule.channels or [])
        if channels:
            for person in _recipients(rule, ticket, cache):
                if person is None or not person.is_active:
                    continue
                # Nobody hears of their own action, except the requester's receipt for the ticket they filed.
                receipt = (rule_event == RuleEvent.CREATED and person.pk == ticket.requester_id
                           and Recipient.REQUESTER in (rule.recipients or []))  # fmt: skip
                if person.pk == event.actor_id and not receipt:
                    continue
                if not person.is_staff_member and rule_event not in PUBLIC_EVENTS:
                    continue
                held = out.people.get(person.pk)
                out.people[person.pk] = (
                    person,
                    (held[1] if held else set()) | channels,
                    held[2] if held else rule.template,
                )
        if rule.fixed_address:
            out.addresses.setdefault(rule.fixed_address.lower(), rule.template)
        for bot in rule.chat_bots.all():
            out.bots.setdefault(bot.pk, (bot, rule.template))
        for hook in rule.webhooks.all():
            out.hooks.setdefault(hook.pk, hook)
    return out


def ticket_snapshot(ticket: Any) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority.code,
        "team": {"id": ticket.team_id, "name": str(ticket.team)} if ticket.team_id else None,
        "assignee": {
            "id": ticket.assignee_id,
            "username": ticket.assignee.username,
            "name": ticket.assignee.name,
        }
        if ticket.assignee_id
        else None,
        "requester": {"id": ticket.requester_id, "name": ticket.requester.name},
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "url": kinds.ticket_url(ticket),
    }


def webhook_body(event: TicketEvent, rule_event: str) -> str:
    payload = {
        "type": WEBHOOK_TYPES.get(rule_event, f"ticket.{rule_event}"),
        "timestamp": event.created_at,
        "data": {
            "event": {
                "id": event.pk,
                "kind": event.kind,
                "actor": {"id": event.actor_id, "name": event.actor.name} if event.actor else None,
                "created_at": event.created_at,
                "data": event.data,
            },
            "ticket": ticket_snapshot(event.ticket),
        },
    }
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def chat_parts(bot: Any, kind: str, ticket: Any, data: dict[str, Any], template: str) -> dict[str, Any]:
    with translation.override(bot.language or settings.LANGUAGE_CODE):
        rendered = kinds.render(kind, data={**data, "template": template}, ticket=ticket, user=None)
        return {
            "title": f"{ticket.number} {rendered.title}",
            "lines": rendered.lines[1:],
            "url": rendered.action_url or kinds.ticket_url(ticket),
            "link_label": str(rendered.action_label or translation.gettext("Open the ticket")),
        }


def act(event: TicketEvent, rule_event: str, out: Outgoing, fanout: Fanout) -> int:
    """Gather what `out` says for this event into the batch's `fanout`; returns how many messages/notices."""
    kind = KIND_OF[rule_event]
    ticket = event.ticket
    data = event_data(event, rule_event)
    written = 0
    urgent = rule_event == RuleEvent.P0_PAGE
    by_template: dict[tuple[str, frozenset[str]], list[User]] = {}
    for person, channels, template in out.people.values():
        by_template.setdefault((template, frozenset(channels)), []).append(person)
    for (template, wanted), people in by_template.items():
        written += fanout.people(people=people, kind=kind, ticket=ticket, data={**data, "template": template},
                                 channels=set(wanted), urgent=urgent, key_prefix=f"e{event.pk}")  # fmt: skip
    for address, template in out.addresses.items():
        key = f"e{event.pk}.a.{address}"[:200]
        reader = User(language=settings.LANGUAGE_CODE, email=address)
        fanout.message(Draft(channel=OutboxMessage.Channel.EMAIL, address=address, idempotency_key=key, kind=kind,
                             ticket_id=ticket.pk, headers=email_headers(key=key, kind=kind, ticket=ticket),
                             **compose_email(user=reader, kind=kind, ticket=ticket,
                                             data={**data, "template": template})))  # fmt: skip
        written += 1
    for bot, template in out.bots.values():
        if not bot.is_active:
            continue
        parts = chat_parts(bot, kind, ticket, data, template)
        fanout.message(Draft(channel=OutboxMessage.Channel.CHAT, address=bot.name, subject=parts["title"],
                             body_text="\n".join(parts["lines"]), headers=parts, kind=kind, ticket_id=ticket.pk,
                             chat_bot_id=bot.pk, idempotency_key=f"e{event.pk}.bot{bot.pk}", urgent=urgent))  # fmt: skip
        written += 1
    for hook in out.hooks.values():
        if not hook.is_active:
            continue
        key = f"msg_gd{event.pk}w{hook.pk}"
        fanout.message(Draft(channel=OutboxMessage.Channel.WEBHOOK, address=hook.url,
                             subject=WEBHOOK_TYPES[rule_event], body_text=webhook_body(event, rule_event),
                             headers={"webhook-id": key}, kind=kind, ticket_id=ticket.pk, webhook_id=hook.pk,
                             idempotency_key=key, urgent=urgent))  # fmt: skip
        written += 1
    return written


CONSUMER = "notifications.rules"
RELATED = ("ticket__requester", "ticket__assignee", "ticket__team", "ticket__priority", "actor", "comment")


def handle_events(events: list[TicketEvent]) -> int:
    """Act on a batch of new events (the pipeline's consumer): the rules, the teams' members, the tickets'
    watchers and the people's choices are read once for the batch, and everything it sends is written in two
    statements. Returns how many messages/notices it wrote."""
    rules = list(
        NotificationRule.objects.filter(is_active=True).prefetch_related(
            "priorities", "chat_bots", "webhooks"
        )
    )
    if not rules:
        return 0
    if any(Recipient.WATCHERS in (rule.recipients or []) for rule in rules):
        prefetch_related_objects(list({e.ticket_id: e.ticket for e in events}.values()), "watchers")
    cache: dict[str, Any] = {}
    gathered = []
    for event in events:
        rule_event = rule_event_of(event)
        if rule_event is not None:
            gathered.append((event, rule_event, gather(event, rule_event, rules, cache)))
    fanout = Fanout()
    fanout.know(pk for _event, _kind, out in gathered for pk in out.people)
    for event, rule_event, out in gathered:
        act(event, rule_event, out, fanout)
    return fanout.flush()


def process_events() -> dict[str, int]:
    """Run the engine now on whatever is new (scripts, tests; the queue does this after each commit)."""
    result = pipeline.run(names=[CONSUMER])
    return {
        "events": result.handled.get(CONSUMER, 0),
        "messages": result.results.get(CONSUMER, 0),
    }
