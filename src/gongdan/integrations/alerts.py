"""Monitoring alerts → tickets: one open ticket per problem, whatever the number of deliveries.

A problem is keyed by (integration, fingerprint): Alertmanager's fingerprint (a hash of the labels) or the
Zabbix problem event id. Its first firing opens a ticket; the same firing delivered again (Alertmanager
repeats every repeat_interval, and retries) changes nothing; a firing after a recovery (or with a new start
time) is a re-fire and adds a comment to the same ticket, reopening it if it was resolved; a recovery adds an
event and, if the admin chose so, resolves the ticket. A problem whose ticket was closed or cancelled starts a
new ticket.

Every ticket change goes through gongdan.tickets.services: tickets are created and resolved by the system
(actor=None) with the integration's service account as the requester, and comments are written by that
account.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.core.domain_errors import DomainError
from gongdan.integrations import events
from gongdan.integrations.models import AlertLink, AlertState, Integration
from gongdan.integrations.services import category_gap
from gongdan.tickets.models import Channel, Priority, Status, Ticket
from gongdan.tickets.services import (
    MAX_DESCRIPTION,
    MAX_SUBJECT,
    IntakeDefaults,
    append_event,
    default_priority,
    ticket_comment,
    ticket_create,
    ticket_transition,
)

logger = logging.getLogger("gongdan.integrations")
FINISHED_FOR_GOOD = (Status.CLOSED, Status.CANCELLED)


@dataclass(frozen=True)
class Alert:
    """One alert as any monitoring system sends it, after the edge has checked its shape."""

    key: str  # fingerprint / problem event id
    firing: bool
    starts_at: str
    severity: str
    subject: str
    description: str
    ends_at: str = ""
    repeat_note: str = ""  # what a re-fire comment says besides the time


@dataclass
class Outcome:
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("created", "refired", "resolved", "unchanged", "ignored"), 0)
    )
    tickets: dict[str, str] = field(default_factory=dict)  # key → ticket number
    unmapped_severities: list[str] = field(default_factory=list)
    category_gap: dict[str, Any] | None = None  # tickets opened without the default category, and why

    def as_dict(self) -> dict[str, Any]:
        found = {**self.counts, "tickets": self.tickets, "unmapped_severities": self.unmapped_severities}
        if self.category_gap:
            found["category_gap"] = self.category_gap
        return found


def priority_for(
    integration: Integration, severity: str, table: dict[str, Priority]
) -> tuple[Priority, bool]:
    """The priority the admin's table gives this severity, or the default one (and False when unmapped)."""
    value = " ".join((severity or "").split()).lower()
    if value and value in table:
        return table[value], True
    fallback = integration.default_priority or (
        integration.category.default_priority if integration.category else None
    )
    return fallback or default_priority(), not value


def severity_table(integration: Integration) -> dict[str, Priority]:
    return {m.value: m.priority for m in integration.severities.select_related("priority")}


def alerts_receive(*, integration: Integration, alerts: Sequence[Alert]) -> Outcome:
    """Apply a delivery's alerts in order, each in its own transaction (a retry after a failure half-way
    re-applies the rest and finds the first ones already done)."""
    outcome = Outcome()
    table = severity_table(integration)
    links = {
        link.fingerprint: link
        for link in AlertLink.objects.filter(
            integration=integration, fingerprint__in={a.key for a in alerts}
        ).select_related("ticket")
    }
    seen: list[int] = []
    for alert in alerts:
        link = links.get(alert.key)
        if link is not None and link.ticket is not None and _is_repeat(link, alert):
            # The common case in a storm and on every repeat_interval: nothing to change, no lock taken.
            outcome.counts["unchanged"] += 1
            outcome.tickets[alert.key] = link.ticket.number
            seen.append(link.pk)
            continue
        if link is None and not alert.firing:
            outcome.counts["ignored"] += 1  # a recovery for a problem we never saw
            continue
        result, link = _apply(integration, alert, table, outcome)
        outcome.counts[result] += 1
        if link is not None:
            links[alert.key] = link
            if link.ticket is not None:
                outcome.tickets[alert.key] = link.ticket.number
    if seen:
        AlertLink.objects.filter(pk__in=seen).update(last_seen_at=timezone.now())
    return outcome


def _is_repeat(link: AlertLink, alert: Alert) -> bool:
    if alert.firing:
        return link.state == AlertState.FIRING and link.starts_at == alert.starts_at
    return link.state == AlertState.RESOLVED


@transaction.atomic
def _apply(
    integration: Integration, alert: Alert, table: dict[str, Priority], outcome: Outcome
) -> tuple[str, AlertLink | None]:
    # Claim the problem's row (or wait for whoever holds it), then decide under its lock.
    link, _created = AlertLink.objects.get_or_create(integration=integration, fingerprint=alert.key)
    link = AlertLink.objects.select_for_update().get(pk=link.pk)
    ticket = Ticket.objects.filter(pk=link.ticket_id).first() if link.ticket_id else None
    if ticket is not None and ticket.duplicate_of_id:  # an agent merged it: follow to the surviving ticket
        survivor = (
            Ticket.objects.filter(pk=ticket.duplicate_of_id).exclude(status__in=FINISHED_FOR_GOOD).first()
        )
        if survivor is not None:
            ticket = link.ticket = survivor
            link.save(update_fields=["ticket"])
    now = timezone.now()
    if not alert.firing:
        if ticket is None:
            link.delete()  # claimed for a recovery of a problem we never opened: leave no trace
            return "ignored", None
        if link.state == AlertState.RESOLVED:
            return "unchanged", link
        _recover(integration, alert, link, ticket)
        link.state = AlertState.RESOLVED
        link.last_seen_at = now
        link.save(update_fields=["state", "last_seen_at"])
        return "resolved", link
    if ticket is None or ticket.status in FINISHED_FOR_GOOD:
        link.ticket = _open_ticket(integration, alert, table, outcome)
        link.state, link.starts_at, link.fire_count, link.last_seen_at = (
            AlertState.FIRING,
            alert.starts_at,
            1,
            now,
        )
        link.save(update_fields=["ticket", "state", "starts_at", "fire_count", "last_seen_at"])
        return "created", link
    if link.state == AlertState.FIRING and link.starts_at == alert.starts_at:
        return "unchanged", link
    when = alert.starts_at or now.isoformat()
    body = _("The alert fired again (since %(when)s).") % {"when": when}
    if alert.repeat_note:
        body = f"{body}\n\n{alert.repeat_note}"
    ticket_comment(actor=integration.service_user, ticket=ticket, body=body[:MAX_DESCRIPTION],
                   channel=Channel.MONITORING)  # fmt: skip
    link.state, link.starts_at, link.last_seen_at = AlertState.FIRING, alert.starts_at, now
    link.fire_count = F("fire_count") + 1
    link.save(update_fields=["state", "starts_at", "fire_count", "last_seen_at"])
    link.refresh_from_db(fields=["fire_count"])
    link.ticket = ticket
    return "refired", link


def _open_ticket(
    integration: Integration, alert: Alert, table: dict[str, Priority], outcome: Outcome
) -> Ticket:
    priority, mapped = priority_for(integration, alert.severity, table)
    description = alert.description
    if not mapped:
        note = _("Severity “%(severity)s” is not in this integration's severity table, so the default "
                 "priority %(priority)s was used.") % {"severity": alert.severity, "priority": priority.code}  # fmt: skip
        description = f"{description}\n\n> {note}"
        if alert.severity not in outcome.unmapped_severities:
            outcome.unmapped_severities.append(alert.severity)
    category, team, gap = usable_category(integration)
    ticket = ticket_create(
        actor=None,
        requester=integration.service_user,
        subject=_subject(alert.subject),
        description=description[:MAX_DESCRIPTION],
        priority=priority,
        defaults=IntakeDefaults(category=category, team=team, ticket_type=integration.ticket_type),
        channel=Channel.MONITORING,
    )
    if gap:
        outcome.category_gap = gap
        record_category_gap(ticket, integration, gap)
    if not mapped:
        append_event(ticket, actor=None, kind=events.SEVERITY_UNMAPPED,
                     data={"severity": alert.severity, "priority": priority.code, "integration": integration.name})  # fmt: skip
    return ticket


def usable_category(integration: Integration) -> tuple[Any, Any, dict[str, Any] | None]:
    """The category and team a new ticket gets. A default category that gained a required field this
    integration cannot fill (settings refuse it, but a field can be made required later) would refuse every
    ticket and lose the alert: the ticket is opened without it, in the category's team, and says why."""
    gap = category_gap(integration)
    if gap is None:
        return integration.category, integration.team, None
    return None, integration.team or integration.category.default_team, gap


def record_category_gap(ticket: Ticket, integration: Integration, gap: dict[str, Any]) -> None:
    logger.warning("integration %s: category %s has required fields it cannot fill; ticket %s opened "
                   "without it", integration.slug, integration.category_id, ticket.number)  # fmt: skip
    append_event(ticket, actor=None, kind=events.CATEGORY_UNUSABLE,
                 data={**gap, "integration": integration.name, "kind": integration.kind})  # fmt: skip


def _recover(integration: Integration, alert: Alert, link: AlertLink, ticket: Ticket) -> None:
    append_event(ticket, actor=None, kind=events.ALERT_RESOLVED,
                 data={"integration": integration.name, "fingerprint": alert.key, "ends_at": alert.ends_at})  # fmt: skip
    if integration.resolve_on_recovery and ticket.status not in (Status.RESOLVED, *FINISHED_FOR_GOOD):
        note = _("Resolved automatically: %(name)s reported the alert resolved at %(when)s.") % {
            "name": integration.name,
            "when": alert.ends_at or timezone.now().isoformat(),
        }
        try:
            with transaction.atomic():
                ticket_transition(actor=None, ticket=ticket, action="resolve", note=note)
        except DomainError:  # this ticket type's workflow cannot resolve from here: the ticket stays open
            logger.info("ticket %s not resolved on recovery: no resolve transition", ticket.number)


def _subject(text: str) -> str:
    text = " ".join((text or "").split()) or _("Alert")
    return text if len(text) <= MAX_SUBJECT else text[: MAX_SUBJECT - 1] + "…"


@transaction.atomic
def alert_comment(*, integration: Integration, key: str, body: str) -> Ticket | None:
    """An update about a known problem (a Zabbix acknowledgement or a message): a comment on its ticket.
    None when the problem is unknown or its ticket is finished."""
    link = AlertLink.objects.select_for_update().filter(integration=integration, fingerprint=key).first()
    if link is None or link.ticket_id is None:
        return None
    ticket = Ticket.objects.get(pk=link.ticket_id)
    if ticket.status in FINISHED_FOR_GOOD or not (body or "").strip():
        return None
    ticket_comment(actor=integration.service_user, ticket=ticket, body=body[:MAX_DESCRIPTION],
                   channel=Channel.MONITORING)  # fmt: skip
    return ticket
