"""Every change rounds make: configure a round (recorded in the audit trail), write its runs ahead, and the
technician's walk — presence at each stop, the checklist answers, the corrective work orders a failed item
opens (decisions 0157 and 0158).

Runs are scheduled by maintenance's date arithmetic (`gongdan.maintenance.scheduling`), the one PM plans use:
every N days/weeks/months, on given weekdays, moved off days the business calendar does not work."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import Role, User
from gongdan.assets.models import Asset, AssetStatus, Location
from gongdan.audit.services import audit_configuration_change
from gongdan.audit.snapshots import field_values
from gongdan.core.domain_errors import Conflict, PermissionDenied, ValidationFailed
from gongdan.maintenance import scheduling
from gongdan.maintenance.models import ChecklistStep, ChecklistTemplate, StepKind
from gongdan.rounds.events import ROUND_FINDING
from gongdan.rounds.models import (
    Proof,
    Round,
    RoundRun,
    RoundStop,
    RunStatus,
    StopAnswer,
    StopVisit,
    Submission,
    VisitStatus,
)
from gongdan.rounds.presence import Position, code_names_stop, distance_m, stop_coordinates
from gongdan.sla.rules import current_rules
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import append_event, ticket_create

GENERATE_DAYS = 14
MAX_EVERY = 1000
MAX_STOPS = 100
MAX_REASON = 500
MAX_NOTE = 2000
MAX_PHOTO_BYTES = 10 * 1024 * 1024
SUPERVISORS = frozenset({Role.ADMIN, Role.MANAGER, Role.TEAM_LEAD})
PHOTO_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")
# How far ahead of the server's clock a phone's recorded time may be (phones' clocks drift a little).
CLOCK_SKEW = timedelta(minutes=2)


def _invalid(field_name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={field_name: [message]})


# --- configuration -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StopSpec:
    """One stop as an admin writes it: a place, an asset, or both, and its checklist."""

    location: Location | None = None
    asset: Asset | None = None
    checklist: ChecklistTemplate | None = None


ROUND_FIELDS = (
    "name", "instructions", "every", "frequency", "weekdays", "starts_on", "calendar", "window_start",
    "window_hours", "team", "assignee", "requester", "category", "allow_manual_confirm", "is_active",
)  # fmt: skip


def _check_round(round_: Round) -> None:
    for name in ("allow_manual_confirm", "is_active"):
        if not isinstance(getattr(round_, name), bool):
            raise _invalid(name, _("Choose yes or no."))
    if not isinstance(round_.starts_on, date):
        raise _invalid("starts_on", _("Enter a valid date."))
    if not isinstance(round_.window_start, time):
        raise _invalid("window_start", _("Enter a valid time."))
    if round_.requester_id is None:
        raise _invalid("requester", _("This field is required."))
    if "\x00" in (round_.name or "") + (round_.instructions or ""):
        raise _invalid("name", _("Text must not contain NUL characters."))
    round_.instructions = round_.instructions or ""
    if len(round_.instructions) > 2000:
        raise _invalid("instructions", _("Ensure this value has at most %(max)s characters.") % {"max": 2000})
    round_.name = (round_.name or "").strip()
    if not round_.name or len(round_.name) > 200:
        raise _invalid("name", _("Enter a name of at most 200 characters."))
    if Round.objects.filter(name=round_.name).exclude(pk=round_.pk).exists():
        raise _invalid("name", _("A round with this name exists already."))
    if round_.frequency not in ("days", "weeks", "months"):
        raise _invalid("frequency", _("Choose days, weeks or months."))
    if not isinstance(round_.every, int) or not 1 <= round_.every <= MAX_EVERY:
        raise _invalid("every", _("Enter a whole number from 1 to %(max)s.") % {"max": MAX_EVERY})
    weekdays = round_.weekdays or []
    if not isinstance(weekdays, list) or any(not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays):
        raise _invalid("weekdays", _("Weekdays are 0 (Monday) to 6 (Sunday)."))
    if weekdays and round_.frequency != "weeks":
        raise _invalid("weekdays", _("Weekdays apply to a weekly round only."))
    round_.weekdays = sorted(set(weekdays))
    if not isinstance(round_.window_hours, int) or not 1 <= round_.window_hours <= 168:
        raise _invalid("window_hours", _("Enter a whole number from 1 to %(max)s.") % {"max": 168})
    if not round_.requester.is_active:
        raise _invalid("requester", _("The requester's account is deactivated."))
    if round_.assignee is not None and not (round_.assignee.is_active and round_.assignee.is_staff_member):
        raise _invalid("assignee", _("The technician must be an active member of staff."))
    if (
        round_.assignee is not None
        and round_.team is not None
        and not round_.team.members.filter(pk=round_.assignee.pk).exists()
    ):
        raise _invalid("assignee", _("The technician is not a member of the round's team."))


def _check_stops(stops: Sequence[StopSpec]) -> None:
    if not stops:
        raise _invalid("stops", _("Add at least one stop."))
    if len(stops) > MAX_STOPS:
        raise _invalid("stops", _("At most %(max)s stops.") % {"max": MAX_STOPS})
    for number, spec in enumerate(stops, start=1):
        if spec.location is None and spec.asset is None:
            raise _invalid("stops", _("Stop %(n)s: choose a place or an asset.") % {"n": number})
        if spec.asset is not None and spec.asset.status == AssetStatus.RETIRED:
            raise _invalid("stops", _("Stop %(n)s: the asset “%(asset)s” is retired.")
                           % {"n": number, "asset": spec.asset.code})  # fmt: skip
        if spec.location is not None and not spec.location.is_active:
            raise _invalid("stops", _("Stop %(n)s: the place “%(place)s” is inactive.")
                           % {"n": number, "place": spec.location.name})  # fmt: skip


def _stops_snapshot(round_: Round) -> list[dict[str, Any]]:
    return [
        {"position": s.position, "location": s.location_id, "asset": s.asset_id, "checklist": s.checklist_id}
        for s in round_.stops.order_by("position")
    ]


def _write_stops(round_: Round, stops: Sequence[StopSpec]) -> None:
    round_.stops.all().delete()
    RoundStop.objects.bulk_create(
        RoundStop(round=round_, position=i, location=s.location, asset=s.asset, checklist=s.checklist)
        for i, s in enumerate(stops, start=1)
    )


@transaction.atomic
def round_create(*, actor: User | None, stops: Sequence[StopSpec], **fields: Any) -> Round:
    """A new round; its runs of the coming two weeks are written at once."""
    unknown = set(fields) - set(ROUND_FIELDS)
    if unknown:
        raise TypeError(f"unknown round fields: {sorted(unknown)}")
    round_ = Round(**fields)
    _check_round(round_)
    _check_stops(stops)
    round_.save()
    _write_stops(round_, stops)
    audit_configuration_change(actor=actor, instance=round_, before=None,
                               after={**field_values(round_), "stops": _stops_snapshot(round_)})  # fmt: skip
    rounds_generate(round_ids=[round_.pk])
    return round_


@transaction.atomic
def round_update(
    *, actor: User | None, round: Round, stops: Sequence[StopSpec] | None = None, **fields: Any
) -> Round:
    """Change a round. Runs not yet started are dropped and written again by the new route and schedule;
    runs under way or finished keep the route they were walked on."""
    unknown = set(fields) - set(ROUND_FIELDS)
    if unknown:
        raise TypeError(f"unknown round fields: {sorted(unknown)}")
    round_ = Round.objects.select_for_update().get(pk=round.pk)
    before = {**field_values(round_), "stops": _stops_snapshot(round_)}
    for name, value in fields.items():
        setattr(round_, name, value)
    _check_round(round_)
    if stops is not None:
        _check_stops(stops)
    round_.save()
    if stops is not None:
        _write_stops(round_, stops)
    RoundRun.objects.filter(round=round_, status=RunStatus.SCHEDULED, started_at__isnull=True,
                            due_on__gte=timezone.localdate()).delete()  # fmt: skip
    audit_configuration_change(actor=actor, instance=round_, before=before,
                               after={**field_values(round_), "stops": _stops_snapshot(round_)})  # fmt: skip
    if round_.is_active:
        rounds_generate(round_ids=[round_.pk])
    return round_


# --- scheduling ----------------------------------------------------------------------------------------------


def _window(round_: Round, day: date) -> tuple[datetime, datetime]:
    starts = timezone.make_aware(datetime.combine(day, round_.window_start))
    return starts, starts + timedelta(hours=round_.window_hours)


def rounds_generate(
    *, today: date | None = None, days: int = GENERATE_DAYS, round_ids: Iterable[int] | None = None
) -> int:
    """Write the runs due from today to `days` ahead, each with its stops copied from the route. Safe to run
    again and on several workers at once: a run is unique on (round, due date). Returns how many were
    written."""
    today = today or timezone.localdate()
    until = today + timedelta(days=days)
    query = Round.objects.filter(is_active=True).prefetch_related("stops").order_by("pk")
    if round_ids is not None:
        query = query.filter(pk__in=list(round_ids))
    rounds = [r for r in query if r.stops.all()]
    if not rounds:
        return 0
    calendars = current_rules().calendars
    existing = set(
        RoundRun.objects.filter(round__in=rounds, due_on__gte=today).values_list("round_id", "due_on")
    )
    runs: list[RoundRun] = []
    for round_ in rounds:
        snapshot = calendars.get(round_.calendar_id) if round_.calendar_id else None
        for day in scheduling.due_dates(starts_on=round_.starts_on, every=round_.every, frequency=round_.frequency,
                                        weekdays=round_.weekdays or (), since=today, until=until,
                                        snapshot=snapshot):  # fmt: skip
            if (round_.pk, day) in existing:
                continue
            starts, ends = _window(round_, day)
            runs.append(RoundRun(round=round_, due_on=day, window_starts_at=starts, window_ends_at=ends,
                                 team_id=round_.team_id, assignee_id=round_.assignee_id))  # fmt: skip
    with transaction.atomic():
        RoundRun.objects.bulk_create(runs, ignore_conflicts=True)
        # Stops for every run that has none yet (the ones just written; a lost race writes nothing twice).
        stops = {r.pk: list(r.stops.all()) for r in rounds}
        bare = RoundRun.objects.filter(round__in=rounds, due_on__gte=today, visits__isnull=True).values_list(
            "pk", "round_id"
        )
        StopVisit.objects.bulk_create(
            (StopVisit(run_id=run_id, stop=s, position=s.position, location_id=s.location_id, asset_id=s.asset_id,
                       checklist_id=s.checklist_id)
             for run_id, round_id in bare for s in stops[round_id]),
            ignore_conflicts=True,
        )  # fmt: skip
    return len(runs)


@transaction.atomic
def rounds_mark_missed(*, now: datetime | None = None) -> int:
    """Runs whose window has passed without anyone starting them are missed; their stops were not visited."""
    now = now or timezone.now()
    ids = list(
        RoundRun.objects.select_for_update()
        .filter(status=RunStatus.SCHEDULED, window_ends_at__lt=now)
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    StopVisit.objects.filter(run_id__in=ids, status=VisitStatus.PENDING).update(
        status=VisitStatus.NOT_VISITED
    )
    return RoundRun.objects.filter(pk__in=ids).update(status=RunStatus.MISSED)


# --- the walk ------------------------------------------------------------------------------------------------


def may_run(actor: User, run: RoundRun, team_ids: Iterable[int] | None = None) -> bool:
    """The run's technician; anyone of its team when it has none; supervisors."""
    if not (actor.is_authenticated and actor.is_active and actor.is_staff_member):
        return False
    if actor.role in SUPERVISORS or run.assignee_id == actor.pk:
        return True
    if run.assignee_id is None and run.team_id is not None:
        ids = set(team_ids) if team_ids is not None else set(actor.teams.values_list("pk", flat=True))
        return run.team_id in ids
    return False


def _lock_visit(actor: User, visit: StopVisit) -> tuple[StopVisit, RoundRun]:
    run = RoundRun.objects.select_for_update().select_related("round").get(pk=visit.run_id)
    if not may_run(actor, run):
        raise PermissionDenied(_("This round is not yours to run."))
    if run.status in (RunStatus.DONE, RunStatus.MISSED):
        raise Conflict(_("This round run is finished; nothing more can be recorded on it."))
    locked = (
        StopVisit.objects.select_for_update(of=("self",))
        .select_related("asset", "location", "checklist")
        .get(pk=visit.pk)
    )
    return locked, run


# --- the phone's outbox (decision 0183) -----------------------------------------------------------------------


def _replayed(actor: User, visit: StopVisit, kind: str, client_id: str) -> Submission | None:
    """The submission this id already made, if any. An id used for another stop, kind or person is refused."""
    if not client_id:
        return None
    found = Submission.objects.filter(client_id=client_id).first()
    if found is not None and (found.visit_id != visit.pk or found.kind != kind or found.user_id != actor.pk):
        raise _invalid("client_id", _("This id was already used for something else."))
    return found


def _recorded(run: RoundRun, recorded_at: datetime | None, now: datetime) -> datetime:
    """The time the phone recorded the action (offline, it reaches the server later), checked: not in the
    future, not before the run started — or, for a run not started yet, not before its day began."""
    if recorded_at is None:
        return now
    if timezone.is_naive(recorded_at):
        raise _invalid("recorded_at", _("Give the time with its time zone."))
    if recorded_at > now + CLOCK_SKEW:
        raise _invalid("recorded_at", _("The recorded time is in the future."))
    if run.started_at is not None:
        start = run.started_at
    else:
        start = datetime.combine(run.due_on, time.min, tzinfo=timezone.get_current_timezone())
    if recorded_at < start:
        message = _("The recorded time is before the round started (%(start)s).") % {
            "start": timezone.localtime(start).strftime("%Y-%m-%d %H:%M")
        }
        raise _invalid("recorded_at", message)
    return recorded_at


def _remember(actor: User, visit: StopVisit, kind: str, client_id: str, when: datetime,
              work_orders: list[str] | None = None) -> None:  # fmt: skip
    if client_id:
        Submission.objects.create(client_id=client_id, visit=visit, kind=kind, user=actor, recorded_at=when,
                                  work_orders=work_orders or [])  # fmt: skip


def _start(run: RoundRun, actor: User, now: datetime) -> None:
    if run.status == RunStatus.SCHEDULED:
        run.status, run.started_at = RunStatus.IN_PROGRESS, now
        if run.assignee_id is None:
            run.assignee = actor
        run.save(update_fields=["status", "started_at", "assignee"])


def _arrive(
    visit: StopVisit, actor: User, proof: str, position: Position, now: datetime, reason: str = ""
) -> None:
    place = visit.location or (visit.asset.location if visit.asset is not None else None)
    visit.status, visit.proof, visit.reason = VisitStatus.PRESENT, proof, reason
    visit.arrived_at, visit.user = now, actor
    visit.geo, visit.latitude, visit.longitude = position.status, position.latitude, position.longitude
    visit.accuracy_m = position.accuracy_m
    visit.distance_m = distance_m(position, stop_coordinates(place))
    visit.save(update_fields=["status", "proof", "reason", "arrived_at", "user", "geo", "latitude", "longitude",
                              "accuracy_m", "distance_m"])  # fmt: skip


@transaction.atomic
def visit_check_in(*, actor: User, visit: StopVisit, code: str, position: Position,
                   recorded_at: datetime | None = None, client_id: str = "") -> StopVisit:  # fmt: skip
    """The technician scanned the stop's code: presence proved, with the time and the phone's position.
    A code of another stop (or of nothing) is refused; scanning a stop already arrived at changes nothing.
    From the phone's outbox: `recorded_at` is when it was scanned, `client_id` makes a replay a no-op."""
    if _replayed(actor, visit, Submission.Kind.CHECK_IN, client_id):
        return StopVisit.objects.select_related("asset", "location").get(pk=visit.pk)
    visit, run = _lock_visit(actor, visit)
    if _replayed(actor, visit, Submission.Kind.CHECK_IN, client_id):  # a twin replay won the lock
        return visit
    if not code_names_stop(code, asset=visit.asset, location=visit.location):
        message = _("This code is not this stop's. Scan the label on %(stop)s.") % {"stop": visit.label}
        raise ValidationFailed(message, code="wrong_code", details={"code": [message]})
    when = _recorded(run, recorded_at, timezone.now())
    if visit.status not in (VisitStatus.PRESENT, VisitStatus.DONE):
        _start(run, actor, when)
        _arrive(visit, actor, Proof.QR, position, when)
    _remember(actor, visit, Submission.Kind.CHECK_IN, client_id, when)
    return visit


@transaction.atomic
def visit_confirm(*, actor: User, visit: StopVisit, reason: str, position: Position,
                  recorded_at: datetime | None = None, client_id: str = "") -> StopVisit:  # fmt: skip
    """Presence without the code (a torn or missing label), where the round allows it, with a reason."""
    if _replayed(actor, visit, Submission.Kind.CONFIRM, client_id):
        return StopVisit.objects.select_related("asset", "location").get(pk=visit.pk)
    visit, run = _lock_visit(actor, visit)
    if _replayed(actor, visit, Submission.Kind.CONFIRM, client_id):
        return visit
    if not run.round.allow_manual_confirm:
        raise PermissionDenied(_("This round needs each stop's code scanned."))
    reason = (reason or "").strip()
    if "\x00" in reason:
        raise _invalid("reason", _("Text must not contain NUL characters."))
    if not reason:
        raise _invalid("reason", _("Say why the code could not be scanned."))
    if len(reason) > MAX_REASON:
        raise _invalid("reason", _("Ensure this value has at most %(max)s characters.") % {"max": MAX_REASON})
    when = _recorded(run, recorded_at, timezone.now())
    if visit.status not in (VisitStatus.PRESENT, VisitStatus.DONE):
        _start(run, actor, when)
        _arrive(visit, actor, Proof.MANUAL, position, when, reason)
    _remember(actor, visit, Submission.Kind.CONFIRM, client_id, when)
    return visit


@dataclass(frozen=True)
class AnswerIn:
    passed: bool | None = None
    number: object = None
    note: str = ""
    photo: UploadedFile[bytes] | None = None


@dataclass
class Recorded:
    visit: StopVisit
    opened: list[Ticket] = field(default_factory=list)
    replayed: list[str] = field(default_factory=list)  # a replay: the numbers the first submission opened
    is_replay: bool = False


def _parse_number(raw: object) -> Decimal | None:
    if raw is None or raw == "" or isinstance(raw, bool):
        return None
    try:
        value = Decimal(str(raw).strip())
    except ArithmeticError:
        return None
    if not value.is_finite() or abs(value) >= Decimal("1e10"):
        return None
    return value.quantize(Decimal("0.001"))


def _check_photo(photo: UploadedFile[bytes]) -> None:
    head = photo.read(12)
    photo.seek(0)
    if (photo.size or 0) > MAX_PHOTO_BYTES or not any(head.startswith(s) for s in PHOTO_SIGNATURES):
        raise ValidationFailed(_("Take a photo (JPEG, PNG or WebP, at most 10 MB)."))


def _answer_values(step: ChecklistStep, given: AnswerIn | None) -> dict[str, Any] | None:
    """The row's values for one step, or None when an optional step was left out."""
    note = (given.note if given else "") or ""
    note = note.strip()
    if "\x00" in note:
        raise ValidationFailed(_("Text must not contain NUL characters."))
    if len(note) > MAX_NOTE:
        raise ValidationFailed(_("Ensure this value has at most %(max)s characters.") % {"max": MAX_NOTE})
    values: dict[str, Any] = {"passed": None, "number": None, "note": note}
    if step.kind == StepKind.CHECK:
        if given is None or given.passed is None:
            return _missing(step)
        values["passed"] = given.passed
    elif step.kind == StepKind.NUMBER:
        raw = given.number if given else None
        if raw is None or raw == "":
            return _missing(step)
        value = _parse_number(raw)
        if value is None:
            raise ValidationFailed(_("Enter a number."))
        values["number"] = value
        values["passed"] = (step.minimum is None or value >= step.minimum) and (
            step.maximum is None or value <= step.maximum
        )
    elif step.kind == StepKind.PHOTO:
        if given is None or given.photo is None:
            return _missing(step)
        _check_photo(given.photo)
        values["photo"] = given.photo
    elif step.kind == StepKind.NOTE and not note:
        return _missing(step)
    return values


def _missing(step: ChecklistStep) -> dict[str, Any] | None:
    if step.required:
        raise ValidationFailed(_("This step is required."))
    return None


def _finding_text(
    run: RoundRun, visit: StopVisit, step: ChecklistStep, answer: StopAnswer
) -> tuple[str, str]:
    what = visit.label
    if step.kind == StepKind.NUMBER and answer.number is not None:
        value = f"{answer.number.normalize():f} {step.unit}".strip()
        subject = _("Round %(round)s: %(step)s out of limits at %(stop)s (%(value)s)") % {
            "round": run.round.name, "step": step.label, "stop": what, "value": value}  # fmt: skip
    else:
        subject = _("Round %(round)s: %(step)s failed at %(stop)s") % {
            "round": run.round.name, "step": step.label, "stop": what}  # fmt: skip
    limits = ""
    if step.kind == StepKind.NUMBER:
        low = "—" if step.minimum is None else f"{step.minimum.normalize():f}"
        high = "—" if step.maximum is None else f"{step.maximum.normalize():f}"
        limits = _("Limits: %(low)s to %(high)s %(unit)s.") % {"low": low, "high": high, "unit": step.unit}
    description = "\n\n".join(
        part for part in (
            _("Found on the inspection round %(round)s due on %(day)s, stop %(n)s (%(stop)s).")
            % {"round": run.round.name, "day": run.due_on.isoformat(), "n": visit.position, "stop": what},
            limits, answer.note,
        ) if part
    )  # fmt: skip
    return subject[:200], description


def _open_corrective(
    actor: User, run: RoundRun, visit: StopVisit, step: ChecklistStep, answer: StopAnswer
) -> Ticket:
    subject, description = _finding_text(run, visit, step, answer)
    round_ = run.round
    location = visit.location or (visit.asset.location if visit.asset is not None else None)
    ticket = ticket_create(actor=None, requester=round_.requester, subject=subject, description=description,
                           team=round_.team, category=round_.category, asset=visit.asset, location=location,
                           tags=["round"], channel="api")  # fmt: skip
    value = f"{answer.number.normalize():f} {step.unit}".strip() if answer.number is not None else ""
    append_event(ticket, actor=actor, kind=ROUND_FINDING, data={
        "round": round_.name, "round_id": round_.pk, "run_id": run.pk, "due_on": run.due_on.isoformat(),
        "stop": f"{visit.position} {visit.label}", "visit_id": visit.pk, "step": step.label, "step_id": step.pk,
        "value": value, "by": actor.name if hasattr(actor, "name") else str(actor),
        "asset": visit.asset.code if visit.asset is not None else "",
    })  # fmt: skip
    return ticket


def _replay(visit: StopVisit, submission: Submission) -> Recorded:
    fresh = StopVisit.objects.select_related("asset", "location").get(pk=visit.pk)
    return Recorded(visit=fresh, replayed=list(submission.work_orders), is_replay=True)


@transaction.atomic
def visit_record(*, actor: User, visit: StopVisit, answers: Mapping[int, AnswerIn],
                 recorded_at: datetime | None = None, client_id: str = "") -> Recorded:  # fmt: skip
    """Record the stop's checklist, all steps at once (all or nothing). Each failed check or number outside
    its limits opens one corrective work order, linked to the run's stop and its asset; sending the same
    answers again (a retry, the phone's outbox) finds the work order already open and opens nothing.
    From the outbox: the answers carry the time they were given (`recorded_at`), and a replay of the same
    `client_id` changes nothing and answers what the first did."""
    if submission := _replayed(actor, visit, Submission.Kind.ANSWERS, client_id):
        return _replay(visit, submission)
    visit, run = _lock_visit(actor, visit)
    if submission := _replayed(actor, visit, Submission.Kind.ANSWERS, client_id):
        return _replay(visit, submission)
    if visit.status not in (VisitStatus.PRESENT, VisitStatus.DONE):
        raise Conflict(_("Scan the stop's code first."), code="not_present")
    steps = list(ChecklistStep.objects.filter(template_id=visit.checklist_id)) if visit.checklist_id else []
    known = {s.pk for s in steps}
    stray = [key for key in answers if key not in known]
    if stray:
        raise _invalid("answers", _("These steps are not on this stop's checklist: %(ids)s.")
                       % {"ids": ", ".join(map(str, stray))})  # fmt: skip
    rows: list[tuple[ChecklistStep, dict[str, Any]]] = []
    for step in steps:
        try:
            values = _answer_values(step, answers.get(step.pk))
        except ValidationFailed as exc:
            raise ValidationFailed(
                f"{step.label}: {exc.message}", details={f"step_{step.pk}": [str(exc.message)]}
            ) from None
        if values is not None:
            rows.append((step, values))
    now = _recorded(run, recorded_at, timezone.now())
    existing = {a.step_id: a for a in StopAnswer.objects.filter(visit=visit)}
    result = Recorded(visit=visit)
    for step, values in rows:
        answer = existing.get(step.pk)
        if answer is None:
            answer = StopAnswer(visit=visit, step=step)
        for name, value in values.items():
            setattr(answer, name, value)
        answer.answered_by, answer.answered_at = actor, now
        answer.save()
        if answer.passed is False and answer.ticket_id is None:
            answer.ticket = _open_corrective(actor, run, visit, step, answer)
            answer.save(update_fields=["ticket"])
            result.opened.append(answer.ticket)
    visit.status, visit.checked_at = VisitStatus.DONE, visit.checked_at or now
    visit.save(update_fields=["status", "checked_at"])
    _remember(actor, visit, Submission.Kind.ANSWERS, client_id, now, [t.number for t in result.opened])
    return result


@transaction.atomic
def run_finish(*, actor: User, run: RoundRun) -> RoundRun:
    """End the walk: the stops not arrived at are "not visited". Finishing twice changes nothing."""
    run = RoundRun.objects.select_for_update().select_related("round").get(pk=run.pk)
    if not may_run(actor, run):
        raise PermissionDenied(_("This round is not yours to run."))
    if run.status == RunStatus.DONE:
        return run
    if run.status == RunStatus.MISSED:
        raise Conflict(_("This round run was missed; its window has passed."))
    now = timezone.now()
    _start(run, actor, now)
    StopVisit.objects.filter(run=run, status=VisitStatus.PENDING).update(status=VisitStatus.NOT_VISITED)
    run.status, run.finished_at, run.finished_by = RunStatus.DONE, now, actor
    run.save(update_fields=["status", "finished_at", "finished_by"])
    return run
