"""What a technician does on the phone. Every ticket change goes through gongdan.tickets.services; this
module adds the field app's own rows (site visits) and events, in the same transaction.

Which workflow action "start", "pause" and "finish" take is read from the ticket's workflow (rule 5):
start is the move into "in progress", pause the move into a pending status (third party first: waiting for
parts), finish the move to "resolved". An admin who renames or restricts those moves changes the phone too.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.core.domain_errors import Conflict, PermissionDenied, ValidationFailed
from gongdan.field import events
from gongdan.field.geo import Fix, distance_m, job_position
from gongdan.field.models import EndReason, GeoStatus, Visit
from gongdan.routing.services import presence_set
from gongdan.tickets import services as tickets
from gongdan.tickets.access import can_work
from gongdan.tickets.models import Attachment, Comment, Status, Ticket, TimeEntry, WorkflowTransition
from gongdan.tickets.models.ticket import OPEN_STATUSES
from gongdan.tickets.services import append_event, check_file, lock_ticket

MAX_SIGNATURE_BYTES = 512 * 1024
MAX_SIGNER_NAME = 120
ACCEPTABLE = (Status.NEW, Status.ASSIGNED)


def _require_field_work(actor: User, ticket: Ticket) -> None:
    if not can_work(actor, ticket):
        raise PermissionDenied(_("Only the people who work this ticket can do that."))


def _transition_to(actor: User, ticket: Ticket, targets: tuple[str, ...]) -> WorkflowTransition | None:
    """The first move the actor may make now into one of `targets`, in the order the targets are listed."""
    available = tickets.available_transitions(actor=actor, ticket=ticket)
    for target in targets:
        for transition in available:
            if transition.to_status == target:
                return transition
    return None


def start_transition(actor: User, ticket: Ticket) -> WorkflowTransition | None:
    return _transition_to(actor, ticket, (Status.IN_PROGRESS,))


def pause_transition(actor: User, ticket: Ticket) -> WorkflowTransition | None:
    return _transition_to(actor, ticket, (Status.PENDING_THIRD_PARTY, Status.PENDING_REQUESTER))


def finish_transition(actor: User, ticket: Ticket) -> WorkflowTransition | None:
    return _transition_to(actor, ticket, (Status.RESOLVED,))


def open_visit(*, user: User, ticket: Ticket) -> Visit | None:
    return Visit.objects.filter(ticket=ticket, user=user, ended_at__isnull=True).first()


def _fix_data(fix: Fix, distance: float | None) -> dict[str, object]:
    data: dict[str, object] = {"geo": fix.status}
    if fix.point is not None:
        data.update(
            latitude=str(fix.latitude),
            longitude=str(fix.longitude),
            accuracy_m=fix.accuracy_m,
            distance_m=distance,
        )
    return data


def _remember_position(actor: User, fix: Fix) -> None:
    """The last shared position is the technician's presence position: routing's "nearest" strategy and
    the distance column of "my jobs" read it."""
    if fix.point is None or not actor.is_staff_member:
        return

    presence_set(actor=actor, user=actor, latitude=fix.latitude, longitude=fix.longitude)


@transaction.atomic
def job_accept(*, actor: User, ticket: Ticket) -> Ticket:
    """Take the job: assign it to oneself if nobody has it yet, and say so on the timeline. Someone else's
    job is not taken over from a phone (a dispatcher reassigns it)."""
    _require_field_work(actor, ticket)
    if ticket.status not in ACCEPTABLE:
        raise Conflict(
            _("Only a new or assigned job can be accepted; this one is %(status)s.")
            % {"status": Status(ticket.status).label},
            code="not_acceptable",
        )
    if ticket.assignee is not None and ticket.assignee_id != actor.pk:
        raise Conflict(
            _("This job is assigned to %(name)s; ask a dispatcher to reassign it.")
            % {"name": ticket.assignee.name},
            code="assigned_to_someone_else",
        )
    if ticket.assignee_id is None:
        ticket = tickets.ticket_assign(actor=actor, ticket=ticket, assignee=actor)
    append_event(ticket, actor=actor, kind=events.FIELD_ACCEPTED, is_internal=True)
    return ticket


def _check_in(actor: User, ticket: Ticket, fix: Fix) -> Visit:
    distance = distance_m(fix.point, job_position(ticket))
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                ticket=ticket,
                user=actor,
                started_at=timezone.now(),
                start_geo=fix.status,
                start_latitude=fix.latitude,
                start_longitude=fix.longitude,
                start_accuracy_m=fix.accuracy_m,
                start_distance_m=distance,
            )
    except IntegrityError:
        raise Conflict(_("You are already checked in on this job."), code="already_checked_in") from None
    append_event(
        ticket,
        actor=actor,
        kind=events.FIELD_CHECKED_IN,
        is_internal=True,
        at=visit.started_at,
        data={"visit": visit.pk, **_fix_data(fix, distance)},
    )
    _remember_position(actor, fix)
    return visit


def _check_out(actor: User, ticket: Ticket, visit: Visit, fix: Fix, reason: str) -> Visit:
    distance = distance_m(fix.point, job_position(ticket))
    visit.ended_at = max(timezone.now(), visit.started_at)
    visit.end_reason = reason
    visit.end_geo = fix.status
    visit.end_latitude, visit.end_longitude, visit.end_accuracy_m = (
        fix.latitude,
        fix.longitude,
        fix.accuracy_m,
    )
    visit.end_distance_m = distance
    visit.save(
        update_fields=[
            "ended_at", "end_reason", "end_geo", "end_latitude", "end_longitude", "end_accuracy_m",
            "end_distance_m",
        ]
    )  # fmt: skip
    append_event(
        ticket,
        actor=actor,
        kind=events.FIELD_CHECKED_OUT,
        is_internal=True,
        at=visit.ended_at,
        data={
            "visit": visit.pk,
            "reason": reason,
            "duration_s": visit.duration_seconds,
            **_fix_data(fix, distance),
        },
    )
    _remember_position(actor, fix)
    return visit


@transaction.atomic
def job_start(*, actor: User, ticket: Ticket, fix: Fix) -> Visit:
    """Check in on site and put the job in progress (accepting it first when nobody has it). A colleague
    helping on someone else's job checks in too, without taking it over. Without a shared position the
    check-in is still recorded, as "not shared"."""
    _require_field_work(actor, ticket)
    locked = lock_ticket(ticket, expected_version=None)  # one start at a time per job
    if locked.status not in OPEN_STATUSES:
        raise Conflict(
            _("This job is %(status)s; reopen it first.") % {"status": Status(locked.status).label},
            code="ticket_finished",
        )
    if open_visit(user=actor, ticket=locked) is not None:
        raise Conflict(_("You are already checked in on this job."), code="already_checked_in")
    if locked.assignee_id is None and locked.status in ACCEPTABLE:
        locked = job_accept(actor=actor, ticket=locked)
    if locked.status != Status.IN_PROGRESS:
        transition = start_transition(actor, locked)
        if transition is None:
            raise Conflict(
                _("The workflow does not let you start this job while it is %(status)s.")
                % {"status": Status(locked.status).label},
                code="illegal_transition",
            )
        locked = tickets.ticket_transition(actor=actor, ticket=locked, action=transition.action)
    return _check_in(actor, locked, fix)


@transaction.atomic
def job_pause(*, actor: User, ticket: Ticket, fix: Fix, note: str = "") -> Visit:
    """Leave the site for now: check out, and move the job to a waiting status when the workflow has one."""
    _require_field_work(actor, ticket)
    locked = lock_ticket(ticket, expected_version=None)
    visit = open_visit(user=actor, ticket=locked)
    if visit is None:
        raise Conflict(_("You are not checked in on this job."), code="not_checked_in")
    visit = _check_out(actor, locked, visit, fix, EndReason.PAUSE)
    if locked.status == Status.IN_PROGRESS:
        transition = pause_transition(actor, locked)
        if transition is not None:
            tickets.ticket_transition(actor=actor, ticket=locked, action=transition.action, note=note)
    elif note.strip():
        tickets.ticket_comment(actor=actor, ticket=locked, body=note, is_internal=True)
    return visit


@dataclass(frozen=True)
class Signature:
    png: bytes
    signer_name: str


def clean_signature(data_url: str, signer_name: str) -> Signature | None:
    """A signature drawn on the phone: a PNG data URL from the canvas. Empty → no signature."""
    data_url = (data_url or "").strip()
    signer_name = " ".join((signer_name or "").split())
    if not data_url:
        return None
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        message = _("The signature must be a PNG image.")
        raise ValidationFailed(message, details={"signature": [message]})
    try:
        png = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        png = b""
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        message = _("The signature must be a PNG image.")
        raise ValidationFailed(message, details={"signature": [message]})
    if len(png) > MAX_SIGNATURE_BYTES:
        message = _("The signature image is too large.")
        raise ValidationFailed(message, details={"signature": [message]})
    if not signer_name:
        message = _("Write the name of the person who signed.")
        raise ValidationFailed(message, details={"signer_name": [message]})
    if len(signer_name) > MAX_SIGNER_NAME:
        message = _("The name is too long (at most %(max)d characters).") % {"max": MAX_SIGNER_NAME}
        raise ValidationFailed(message, details={"signer_name": [message]})
    return Signature(png=png, signer_name=signer_name)


@transaction.atomic
def job_finish(
    *, actor: User, ticket: Ticket, fix: Fix, resolution: str, signature: Signature | None = None
) -> Ticket:
    """Check out, keep the customer's signature (a PNG attachment and an event), resolve the job.

    All or nothing: a refused resolution (say, the note is missing) leaves the visit open and no
    signature behind."""
    _require_field_work(actor, ticket)
    locked = lock_ticket(ticket, expected_version=None)
    transition = finish_transition(actor, locked)
    if transition is None:
        raise Conflict(
            _("The workflow does not let you finish this job while it is %(status)s.")
            % {"status": Status(locked.status).label},
            code="illegal_transition",
        )
    visit = open_visit(user=actor, ticket=locked)
    if visit is not None:
        _check_out(actor, locked, visit, fix, EndReason.FINISH)
    if signature is not None:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        attachment = tickets.attachment_add(
            actor=actor,
            ticket=locked,
            file=tickets.IncomingFile(name=f"signature-{locked.number}-{stamp}.png", content=signature.png),
            is_internal=True,
        )
        append_event(
            locked,
            actor=actor,
            kind=events.FIELD_SIGNED,
            is_internal=True,
            data={"attachment": attachment.pk, "signer_name": signature.signer_name},
        )
    return tickets.ticket_transition(actor=actor, ticket=locked, action=transition.action, note=resolution)


def job_note(*, actor: User, ticket: Ticket, body: str, public: bool = False) -> Comment:
    """A note from site: internal unless the technician chooses to tell the requester."""
    _require_field_work(actor, ticket)
    return tickets.ticket_comment(actor=actor, ticket=ticket, body=body, is_internal=not public)


def job_photo(*, actor: User, ticket: Ticket, name: str, content: bytes) -> Attachment:
    """A photo taken on site (already shrunk on the phone). Only images are taken here."""
    _require_field_work(actor, ticket)
    incoming = tickets.IncomingFile(name=name, content=content)
    if not check_file(incoming).is_image:
        message = _("Only photos (JPEG, PNG, WebP) are taken here.")
        raise ValidationFailed(message, code="not_an_image", details={"file": [message]})
    return tickets.attachment_add(actor=actor, ticket=ticket, file=incoming, is_internal=True)


def job_time(*, actor: User, ticket: Ticket, minutes: int, note: str = "") -> TimeEntry:
    _require_field_work(actor, ticket)
    return tickets.time_entry_add(actor=actor, ticket=ticket, minutes=minutes, note=note)


def geo_label(status: str) -> str:
    return str(GeoStatus(status).label) if status in GeoStatus.values else status


@transaction.atomic
def position_update(*, actor: User, fix: Fix) -> None:
    """The phone's position, kept as the technician's presence position (see _remember_position)."""

    if fix.point is None:
        message = _("Send latitude and longitude.")
        raise ValidationFailed(message, details={"latitude": [message]})
    presence_set(actor=actor, user=actor, latitude=fix.latitude, longitude=fix.longitude)
