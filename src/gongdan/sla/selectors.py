"""Reads of SLA data: a ticket's clocks for whoever may see the ticket, and the settings lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.accounts.models import Organisation, ServiceTier, User
from gongdan.assets.models import AssetType, Criticality, Location
from gongdan.core.bilingual import pick_label
from gongdan.core.domain_errors import NotFound
from gongdan.sla.escalation import clock_percent_used
from gongdan.sla.models import BusinessCalendar, ClockKind, SlaClock, SlaPolicy
from gongdan.sla.rules import current_rules
from gongdan.tickets.access import can_view
from gongdan.tickets.models import Category, Priority, Ticket, TicketType


@dataclass(frozen=True)
class ClockView:
    id: int
    kind: str
    kind_label: str
    team: str | None
    run: int
    state: str  # running, at_risk, paused, breached (still running), met, missed, stopped (not counted)
    state_label: str
    started_at: datetime
    due_at: datetime
    stopped_at: datetime | None
    breached_at: datetime | None
    percent_used: int
    target_minutes: int
    margin_seconds: int | None
    met: bool | None


STATE_LABELS = {
    "running": gettext_lazy("Running"),
    "at_risk": gettext_lazy("At risk"),
    "paused": gettext_lazy("Paused"),
    "breached": gettext_lazy("Breached"),
    "met": gettext_lazy("Met"),
    "missed": gettext_lazy("Missed"),
    "stopped": gettext_lazy("Stopped"),
}


def _state(clock: SlaClock, percent: int, now: datetime) -> str:
    if clock.stopped_at is not None:
        return "stopped" if clock.met is None else "met" if clock.met else "missed"
    if clock.paused_since is not None:
        return "paused"
    if clock.breached_at is not None or clock.due_at <= now:
        return "breached"
    return "at_risk" if percent >= 80 else "running"


def ticket_for_sla(*, actor: User, number: str) -> Ticket:
    ticket = Ticket.objects.filter(number=(number or "").strip().upper()).order_by().first()
    if ticket is None or not can_view(actor, ticket):
        raise NotFound(_("Ticket %(number)s not found.") % {"number": number})
    return ticket


def ticket_sla_clocks(*, actor: User, ticket: Ticket) -> list[ClockView]:
    """Every clock of the ticket, running ones first, each with its state and attainment (2 queries)."""
    if not can_view(actor, ticket):
        raise NotFound(_("Ticket not found."))
    now = timezone.now()
    rules = current_rules()
    views = []
    clocks = SlaClock.objects.filter(ticket_id=ticket.pk).select_related("team").order_by("started_at", "pk")
    for clock in clocks:
        percent = clock_percent_used(clock, now=now, rules=rules)
        state = _state(clock, percent, now)
        views.append(
            ClockView(
                id=clock.pk,
                kind=clock.kind,
                kind_label=str(ClockKind(clock.kind).label),
                team=clock.team.label if clock.team else None,
                run=clock.run,
                state=state,
                state_label=str(STATE_LABELS[state]),
                started_at=clock.started_at,
                due_at=clock.due_at,
                stopped_at=clock.stopped_at,
                breached_at=clock.breached_at,
                percent_used=percent,
                target_minutes=clock.target_minutes,
                margin_seconds=clock.margin_seconds,
                met=clock.met,
            )
        )
    views.sort(key=lambda v: (v.stopped_at is not None, v.due_at))
    return views


def calendar_list() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.annotate(day_count=Count("days", distinct=True)).order_by("name")


CONDITION_LABELS = {
    "priorities": gettext_lazy("Priorities"),
    "ticket_types": gettext_lazy("Ticket types"),
    "categories": gettext_lazy("Categories"),
    "organisations": gettext_lazy("Organisations"),
    "service_tiers": gettext_lazy("Service tiers"),
    "asset_types": gettext_lazy("Asset types"),
    "criticalities": gettext_lazy("Asset criticality"),
    "locations": gettext_lazy("Locations (and inside)"),
}


def policy_list() -> list[SlaPolicy]:
    """The policies in order, each with `condition_lines`: [(what, "name, name")] in the reader's language
    (ids and codes resolved with one query per kind of condition, whatever the number of policies)."""
    policies: list[SlaPolicy] = list(
        SlaPolicy.objects.select_related("calendar")
        .annotate(target_count=Count("targets", distinct=True), step_count=Count("steps", distinct=True))
        .order_by("order", "pk")
    )
    wanted: dict[str, set[Any]] = {key: set() for key in CONDITION_LABELS}
    for policy in policies:
        for key, values in (policy.conditions or {}).items():
            if key in wanted and isinstance(values, list):
                wanted[key].update(values)
    names = _condition_names(wanted)
    for policy in policies:
        lines = []
        for key, label in CONDITION_LABELS.items():
            values = (policy.conditions or {}).get(key) or []
            if values:
                shown = [names[key].get(v, names[key].get(str(v), str(v))) for v in values]
                lines.append((label, ", ".join(shown)))
        policy.condition_lines = lines  # type: ignore[attr-defined]
    return policies


def _condition_names(wanted: dict[str, set[Any]]) -> dict[str, dict[Any, str]]:
    """Code or id → label for each kind of condition; a deleted row keeps showing its id."""
    names: dict[str, dict[Any, str]] = {key: {} for key in wanted}
    if wanted["priorities"]:
        for code, name, name_en in Priority.objects.filter(code__in=wanted["priorities"]).values_list(
            "code", "name", "name_en"
        ):
            names["priorities"][code] = f"{code} {pick_label(name, name_en)}"
    if wanted["ticket_types"]:
        for code, name, name_en in TicketType.objects.filter(code__in=wanted["ticket_types"]).values_list(
            "code", "name", "name_en"
        ):
            names["ticket_types"][code] = pick_label(name, name_en)
    ids = {key: [v for v in wanted[key] if isinstance(v, int)] for key in ("categories", "organisations")}
    if ids["categories"]:
        for pk, name, name_en in Category.objects.filter(pk__in=ids["categories"]).values_list(
            "pk", "name", "name_en"
        ):
            names["categories"][pk] = pick_label(name, name_en)
    if ids["organisations"]:
        names["organisations"].update(
            Organisation.objects.filter(pk__in=ids["organisations"]).values_list("pk", "name")
        )
    names["service_tiers"] = {str(value): str(label) for value, label in ServiceTier.choices}
    names["criticalities"] = {str(value): str(label) for value, label in Criticality.choices}
    if wanted["asset_types"]:
        for pk, name, name_en in AssetType.objects.filter(pk__in=wanted["asset_types"]).values_list(
            "pk", "name", "name_en"
        ):
            names["asset_types"][pk] = pick_label(name, name_en)
    if wanted["locations"]:
        names["locations"].update(
            Location.objects.filter(pk__in=wanted["locations"]).values_list("pk", "full_name")
        )
    return names
