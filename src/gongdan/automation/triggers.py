"""What starts a rule: the ticket event kinds behind each trigger, and time.

The built-in triggers are below. Any other app's event kind registered on the tickets' timeline
(`tickets.events.register`, e.g. the approvals app's decision) is a trigger too, under its own kind, so a new
app needs no change here; an app that wants a friendlier name or several kinds under one trigger calls
`register_trigger` from its AppConfig.ready()."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongdan.tickets import events as ticket_events

TIME = "time"


@dataclass(frozen=True)
class Trigger:
    key: str
    label: str | Promise
    kinds: frozenset[str]


_triggers: dict[str, Trigger] = {}


def register_trigger(key: str, label: str | Promise, kinds: set[str] | frozenset[str]) -> None:
    held = _triggers.get(key)
    trigger = Trigger(key, label, frozenset(kinds))
    if held is not None and held != trigger:
        raise ValueError(f"an automation trigger named {key!r} is already registered")
    _triggers[key] = trigger


register_trigger("created", _("Ticket created"), {ticket_events.CREATED})
register_trigger("updated", _("Fields changed"), {ticket_events.UPDATED})
register_trigger("assigned", _("Assignment changed"), {ticket_events.ASSIGNED})
register_trigger("commented", _("Public reply added"), {ticket_events.COMMENTED})
register_trigger("note_added", _("Internal note added"), {ticket_events.NOTE_ADDED})
register_trigger("state_changed", _("Status changed"), {ticket_events.TRANSITIONED})
register_trigger("sla_warning", _("SLA warning"), {"sla_escalated"})
register_trigger("sla_breached", _("SLA breached"), {"sla_breached"})
# The approvals app's event kinds (it sits beside this app: neither imports the other). "event.decision" reads
# the decision or the outcome (automation.conditions).
register_trigger("approval_decided", _("Approval decided (by one approver)"), {"approval_decided"})
register_trigger(
    "approval_finished", _("Approval finished (approved, rejected or cancelled)"), {"approval_finished"}
)

# Kinds that are never a trigger: the automation's own warning (it would feed the loop it reports).
NOT_TRIGGERS = {"automation_loop_stopped"}


def triggers() -> dict[str, Trigger]:
    """Every trigger an admin may choose: the registered ones, then each other registered event kind."""
    known = dict(_triggers)
    covered = {kind for trigger in known.values() for kind in trigger.kinds}
    for kind in sorted(ticket_events.DESCRIPTIONS):
        if kind not in covered and kind not in known and kind not in NOT_TRIGGERS:
            known[kind] = Trigger(kind, ticket_events.DESCRIPTIONS[kind], frozenset({kind}))
    return known


def choices() -> list[tuple[str, str]]:
    listed = [(key, str(trigger.label)) for key, trigger in triggers().items()]
    return [*listed, (TIME, str(_("Time: waiting in a status for business days")))]


def kinds_of(key: str) -> frozenset[str]:
    trigger = triggers().get(key)
    return trigger.kinds if trigger else frozenset()
