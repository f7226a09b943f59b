"""The phone's endpoints, under /api/v1/field. The field app's pages call them with the session cookie and
X-CSRFToken; every POST takes an `Idempotency-Key` (the phone sends one per queued action, so an action
retried after a lost answer, or synced again after coming back online, happens once)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from gongdan.accounts.models import User
from gongdan.api.errors import ApiError, errors_for
from gongdan.api.idempotency import IDEMPOTENT, idempotent
from gongdan.api.inputs import StrictInput
from gongdan.field import selectors, services
from gongdan.field.geo import Fix, clean_fix
from gongdan.field.scan import resolve_code
from gongdan.tickets.models import Status, Ticket

router = Router()

NUMBER = Path(..., max_length=40, description="Ticket number, e.g. GD-2026-000123.")
PHOTO_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class PositionIn(StrictInput):
    # Ranges are the service's to judge (clean_fix names the field that is out of range).
    latitude: float | None = None
    longitude: float | None = None
    accuracy: float | None = Field(None, description="Metres, as the browser reports it.")
    geo: str = Field("", max_length=20, description='Without coordinates: why — "denied" or "unavailable".')


class StartIn(StrictInput):
    position: PositionIn | None = None


class PauseIn(StrictInput):
    position: PositionIn | None = None
    note: str = Field("", max_length=50_000)


class FinishIn(StrictInput):
    position: PositionIn | None = None
    resolution: str = Field("", max_length=50_000)
    signature: str = Field("", max_length=800_000, description="data:image/png;base64,… from the canvas.")
    signer_name: str = Field("", max_length=500)


class NoteIn(StrictInput):
    body: str = Field(..., max_length=50_000)
    public: bool = Field(False, description="Also show the note to the requester.")


class TimeIn(StrictInput):
    minutes: int = Field(..., ge=1, le=24 * 60)
    note: str = Field("", max_length=2000)


class PositionOnlyIn(StrictInput):
    position: PositionIn


class JobOut(Schema):
    number: str
    status: str
    status_label: str
    version: int
    checked_in: bool


class ResolveOut(Schema):
    kind: str
    url: str


def actor_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _fix(position: PositionIn | None) -> Fix:
    if position is None:
        return clean_fix()
    return clean_fix(
        latitude=position.latitude,
        longitude=position.longitude,
        accuracy=position.accuracy,
        status=position.geo,
    )


def _job(actor: User, ticket: Ticket) -> dict[str, Any]:
    ticket.refresh_from_db(fields=["status", "version"])
    return {
        "number": ticket.number,
        "status": ticket.status,
        "status_label": str(Status(ticket.status).label),
        "version": ticket.version,
        "checked_in": services.open_visit(user=actor, ticket=ticket) is not None,
    }


def _act(request: HttpRequest, number: str, action: Any) -> HttpResponse:
    actor = actor_of(request)

    def produce() -> tuple[int, Any]:
        ticket = selectors.job_get(actor=actor, number=number)
        result = action(actor, ticket)
        return result if isinstance(result, tuple) else (200, _job(actor, ticket))

    return idempotent(request, actor, produce)


JOB_ERRORS = errors_for(401, 403, 404, 409, 422)


@router.post(
    "/field/jobs/{number}/accept",
    response={200: JobOut, **JOB_ERRORS},
    summary="Accept a job",
    openapi_extra=IDEMPOTENT,
)
def job_accept(request: HttpRequest, number: str = NUMBER) -> HttpResponse:
    """Take the job (assigned to you if it was nobody's) and say so on its timeline."""
    return _act(request, number, lambda actor, ticket: services.job_accept(actor=actor, ticket=ticket))


@router.post(
    "/field/jobs/{number}/start",
    response={200: JobOut, **JOB_ERRORS},
    summary="Start: check in",
    openapi_extra=IDEMPOTENT,
)
def job_start(request: HttpRequest, payload: StartIn, number: str = NUMBER) -> HttpResponse:
    """Check in on site with the phone's position (or the reason there is none) and start work."""
    fix = _fix(payload.position)
    return _act(
        request, number, lambda actor, ticket: services.job_start(actor=actor, ticket=ticket, fix=fix)
    )


@router.post(
    "/field/jobs/{number}/pause",
    response={200: JobOut, **JOB_ERRORS},
    summary="Pause: check out",
    openapi_extra=IDEMPOTENT,
)
def job_pause(request: HttpRequest, payload: PauseIn, number: str = NUMBER) -> HttpResponse:
    fix = _fix(payload.position)
    return _act(
        request,
        number,
        lambda actor, ticket: services.job_pause(actor=actor, ticket=ticket, fix=fix, note=payload.note),
    )


@router.post(
    "/field/jobs/{number}/finish",
    response={200: JobOut, **JOB_ERRORS},
    summary="Finish with a signature",
    openapi_extra=IDEMPOTENT,
)
def job_finish(request: HttpRequest, payload: FinishIn, number: str = NUMBER) -> HttpResponse:
    """Check out, keep the customer's signature and resolve the job with the resolution note."""
    fix = _fix(payload.position)
    signature = services.clean_signature(payload.signature, payload.signer_name)
    return _act(
        request,
        number,
        lambda actor, ticket: services.job_finish(
            actor=actor, ticket=ticket, fix=fix, resolution=payload.resolution, signature=signature
        ),
    )


@router.post(
    "/field/jobs/{number}/notes",
    response={201: dict, **JOB_ERRORS},
    summary="Add a note",
    openapi_extra=IDEMPOTENT,
)
def job_note(request: HttpRequest, payload: NoteIn, number: str = NUMBER) -> HttpResponse:
    def act(actor: User, ticket: Ticket) -> tuple[int, Any]:
        comment = services.job_note(actor=actor, ticket=ticket, body=payload.body, public=payload.public)
        return 201, {"id": comment.pk, "internal": comment.is_internal}

    return _act(request, number, act)


@router.post(
    "/field/jobs/{number}/time",
    response={201: dict, **JOB_ERRORS},
    summary="Log time",
    openapi_extra=IDEMPOTENT,
)
def job_time(request: HttpRequest, payload: TimeIn, number: str = NUMBER) -> HttpResponse:
    def act(actor: User, ticket: Ticket) -> tuple[int, Any]:
        entry = services.job_time(actor=actor, ticket=ticket, minutes=payload.minutes, note=payload.note)
        return 201, {"id": entry.pk, "minutes": entry.minutes}

    return _act(request, number, act)


@router.post(
    "/field/jobs/{number}/photos",
    response={201: dict, **errors_for(400, 401, 403, 404, 409, 413, 415, 422)},
    summary="Upload a photo",
    openapi_extra={
        **IDEMPOTENT,
        "requestBody": {
            "required": True,
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in PHOTO_TYPES},
        },
    },
)
def job_photo(
    request: HttpRequest, number: str = NUMBER, name: str = Query("", max_length=200)
) -> HttpResponse:
    """The photo is the raw request body (`Content-Type: image/jpeg`, PNG or WebP), already shrunk on
    the phone; `?name=` is its file name. A raw body, not multipart, so the Idempotency-Key can cover it."""
    content_type = (request.content_type or "").lower()
    if content_type not in PHOTO_TYPES:
        raise ApiError(
            _("Send the photo as the request body with Content-Type image/jpeg, image/png or image/webp."),
            status_code=415,
            code="unsupported_media_type",
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > int(settings.GONGDAN_MAX_ATTACHMENT_BYTES):
        raise ApiError(_("The file is too large."), status_code=413, code="request_too_large")
    filename = name.strip() or f"photo.{PHOTO_TYPES[content_type]}"

    def act(actor: User, ticket: Ticket) -> tuple[int, Any]:
        attachment = services.job_photo(actor=actor, ticket=ticket, name=filename, content=request.body)
        return 201, {"id": attachment.pk, "filename": attachment.filename, "size": attachment.size}

    return _act(request, number, act)


@router.post("/field/position", response={200: dict, **errors_for(401, 422)}, summary="Where I am")
def position_update(request: HttpRequest, payload: PositionOnlyIn) -> dict[str, Any]:
    """Remember the phone's position: "my jobs" sorts by distance from it, routing's "nearest" uses it."""
    actor = actor_of(request)
    fix = _fix(payload.position)
    if fix.point is None:
        message = _("Send latitude and longitude.")
        raise ApiError(message, status_code=422, code="validation_failed", details={"latitude": [message]})
    services.position_update(actor=actor, fix=fix)
    return {"latitude": str(fix.latitude), "longitude": str(fix.longitude)}


@router.get(
    "/field/resolve", response={200: ResolveOut, **errors_for(401, 404, 422)}, summary="What a code names"
)
def code_resolve(request: HttpRequest, code: str = Query(..., max_length=500)) -> dict[str, Any]:
    """A scanned or typed code → where the phone goes: a job, a location, or a new ticket form."""
    target = resolve_code(actor=actor_of(request), code=code)
    return {"kind": target.kind, "url": target.url}
