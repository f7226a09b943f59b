"""The rules engine: an after-commit consumer of ticket events (gongdan.tickets.pipeline), and the one place a
rule is run on a ticket — for an event, for a time rule's waiting episode (automation.timed), or in a dry run.

**Order and at most once.** Active rules are compiled once per configuration version (conditions turned
into functions, rules indexed by the event kinds of their trigger) and run in their order (`position`, then
id). A rule runs at most once per event: its run row is unique on (rule, event), written in the same
transaction as the pipeline cursor that hands the event over.

**Loops.** The events a rule's actions write are recorded with the chain of rules that led to them
(`CausedEvent`). When such an event comes back through the pipeline, a rule already in its chain — or a chain
already MAX_DEPTH rules long — is not run again if it would change anything: the run is recorded as stopped,
the rule carries a warning on the settings screen, and the ticket's timeline says so. A rule that finds
nothing left to change (it already added the tag) is simply recorded as "nothing to change".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongdan.accounts.models import Role, User
from gongdan.accounts.services import user_create
from gongdan.automation import actions as action_types
from gongdan.automation import triggers
from gongdan.automation.conditions import Check, Subject, compile_conditions
from gongdan.automation.events import LOOP_STOPPED
from gongdan.automation.models import CausedEvent, Rule, RuleRun
from gongdan.core.config_cache import cached
from gongdan.core.domain_errors import DomainError
from gongdan.tickets import pipeline
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.services import append_event, lock_ticket

log = logging.getLogger(__name__)

CONSUMER = "automation.rules"
MAX_DEPTH = 5
SERVICE_USERNAME = "automation"
# The asset with its type and place come in the same query: conditions on "asset.…" read them for every rule.
TICKET_RELATED = (
    "requester",
    "assignee",
    "team",
    "priority",
    "category",
    "asset__asset_type",
    "asset__location",
)


@dataclass(frozen=True)
class CompiledRule:
    id: int
    name: str
    version: int
    trigger: str
    check: Check
    actions: tuple[dict[str, Any], ...]
    wait_status: str = ""
    wait_business_days: int = 0
    calendar_id: int | None = None


@dataclass
class Index:
    by_kind: dict[str, list[CompiledRule]] = field(default_factory=dict)
    timed: list[CompiledRule] = field(default_factory=list)
    count: int = 0


def compile_rule(rule: Rule) -> CompiledRule:
    return CompiledRule(
        id=rule.pk, name=rule.name, version=rule.version, trigger=rule.trigger,
        check=compile_conditions(list(rule.conditions or [])), actions=tuple(rule.actions or []),
        wait_status=rule.wait_status, wait_business_days=rule.wait_business_days or 0, calendar_id=rule.calendar_id,
    )  # fmt: skip


def _load_index() -> Index:
    index = Index()
    for rule in Rule.objects.filter(is_active=True).order_by("position", "pk"):
        compiled = compile_rule(rule)
        index.count += 1
        if rule.trigger == triggers.TIME:
            index.timed.append(compiled)
            continue
        for kind in triggers.kinds_of(rule.trigger):
            index.by_kind.setdefault(kind, []).append(compiled)
    return index


def current_index() -> Index:
    """The active rules, compiled, for this process (rebuilt when any configuration changes)."""
    return cached("automation.rules", _load_index)


def plan_all(rule_actions: tuple[dict[str, Any], ...] | list[dict[str, Any]], ticket: Ticket) -> list[str]:
    tags = [t.name for t in ticket.tags.all()]
    return [p for p in (action_types.plan(a, ticket, tags=tags) for a in rule_actions) if p]


def in_languages(words: Callable[[], list[str]]) -> dict[str, list[str]]:
    """The same words in each of the site's languages (a run's history is read by admins in either)."""
    said: dict[str, list[str]] = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            said[code] = words()
    return said


def service_user() -> User:
    """The account the automation writes notes and replies as (a manager's rights to see and work every
    ticket; no password, so nobody signs in as it)."""
    found = User.objects.filter(username=SERVICE_USERNAME).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return user_create(actor=None, username=SERVICE_USERNAME, role=Role.MANAGER,
                               display_name="自动化 Automation", language="zh-hans")  # fmt: skip
    except IntegrityError:
        return User.objects.get(username=SERVICE_USERNAME)


def fresh_ticket(ticket_id: int, *, tags: bool = True) -> Ticket:
    rows = Ticket.objects.select_related(*TICKET_RELATED)
    return (rows.prefetch_related("tags") if tags else rows).get(pk=ticket_id)


@dataclass
class Outcome:
    run: RuleRun | None
    ticket: Ticket


def _record(rule: CompiledRule, ticket: Ticket, *, event: TicketEvent | None, episode: str, outcome: str,
            changes: dict[str, list[str]] | list[str], message: str, depth: int) -> RuleRun | None:  # fmt: skip
    try:
        with transaction.atomic():
            return RuleRun.objects.create(
                rule_id=rule.id, ticket=ticket, event=event, episode=episode, rule_version=rule.version,
                outcome=outcome, changes=changes, message=message[:1000], depth=depth,
            )  # fmt: skip
    except IntegrityError:  # already ran for this event or episode (another worker): at most once
        return None


def _stop_loop(rule: CompiledRule, ticket: Ticket, *, event: TicketEvent | None, episode: str, depth: int,
               chain: list[int], planned: dict[str, list[str]]) -> Outcome:  # fmt: skip
    names = dict(Rule.objects.filter(pk__in=chain).values_list("pk", "name"))
    path = " → ".join([*(names.get(pk, str(pk)) for pk in chain), rule.name])
    message = _("Stopped a loop: %(path)s (the same rule would act again on what it caused).") % {
        "path": path
    }
    if rule.id not in chain:
        message = _("Stopped a chain of %(depth)d rules: %(path)s.") % {"depth": depth, "path": path}
    run = _record(rule, ticket, event=event, episode=episode, outcome=RuleRun.Outcome.LOOP_STOPPED,
                  changes=planned, message=message, depth=depth)  # fmt: skip
    if run is None:
        return Outcome(None, ticket)
    Rule.objects.filter(pk=rule.id).update(loop_warning=message[:500], loop_warning_at=timezone.now())
    locked = lock_ticket(ticket, expected_version=None)
    append_event(locked, actor=None, kind=LOOP_STOPPED, is_internal=True,
                 data={"rule": {"id": rule.id, "label": rule.name}, "chain": chain, "message": message})  # fmt: skip
    return Outcome(run, ticket)


def run_rule(rule: CompiledRule, ticket: Ticket, *, event: TicketEvent | None = None, episode: str = "",
             depth: int = 0, chain: list[int] | None = None) -> Outcome:  # fmt: skip
    """Run a matching rule on a ticket (in the caller's transaction): its actions all happen or none does; the
    run is recorded either way. Returns the run (None when it had already run) and the ticket as it is now."""
    chain = list(chain or [])
    planned = in_languages(lambda: plan_all(rule.actions, ticket))
    if not planned[settings.LANGUAGE_CODE]:
        run = _record(rule, ticket, event=event, episode=episode, outcome=RuleRun.Outcome.NOTHING, changes=[],
                      message=str(_("The conditions held; there was nothing to change.")), depth=depth)  # fmt: skip
        return Outcome(run, ticket)
    if rule.id in chain or depth >= MAX_DEPTH:
        return _stop_loop(
            rule, ticket, event=event, episode=episode, depth=depth, chain=chain, planned=planned
        )
    source = {"automation_rule": rule.id, "name": rule.name}
    key = f"r{rule.id}e{event.pk}" if event is not None else f"r{rule.id}t{ticket.pk}{episode}"
    context = action_types.Context(actor=None, author=service_user(), key=key, source=source)
    watermark = TicketEvent.objects.aggregate(top=Max("pk"))["top"] or 0
    done: list[str] = []
    try:
        with transaction.atomic():
            run = RuleRun.objects.create(rule_id=rule.id, ticket=ticket, event=event, episode=episode,
                                         rule_version=rule.version, outcome=RuleRun.Outcome.APPLIED, depth=depth)  # fmt: skip
            current = ticket
            for action in rule.actions:
                current, described = action_types.apply(action, current, context)
                if described:
                    done.append(described)
            run.changes = planned if done else []
            run.save(update_fields=["changes"])
            written = TicketEvent.objects.filter(
                Q(ticket_id=ticket.pk) | Q(ticket__parent_id=ticket.pk), pk__gt=watermark
            ).values_list("pk", flat=True)
            CausedEvent.objects.bulk_create(
                CausedEvent(event_id=pk, run=run, depth=depth + 1, chain=[*chain, rule.id]) for pk in written
            )
    except IntegrityError:
        return Outcome(None, ticket)  # ran already (another worker, a retried batch)
    except DomainError as exc:
        failed = _record(rule, ticket, event=event, episode=episode, outcome=RuleRun.Outcome.FAILED,
                         changes=planned, message=str(exc.message), depth=depth)  # fmt: skip
        return Outcome(failed, fresh_ticket(ticket.pk))
    return Outcome(run, fresh_ticket(ticket.pk))


def handle_events(events: list[TicketEvent]) -> int:
    """The pipeline's consumer: run the matching rules on each event's ticket, in order. Returns how many rules
    ran (applied, failed or stopped)."""
    index = current_index()
    relevant = [e for e in events if e.kind in index.by_kind]
    if not relevant:
        return 0
    ids = [e.pk for e in relevant]
    causes = {c.event_id: c for c in CausedEvent.objects.filter(event_id__in=ids)}
    ran = 0
    tickets: dict[int, Ticket] = {}
    for event in relevant:
        cause = causes.get(event.pk)
        depth, chain = (cause.depth, list(cause.chain)) if cause else (0, [])
        ticket = tickets.get(event.ticket_id) or fresh_ticket(event.ticket_id, tags=False)
        subject = Subject(ticket, event)
        for rule in index.by_kind[event.kind]:
            if not rule.check(subject):
                continue
            outcome = run_rule(rule, ticket, event=event, depth=depth, chain=chain)
            ticket = outcome.ticket
            subject = Subject(ticket, event)  # later rules see what this one changed
            ran += outcome.run is not None
        tickets[event.ticket_id] = ticket
    return ran


def process_events() -> dict[str, int]:
    """Run the engine now on whatever is new (scripts, tests; the queue does this after each commit)."""
    result = pipeline.run(names=[CONSUMER])
    return {"events": result.handled.get(CONSUMER, 0), "runs": result.results.get(CONSUMER, 0)}
