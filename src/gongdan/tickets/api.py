"""Tickets over the API. Reads go through gongdan.tickets.selectors (who may see what), changes through
gongdan.tickets.services (the one door); this module only parses, resolves ids and shapes answers."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from pydantic import Field

from gongdan.accounts.models import Team, User
from gongdan.api.errors import ApiError, errors_for
from gongdan.api.idempotency import IDEMPOTENT, idempotent
from gongdan.api.inputs import IdPath, not_found_in, optional_row, rows_or_422
from gongdan.api.parsing import MULTIPART_OVERHEAD, declared_body_at_most
from gongdan.api.rendering import dump, json_response
from gongdan.assets.models import Asset, Location
from gongdan.core.domain_errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from gongdan.tickets import selectors, services
from gongdan.tickets.filters import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, TicketFilters, paginate
from gongdan.tickets.models import (
    Attachment,
    Category,
    Comment,
    CustomField,
    Priority,
    SavedView,
    Tag,
    Ticket,
    TicketEvent,
    TicketType,
    WorkflowTransition,
)
from gongdan.tickets.reference import reference
from gongdan.tickets.schemas import (
    AttachmentOut,
    CategoryOut,
    CommentIn,
    CommentOut,
    CustomFieldOut,
    EventOut,
    LinkIn,
    LinksOut,
    MergeIn,
    PriorityOut,
    SavedViewIn,
    SavedViewOut,
    SavedViewUpdateIn,
    TicketCreateIn,
    TicketOut,
    TicketPage,
    TicketTypeOut,
    TicketUpdateIn,
    TimeEntriesOut,
    TimeEntryIn,
    TimeEntryOut,
    TransitionIn,
    TransitionOut,
)
from gongdan.tickets.services.custom_fields import fields_for_category
from gongdan.tickets.services.saved_views import saved_view_create, saved_view_delete, saved_view_update

router = Router()

NUMBER = Path(..., max_length=40, description="Ticket number, e.g. GD-2026-000123.")
UPLOAD_FILE = File(..., description="The file (multipart/form-data).")
UPLOAD_INTERNAL = Form(False, description="Staff only: hide from the requester.")


def actor_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _get(request: HttpRequest, number: str) -> Ticket:
    return selectors.ticket_get(actor=actor_of(request), number=number)


def etag_of(version: int) -> str:
    return f'"{version}"'


def _ticket_response(request: HttpRequest, number: str, *, status: int = 200) -> HttpResponse:
    ticket = _get(request, number)
    response = json_response(dump(TicketOut, ticket), status=status)
    response["ETag"] = etag_of(ticket.version)
    return response


def _with_etag(response: HttpResponse) -> HttpResponse:
    try:
        version = json.loads(response.content).get("version")
    except (ValueError, AttributeError):
        return response
    if isinstance(version, int):
        response["ETag"] = etag_of(version)
    return response


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _other_ticket(actor: User, number: str, field: str) -> Ticket:
    try:
        return selectors.ticket_get(actor=actor, number=number)
    except NotFound:
        raise ValidationFailed(
            _("Ticket %(number)s not found.") % {"number": number}, details={field: [_("Not found.")]}
        ) from None


def _priority(code: str | None) -> Priority | None:
    if code is None:
        return None
    priority = reference().priority_by_code(code.strip().upper())
    if priority is None:
        raise not_found_in("priority")
    return priority


def _ticket_type(code: str | None) -> TicketType | None:
    if code is None:
        return None
    ticket_type = reference().ticket_type_by_code(code.strip())
    if ticket_type is None:
        raise not_found_in("type")
    return ticket_type


def _configured[M](rows: dict[int, M], field: str, pk: int | None) -> M | None:
    """A configuration row (category, team) from the per-process copy of the configuration: no query."""
    if pk is None:
        return None
    row = rows.get(pk)
    if row is None:
        raise not_found_in(field)
    return row


def _user(field: str, user_id: int | None) -> User | None:
    return optional_row(User.objects.all(), field, user_id)


API_TO_SERVICE = {"type": "ticket_type", "custom_fields": "custom_values"}  # the body's names → the service's


# ---- list & create -----------------------------------------------------------------------------------
class TicketListQuery(Schema):
    status: list[str] = Field(
        default_factory=list, description="Repeat or comma-separate; `open` = all open."
    )
    priority: list[str] = Field(default_factory=list, description="Priority codes, e.g. P0,P1.")
    team: list[str] = Field(default_factory=list, description="Team ids.")
    assignee: str = Field("", max_length=20, description="A user id, `me` or `none`.")
    requester: str = Field("", max_length=20, description="A user id.")
    category: str = Field("", max_length=20, description="A category id (includes its sub-categories).")
    type: str = Field("", max_length=40, description="Ticket type code.")
    tag: str = Field("", max_length=50)
    created_from: str = Field("", max_length=40, description="Date (YYYY-MM-DD) or ISO 8601 date-time.")
    created_to: str = Field("", max_length=40)
    updated_from: str = Field("", max_length=40)
    updated_to: str = Field("", max_length=40)
    q: str = Field("", max_length=200, description="Text search in subject, description and replies.")
    view: str = Field(
        "",
        max_length=20,
        description="my_open, my_team, unassigned, overdue (past the due date or an SLA due time), open, all.",
    )
    sort: str = Field(
        "",
        max_length=20,
        description="-updated (default), updated, -created, created, priority, -priority, due.",
    )
    cursor: str = Field("", max_length=500, description="`next_cursor` of the previous page.")
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


@router.get("/tickets", response={200: TicketPage, **errors_for(401, 422)}, summary="List tickets")
def ticket_list(request: HttpRequest, query: Query[TicketListQuery]) -> dict[str, Any]:
    """The tickets I may see, filtered and sorted; keyset pagination via `cursor`."""
    actor = actor_of(request)
    filters = TicketFilters.parse(request.GET)
    page = paginate(
        selectors.ticket_list(actor=actor, filters=filters), filters, cursor=query.cursor, limit=query.limit
    )
    items = list(page.items)
    prefetch_related_objects(items, Prefetch("tags", queryset=Tag.objects.order_by("name")))
    return {
        "items": items,
        "next_cursor": page.next_cursor,
        "has_more": page.has_more,
    }


@router.post(
    "/tickets",
    response={201: TicketOut, **errors_for(401, 403, 409, 413, 415, 422)},
    summary="Create a ticket",
    openapi_extra=IDEMPOTENT,
)
def ticket_create(request: HttpRequest, payload: TicketCreateIn) -> HttpResponse:
    """Report a ticket. Requesters may set subject, description, category, type, custom fields and
    location; staff may also set priority, team, assignee, requester, tags, due date, parent and
    watchers. Send an `Idempotency-Key` header to make retries safe."""
    actor = actor_of(request)
    given = payload.model_dump(exclude_unset=True)
    # The service's rule, checked before anything is looked up (a requester learns nothing about others).
    named = {API_TO_SERVICE.get(field, field) for field, value in given.items() if value}
    services.check_requester_may_set(actor, named, requester_id=payload.requester)

    def produce() -> Ticket:
        return services.ticket_create(
            actor=actor,
            subject=payload.subject,
            description=payload.description,
            requester=_user("requester", payload.requester),
            category=_configured(reference().categories, "category", payload.category),
            ticket_type=_ticket_type(payload.type),
            priority=_priority(payload.priority),
            team=_configured(reference().teams, "team", payload.team),
            assignee=_user("assignee", payload.assignee),
            custom_values=payload.custom_fields,
            tags=payload.tags,
            watchers=rows_or_422(User.objects.all(), "watchers", payload.watchers),
            due_at=_aware(payload.due_at),
            location=optional_row(Location.objects.all(), "location", payload.location),
            location_text=payload.location_text,
            asset=optional_row(
                Asset.objects.select_related("location"), "asset", payload.asset, "code__iexact"
            ),
            parent=_other_ticket(actor, payload.parent, "parent") if payload.parent else None,
            channel="api",
        )

    # Answered from the row just written (its relations are already in memory), not re-read.
    return _with_etag(idempotent(request, actor, produce, lambda ticket: (201, dump(TicketOut, ticket))))


# ---- one ticket --------------------------------------------------------------------------------------
@router.get("/tickets/{number}", response={200: TicketOut, **errors_for(401, 404)}, summary="Get a ticket")
def ticket_get(request: HttpRequest, number: str = NUMBER) -> HttpResponse:
    """The ticket with an `ETag` (its version); send it back as `If-Match` when you PATCH."""
    ticket = _get(request, number)
    etag = etag_of(ticket.version)
    if_none_match = request.headers.get("If-None-Match", "")
    if etag in [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]:
        response = HttpResponse(status=304)
    else:
        response = json_response(dump(TicketOut, ticket), status=200)
    response["ETag"] = etag
    return response


IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,10})"?\s*$')


def _expected_version(
    request: HttpRequest, ticket: Ticket, body_version: int | None
) -> tuple[int | None, bool]:
    """(expected version, whether it came from If-Match). Raises 412/428 per the header rules."""
    header = request.headers.get("If-Match")
    if header is not None:
        if header.strip() == "*":
            return None, True
        versions = [int(m.group(1)) for part in header.split(",") if (m := IF_MATCH.match(part))]
        if ticket.version not in versions:
            raise PreconditionFailed(
                _(
                    "The ticket has changed since you read it (it is now version %(version)d). Reload it and try again."
                )
                % {"version": ticket.version},
                details={"If-Match": [etag_of(ticket.version)]},
            )
        return ticket.version, True
    if body_version is not None:
        return body_version, False
    raise ApiError(
        _("Send the version you read: an If-Match header (the ETag) or “version” in the body."),
        status_code=428,
        code="precondition_required",
        details={"version": [_("This field is required.")]},
    )


@router.patch(
    "/tickets/{number}",
    response={200: TicketOut, **errors_for(401, 403, 404, 409, 412, 415, 422, 428)},
    summary="Update a ticket",
)
def ticket_update(request: HttpRequest, payload: TicketUpdateIn, number: str = NUMBER) -> HttpResponse:
    """Change only the fields sent. Requires `If-Match: "<version>"` (stale → 412) or `version` in
    the body (stale → 409 version_conflict). Fields and assignment are one change (`ticket_edit`): moving the
    ticket to a team its assignee is not in hands it to that team's queue unless `assignee` names someone
    else in it."""
    actor = actor_of(request)
    ticket = _get(request, number)
    given = payload.model_dump(exclude_unset=True)
    expected, from_header = _expected_version(request, ticket, given.pop("version", None))
    for field in ("subject", "description", "location_text"):
        if field in given and given[field] is None:
            given[field] = ""
    changes: dict[str, Any] = {}
    simple = {"subject", "description", "location_text", "tags"}
    for field in simple & set(given):
        changes[field] = given[field] if field != "tags" else (given[field] or [])
    if "category" in given:
        changes["category"] = optional_row(Category.objects.all(), "category", given["category"])
    if "type" in given:
        changes["ticket_type"] = _ticket_type(given["type"])
    if "priority" in given:
        changes["priority"] = _priority(given["priority"])
    if "requester" in given:
        changes["requester"] = _user("requester", given["requester"])
    if "due_at" in given:
        changes["due_at"] = _aware(given["due_at"])
    if "location" in given:
        changes["location"] = optional_row(Location.objects.all(), "location", given["location"])
    if "asset" in given:
        changes["asset"] = optional_row(
            Asset.objects.select_related("location"), "asset", given["asset"], "code__iexact"
        )
    if "custom_fields" in given:
        changes["custom_values"] = given["custom_fields"] or {}
    if "watchers" in given:
        changes["watchers"] = rows_or_422(User.objects.all(), "watchers", given["watchers"] or [])
    if "parent" in given:
        changes["parent"] = _other_ticket(actor, given["parent"], "parent") if given["parent"] else None
    if "team" in given:  # with an assignee it is part of the assignment, alone a field change
        changes["team"] = _configured(reference().teams, "team", given["team"])
    try:
        edited = services.ticket_edit(
            actor=actor,
            ticket=ticket,
            changes=changes,
            assignee=_user("assignee", given["assignee"]) if "assignee" in given else services.UNSET,
            expected_version=expected,
        )
    except Conflict as exc:
        if from_header and exc.code == "version_conflict":
            raise PreconditionFailed(exc.message, details=exc.details) from None
        raise
    # Answered from the ticket the service wrote (what was read with it carried over), not re-read.
    response = json_response(dump(TicketOut, edited), status=200)
    response["ETag"] = etag_of(edited.version)
    return response


# ---- transitions -------------------------------------------------------------------------------------
@router.get(
    "/tickets/{number}/transitions",
    response={200: list[TransitionOut], **errors_for(401, 404)},
    summary="Available transitions",
)
def transition_list(request: HttpRequest, number: str = NUMBER) -> list[WorkflowTransition]:
    """The state changes I may make on this ticket now."""
    ticket = _get(request, number)
    return list(services.available_transitions(actor=actor_of(request), ticket=ticket))


@router.post(
    "/tickets/{number}/transitions",
    response={200: TicketOut, **errors_for(401, 403, 404, 409, 415, 422)},
    summary="Change the state",
    openapi_extra=IDEMPOTENT,
)
def transition_apply(request: HttpRequest, payload: TransitionIn, number: str = NUMBER) -> HttpResponse:
    """Apply a transition (`action` from the list above); resolving needs a `note`. Send an `Idempotency-Key`
    header to make retries safe."""
    actor = actor_of(request)

    def produce() -> tuple[int, Any]:
        ticket = _get(request, number)
        services.ticket_transition(
            actor=actor,
            ticket=ticket,
            action=payload.action,
            note=payload.note,
            expected_version=payload.version,
        )
        return 200, dump(TicketOut, _get(request, number))

    return _with_etag(idempotent(request, actor, produce))


# ---- comments ----------------------------------------------------------------------------------------
@router.get(
    "/tickets/{number}/comments", response={200: list[CommentOut], **errors_for(401, 404)}, summary="Comments"
)
def comment_list(request: HttpRequest, number: str = NUMBER) -> list[Comment]:
    """Replies and, for staff, internal notes, oldest first."""
    ticket = _get(request, number)
    return list(selectors.ticket_comments(actor=actor_of(request), ticket=ticket))


@router.post(
    "/tickets/{number}/comments",
    response={201: CommentOut, **errors_for(401, 403, 404, 409, 415, 422)},
    summary="Reply or add a note",
    openapi_extra=IDEMPOTENT,
)
def comment_create(request: HttpRequest, payload: CommentIn, number: str = NUMBER) -> HttpResponse:
    """A public reply, or an internal note with `"internal": true` (staff only). Send an
    `Idempotency-Key` header to make retries safe."""
    actor = actor_of(request)

    def produce() -> tuple[int, Any]:
        ticket = _get(request, number)
        comment = services.ticket_comment(
            actor=actor, ticket=ticket, body=payload.body, is_internal=payload.internal, channel="api"
        )
        comment = selectors.ticket_comments(actor=actor, ticket=ticket).get(pk=comment.pk)
        return 201, dump(CommentOut, comment)

    return idempotent(request, actor, produce)


# ---- attachments -------------------------------------------------------------------------------------
@router.get(
    "/tickets/{number}/attachments",
    response={200: list[AttachmentOut], **errors_for(401, 404)},
    summary="Attachments",
)
def attachment_list(request: HttpRequest, number: str = NUMBER) -> list[Attachment]:
    ticket = _get(request, number)
    return list(selectors.ticket_attachments(actor=actor_of(request), ticket=ticket))


@router.post(
    "/tickets/{number}/attachments",
    response={201: AttachmentOut, **errors_for(400, 401, 403, 404, 409, 413, 422)},
    summary="Upload an attachment",
)
@decorate_view(declared_body_at_most(lambda: request_limit() + MULTIPART_OVERHEAD))
def attachment_upload(
    request: HttpRequest,
    number: str = NUMBER,
    file: UploadedFile = UPLOAD_FILE,
    internal: bool = UPLOAD_INTERNAL,
) -> Status:
    """Upload one file as `multipart/form-data`. Images (PNG, JPEG, GIF, WebP) are shown inline;
    web pages, SVG and executables are refused."""
    actor = actor_of(request)
    ticket = _get(request, number)
    if file.size is not None and file.size > request_limit():
        raise ApiError(_("The file is too large."), status_code=413, code="request_too_large")
    content = file.read()
    attachment = services.attachment_add(
        actor=actor, ticket=ticket, file=services.IncomingFile(name=file.name or "file", content=content),
        is_internal=internal,
    )  # fmt: skip
    attachment = selectors.ticket_attachments(actor=actor, ticket=ticket).get(pk=attachment.pk)
    return Status(201, attachment)


def request_limit() -> int:
    return int(settings.GONGDAN_MAX_ATTACHMENT_BYTES)


@router.get(
    "/attachments/{attachment_id}",
    response={200: None, **errors_for(401, 404)},
    url_name="attachment_download",
    summary="Download an attachment",
)
def attachment_download(request: HttpRequest, attachment_id: int = IdPath) -> FileResponse:
    """The file itself. Images are served inline, everything else as a download, always sandboxed."""
    attachment = selectors.attachment_get(actor=actor_of(request), attachment_id=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise NotFound(_("Attachment not found.")) from None
    response = FileResponse(
        handle,
        content_type=attachment.content_type
        if attachment.is_image
        else (attachment.content_type or "application/octet-stream"),
        as_attachment=not attachment.is_image,
        filename=attachment.filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, max-age=0, no-cache"
    return response


# ---- time --------------------------------------------------------------------------------------------
@router.get(
    "/tickets/{number}/time-entries",
    response={200: TimeEntriesOut, **errors_for(401, 404)},
    summary="Time logged",
)
def time_entry_list(request: HttpRequest, number: str = NUMBER) -> dict[str, Any]:
    """Staff only see time; requesters get an empty list."""
    actor = actor_of(request)
    ticket = _get(request, number)
    entries = list(selectors.ticket_time_entries(actor=actor, ticket=ticket))
    return {"items": entries, "total_minutes": sum(e.minutes for e in entries)}


@router.post(
    "/tickets/{number}/time-entries",
    response={201: TimeEntryOut, **errors_for(401, 403, 404, 415, 422)},
    summary="Log time",
    openapi_extra=IDEMPOTENT,
)
def time_entry_create(request: HttpRequest, payload: TimeEntryIn, number: str = NUMBER) -> HttpResponse:
    """Log minutes worked on the ticket (staff). Send an `Idempotency-Key` header to make retries safe."""
    actor = actor_of(request)

    def produce() -> tuple[int, Any]:
        ticket = _get(request, number)
        entry = services.time_entry_add(
            actor=actor,
            ticket=ticket,
            minutes=payload.minutes,
            work_date=payload.work_date,
            note=payload.note,
        )
        entry.user = actor
        return 201, dump(TimeEntryOut, entry)

    return idempotent(request, actor, produce)


# ---- links & merge -----------------------------------------------------------------------------------
def _links(actor: User, ticket: Ticket) -> selectors.Relatives:
    return selectors.ticket_relatives(actor=actor, ticket=ticket)


@router.get("/tickets/{number}/links", response={200: LinksOut, **errors_for(401, 404)}, summary="Links")
def link_list(request: HttpRequest, number: str = NUMBER) -> selectors.Relatives:
    """Parent, children, related tickets and duplicates that I may see."""
    return _links(actor_of(request), _get(request, number))


@router.post(
    "/tickets/{number}/links", response={201: LinksOut, **errors_for(401, 403, 404, 415, 422)}, summary="Link"
)
def link_create(request: HttpRequest, payload: LinkIn, number: str = NUMBER) -> Status:
    actor = actor_of(request)
    ticket = _get(request, number)
    other = _other_ticket(actor, payload.ticket, "ticket")
    services.ticket_link(actor=actor, ticket=ticket, other=other, kind=payload.kind)
    return Status(201, _links(actor, _get(request, number)))


@router.delete(
    "/tickets/{number}/links/{other}", response={200: LinksOut, **errors_for(401, 403, 404)}, summary="Unlink"
)
def link_delete(request: HttpRequest, number: str = NUMBER, other: str = NUMBER) -> selectors.Relatives:
    """Remove any link (relates, parent/child) between the two tickets."""
    actor = actor_of(request)
    ticket = _get(request, number)
    services.ticket_unlink(actor=actor, ticket=ticket, other=_get(request, other))
    return _links(actor, _get(request, number))


@router.post(
    "/tickets/{number}/merge",
    response={200: TicketOut, **errors_for(401, 403, 404, 409, 415, 422)},
    summary="Merge into another ticket",
)
def ticket_merge(request: HttpRequest, payload: MergeIn, number: str = NUMBER) -> HttpResponse:
    """Close this ticket as a duplicate of `into`; answers with `into`."""
    actor = actor_of(request)
    duplicate = _get(request, number)
    into = _other_ticket(actor, payload.into, "into")
    into = services.ticket_merge(actor=actor, duplicate=duplicate, into=into)
    return _ticket_response(request, into.number)


# ---- history -----------------------------------------------------------------------------------------
@router.get(
    "/tickets/{number}/events", response={200: list[EventOut], **errors_for(401, 404)}, summary="Timeline"
)
def event_list(request: HttpRequest, number: str = NUMBER) -> list[TicketEvent]:
    """The ticket's history as I may see it (requesters don't see internal events), oldest first."""
    ticket = _get(request, number)
    return list(selectors.ticket_timeline(actor=actor_of(request), ticket=ticket))


# ---- configuration -----------------------------------------------------------------------------------
class CategoryQuery(Schema):
    include_inactive: bool = Field(False, description="Staff only: include categories no longer in use.")


@router.get("/categories", response={200: list[CategoryOut], **errors_for(401)}, summary="Categories")
def category_list(request: HttpRequest, query: Query[CategoryQuery]) -> list[Category]:
    """Every category in tree order (parents before their children), with defaults and template."""
    categories = Category.objects.select_related("default_team", "default_priority", "default_type")
    if not (query.include_inactive and actor_of(request).is_staff_member):
        categories = categories.filter(is_active=True)
    return list(categories.order_by("path", "order"))


@router.get(
    "/categories/{category_id}/fields",
    response={200: list[CustomFieldOut], **errors_for(401, 404)},
    summary="Custom fields of a category",
)
def category_fields(request: HttpRequest, category_id: int = IdPath) -> list[CustomField]:
    """The form of a category: its own fields and those inherited from its parents, parents' first."""
    category = Category.objects.filter(pk=category_id).first()
    if category is None or (not category.is_active and not actor_of(request).is_staff_member):
        raise NotFound(_("Category not found."))
    return list(fields_for_category(category))


@router.get("/priorities", response={200: list[PriorityOut], **errors_for(401)}, summary="Priorities")
def priority_list(request: HttpRequest) -> list[Priority]:
    return list(Priority.objects.order_by("rank"))


@router.get("/ticket-types", response={200: list[TicketTypeOut], **errors_for(401)}, summary="Ticket types")
def ticket_type_list(request: HttpRequest) -> list[TicketType]:
    types = TicketType.objects.order_by("order", "code")
    if not actor_of(request).is_staff_member:
        types = types.filter(is_active=True)
    return list(types)


# ---- saved queue views: mine and those shared with my teams -----------------------------------------
def _my_team(actor: User, team_id: int | None) -> Team | None:
    """A team to share with: one of the actor's (otherwise 422 naming the field)."""
    return optional_row(Team.objects.filter(memberships__user=actor), "team", team_id)


@router.get(
    "/saved-views", response={200: list[SavedViewOut], **errors_for(401)}, summary="Saved queue views"
)
def saved_view_list(request: HttpRequest) -> list[SavedView]:
    """Your own views and those shared with a team you belong to."""
    return list(selectors.saved_view_list(actor=actor_of(request)))


@router.post(
    "/saved-views",
    response={201: SavedViewOut, **errors_for(401, 403, 415, 422)},
    summary="Save a queue view",
)
def saved_view_new(request: HttpRequest, payload: SavedViewIn) -> Status:
    actor = actor_of(request)
    view = saved_view_create(
        actor=actor, name=payload.name, query=payload.query, team=_my_team(actor, payload.team),
        columns=payload.columns,
    )  # fmt: skip
    return Status(201, view)


@router.patch(
    "/saved-views/{view_id}",
    response={200: SavedViewOut, **errors_for(401, 403, 404, 415, 422)},
    summary="Rename, refilter or share a view",
)
def saved_view_change(request: HttpRequest, payload: SavedViewUpdateIn, view_id: int = IdPath) -> SavedView:
    """Only what the body names changes; `"team": null` stops sharing. The owner, or a lead of the view's team."""
    actor = actor_of(request)
    view = selectors.saved_view_get(actor=actor, view_id=view_id)
    given = payload.model_fields_set
    if "team" in given:
        return saved_view_update(
            actor=actor, view=view, name=payload.name, query=payload.query, team=_my_team(actor, payload.team),
            columns=payload.columns,
        )  # fmt: skip
    return saved_view_update(
        actor=actor, view=view, name=payload.name, query=payload.query, columns=payload.columns
    )


@router.delete(
    "/saved-views/{view_id}", response={204: None, **errors_for(401, 403, 404)}, summary="Delete a view"
)
def saved_view_remove(request: HttpRequest, view_id: int = IdPath) -> Status:
    actor = actor_of(request)
    saved_view_delete(actor=actor, view=selectors.saved_view_get(actor=actor, view_id=view_id))
    return Status(204, None)
