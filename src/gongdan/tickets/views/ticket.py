"""The ticket page: one ticket's header, timeline, reply editor and side panels, and every action on it.

Views stay thin: parse the form, call the service, render. Each action is a plain POST form that works
without JavaScript (redirect after success, the page re-rendered with the error and the typed text
otherwise); with htmx the same views answer with out-of-band fragments of the page instead.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gongdan.accounts.models import STAFF_ROLES, Team, User
from gongdan.assets.models import Location
from gongdan.core.domain_errors import DomainError, NotFound, ValidationFailed
from gongdan.core.html_sanitize import render_markdown
from gongdan.core.ids import parse_id, parse_ids
from gongdan.tickets import events, page, selectors, services
from gongdan.tickets.access import can_take, can_work
from gongdan.tickets.forms import category_choices, staff_choices
from gongdan.tickets.models import (
    Attachment,
    Category,
    CustomField,
    FieldType,
    Priority,
    Status,
    Ticket,
    TicketEvent,
    TicketType,
)
from gongdan.tickets.reference import reference
from gongdan.tickets.services.custom_fields import fields_for_category
from gongdan.tickets.services.sensitive_values import MASK as SENSITIVE_MASK
from gongdan.tickets.services.sensitive_values import masked_values, ticket_sensitive_reveal
from gongdan.web.http import SignedInRequest

STATUS_BADGES: dict[str, str] = {
    Status.NEW: "bg-blue-lt",
    Status.ASSIGNED: "bg-azure-lt",
    Status.IN_PROGRESS: "bg-indigo-lt",
    Status.PENDING_REQUESTER: "bg-yellow-lt",
    Status.PENDING_THIRD_PARTY: "bg-orange-lt",
    Status.RESOLVED: "bg-green-lt",
    Status.CLOSED: "bg-secondary-lt",
    Status.CANCELLED: "bg-red-lt",
}
TRANSITION_BUTTONS = {
    "start": ("btn-primary", "ti-player-play"),
    "resolve": ("btn-success", "ti-circle-check"),
    "close": ("btn-secondary", "ti-lock"),
    "reopen": ("btn-warning", "ti-refresh"),
    "cancel": ("btn-outline-danger", "ti-x"),
    "wait_requester": ("btn-outline-secondary", "ti-user-pause"),
    "wait_third_party": ("btn-outline-secondary", "ti-clock-pause"),
}
FIELD_LABELS = {
    "subject": gettext_lazy("Subject"),
    "description": gettext_lazy("Description"),
    "category": gettext_lazy("Category"),
    "ticket_type": gettext_lazy("Type"),
    "priority": gettext_lazy("Priority"),
    "team": gettext_lazy("Team"),
    "assignee": gettext_lazy("Assignee"),
    "requester": gettext_lazy("Requester"),
    "status": gettext_lazy("Status"),
    "due_at": gettext_lazy("Due"),
    "location": gettext_lazy("Location"),
    "location_text": gettext_lazy("Location (free text)"),
    "custom_values": gettext_lazy("Custom fields"),
    "tags": gettext_lazy("Tags"),
    "watchers": gettext_lazy("Watchers"),
    "parent": gettext_lazy("Parent ticket"),
    "resolution": gettext_lazy("Resolution"),
    "then": gettext_lazy("Next state"),
    "version": gettext_lazy("Version"),
}
LINK_KINDS = {
    "relates": gettext_lazy("Related to"),
    "parent": gettext_lazy("Parent of this ticket"),
    "child": gettext_lazy("Child of this ticket"),
}
COMPOSER_THEN = (
    (Status.PENDING_REQUESTER, gettext_lazy("Send and set pending")),
    (Status.RESOLVED, gettext_lazy("Send and resolve")),
)
TAG_SPLIT = re.compile(r"[,，、;；]+")
DUE_INPUT_FORMAT = "%Y-%m-%dT%H:%M"

# What a user <option> shows: loading whole rows for a few hundred staff costs more than the page.


# ---------------------------------------------------------------------------------------------- reads


def _ticket_or_404(request: SignedInRequest, number: str) -> Ticket:
    try:
        return selectors.ticket_get(actor=request.user, number=number)
    except NotFound as exc:
        raise Http404(str(exc.message)) from None


def _status_label(value: Any) -> str:
    return str(Status(value).label) if value in Status.values else str(value or "—")


def _display(value: Any) -> str:
    """A before/after value as stored on an event, made readable."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, dict):
        if "label" in value:
            return str(value["label"])
        return "; ".join(f"{key}: {_display(item)}" for key, item in value.items()) or "—"
    if isinstance(value, list):
        return ", ".join(_display(item) for item in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _display_datetime(value: Any) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return "—"
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "SHORT_DATETIME_FORMAT")


# Configuration rows named in both languages: events store the label in the writer's language, the
# timeline shows the current name in the reader's.
RELABELLED: dict[str, type[Category | TicketType | Priority | Team]] = {
    "category": Category,
    "ticket_type": TicketType,
    "priority": Priority,
    "team": Team,
}


def _current_labels(timeline: list[TicketEvent]) -> dict[str, dict[int, str]]:
    wanted: dict[str, set[int]] = {field: set() for field in RELABELLED}
    for event in timeline:
        data = event.data or {}
        pairs = list((data.get("changes") or {}).items()) if event.kind == events.UPDATED else []
        if event.kind == events.ASSIGNED:
            pairs = [
                (
                    "team",
                    {"from": (data.get("from") or {}).get("team"), "to": (data.get("to") or {}).get("team")},
                )
            ]
        for field, change in pairs:
            if field in wanted:
                for value in (change.get("from"), change.get("to")):
                    if isinstance(value, dict) and isinstance(value.get("id"), int):
                        wanted[field].add(value["id"])
    labels: dict[str, dict[int, str]] = {}
    for field, ids in wanted.items():
        if ids:
            rows = RELABELLED[field].objects.filter(pk__in=ids)
            labels[field] = {row.pk: str(row) for row in rows}
    return labels


def _relabel(field: str, value: Any, labels: dict[str, dict[int, str]]) -> Any:
    if isinstance(value, dict) and field in labels:
        return labels[field].get(int(value.get("id") or 0), value.get("label"))
    return value


def _field_changes(
    data: dict[str, Any], user_names: dict[int, str], labels: dict[str, dict[int, str]]
) -> list[dict[str, str]]:
    rows = []
    for field, change in (data.get("changes") or {}).items():
        before, after = _relabel(field, change.get("from"), labels), _relabel(field, change.get("to"), labels)
        if field == "description":
            rows.append({"field": str(FIELD_LABELS[field]), "edited": "1"})
            continue
        if field == "due_at":
            before, after = _display_datetime(before), _display_datetime(after)
        elif field == "watchers":
            before = [user_names.get(pk, f"#{pk}") for pk in before or []]
            after = [user_names.get(pk, f"#{pk}") for pk in after or []]
        elif field == "status":
            before, after = _status_label(before), _status_label(after)
        rows.append(
            {
                "field": str(FIELD_LABELS.get(field, field)),
                "before": _display(before),
                "after": _display(after),
            }
        )
    return rows


def _assignment_changes(data: dict[str, Any], labels: dict[str, dict[int, str]]) -> list[dict[str, str]]:
    before, after = data.get("from") or {}, data.get("to") or {}
    rows = []
    for field in ("assignee", "team", "status"):
        if before.get(field) == after.get(field):
            continue
        if field == "status":
            old, new = _status_label(before.get(field)), _status_label(after.get(field))
        else:
            old = _display(_relabel(field, before.get(field), labels))
            new = _display(_relabel(field, after.get(field), labels))
        rows.append({"field": str(FIELD_LABELS[field]), "before": old, "after": new, "edited": ""})
    return rows


def _timeline(
    timeline: list[TicketEvent], attachments: dict[int, Attachment], *, staff: bool
) -> list[dict[str, Any]]:
    """Turn events into what the template shows, without another query per event."""
    watcher_ids: set[int] = set()
    for event in timeline:
        if event.kind == events.UPDATED:
            change = (event.data.get("changes") or {}).get("watchers") or {}
            watcher_ids.update(change.get("from") or [])
            watcher_ids.update(change.get("to") or [])
    user_names = {u.pk: u.name for u in User.objects.filter(pk__in=watcher_ids)} if watcher_ids else {}
    labels = _current_labels(timeline)

    items = []
    for event in timeline:
        data = event.data or {}
        # Keys a kind does not set read as "": a failed template lookup on a dict costs a dir() call.
        item: dict[str, Any] = defaultdict(str, {
            "event": event,
            "kind": event.kind,
            "actor": event.actor.name if event.actor else _("System"),
            "verb": events.describe(event.kind),
            "tone": "system",
            "icon": "ti-point",
            "changes": [],
        })  # fmt: skip
        kind = event.kind
        if kind in (events.COMMENTED, events.NOTE_ADDED) and event.comment is not None:
            item["tone"] = "note" if event.comment.is_internal else "reply"
            item["icon"] = "ti-lock" if event.comment.is_internal else "ti-message"
            item["comment"] = event.comment
            item["files"] = [a for a in event.comment.attachments.all() if staff or not a.is_internal]
        elif kind == events.CREATED:
            item["icon"] = "ti-sparkles"
            item["channel"] = data.get("channel", "")
        elif kind == events.UPDATED:
            item["icon"] = "ti-pencil"
            item["changes"] = _field_changes(data, user_names, labels)
        elif kind == events.ASSIGNED:
            item["icon"] = "ti-user-share"
            item["changes"] = _assignment_changes(data, labels)
        elif kind == events.TRANSITIONED:
            item["icon"] = "ti-arrows-exchange"
            item["changes"] = [
                {
                    "field": str(FIELD_LABELS["status"]),
                    "before": _status_label(data.get("from")),
                    "after": _status_label(data.get("to")),
                }
            ]
            item["note"] = data.get("note", "")
            item["to_status"] = data.get("to", "")
        elif kind == events.ATTACHMENT_ADDED:
            item["icon"] = "ti-paperclip"
            attachment = attachments.get(int(data.get("attachment") or 0))
            item["files"] = [attachment] if attachment else []
            item["missing_file"] = "" if attachment else data.get("filename", "")
        elif kind == events.TIME_LOGGED:
            item["icon"] = "ti-clock"
            item["tone"] = "note"
            item["minutes"] = data.get("minutes", 0)
            item["note"] = data.get("note", "")
            item["work_date"] = data.get("work_date", "")
        elif kind in (events.LINKED, events.UNLINKED, events.MERGED, events.MERGED_INTO):
            item["icon"] = "ti-link" if kind != events.MERGED_INTO else "ti-git-merge"
            linked = data.get("ticket") or {}
            item["linked_number"] = str(linked.get("label", "")).split(" ")[0]
            item["link_kind"] = str(LINK_KINDS.get(data.get("kind", ""), "")) if kind == events.LINKED else ""
        if event.is_internal and item["tone"] == "system":
            item["tone"] = "internal"
        page.decorate(item, kind, data)  # what other apps registered for their kinds
        items.append(item)
    return items


def _duration(minutes: int) -> str:
    hours, rest = divmod(int(minutes or 0), 60)
    if hours and rest:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}
    if hours:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(minutes)d min") % {"minutes": rest}


def _custom_field_rows(
    fields: Iterable[CustomField], values: dict[str, Any], users: list[tuple[int, str]]
) -> list[dict[str, Any]]:
    rows = []
    for field in fields:
        value = values.get(field.key)
        row: dict[str, Any] = {
            "field": field,
            "name": f"cf_{field.key}",
            "value": value,
            "sealed": value == SENSITIVE_MASK,
        }
        if field.field_type == FieldType.MULTI_CHOICE:
            chosen = {str(v) for v in (value or [])}
            row["options"] = [(v, label, v in chosen) for v, label in field.choice_options()]
        elif field.field_type == FieldType.CHOICE:
            row["choices"] = field.choice_options()
        elif field.field_type == FieldType.USER:
            row["choices"] = users
        rows.append(row)
    return rows


def _custom_value_display(fields: Iterable[CustomField], values: dict[str, Any]) -> list[tuple[str, str]]:
    """Custom values as label/value pairs for people who only read them (requesters)."""
    shown = []
    user_ids = [
        values[f.key] for f in fields if f.field_type == FieldType.USER and isinstance(values.get(f.key), int)
    ]
    names = {u.pk: u.name for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    for field in fields:
        if field.key not in values:
            continue
        value = values[field.key]
        if field.field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            labels = dict(field.choice_options())
            items = value if isinstance(value, list) else [value]
            text = ", ".join(labels.get(str(v), str(v)) for v in items)
        elif field.field_type == FieldType.USER:
            text = names.get(value, str(value))
        else:
            text = _display(value)
        shown.append((field.display_label, text))
    return shown


def _page_context(request: SignedInRequest, ticket: Ticket, **extra: Any) -> dict[str, Any]:
    actor = request.user
    staff = can_work(actor, ticket)
    attachments = list(selectors.ticket_attachments(actor=actor, ticket=ticket))
    timeline = _timeline(
        selectors.ticket_timeline(actor=actor, ticket=ticket),
        {a.pk: a for a in attachments},
        staff=staff,
    )
    takes = can_take(actor, ticket)
    allowed = services.available_transitions(actor=actor, ticket=ticket)
    # "Take it" starts work: starting a ticket nobody owns is not offered beside it.
    if takes and ticket.assignee_id is None:
        allowed = [t for t in allowed if t.to_status != Status.IN_PROGRESS]
    transitions = []
    for transition in allowed:
        style, icon = TRANSITION_BUTTONS.get(transition.action, ("btn-outline-primary", "ti-arrow-right"))
        if transition.approval:
            icon = "ti-stamp"
        # Cancelling is final for a requester: it opens a small form (reason optional) instead of firing.
        asks = transition.requires_note or transition.to_status == Status.CANCELLED
        transitions.append({"row": transition, "style": style, "icon": icon, "asks": asks})
    # The composer's "Send and …": the first move to each of these states the actor may make now.
    then_options: list[dict[str, str]] = []
    for to_status, label in COMPOSER_THEN if staff else ():
        move = next((t for t in allowed if t.to_status == to_status), None)
        if move is not None:
            then_options.append({"action": move.action, "label": str(label), "to_status": to_status})
    fields = fields_for_category(ticket.category)
    closed_for_replies = ticket.status in (Status.CLOSED, Status.CANCELLED)
    context: dict[str, Any] = {
        "ticket": ticket,
        "staff": staff,
        "status_badge": STATUS_BADGES.get(ticket.status, "bg-secondary-lt"),
        # A drawn workflow's own state name (装修审批's 施工中…); else the status as everywhere (decision 0150).
        "status_label": services.state_label(ticket)
        if ticket.state and ticket.state != ticket.status
        else _status_label(ticket.status),
        "transitions": transitions,
        "can_take": takes,
        "then_options": then_options,
        "separate_resolution_note": reference().desk.separate_resolution_note,
        "resolution_value": "",
        "timeline": timeline,
        "attachments": attachments,
        "closed_for_replies": closed_for_replies,
        "can_reply": staff or not closed_for_replies,
        "tags": list(ticket.tags.all()),
        "watchers": list(ticket.watchers.all()),
        "notices": [],
        "errors": defaultdict(list),
        "reply_body": "",
        "reply_internal": False,
        "open_transition": "",
        "note_value": "",
        "oob": False,
        "include_editor": True,
        "link_kinds": list(LINK_KINDS.items()),
    }
    context["panels"] = {"main": [], "side": []}
    if staff:
        context["panels"], panel_values = page.panels(actor, ticket)
        context.update(panel_values)
        staff_users = staff_choices()
        watcher_options = staff_users + [
            (w.pk, w.name) for w in context["watchers"] if w.role not in STAFF_ROLES
        ]
        entries = list(selectors.ticket_time_entries(actor=actor, ticket=ticket))
        context.update(
            {
                "relatives": selectors.ticket_relatives(actor=actor, ticket=ticket),
                "categories": category_choices(also=ticket.category_id)[1:],
                "ticket_types": [
                    (t.pk, t.label)
                    for t in TicketType.objects.filter(Q(is_active=True) | Q(pk=ticket.ticket_type_id))
                ],
                "priorities": [(p.pk, f"{p.code} · {p.label}") for p in Priority.objects.all()],
                "teams": [
                    (t.pk, t.label) for t in Team.objects.filter(Q(is_active=True) | Q(pk=ticket.team_id))
                ],
                "staff_users": staff_users,
                "watcher_options": watcher_options,
                "watcher_ids": [w.pk for w in context["watchers"]],
                # Full paths ("上海园区 / A 栋 / 3F / 301"): a closed select shows only the chosen one.
                "locations": [
                    (pk, full_name or name)
                    for pk, full_name, name in Location.objects.filter(
                        Q(is_active=True) | Q(pk=ticket.location_id)
                    )
                    .order_by("path")
                    .values_list("id", "full_name", "name")
                ],
                "custom_fields": _custom_field_rows(fields, masked_values(ticket.custom_values), staff_users),
                "due_value": timezone.localtime(ticket.due_at).strftime(DUE_INPUT_FORMAT)
                if ticket.due_at
                else "",
                "tags_value": ", ".join(t.name for t in context["tags"]),
                "time_entries": entries,
                "time_total": _duration(sum(e.minutes for e in entries)),
                "today": timezone.localdate().isoformat(),
            }
        )
    else:
        context["custom_values"] = _custom_value_display(fields, masked_values(ticket.custom_values))
    context.update(extra)
    return context


def _render(request: SignedInRequest, ticket: Ticket, *, status: int = 200, **extra: Any) -> HttpResponse:
    context = _page_context(request, ticket, **extra)
    if request.htmx:
        context["oob"] = True
        response = render(request, "tickets/ticket/detail.html#htmx_update", context, status=status)
    else:
        response = render(request, "tickets/ticket/detail.html", context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def ticket_detail(request: SignedInRequest, number: str) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    return _render(request, ticket, include_editor=True)


# -------------------------------------------------------------------------------------------- actions


def _failed(
    request: SignedInRequest, ticket: Ticket, error: DomainError, *, status: int | None = None, **extra: Any
) -> HttpResponse:
    """Show the service's message (and its field details) on the page; nothing was written."""
    details = [
        f"{FIELD_LABELS.get(field, '') or ''}{': ' if field in FIELD_LABELS else ''}{message}"
        for field, messages_ in (error.details or {}).items()
        for message in messages_
        if str(message) != str(error.message)
    ]
    notice = {
        "level": "danger",
        "text": str(error.message),
        "details": details if error.code not in ("version_conflict",) else [],
        "reload": error.code == "version_conflict",
    }
    # The ticket may have changed meanwhile (a conflict): show the page as it is now.
    try:
        fresh = selectors.ticket_get(actor=request.user, number=ticket.number)
    except NotFound:
        raise Http404(str(error.message)) from None
    extra.setdefault("include_editor", False)
    return _render(
        request,
        fresh,
        status=status or error.status_code,
        notices=[notice],
        errors=defaultdict(list, error.details or {}),
        **extra,
    )


def _succeeded(
    request: SignedInRequest, number: str, message: str, *, include_editor: bool = False
) -> HttpResponse:
    try:
        ticket = selectors.ticket_get(actor=request.user, number=number)
    except NotFound:
        # The change took the ticket out of this person's sight (e.g. handed to another team).
        messages.success(request, message)
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("tickets:queue")
            return response
        return redirect("tickets:queue")
    if request.htmx:
        return _render(
            request,
            ticket,
            notices=[{"level": "success", "text": message}],
            include_editor=include_editor,
        )
    messages.success(request, message)
    return redirect("tickets:ticket_detail", number=ticket.number)


def _bad_input(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, details={field: [message]})


@login_required
@require_POST
def ticket_transition(request: SignedInRequest, number: str) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    action = request.POST.get("action", "").strip()
    note = request.POST.get("note", "")
    try:
        updated = services.ticket_transition(actor=request.user, ticket=ticket, action=action, note=note)
    except DomainError as error:
        return _failed(request, ticket, error, open_transition=action, note_value=note)
    return _succeeded(
        request, ticket.number, _("Status changed to %(status)s.") % {"status": _status_label(updated.status)}
    )


@login_required
@require_POST
def ticket_take(request: SignedInRequest, number: str) -> HttpResponse:
    """ "Take it", from the ticket page (htmx) or a queue row (a plain POST that opens the ticket)."""
    ticket = _ticket_or_404(request, number)
    try:
        raw_version = request.POST.get("version", "").strip()
        version = parse_id(raw_version) if raw_version else None
        if raw_version and version is None:
            raise _bad_input(_("The form is missing the ticket's version; reload the page."), "version")
        services.ticket_take(actor=request.user, ticket=ticket, expected_version=version)
    except DomainError as error:
        if request.htmx or request.POST.get("from") != "queue":
            return _failed(request, ticket, error)
        messages.error(request, f"{ticket.number}: {error.message}")
        return redirect("tickets:queue")
    return _succeeded(request, ticket.number, _("You took this ticket."), include_editor=True)


@login_required
@require_POST
def ticket_reply(request: SignedInRequest, number: str) -> HttpResponse:
    """The composer: a reply or internal note, and with "Send and …" the next state, in one submit."""
    ticket = _ticket_or_404(request, number)
    body = request.POST.get("body", "")
    internal = request.POST.get("kind") == "note"
    then = request.POST.get("then", "").strip()[:40]
    resolution = request.POST.get("resolution", "")
    uploads = request.FILES.getlist("files")
    limit = settings.GONGDAN_MAX_ATTACHMENT_BYTES
    keep: dict[str, Any] = {
        "reply_body": body,
        "reply_internal": internal,
        "resolution_value": resolution,
        "include_editor": True,
    }
    try:
        raw_version = request.POST.get("version", "").strip()
        version = parse_id(raw_version) if raw_version else None
        if raw_version and version is None:
            raise _bad_input(_("The form is missing the ticket's version; reload the page."), "version")
        too_big = [u.name for u in uploads if (u.size or 0) > limit]
        if too_big:
            raise _bad_input(
                _("The file “%(name)s” is larger than %(limit)d MB.")
                % {"name": too_big[0], "limit": limit // (1024 * 1024)},
                "files",
            )
        files = [services.IncomingFile(name=u.name or "file", content=u.read()) for u in uploads]
        updated = services.ticket_respond(
            actor=request.user,
            ticket=ticket,
            body=body,
            is_internal=internal,
            files=files,
            then=then,
            resolution=resolution,
            expected_version=version,
        )
    except DomainError as error:
        # htmx leaves the composer as typed (text, files); without JS the page comes back with the text in it.
        return _failed(request, ticket, error, **({} if request.htmx else keep))
    message = _("Internal note added.") if internal else _("Reply sent.")
    if then:
        message = f"{message} " + _("Status changed to %(status)s.") % {
            "status": _status_label(updated.status)
        }
    return _succeeded(request, ticket.number, message, include_editor=True)


def _pick(model: Any, raw: str, field: str, *, allow_empty: bool = True) -> Any:
    raw = (raw or "").strip()
    if not raw:
        if allow_empty:
            return None
        raise _bad_input(_("This field is required."), field)
    pk = parse_id(raw)
    if pk is None:
        raise _bad_input(_("Choose a valid option."), field)
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise _bad_input(_("Choose a valid option."), field)
    return row


def _parse_due(raw: str) -> datetime | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    for pattern in (DUE_INPUT_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(raw, pattern)  # noqa: DTZ007 - made aware in the user's zone below
        except ValueError:
            continue
        return timezone.make_aware(moment)
    raise _bad_input(_("Enter the due date as YYYY-MM-DD HH:MM."), "due_at")


def _custom_values_from_post(request: SignedInRequest, category: Category | None) -> dict[str, Any]:
    """Only the fields the form actually showed: a category changed without JS keeps other values."""
    values: dict[str, Any] = {}
    for field in fields_for_category(category):
        name = f"cf_{field.key}"
        if field.field_type == FieldType.MULTI_CHOICE:
            if f"{name}__shown" in request.POST:
                values[field.key] = request.POST.getlist(name)
        elif name in request.POST:
            values[field.key] = request.POST.get(name, "")
    return values


def _property_values(ticket: Ticket) -> list[tuple[str, str]]:
    """The properties form's fields as the ticket holds them now: what "Undo" posts back after a change."""
    pairs: list[tuple[str, str]] = [
        ("category", str(ticket.category_id or "")),
        ("ticket_type", str(ticket.ticket_type_id)),
        ("priority", str(ticket.priority_id)),
        ("team", str(ticket.team_id or "")),
        ("assignee", str(ticket.assignee_id or "")),
        ("due_at", timezone.localtime(ticket.due_at).strftime(DUE_INPUT_FORMAT) if ticket.due_at else ""),
        ("location", str(ticket.location_id or "")),
        ("location_text", ticket.location_text),
        ("tags", ", ".join(t.name for t in ticket.tags.all())),
    ]
    pairs += [("watchers", str(w.pk)) for w in ticket.watchers.all()]
    values = masked_values(ticket.custom_values)
    for field in fields_for_category(ticket.category):
        name, value = f"cf_{field.key}", values.get(field.key)
        if field.field_type == FieldType.MULTI_CHOICE:
            pairs.append((f"{name}__shown", "1"))
            pairs += [(name, str(v)) for v in value or []]
        else:
            pairs.append((name, "" if value is None else str(value)))
    return pairs


# Changes that move other fields too (a team drops its assignee, a category brings its own form): the whole
# properties panel is drawn again. Any other change leaves the panel alone, so the field the agent moved to
# next keeps its focus.
KNOCK_ON_FIELDS = frozenset({"category", "team", "assignee"})


@login_required
@require_POST
def ticket_properties(request: SignedInRequest, number: str) -> HttpResponse:
    """The sidebar saves each change as it is made (htmx, on change) with the version check, and answers
    with "Saved" and an Undo: a second edit, through the same service, that posts the values from before."""
    ticket = _ticket_or_404(request, number)
    post = request.POST
    undo = post.get("undo") == "1"
    try:
        version = parse_id(post.get("version"))
        if version is None:
            raise _bad_input(_("The form is missing the ticket's version; reload the page."), "version")
        category = _pick(Category, post.get("category", ""), "category")
        changes: dict[str, Any] = {
            "category": category,
            "ticket_type": _pick(TicketType, post.get("ticket_type", ""), "ticket_type", allow_empty=False),
            "priority": _pick(Priority, post.get("priority", ""), "priority", allow_empty=False),
            "location": _pick(Location, post.get("location", ""), "location"),
            "location_text": post.get("location_text", ""),
            "due_at": _parse_due(post.get("due_at", "")),
            "tags": [t for t in TAG_SPLIT.split(post.get("tags", "")) if t.strip()],
            "custom_values": _custom_values_from_post(request, category),
        }
        watcher_ids = parse_ids(raw for raw in post.getlist("watchers") if raw.strip())
        if watcher_ids is None:
            raise _bad_input(_("Choose a valid option."), "watchers")
        watchers = list(User.objects.filter(pk__in=watcher_ids, is_active=True))
        if len(watchers) != len(set(watcher_ids)):
            raise _bad_input(_("Choose a valid option."), "watchers")
        changes["watchers"] = watchers
        changes["team"] = _pick(Team, post.get("team", ""), "team")
        before = _property_values(ticket) if request.htmx else []
        updated = services.ticket_edit(
            actor=request.user,
            ticket=ticket,
            changes=changes,
            assignee=_pick(User, post.get("assignee", ""), "assignee"),
            expected_version=version,
        )
    except DomainError as error:
        if request.htmx and error.code != "version_conflict" and "category" in post:
            # Keep what the agent chose (a new category waiting for its required fields) beside the errors.
            return _failed(request, ticket, error, **_as_posted(request, ticket))
        return _failed(request, ticket, error)
    message = _("Change undone.") if undo else _("Changes saved.")
    if not request.htmx:
        return _succeeded(request, ticket.number, message)
    if updated.version == ticket.version:
        return HttpResponse(status=204)  # nothing changed (a field set to the value it had)
    changed = _changed_fields(before, _property_values(updated))
    context = _page_context(request, updated, include_editor=False)
    context.update(
        oob=True,
        saved_message=message,
        undo_values=[] if undo else before,
        redraw_side=bool(changed & KNOCK_ON_FIELDS),
    )
    response = render(request, "tickets/ticket/detail.html#property_saved", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _changed_fields(before: list[tuple[str, str]], after: list[tuple[str, str]]) -> set[str]:
    grouped: dict[str, list[list[str]]] = defaultdict(lambda: [[], []])
    for side, pairs in enumerate((before, after)):
        for name, value in pairs:
            grouped[name][side].append(value)
    return {name for name, (old, new) in grouped.items() if sorted(old) != sorted(new)}


def _as_posted(request: SignedInRequest, ticket: Ticket) -> dict[str, Any]:
    """The properties panel as the agent left it: the chosen category and its form with what was typed."""
    category_id = parse_id(request.POST.get("category", ""))
    category = Category.objects.filter(pk=category_id).first() if category_id is not None else None
    if category is None or category.pk == ticket.category_id:
        return {}
    typed = _custom_values_from_post(request, category)
    return {
        "posted_category_id": category.pk,
        "custom_fields": _custom_field_rows(fields_for_category(category), typed, staff_choices()),
    }


@login_required
@require_GET
def ticket_sensitive_value(request: SignedInRequest, number: str) -> HttpResponse:
    """One sensitive custom value in clear, for staff who may work the ticket; the audit trail records it."""
    ticket = _ticket_or_404(request, number)
    if not can_work(request.user, ticket):
        raise Http404
    key = request.GET.get("key", "")
    try:
        revealed = ticket_sensitive_reveal(actor=request.user, ticket=ticket, key=key, request=request)
    except DomainError as exc:
        raise Http404 from exc
    return render(request, "tickets/ticket/sensitive_value.html", {"value": revealed.get(key), "key": key})


@login_required
@require_GET
def ticket_custom_fields(request: SignedInRequest, number: str) -> HttpResponse:
    """The custom fields of another category, when the properties form's category changes (htmx)."""
    ticket = _ticket_or_404(request, number)
    if not can_work(request.user, ticket):
        raise Http404
    category_id = parse_id(request.GET.get("category"))
    category = Category.objects.filter(pk=category_id).first() if category_id is not None else None
    rows = _custom_field_rows(
        fields_for_category(category), masked_values(ticket.custom_values), staff_choices()
    )
    return render(
        request, "tickets/ticket/detail.html#custom_fields", {"custom_fields": rows, "ticket": ticket}
    )


@login_required
@require_POST
def ticket_time(request: SignedInRequest, number: str) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    try:
        minutes_raw = request.POST.get("minutes", "").strip()
        if not re.fullmatch(r"\d{1,5}", minutes_raw):
            raise _bad_input(_("Enter the minutes as a whole number."), "minutes")
        work_date_raw = request.POST.get("work_date", "").strip()
        try:
            work_date = date.fromisoformat(work_date_raw) if work_date_raw else None
        except ValueError:
            raise _bad_input(_("Enter the date as YYYY-MM-DD."), "work_date") from None
        entry = services.time_entry_add(
            actor=request.user,
            ticket=ticket,
            minutes=int(minutes_raw),
            work_date=work_date,
            note=request.POST.get("note", ""),
        )
    except DomainError as error:
        return _failed(request, ticket, error)
    return _succeeded(request, ticket.number, _("Logged %(time)s.") % {"time": _duration(entry.minutes)})


def _other_ticket(request: SignedInRequest, raw: str, field: str) -> Ticket:
    raw = (raw or "").strip()
    if not raw:
        raise _bad_input(_("Enter a ticket number."), field)
    try:
        return selectors.ticket_get(actor=request.user, number=raw[:40])
    except NotFound as exc:
        raise ValidationFailed(exc.message, code="not_found", details={field: [exc.message]}) from None


@login_required
@require_POST
def ticket_link(request: SignedInRequest, number: str) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    kind = request.POST.get("kind", "relates")
    try:
        other = _other_ticket(request, request.POST.get("other", ""), "other")
        services.ticket_link(actor=request.user, ticket=ticket, other=other, kind=kind)
    except DomainError as error:
        return _failed(request, ticket, error, status=422 if error.code == "not_found" else None)
    return _succeeded(request, ticket.number, _("Linked to %(number)s.") % {"number": other.number})


@login_required
@require_POST
def ticket_unlink(request: SignedInRequest, number: str) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    try:
        other = _other_ticket(request, request.POST.get("other", ""), "other")
        services.ticket_unlink(actor=request.user, ticket=ticket, other=other)
    except DomainError as error:
        return _failed(request, ticket, error, status=422 if error.code == "not_found" else None)
    return _succeeded(request, ticket.number, _("Link to %(number)s removed.") % {"number": other.number})


@login_required
@require_POST
def ticket_merge(request: SignedInRequest, number: str) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    try:
        into = _other_ticket(request, request.POST.get("into", ""), "into")
        if request.POST.get("confirm") != "yes":
            raise _bad_input(
                _("Tick the box to confirm: this ticket will be closed as a duplicate."), "confirm"
            )
        services.ticket_merge(actor=request.user, duplicate=ticket, into=into)
    except DomainError as error:
        return _failed(request, ticket, error, status=422 if error.code == "not_found" else None)
    return _succeeded(
        request, ticket.number, _("Merged into %(number)s; this ticket is closed.") % {"number": into.number}
    )


@login_required
@require_POST
def markdown_preview(request: SignedInRequest, number: str) -> HttpResponse:
    _ticket_or_404(request, number)
    body = request.POST.get("body", "")[:50_000]
    return render(
        request, "tickets/ticket/detail.html#preview", {"preview_html": render_markdown(body), "body": body}
    )


# ------------------------------------------------------------------------------------------ downloads

# Passive types a browser will not run; anything else is served as an opaque download.
SAFE_DOWNLOAD_TYPES = frozenset(
    {
        "application/pdf", "text/plain", "text/csv", "application/json", "application/zip",
        "application/x-7z-compressed", "application/msword", "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint", "message/rfc822", "video/mp4", "video/quicktime",
        "audio/mpeg", "audio/mp4", "image/heic",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }
)  # fmt: skip
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


@login_required
@require_GET
def attachment_download(request: SignedInRequest, attachment_id: int) -> HttpResponseBase:
    try:
        attachment = selectors.attachment_get(actor=request.user, attachment_id=attachment_id)
    except NotFound as exc:
        raise Http404(str(exc.message)) from None
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404(_("Attachment not found.")) from None
    inline = attachment.is_image and attachment.content_type in INLINE_IMAGE_TYPES
    if inline or attachment.content_type in SAFE_DOWNLOAD_TYPES:
        content_type = attachment.content_type
    else:
        content_type = "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=not inline, filename=attachment.filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, max-age=3600"
    return response
