"""Rounds over the API: configure rounds (administrators; recorded in the audit trail), list runs and read a
run's report, and walk a run stop by stop (check in with the stop's code, answer its checklist, finish)."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime, time
from typing import Any, Literal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from gongdan.accounts.models import Team, User
from gongdan.api.errors import errors_for
from gongdan.api.inputs import (
    DateIn,
    DateTimeIn,
    Id,
    IdPath,
    QueryDate,
    StrictInput,
    optional_row,
    row_or_422,
)
from gongdan.assets.models import Asset, Location
from gongdan.core.domain_errors import NotFound, PermissionDenied, ValidationFailed
from gongdan.maintenance.models import ChecklistTemplate
from gongdan.rounds import selectors, services
from gongdan.rounds.models import Round, StopVisit
from gongdan.rounds.presence import clean_position
from gongdan.sla.models import BusinessCalendar
from gongdan.tickets.models import Category

router = Router()
MAX_PHOTO_CHARS = 1_500_000  # about 1.1 MB of picture: the phone shrinks photos to 1600 px first


def actor_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators configure inspection rounds."))


# --- schemas -------------------------------------------------------------------------------------------------


class StopOut(Schema):
    position: int
    asset: str | None = Field(description="The asset's code.")
    location: int | None = Field(description="The place's id.")
    checklist: int | None

    @staticmethod
    def resolve_asset(stop: Any) -> str | None:
        return stop.asset.code if stop.asset_id else None

    @staticmethod
    def resolve_location(stop: Any) -> int | None:
        return stop.location_id

    @staticmethod
    def resolve_checklist(stop: Any) -> int | None:
        return stop.checklist_id


class RoundOut(Schema):
    id: int
    name: str
    instructions: str
    every: int
    frequency: str
    weekdays: list[int]
    starts_on: date
    calendar: int | None
    window_start: time
    window_hours: int
    team: int | None
    assignee: int | None
    requester: int
    category: int | None
    allow_manual_confirm: bool
    is_active: bool
    stops: list[StopOut]

    @staticmethod
    def resolve_calendar(r: Any) -> int | None:
        return r.calendar_id

    @staticmethod
    def resolve_team(r: Any) -> int | None:
        return r.team_id

    @staticmethod
    def resolve_assignee(r: Any) -> int | None:
        return r.assignee_id

    @staticmethod
    def resolve_requester(r: Any) -> int:
        return int(r.requester_id)

    @staticmethod
    def resolve_category(r: Any) -> int | None:
        return r.category_id

    @staticmethod
    def resolve_stops(r: Any) -> list[Any]:
        return list(r.stops.all())


class StopIn(StrictInput):
    asset: str | None = Field(None, max_length=60, description="An asset's code.")
    location: Id | None = Field(None, description="A place's id.")
    checklist: Id | None = Field(None, description="A maintenance checklist's id.")


class RoundUpdateIn(StrictInput):
    name: str | None = Field(None, max_length=200)
    instructions: str | None = Field(None, max_length=2000)
    every: int | None = Field(None, ge=1, le=services.MAX_EVERY)
    frequency: Literal["days", "weeks", "months"] | None = None
    weekdays: list[int] | None = Field(
        None, max_length=7, description="0 = Monday … 6 = Sunday; weekly only."
    )
    starts_on: DateIn | None = None
    calendar: Id | None = None
    window_start: str | None = Field(None, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM")
    window_hours: int | None = Field(None, ge=1, le=168)
    team: Id | None = None
    assignee: Id | None = None
    requester: Id | None = None
    category: Id | None = None
    allow_manual_confirm: bool | None = None
    is_active: bool | None = None
    stops: list[StopIn] | None = Field(None, min_length=1, max_length=services.MAX_STOPS)


class RoundIn(RoundUpdateIn):
    name: str = Field(..., min_length=1, max_length=200)  # type: ignore[assignment]
    starts_on: DateIn  # type: ignore[assignment]
    requester: Id  # type: ignore[assignment]
    stops: list[StopIn] = Field(..., min_length=1, max_length=services.MAX_STOPS)  # type: ignore[assignment]


class RunOut(Schema):
    id: int
    round: int
    round_name: str
    due_on: date
    window_starts_at: datetime
    window_ends_at: datetime
    status: str = Field(description="scheduled, in_progress, done or missed")
    is_late: bool
    assignee: int | None
    started_at: datetime | None
    finished_at: datetime | None

    @staticmethod
    def resolve_round(run: Any) -> int:
        return int(run.round_id)

    @staticmethod
    def resolve_round_name(run: Any) -> str:
        return str(run.round.name)

    @staticmethod
    def resolve_assignee(run: Any) -> int | None:
        return run.assignee_id


class RunPageOut(Schema):
    runs: list[RunOut]
    next_after: str = Field(description="Pass as `after` for the next page; empty on the last one.")


class AnswerOut(Schema):
    step: int
    label: str
    kind: str
    passed: bool | None
    number: float | None
    note: str
    work_order: str | None = Field(description="The corrective work order this failure opened.")


class VisitOut(Schema):
    position: int
    label: str
    asset: str | None
    location: int | None
    status: str = Field(description="pending, present, done or not_visited")
    proof: str = Field(description="qr, manual, or empty when not arrived")
    reason: str
    arrived_at: datetime | None
    checked_at: datetime | None
    latitude: float | None
    longitude: float | None
    distance_m: float | None
    answers: list[AnswerOut]


class ReportOut(Schema):
    run: RunOut
    stops: list[VisitOut]
    not_visited: int
    out_of_limits: int
    work_orders: list[str]
    duration_minutes: int | None


class RunFilterIn(Schema):
    state: Literal["all", "open", "missed", "late", "done", "findings", "skipped"] = "all"
    round: int | None = Field(None, ge=1, le=2**31 - 1)
    since: QueryDate | None = None
    until: QueryDate | None = None
    after: str = Field("", max_length=40)


CLIENT_ID = Field(
    None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9-]+$",
    description="The phone's own id for this submission (a UUID): sending it again changes nothing and "
    "answers 200 with what the first did (decision 0183).",
)  # fmt: skip
RECORDED_AT = Field(
    None, description="When it was done on the phone (sent later from its outbox): the stop keeps this time. "
    "Not in the future, not before the run started (422)."
)  # fmt: skip


class OutboxIn(StrictInput):
    client_id: str | None = CLIENT_ID
    recorded_at: DateTimeIn | None = RECORDED_AT


class CheckInIn(OutboxIn):
    code: str = Field(
        ..., min_length=1, max_length=500, description="What the phone read from the stop's label."
    )
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    accuracy: float | None = Field(None, ge=0, le=100000)


class ConfirmIn(OutboxIn):
    reason: str = Field(..., min_length=1, max_length=services.MAX_REASON)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    accuracy: float | None = Field(None, ge=0, le=100000)


class AnswerIn(StrictInput):
    step: Id
    passed: bool | None = None
    number: float | None = Field(None, allow_inf_nan=False)
    note: str = Field("", max_length=services.MAX_NOTE)
    photo: str | None = Field(
        None, max_length=MAX_PHOTO_CHARS,
        description="A photo step's picture: JPEG, PNG or WebP, base64 (a `data:` URL is accepted).",
    )  # fmt: skip


class AnswersIn(OutboxIn):
    answers: list[AnswerIn] = Field(..., max_length=200)


class RecordedOut(Schema):
    status: str
    work_orders: list[str] = Field(
        description="Corrective work orders this submission opened (on a replay of its `client_id`: those the "
        "first opened; on a resend without one: none)."
    )
    replayed: bool = Field(description="This `client_id` had already been recorded; nothing changed.")


# --- helpers -------------------------------------------------------------------------------------------------


def _stops(given: list[StopIn]) -> list[services.StopSpec]:
    specs = []
    for number, stop in enumerate(given):
        asset = (
            row_or_422(Asset.objects.select_related("location"), f"stops.{number}.asset", code=stop.asset)
            if stop.asset
            else None
        )
        location = optional_row(Location.objects.all(), f"stops.{number}.location", stop.location)
        checklist = optional_row(ChecklistTemplate.objects.all(), f"stops.{number}.checklist", stop.checklist)
        specs.append(services.StopSpec(location=location, asset=asset, checklist=checklist))
    return specs


def _values(payload: RoundUpdateIn) -> dict[str, Any]:
    given = payload.model_dump(exclude_unset=True)
    given.pop("stops", None)
    rows = {"calendar": BusinessCalendar.objects.all(), "team": Team.objects.filter(is_active=True),
            "assignee": User.objects.filter(is_active=True), "requester": User.objects.filter(is_active=True),
            "category": Category.objects.all()}  # fmt: skip
    for name, queryset in rows.items():
        if name in given:
            given[name] = optional_row(queryset, name, given[name])
    if "window_start" in given:
        given["window_start"] = (
            time.fromisoformat(given["window_start"]) if given["window_start"] else time(8, 0)
        )
    for name, default in (("instructions", ""), ("weekdays", [])):
        if name in given and given[name] is None:
            given[name] = default
    return given


def _round(round_id: int) -> Round:
    round_ = Round.objects.prefetch_related("stops__asset").filter(pk=round_id).first()
    if round_ is None:
        raise NotFound(_("No such round."))
    return round_


def _visit(actor: User, run_id: int, position: int) -> StopVisit:
    run = selectors.run_for_phone(actor=actor, run_id=run_id)
    visit = StopVisit.objects.filter(run=run, position=position).first()
    if visit is None:
        raise NotFound(_("No such stop on this round."))
    return visit


# --- configuration -------------------------------------------------------------------------------------------


@router.get("/rounds", response={200: list[RoundOut], **errors_for(403)}, summary="Inspection rounds")
def round_list(request: HttpRequest) -> list[Round]:
    _require_admin(actor_of(request))
    return list(Round.objects.prefetch_related("stops__asset").order_by("name", "pk")[:500])


@router.post("/rounds", response={201: RoundOut, **errors_for(403, 422)}, summary="Add an inspection round")
def round_create(request: HttpRequest, payload: RoundIn) -> Status:
    """Its runs of the coming two weeks are written at once. Recorded in the audit trail."""
    actor = actor_of(request)
    _require_admin(actor)
    created = services.round_create(actor=actor, stops=_stops(payload.stops), **_values(payload))
    return Status(201, _round(created.pk))


@router.patch("/rounds/{round_id}", response={200: RoundOut, **errors_for(403, 404, 422)},
              summary="Change an inspection round")  # fmt: skip
def round_update(request: HttpRequest, payload: RoundUpdateIn, round_id: int = IdPath) -> Round:
    """Runs not yet started are written again by the new route and schedule. Recorded in the audit trail."""
    actor = actor_of(request)
    _require_admin(actor)
    round_ = _round(round_id)
    stops = _stops(payload.stops) if payload.stops is not None else None
    services.round_update(actor=actor, round=round_, stops=stops, **_values(payload))
    return _round(round_id)


# --- runs ----------------------------------------------------------------------------------------------------


@router.get("/round-runs", response={200: RunPageOut, **errors_for(403, 422)}, summary="Round runs")
def run_list(request: HttpRequest, filters: Query[RunFilterIn]) -> dict[str, Any]:
    """Newest due date first, 50 a page. `state=late` finished after (or still open past) the window,
    `missed` never started, `skipped` with stops not visited, `findings` with a failed item."""
    parsed = selectors.RunFilters(state=filters.state, round_id=filters.round, since=filters.since,
                                  until=filters.until)  # fmt: skip
    page = selectors.run_list(actor=actor_of(request), filters=parsed, after=filters.after)
    return {"runs": page.runs, "next_after": page.next_after}


def _answer(answer: Any) -> dict[str, Any]:
    return {"step": answer.step_id, "label": answer.step.label, "kind": answer.step.kind, "passed": answer.passed,
            "number": float(answer.number) if answer.number is not None else None, "note": answer.note,
            "work_order": answer.ticket.number if answer.ticket_id else None}  # fmt: skip


@router.get(
    "/round-runs/{run_id}", response={200: ReportOut, **errors_for(403, 404)}, summary="A round run's report"
)
def run_report(request: HttpRequest, run_id: int = IdPath) -> dict[str, Any]:
    report = selectors.run_report(actor=actor_of(request), run_id=run_id)
    stops = []
    for stop in report.stops:
        v = stop.visit
        stops.append({
            "position": v.position, "label": v.label, "asset": v.asset.code if v.asset else None,
            "location": v.location_id, "status": v.status, "proof": v.proof, "reason": v.reason,
            "arrived_at": v.arrived_at, "checked_at": v.checked_at,
            "latitude": float(v.latitude) if v.latitude is not None else None,
            "longitude": float(v.longitude) if v.longitude is not None else None, "distance_m": v.distance_m,
            "answers": [_answer(a) for a in stop.answers],
        })  # fmt: skip
    return {"run": report.run, "stops": stops, "not_visited": len(report.skipped),
            "out_of_limits": len(report.out_of_limits), "work_orders": [a.ticket.number for a in report.tickets if a.ticket is not None],
            "duration_minutes": int(report.duration.total_seconds() // 60) if report.duration else None}  # fmt: skip


def _position(payload: CheckInIn | ConfirmIn) -> Any:
    return clean_position(latitude=payload.latitude, longitude=payload.longitude, accuracy=payload.accuracy,
                          status="denied" if payload.latitude is None else "")  # fmt: skip


@router.post("/round-runs/{run_id}/stops/{position}/check-in", response={200: VisitOut, **errors_for(403, 404, 409, 422)},
             summary="Check in at a stop with its code")  # fmt: skip
def stop_check_in(
    request: HttpRequest, payload: CheckInIn, run_id: int = IdPath, position: int = IdPath
) -> dict[str, Any]:
    """The code must be the stop's label (the asset's, or the place's); another code is refused with 422
    `wrong_code`. Checking in again changes nothing."""
    actor = actor_of(request)
    visit = services.visit_check_in(actor=actor, visit=_visit(actor, run_id, position), code=payload.code,
                                    position=_position(payload), recorded_at=payload.recorded_at,
                                    client_id=payload.client_id or "")  # fmt: skip
    return _visit_out(visit)


@router.post("/round-runs/{run_id}/stops/{position}/confirm", response={200: VisitOut, **errors_for(403, 404, 409, 422)},
             summary="Confirm presence at a stop without its code")  # fmt: skip
def stop_confirm(
    request: HttpRequest, payload: ConfirmIn, run_id: int = IdPath, position: int = IdPath
) -> dict[str, Any]:
    """Only on rounds that allow it (403 otherwise), with a reason."""
    actor = actor_of(request)
    visit = services.visit_confirm(actor=actor, visit=_visit(actor, run_id, position), reason=payload.reason,
                                   position=_position(payload), recorded_at=payload.recorded_at,
                                   client_id=payload.client_id or "")  # fmt: skip
    return _visit_out(visit)


@router.post("/round-runs/{run_id}/stops/{position}/answers", response={200: RecordedOut, **errors_for(403, 404, 409, 422)},
             summary="Answer a stop's checklist")  # fmt: skip
def stop_answers(
    request: HttpRequest, payload: AnswersIn, run_id: int = IdPath, position: int = IdPath
) -> dict[str, Any]:
    """All steps at once, all or nothing (a photo step's picture in base64). Each failed check or number
    outside its limits opens one corrective work order; sending the same answers again opens none. The phone's
    outbox sends `client_id` and `recorded_at`: a replay answers 200 and changes nothing."""
    actor = actor_of(request)
    visit = _visit(actor, run_id, position)
    answers = {
        a.step: services.AnswerIn(passed=a.passed, number=a.number, note=a.note, photo=_photo(a))
        for a in payload.answers
    }
    result = services.visit_record(actor=actor, visit=visit, answers=answers, recorded_at=payload.recorded_at,
                                   client_id=payload.client_id or "")  # fmt: skip
    numbers = result.replayed if result.is_replay else [t.number for t in result.opened]
    return {"status": result.visit.status, "work_orders": numbers, "replayed": result.is_replay}


def _photo(answer: AnswerIn) -> SimpleUploadedFile | None:
    if not answer.photo:
        return None
    text = answer.photo.partition(",")[2] if answer.photo.startswith("data:") else answer.photo
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(
            _("The photo is not valid base64."),
            details={f"step_{answer.step}": [_("The photo is not valid base64.")]},
        ) from None
    extension = "png" if content.startswith(b"\x89PNG") else "webp" if content.startswith(b"RIFF") else "jpg"
    return SimpleUploadedFile(f"step-{answer.step}.{extension}", content)


@router.post("/round-runs/{run_id}/finish", response={200: RunOut, **errors_for(403, 404, 409)},
             summary="Finish a round run")  # fmt: skip
def run_finish(request: HttpRequest, run_id: int = IdPath) -> Any:
    """Stops not arrived at become "not visited". Finishing again changes nothing."""
    actor = actor_of(request)
    run = selectors.run_for_phone(actor=actor, run_id=run_id)
    return services.run_finish(actor=actor, run=run)


def _visit_out(visit: StopVisit) -> dict[str, Any]:
    return {"position": visit.position, "label": visit.label, "asset": visit.asset.code if visit.asset else None,
            "location": visit.location_id, "status": visit.status, "proof": visit.proof, "reason": visit.reason,
            "arrived_at": visit.arrived_at, "checked_at": visit.checked_at,
            "latitude": float(visit.latitude) if visit.latitude is not None else None,
            "longitude": float(visit.longitude) if visit.longitude is not None else None,
            "distance_m": visit.distance_m, "answers": []}  # fmt: skip
