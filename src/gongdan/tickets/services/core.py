"""The one door for changing tickets (rule 1): create, edit fields and assignment, transition, link, merge.

Each function validates, checks the actor's rights, locks the row, writes with update_fields, bumps the
version, appends a TicketEvent in the same transaction and returns the ticket. Other apps react to those
events inside the transaction through `gongdan.tickets.reactions` (SLA clocks, routing on create) and after
the commit through `gongdan.tickets.pipeline` (notification rules, reports, surveys).

`ticket_update`, `ticket_assign` and `ticket_edit` also take `actor=None`: the system acting on rules an
admin configured (automatic routing, SLA escalation). Permission checks are skipped and the event has no
actor; the rule that acted is named in the event's data instead. `ticket_create` and `ticket_transition` take
`actor=None` too, for integrations an admin configured (monitoring alerts, CRM records, Open311): the
requester must then be named, and a transition must still exist in the ticket's workflow.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import ForeignKey, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import Membership, Role, Team, User
from gongdan.assets.models import Asset, AssetStatus, Location
from gongdan.core.domain_errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongdan.core.html_sanitize import render_markdown
from gongdan.tickets import events, pipeline, reactions, workflow_rules
from gongdan.tickets.access import can_take, can_view, can_work, is_team_lead_of
from gongdan.tickets.models import (
    Category,
    Channel,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketEvent,
    TicketLink,
    TicketType,
    WorkflowTransition,
)
from gongdan.tickets.models.ticket import OPEN_STATUSES
from gongdan.tickets.reference import reference
from gongdan.tickets.services.custom_fields import (
    clean_custom_values,
    depends_on_priority,
    fields_for_category,
)
from gongdan.tickets.services.numbering import next_ticket_number
from gongdan.tickets.services.sensitive_values import (
    drop_masks,
    history_values,
    open_values,
    seal_values,
    sensitive_keys,
)

MAX_SUBJECT: int = Ticket._meta.get_field("subject").max_length or 200  # the column's limit
MAX_DESCRIPTION = 50_000
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
UNSET: Any = object()

# Fields a requester may set when reporting; the rest belong to the people who work the ticket.
REQUESTER_CREATE_FIELDS = frozenset({"subject", "description", "category", "ticket_type", "custom_values",
                                     "location", "location_text", "asset", "channel", "requester"})  # fmt: skip
UPDATABLE_FIELDS = (
    "subject", "description", "category", "ticket_type", "priority", "team", "requester", "due_at",
    "location", "location_text", "asset", "custom_values", "tags", "watchers", "parent",
)  # fmt: skip


# --- the parts every change uses --------------------------------------------------------------------------


def append_event(
    ticket: Ticket,
    *,
    actor: User | None,
    kind: str,
    data: dict[str, Any] | None = None,
    is_internal: bool = False,
    comment: Any = None,
    at: datetime | None = None,
) -> TicketEvent:
    """Record what happened to a (saved, locked) ticket: the history line, the in-transaction reactions
    (SLA clocks), and a wake-up for the after-commit consumers."""
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=kind,
        data=data or {},
        is_internal=is_internal,
        comment=comment,
        created_at=at or timezone.now(),
    )
    reactions.react(reactions.TicketChange(ticket=ticket, events=[event], now=event.created_at))
    pipeline.wake_after_commit()
    return event


def events_append_many(events_to_write: Sequence[TicketEvent]) -> list[TicketEvent]:
    """Write many history lines at once (a sweep's own internal lines) without the in-transaction reactions;
    the after-commit consumers still see them."""
    written = TicketEvent.objects.bulk_create(list(events_to_write))
    if written:
        pipeline.wake_after_commit()
    return written


def build_search_text(*parts: str) -> str:
    return "\n".join(p.strip().lower() for p in parts if p and p.strip())


def lock_ticket(ticket: Ticket | int, *, expected_version: int | None, related: Sequence[str] = ()) -> Ticket:
    """Re-read the ticket under a row lock (its related rows read with it, not locked) and refuse a writer
    who read an older version. Every app locks tickets through here: one lock order, one place."""
    rows = Ticket.objects.select_for_update(of=("self",))
    if related:
        rows = rows.select_related(*related)
    locked = rows.get(pk=ticket if isinstance(ticket, int) else ticket.pk)
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _("This ticket was changed by someone else (you had version %(yours)d, it is now %(now)d). "
              "Reload it and try again.") % {"yours": expected_version, "now": locked.version},
            code="version_conflict",
            details={"version": [str(locked.version)]},
        )  # fmt: skip
    return locked


def _remember_related(ticket: Ticket, name: str, rows: Sequence[Model]) -> None:
    """Keep the rows just written to a many-to-many as if they had been prefetched (Django's own cache),
    so reading `ticket.<name>.all()` afterwards runs no query."""
    queryset = getattr(ticket, name).get_queryset()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    ticket.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def _carry_over_reads(read: Ticket, locked: Ticket) -> None:
    """Give the locked copy what the caller had already read with the ticket: the related rows it still
    points at and, when nothing changed in between (same version), its prefetched tags and watchers. The
    caller then answers from the ticket the change returns, without reading those again."""
    if read is locked:
        return
    for field in Ticket._meta.concrete_fields:
        if not isinstance(field, ForeignKey) or not field.is_cached(read):
            continue
        if getattr(read, field.attname) == getattr(locked, field.attname):
            field.set_cached_value(locked, field.get_cached_value(read))
    prefetched = read.__dict__.get("_prefetched_objects_cache")
    if prefetched and read.version == locked.version:
        locked.__dict__.setdefault("_prefetched_objects_cache", {}).update(prefetched)


def state_for(ticket: Ticket) -> str:
    """The drawn workflow's state the ticket is in (decision 0150): its own `state` while that state stands for
    its status, else the first state of the workflow standing for the status ("" when there is none). Every
    status change keeps `state` in step through `touch`, whichever service made it."""
    states = reference().states_of(ticket.ticket_type_id)
    if ticket.state and any(s.code == ticket.state and s.status == ticket.status for s in states):
        return ticket.state
    if any(s.code == ticket.status and s.status == ticket.status for s in states):
        return str(ticket.status)
    return next((s.code for s in states if s.status == ticket.status), "")


def settle_state(ticket: Ticket) -> set[str]:
    """Keep the drawn state and the status in step after a change of status (or type) made by any service:
    the state standing for the new status; when the workflow has none (a drawn workflow without an "assigned"
    state, and routing assigned the ticket), the ticket stays in its state and keeps that state's status. The
    fields it changed."""
    before = (ticket.state, ticket.status)
    code = state_for(ticket)
    if code:
        ticket.state = code
    else:
        states = reference().states_of(ticket.ticket_type_id)
        if states:
            kept = next((s for s in states if s.code == ticket.state), None) or next(
                (s for s in states if s.status in (Status.NEW, Status.ASSIGNED)), states[0]
            )
            ticket.state, ticket.status = kept.code, kept.status
        else:
            ticket.state = ""
    return {
        name for name, old in zip(("state", "status"), before, strict=True) if getattr(ticket, name) != old
    }


def touch(ticket: Ticket, fields: Iterable[str], *, now: datetime | None = None) -> None:
    if "status" in fields or "ticket_type" in fields:
        fields = {*fields, *settle_state(ticket)}
    ticket.version += 1
    ticket.updated_at = now or timezone.now()
    ticket.save(update_fields=sorted({*fields, "version", "updated_at"}))


def label_of(value: Any) -> Any:
    """How a value is kept in an event's data: a row as {"id", "label"}, a time in ISO 8601."""
    if value is None:
        return None
    if isinstance(value, Model):
        return {"id": value.pk, "label": str(getattr(value, "number", None) or value)}
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _require_work(actor: User | None, ticket: Ticket) -> None:
    if actor is None:  # the system, acting on rules an admin configured (routing, SLA escalation)
        return
    if not can_view(actor, ticket):
        raise NotFound(_("Ticket not found."))
    if not can_work(actor, ticket):
        raise PermissionDenied(_("Only the people who work this ticket can do that."))


def _clean_subject(subject: str) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise ValidationFailed(
            _("A subject is required."), details={"subject": [_("This field is required.")]}
        )
    if len(subject) > MAX_SUBJECT:
        message = _("The subject is too long (at most %(max)d characters).") % {"max": MAX_SUBJECT}
        raise ValidationFailed(message, details={"subject": [message]})
    return subject


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        message = _("The description is too long (at most %(max)d characters).") % {"max": MAX_DESCRIPTION}
        raise ValidationFailed(message, details={"description": [message]})
    return description


def _clean_tags(names: Iterable[str]) -> list[Tag]:
    cleaned: list[str] = []
    for name in names:
        name = " ".join(str(name).split()).lower()
        if not name:
            continue
        if len(name) > MAX_TAG_LENGTH:
            message = _("A tag is at most %(max)d characters.") % {"max": MAX_TAG_LENGTH}
            raise ValidationFailed(message, details={"tags": [message]})
        if name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MAX_TAGS:
        message = _("A ticket has at most %(max)d tags.") % {"max": MAX_TAGS}
        raise ValidationFailed(message, details={"tags": [message]})
    if not cleaned:
        return []
    existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    for name in cleaned:
        if name not in existing:
            existing[name], _created = Tag.objects.get_or_create(name=name)
    return [existing[name] for name in cleaned]


def _is_member(user: User, team: Team) -> bool:
    return Membership.objects.filter(team=team, user=user).exists()


def _check_assignable(assignee: User | None, team: Team | None) -> None:
    if assignee is None:
        return
    if not assignee.is_active or not assignee.is_staff_member:
        message = _("%(name)s cannot be assigned tickets.") % {"name": assignee.name}
        raise ValidationFailed(message, details={"assignee": [message]})
    if team is not None and not _is_member(assignee, team):
        message = _("%(name)s is not a member of %(team)s.") % {"name": assignee.name, "team": team.label}
        raise ValidationFailed(message, details={"assignee": [message]})


def _check_active(value: Any, field: str) -> None:
    if value is not None and getattr(value, "is_active", True) is False:
        message = _("“%(value)s” is no longer in use.") % {"value": value}
        raise ValidationFailed(message, details={field: [message]})


def _check_asset(asset: Asset | None) -> None:
    if asset is not None and asset.status == AssetStatus.RETIRED:
        message = _("The asset “%(value)s” is retired.") % {"value": asset}
        raise ValidationFailed(message, details={"asset": [message]})


def default_priority() -> Priority:
    priority = reference().default_priority
    if priority is None:
        raise ValidationFailed(_("No priorities are configured."), code="not_configured")
    return priority


def default_ticket_type() -> TicketType:
    ticket_type = reference().default_ticket_type
    if ticket_type is None:
        raise ValidationFailed(_("No ticket types are configured."), code="not_configured")
    return ticket_type


# --- create -----------------------------------------------------------------------------------------------


def check_requester_may_set(actor: User, fields: Iterable[str], *, requester_id: int | None) -> None:
    """A requester reports for themselves and sets only what describes the problem; the rest belongs to the
    people who work the ticket. The API calls this before it looks anything up, `ticket_create` always."""
    if actor.is_staff_member:
        return
    if requester_id is not None and requester_id != actor.pk:
        raise PermissionDenied(
            _("You can only report tickets for yourself."), details={"requester": [_("Not allowed.")]}
        )
    if refused := sorted(set(fields) - REQUESTER_CREATE_FIELDS):
        raise PermissionDenied(
            _("Requesters cannot set: %(fields)s.") % {"fields": ", ".join(refused)},
            details={field: [_("Not allowed.")] for field in refused},
        )


@dataclass(frozen=True)
class IntakeDefaults:
    """What an admin set on a channel (a mailbox, an alert or records integration, an Open311 service) for the
    tickets it opens. Applied by `ticket_create` before routing, below what the caller sets explicitly and
    above the category's own defaults — whoever the requester is (a requester may not choose a team, but the
    mailbox they wrote to may)."""

    category: Category | None = None
    team: Team | None = None
    priority: Priority | None = None
    ticket_type: TicketType | None = None


def _category_defaults(category: Category | None) -> tuple[TicketType | None, Priority | None, Team | None]:
    if category is None:
        return None, None, None
    held = reference().categories.get(category.pk) or category
    return held.default_type, held.default_priority, held.default_team


@transaction.atomic
def ticket_create(
    *,
    actor: User | None,
    subject: str,
    description: str = "",
    requester: User | None = None,
    category: Category | None = None,
    ticket_type: TicketType | None = None,
    priority: Priority | None = None,
    team: Team | None = None,
    assignee: User | None = None,
    custom_values: dict[str, Any] | None = None,
    tags: Sequence[str] = (),
    watchers: Sequence[User] = (),
    due_at: datetime | None = None,
    location: Location | None = None,
    location_text: str = "",
    asset: Asset | None = None,
    parent: Ticket | None = None,
    channel: str = Channel.WEB,
    created_at: datetime | None = None,
    defaults: IntakeDefaults | None = None,
) -> Ticket:
    """A new ticket. Every intake (the web form, the API, mail, alerts, records, Open311, the portal) calls
    this with the values it has and its channel's `defaults` (a mailbox's team, an integration's category):
    the values given win over those, which win over the category's defaults; routing then picks the person
    (and, by its rules, the team) unless an assignee was given."""
    given = {name for name, value in {
        "priority": priority, "team": team, "assignee": assignee, "tags": tags, "watchers": watchers,
        "due_at": due_at, "parent": parent}.items() if value}  # fmt: skip
    if actor is None:  # the system, for an integration an admin configured
        if requester is None:
            raise ValidationFailed(
                _("This field is required."), details={"requester": [_("This field is required.")]}
            )
    else:
        check_requester_may_set(actor, given, requester_id=requester.pk if requester else None)
    requester = requester or actor
    if requester is None or not requester.is_active:
        raise ValidationFailed(
            _("The requester's account is deactivated."), details={"requester": [_("Deactivated.")]}
        )
    subject = _clean_subject(subject)
    description = _clean_description(description)
    if channel not in Channel.values:
        raise ValidationFailed(_("Unknown channel."), details={"channel": [_("Unknown channel.")]})
    for value, field in (
        (category, "category"),
        (ticket_type, "ticket_type"),
        (team, "team"),
        (location, "location"),
    ):
        _check_active(value, field)
    _check_asset(asset)
    if asset is not None and location is None:
        location = asset.location  # the ticket's location follows its asset's
    if parent is not None and actor is not None and not can_view(actor, parent):
        raise ValidationFailed(_("Parent ticket not found."), details={"parent": [_("Not found.")]})

    intake = defaults or IntakeDefaults()
    for value, field in (
        (intake.category, "category"),
        (intake.team, "team"),
        (intake.ticket_type, "ticket_type"),
    ):
        _check_active(value, field)  # a channel's setting an admin has since retired: refused, not bypassed
    category = category or intake.category
    type_default, priority_default, team_default = _category_defaults(category)
    ticket_type = ticket_type or intake.ticket_type or type_default or default_ticket_type()
    priority = priority or intake.priority or priority_default or default_priority()
    team = team or intake.team or team_default
    _check_assignable(assignee, team)
    cleaned_values = seal_values(
        clean_custom_values(
            category, open_values(custom_values), priority_code=priority.code if priority else ""
        ),
        sensitive_keys(fields_for_category(category)),
    )
    tag_rows = _clean_tags(tags)

    now = created_at or timezone.now()
    ticket = Ticket(
        # A placeholder until the number is taken, last (see below); never seen outside this transaction.
        number=f"~{uuid.uuid4().hex}"[:40],
        subject=subject,
        description=description,
        description_html=render_markdown(description),
        ticket_type=ticket_type,
        category=category,
        priority=priority,
        status=Status.ASSIGNED if assignee else Status.NEW,
        channel=channel,
        requester=requester,
        organisation_id=requester.organisation_id,
        assignee=assignee,
        team=team,
        due_at=due_at,
        location=location,
        location_text=(location_text or "").strip()[:300],
        asset=asset,
        parent=parent,
        custom_values=cleaned_values,
        created_by=actor,
        created_at=now,
        updated_at=now,
        search_text=build_search_text(subject, description),
    )
    created = TicketEvent(
        ticket=ticket,
        actor=actor,
        kind=events.CREATED,
        created_at=now,
        data={
            "subject": subject,
            "status": ticket.status,
            "priority": priority.code,
            "ticket_type": ticket_type.code,
            "category": label_of(category),
            "team": label_of(team),
            "assignee": label_of(assignee),
            "channel": channel,
        },
    )
    if User.organisation.is_cached(requester):
        ticket.organisation = requester.organisation  # already read: the answer needs no query for it
    change = reactions.TicketChange(ticket=ticket, events=[created], creating=True, now=now)

    def assign(*, assignee: User | None, team: Any, reason: dict[str, Any]) -> None:
        # Routing picked the person among the team's active members it had just read: no second check.
        new_team = ticket.team if team is UNSET else team
        _check_active(new_team, "team")
        if (ticket.assignee_id, ticket.team_id) == (
            getattr(assignee, "pk", None),
            getattr(new_team, "pk", None),
        ):
            return
        before = {
            "assignee": label_of(ticket.assignee),
            "team": label_of(ticket.team),
            "status": ticket.status,
        }
        ticket.assignee, ticket.team = assignee, new_team
        ticket.status = Status.ASSIGNED if assignee is not None else Status.NEW
        after = {"assignee": label_of(assignee), "team": label_of(new_team), "status": ticket.status}
        change.add_event(events.ASSIGNED, {"from": before, "to": after, "reason": reason})

    change._assign = assign
    reactions.react(change)  # routing picks the team and person, SLA sets the due times the queue shows

    # The number last: its sequence row stays locked until the commit, so only the few writes below wait
    # behind another creator (decision 0011).
    ticket.number = next_ticket_number(now=now)
    settle_state(ticket)
    ticket.save(force_insert=True)
    active_watchers = [w for w in watchers if w.is_active]
    if tag_rows:
        ticket.tags.set(tag_rows)
    if active_watchers:
        ticket.watchers.set(active_watchers)
    # The caller answers from what was written here, not from a second read of it.
    _remember_related(ticket, "tags", tag_rows)
    _remember_related(ticket, "watchers", active_watchers)
    for event in change.events:
        event.ticket = ticket
    TicketEvent.objects.bulk_create(change.events)
    change.written()  # what the reactions deferred until the ticket had an id (SLA's clock rows)
    pipeline.wake_after_commit()
    return ticket


# --- edit -------------------------------------------------------------------------------------------------


def _apply_changes(
    ticket: Ticket, *, actor: User | None, changes: dict[str, Any]
) -> tuple[set[str], dict[str, Any]]:
    """Change fields of a locked ticket in memory; returns the columns to save and the event's diff."""
    unknown = sorted(set(changes) - set(UPDATABLE_FIELDS))
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)},
            details={field: [_("Unknown or read-only field.")] for field in unknown},
        )
    diff: dict[str, dict[str, Any]] = {}
    fields: set[str] = set()

    def record(field: str, before: Any, after: Any) -> None:
        diff[field] = {"from": label_of(before), "to": label_of(after)}

    for field in ("subject", "description", "location_text"):
        if field in changes:
            value = changes[field]
            value = (
                _clean_subject(value)
                if field == "subject"
                else _clean_description(value)
                if field == "description"
                else (value or "").strip()[:300]
            )
            if value != getattr(ticket, field):
                record(
                    field,
                    getattr(ticket, field) if field != "description" else None,
                    value if field != "description" else None,
                )
                setattr(ticket, field, value)
                fields.add(field)
    if "description" in fields:
        ticket.description_html = render_markdown(ticket.description)
        fields.add("description_html")
    for field in ("category", "ticket_type", "priority", "team", "requester", "location", "parent"):
        if field in changes:
            value = changes[field]
            if field in ("ticket_type", "priority", "requester") and value is None:
                raise ValidationFailed(
                    _("This field is required."), details={field: [_("This field is required.")]}
                )
            _check_active(value, field)
            if field == "parent" and value is not None:
                if value.pk == ticket.pk or (actor is not None and not can_view(actor, value)):
                    raise ValidationFailed(
                        _("That ticket cannot be the parent."), details={"parent": [_("Invalid.")]}
                    )
            if field == "requester" and not value.is_active:
                raise ValidationFailed(
                    _("The requester's account is deactivated."), details={"requester": [_("Deactivated.")]}
                )
            if getattr(ticket, f"{field}_id") != (value.pk if value else None):
                record(field, getattr(ticket, field), value)
                setattr(ticket, field, value)
                fields.add(field)
    if "asset" in changes and changes["asset"] is not None and changes["asset"].pk != ticket.asset_id:
        _check_asset(changes["asset"])
    if "asset" in changes and ticket.asset_id != (changes["asset"].pk if changes["asset"] else None):
        record("asset", ticket.asset, changes["asset"])
        ticket.asset = changes["asset"]
        fields.add("asset")
        moved_to = ticket.asset.location if ticket.asset else None
        if "location" not in changes and moved_to is not None and moved_to.pk != ticket.location_id:
            record("location", ticket.location, moved_to)  # the location follows the asset's
            ticket.location = moved_to
            fields.add("location")
    if "requester" in fields:
        ticket.organisation_id = ticket.requester.organisation_id
        fields.add("organisation")
    if "team" in fields and ticket.assignee is not None and ticket.team is not None:
        if not _is_member(ticket.assignee, ticket.team):
            record("assignee", ticket.assignee, None)
            ticket.assignee = None
            fields.add("assignee")
            if ticket.status == Status.ASSIGNED:
                ticket.status = Status.NEW
                fields.add("status")
    if "due_at" in changes and changes["due_at"] != ticket.due_at:
        record("due_at", ticket.due_at, changes["due_at"])
        ticket.due_at = changes["due_at"]
        fields.add("due_at")
    if (
        "custom_values" in changes
        or "category" in fields
        or ("priority" in fields and depends_on_priority(ticket.category))
    ):
        keys = sensitive_keys(fields_for_category(ticket.category))
        previous = open_values(ticket.custom_values)
        cleaned = clean_custom_values(
            ticket.category, drop_masks(changes.get("custom_values"), keys), previous=previous,
            priority_code=ticket.priority.code if ticket.priority_id else "",
        )  # fmt: skip
        if cleaned != previous:
            # The history is append-only: it keeps that a sensitive value changed, never the value.
            record("custom_values", history_values(previous, keys), history_values(cleaned, keys))
            ticket.custom_values = seal_values(cleaned, keys)
            fields.add("custom_values")
    if "tags" in changes:
        tag_rows = _clean_tags(changes["tags"] or [])
        before = sorted(ticket.tags.values_list("name", flat=True))
        after = sorted(t.name for t in tag_rows)
        if before != after:
            ticket.tags.set(tag_rows)
            _remember_related(ticket, "tags", tag_rows)
            record("tags", before, after)
    if "watchers" in changes:
        users = [u for u in (changes["watchers"] or []) if u.is_active]
        before_ids = sorted(ticket.watchers.values_list("pk", flat=True))
        if before_ids != sorted(u.pk for u in users):
            ticket.watchers.set(users)
            _remember_related(ticket, "watchers", users)
            record("watchers", before_ids, sorted(u.pk for u in users))
    if diff and {"subject", "description"} & fields:
        ticket.search_text = build_search_text(
            ticket.subject,
            ticket.description,
            *ticket.comments.filter(is_internal=False).values_list("body", flat=True),
        )
        fields.add("search_text")
    return fields, diff


def _apply_assignment(
    ticket: Ticket, *, assignee: User | None, team: Any
) -> tuple[set[str], dict[str, Any], dict[str, Any]] | None:
    """Give a locked ticket to a person and/or team in memory; None when nothing changes."""
    new_team = ticket.team if team is UNSET else team
    if assignee is not None and new_team is None:
        first = assignee.memberships.select_related("team").order_by("pk").first()
        new_team = first.team if first else None
    _check_active(new_team, "team")
    _check_assignable(assignee, new_team)
    if ticket.assignee_id == (assignee.pk if assignee else None) and ticket.team_id == (
        new_team.pk if new_team else None
    ):
        return None
    if ticket.status not in OPEN_STATUSES:
        raise Conflict(_("A finished ticket cannot be reassigned; reopen it first."), code="ticket_finished")
    before = {"assignee": label_of(ticket.assignee), "team": label_of(ticket.team), "status": ticket.status}
    ticket.assignee = assignee
    ticket.team = new_team
    fields = {"assignee", "team"}
    if assignee is not None and ticket.status == Status.NEW:
        ticket.status = Status.ASSIGNED
        fields.add("status")
    elif assignee is None and ticket.status == Status.ASSIGNED:
        ticket.status = Status.NEW
        fields.add("status")
    after = {"assignee": label_of(assignee), "team": label_of(new_team), "status": ticket.status}
    return fields, before, after


@transaction.atomic
def ticket_update(
    *, actor: User | None, ticket: Ticket, changes: dict[str, Any], expected_version: int | None = None
) -> Ticket:
    """Change any of UPDATABLE_FIELDS. `changes` holds model objects for relations, names for tags."""
    return ticket_edit(actor=actor, ticket=ticket, changes=changes, expected_version=expected_version)


@transaction.atomic
def ticket_assign(
    *,
    actor: User | None,
    ticket: Ticket,
    assignee: User | None,
    team: Team | None = UNSET,
    expected_version: int | None = None,
    reason: dict[str, Any] | None = None,
) -> Ticket:
    """Give the ticket to a person (and/or a team). `reason` lets automatic routing explain itself."""
    return ticket_edit(actor=actor, ticket=ticket, assignee=assignee, team=team,
                       expected_version=expected_version, reason=reason)  # fmt: skip


@transaction.atomic
def ticket_edit(
    *,
    actor: User | None,
    ticket: Ticket,
    changes: dict[str, Any] | None = None,
    assignee: User | None = UNSET,
    team: Team | None = UNSET,
    expected_version: int | None = None,
    reason: dict[str, Any] | None = None,
) -> Ticket:
    """Fields and assignment in one change, under one lock and one version check — what the ticket page's
    properties form and `PATCH /api/v1/tickets/{number}` send.

    Moving the ticket to a team its assignee is not in hands it to that team's queue (the assignee is
    dropped) unless another assignee is named with it; naming someone outside the team is refused. A
    finished ticket keeps its assignee, but its team may still move."""
    _require_work(actor, ticket)
    changes = dict(changes or {})
    assigning = assignee is not UNSET or team is not UNSET
    if assigning and "team" in changes:  # with an assignee, a team is part of the assignment
        moved_to = changes.pop("team")
        team = moved_to if team is UNSET else team
    read, ticket = ticket, lock_ticket(ticket, expected_version=expected_version)
    _carry_over_reads(read, ticket)
    if assigning:
        wanted_team = ticket.team if team is UNSET else team
        wanted_assignee = ticket.assignee if assignee is UNSET else assignee
        unchanged_person = assignee is UNSET or (getattr(assignee, "pk", None) == ticket.assignee_id)
        if (
            unchanged_person
            and wanted_assignee is not None
            and wanted_team is not None
            and wanted_team.pk != ticket.team_id
            and not _is_member(wanted_assignee, wanted_team)
        ):
            wanted_assignee = None  # the new team's queue takes it
        if ticket.status not in OPEN_STATUSES:
            if getattr(wanted_assignee, "pk", None) != ticket.assignee_id and not unchanged_person:
                raise Conflict(
                    _("A finished ticket cannot be reassigned; reopen it first."), code="ticket_finished"
                )
            if wanted_team != ticket.team:
                changes["team"] = wanted_team  # as a field: the assignee stays
            assigning = False
        else:
            assignee, team = wanted_assignee, wanted_team
    fields, diff = _apply_changes(ticket, actor=actor, changes=changes) if changes else (set(), {})
    moved = _apply_assignment(ticket, assignee=assignee, team=team) if assigning else None
    if not diff and moved is None:
        return ticket
    now = timezone.now()
    touch(ticket, fields | (moved[0] if moved else set()), now=now)  # one version for the whole change
    if diff:
        append_event(ticket, actor=actor, kind=events.UPDATED, data={"changes": diff}, at=now)
    if moved is not None:
        _fields, before, after = moved
        append_event(ticket, actor=actor, kind=events.ASSIGNED, at=now,
                     data={"from": before, "to": after, "reason": reason or {}})  # fmt: skip
    return ticket


# --- the lifecycle ----------------------------------------------------------------------------------------


def _role_tokens(actor: User, ticket: Ticket) -> set[str]:
    tokens: set[str] = set()
    if ticket.requester_id == actor.pk:
        tokens.add("requester")
    if can_work(actor, ticket):
        tokens.add("agent")
        if ticket.assignee_id == actor.pk:
            tokens.add("assignee")
        if is_team_lead_of(actor, ticket):
            tokens.add("team_lead")
    if actor.role == Role.MANAGER:
        tokens.add("manager")
    if actor.is_admin:
        tokens.update({"admin", "agent"})
    return tokens


def workflow_for(ticket: Ticket) -> list[WorkflowTransition]:
    """The ticket type's own transitions if it has any, else the default workflow (no query)."""
    return reference().workflow(ticket.ticket_type_id)


def _leaves(transition: WorkflowTransition, ticket: Ticket, state: str) -> bool:
    """Whether the transition starts where the ticket is: drawn transitions name their state, the rows
    installed before drawn workflows only a status."""
    if transition.from_state:
        return transition.from_state == state
    return transition.from_status == ticket.status


def available_transitions(*, actor: User, ticket: Ticket) -> list[WorkflowTransition]:
    tokens = _role_tokens(actor, ticket)
    state = state_for(ticket)
    return [
        t for t in workflow_for(ticket) if _leaves(t, ticket, state) and tokens.intersection(t.allowed_roles)
    ]


def _check_rules(ticket: Ticket, transition: WorkflowTransition) -> None:
    """The fields a drawn transition requires, then its checks (decision 0151)."""
    missing = [name for name in transition.required_fields if not workflow_rules.has_value(ticket, name)]
    if missing:
        labels = {f.key: f.display_label for f in fields_for_category(ticket.category)}
        names = [str(workflow_rules.TICKET_FIELDS.get(name) or labels.get(name) or name) for name in missing]
        message = _("Fill in before “%(action)s”: %(fields)s.") % {
            "action": transition.label, "fields": "、".join(names)}  # fmt: skip
        raise ValidationFailed(
            message, code="fields_required", details={name: [_("Required.")] for name in missing}
        )
    registered = workflow_rules.checks()
    for code in transition.checks:
        check = registered.get(code)
        if check is None:
            raise Conflict(
                _("The check “%(check)s” is not available.") % {"check": code}, code="check_unknown"
            )
        if not check.passes(ticket):
            raise Conflict(str(check.failure), code="check_failed", details={"check": [code]})


@transaction.atomic
def ticket_transition(
    *, actor: User | None, ticket: Ticket, action: str, note: str = "", expected_version: int | None = None
) -> Ticket:
    """Move the ticket along its published workflow. A transition that asks for an approval asks for it the
    first time and returns the ticket where it is; the approval, once granted, takes the transition."""
    if actor is not None and not can_view(actor, ticket):
        raise NotFound(_("Ticket not found."))
    ticket = lock_ticket(ticket, expected_version=expected_version)
    candidates = [t for t in workflow_for(ticket) if t.action == action]
    if not candidates:
        raise ValidationFailed(_("Unknown action “%(action)s”.") % {"action": action}, code="unknown_action",
                               details={"action": [_("Unknown action.")]})  # fmt: skip
    state = state_for(ticket)
    transition = next((t for t in candidates if _leaves(t, ticket, state)), None)
    if transition is None:
        raise Conflict(
            _("“%(action)s” is not possible while the ticket is %(status)s.")
            % {"action": candidates[0].label, "status": state_label(ticket)},
            code="illegal_transition",
        )
    if actor is not None and not _role_tokens(actor, ticket).intersection(transition.allowed_roles):
        raise PermissionDenied(
            _("You are not allowed to “%(action)s” this ticket.") % {"action": transition.label}
        )
    note = (note or "").strip()
    if transition.requires_note and not note:
        message = (
            _("A resolution note is required.")
            if transition.to_status == Status.RESOLVED
            else _("A note is required.")
        )
        raise ValidationFailed(message, code="note_required", details={"note": [message]})
    if len(note) > MAX_DESCRIPTION:
        raise ValidationFailed(_("The note is too long."), details={"note": [_("Too long.")]})
    _check_rules(ticket, transition)
    if transition.approval:
        gate = workflow_rules.approval_gate()
        if gate is None:
            raise Conflict(_("Approvals are not available on this site."), code="approval_unavailable")
        if not gate.allows(actor=actor, ticket=ticket, transition=transition, note=note):
            return ticket
    return apply_status(
        ticket, actor=actor, to_status=transition.to_status, action=transition.action, note=note,
        to_state=transition.to_state,
    )  # fmt: skip


def state_label(ticket: Ticket) -> str:
    """The name of the ticket's state in its drawn workflow (its status's name when the workflow has none)."""
    code = state_for(ticket)
    found = next((s for s in reference().states_of(ticket.ticket_type_id) if s.code == code), None)
    return found.label if found is not None else str(Status(ticket.status).label)


def apply_status(
    ticket: Ticket, *, actor: User | None, to_status: str, action: str, note: str = "", to_state: str = ""
) -> Ticket:
    """Move a locked ticket to a status (and drawn state) and record it. Callers have checked the workflow."""
    now = timezone.now()
    before, state_before = ticket.status, state_for(ticket) or ticket.state or str(ticket.status)
    ticket.status = to_status
    fields = {"status"}
    if to_state:
        ticket.state = to_state
        fields.add("state")
    if to_status == Status.RESOLVED:
        ticket.resolved_at, ticket.resolution = now, note
        fields |= {"resolved_at", "resolution"}
    elif to_status == Status.CLOSED:
        ticket.closed_at = now
        fields.add("closed_at")
    elif to_status in OPEN_STATUSES and before not in OPEN_STATUSES:
        ticket.resolved_at = ticket.closed_at = None
        fields |= {"resolved_at", "closed_at"}
    touch(ticket, fields, now=now)
    data = {"from": before, "to": to_status, "action": action, "note": note}
    if ticket.state != state_before or ticket.state not in (before, to_status):
        data |= {"from_state": state_before, "to_state": ticket.state}
    append_event(ticket, actor=actor, kind=events.TRANSITIONED, at=now, data=data)
    return ticket


# Statuses "Take it" also starts work from: a ticket waiting on someone keeps waiting, only its owner changes.
TAKE_STARTS_FROM = (Status.NEW, Status.ASSIGNED)


@transaction.atomic
def ticket_take(*, actor: User, ticket: Ticket, expected_version: int | None = None) -> Ticket:
    """ "Take it": assign the ticket to the actor and start work, in one change (one version, an ASSIGNED
    event followed by a TRANSITIONED one). A ticket from the triage pool joins the actor's first team; one
    that waits on the requester or a third party keeps waiting."""
    _require_work(actor, ticket)
    read, ticket = ticket, lock_ticket(ticket, expected_version=expected_version)
    _carry_over_reads(read, ticket)
    if ticket.assignee_id == actor.pk:
        raise Conflict(_("This ticket is already yours."), code="already_yours")
    if not can_take(actor, ticket):
        if ticket.status not in OPEN_STATUSES:
            raise Conflict(_("A finished ticket cannot be taken; reopen it first."), code="ticket_finished")
        raise PermissionDenied(_("You can take only tickets of your teams or of the triage pool."))
    moved = _apply_assignment(ticket, assignee=actor, team=UNSET)
    if moved is None:  # cannot happen (the assignee changes), but never write half a change
        return ticket
    fields, before, after = moved
    start = None
    if ticket.status in TAKE_STARTS_FROM:
        tokens, state = _role_tokens(actor, ticket), state_for(ticket)
        start = next(
            (
                t
                for t in workflow_for(ticket)
                if _leaves(t, ticket, state)
                and t.to_status == Status.IN_PROGRESS
                and tokens.intersection(t.allowed_roles)
                and not (t.approval or t.checks or t.required_fields)  # those are taken on their own
            ),
            None,
        )
    status_before = ticket.status
    if start is not None:
        ticket.status = start.to_status
        if start.to_state:
            ticket.state = start.to_state
        fields = fields | {"status", "state"}
    now = timezone.now()
    touch(ticket, fields, now=now)
    append_event(ticket, actor=actor, kind=events.ASSIGNED, at=now,
                 data={"from": before, "to": after, "reason": {"taken": True}})  # fmt: skip
    if start is not None:
        append_event(ticket, actor=actor, kind=events.TRANSITIONED, at=now,
                     data={"from": status_before, "to": start.to_status, "action": start.action, "note": ""})  # fmt: skip
    return ticket


# --- links and merges -------------------------------------------------------------------------------------


@transaction.atomic
def ticket_link(*, actor: User, ticket: Ticket, other: Ticket, kind: str) -> Ticket:
    """kind: "relates" (a symmetric link), "parent" (other becomes the parent) or "child"."""
    _require_work(actor, ticket)
    if not can_view(actor, other):
        raise NotFound(_("Ticket not found."))
    if other.pk == ticket.pk:
        raise ValidationFailed(_("A ticket cannot be linked to itself."), details={"target": [_("Invalid.")]})
    if kind == "relates":
        first, second = sorted((ticket, other), key=lambda t: t.pk)
        _link, created = TicketLink.objects.get_or_create(
            source=first, target=second, defaults={"created_by": actor}
        )
        if not created:
            return ticket
    elif kind in ("parent", "child"):
        child, parent = (ticket, other) if kind == "parent" else (other, ticket)
        ancestor_id: int | None = parent.pk
        while ancestor_id is not None:  # refuse cycles, reading the chain as stored now
            if ancestor_id == child.pk:
                raise ValidationFailed(_("That link would make a loop."), details={"target": [_("Invalid.")]})
            ancestor_id = Ticket.objects.filter(pk=ancestor_id).values_list("parent_id", flat=True).first()
        child = lock_ticket(child, expected_version=None)
        child.parent = parent
        touch(child, {"parent"})
    else:
        raise ValidationFailed(
            _("Unknown link kind."), details={"kind": [_("Use relates, parent or child.")]}
        )
    data = {"kind": kind, "ticket": label_of(other)}
    append_event(ticket, actor=actor, kind=events.LINKED, data=data)
    append_event(other, actor=actor, kind=events.LINKED,
                 data={"kind": {"parent": "child", "child": "parent"}.get(kind, kind), "ticket": label_of(ticket)})  # fmt: skip
    return ticket


@transaction.atomic
def ticket_unlink(*, actor: User, ticket: Ticket, other: Ticket) -> Ticket:
    _require_work(actor, ticket)
    removed = TicketLink.objects.filter(source__in=[ticket, other], target__in=[ticket, other]).delete()[0]
    for child, parent in ((ticket, other), (other, ticket)):
        locked = lock_ticket(child, expected_version=None)
        if locked.parent_id == parent.pk:
            locked.parent = None
            touch(locked, {"parent"})
            removed += 1
    if removed:
        append_event(ticket, actor=actor, kind=events.UNLINKED, data={"ticket": label_of(other)})
    return ticket


@transaction.atomic
def ticket_merge(*, actor: User, duplicate: Ticket, into: Ticket) -> Ticket:
    """Close `duplicate` as a duplicate of `into`; its requester and watchers follow `into`."""
    _require_work(actor, duplicate)
    _require_work(actor, into)
    if duplicate.pk == into.pk:
        raise ValidationFailed(
            _("A ticket cannot be merged into itself."), details={"target": [_("Invalid.")]}
        )
    first, second = sorted((duplicate, into), key=lambda t: t.pk)  # fixed lock order: no deadlock
    locked = {t.pk: lock_ticket(t, expected_version=None) for t in (first, second)}
    duplicate, into = locked[duplicate.pk], locked[into.pk]
    if into.duplicate_of_id:
        raise ValidationFailed(_("The target is itself a duplicate."), details={"target": [_("Invalid.")]})
    if into.status not in OPEN_STATUSES:
        raise Conflict(_("Merge into an open ticket."), code="ticket_finished")
    followers = {duplicate.requester, *duplicate.watchers.all()} - {into.requester}
    into.watchers.add(*[u for u in followers if u.is_active])
    before = duplicate.status
    duplicate.duplicate_of = into
    duplicate.status = Status.CLOSED
    duplicate.closed_at = timezone.now()
    duplicate.resolution = _("Merged into %(number)s.") % {"number": into.number}
    touch(duplicate, {"duplicate_of", "status", "closed_at", "resolution"})
    append_event(duplicate, actor=actor, kind=events.MERGED_INTO,
                 data={"ticket": label_of(into), "from": before, "to": Status.CLOSED})  # fmt: skip
    touch(into, set())
    append_event(into, actor=actor, kind=events.MERGED, data={"ticket": label_of(duplicate)})
    return into
