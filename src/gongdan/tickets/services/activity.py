"""Work on a ticket: replies and internal notes, attachments, time entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.core.domain_errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongdan.core.html_sanitize import render_markdown
from gongdan.tickets import events
from gongdan.tickets.access import can_view, can_work
from gongdan.tickets.models import Attachment, Channel, Comment, Status, Ticket, TimeEntry
from gongdan.tickets.reference import reference
from gongdan.tickets.services.attachments import CheckedFile, IncomingFile, check_file
from gongdan.tickets.services.core import (
    MAX_DESCRIPTION,
    append_event,
    apply_status,
    build_search_text,
    lock_ticket,
    ticket_transition,
    touch,
    workflow_for,
)

MAX_ATTACHMENTS_PER_CALL = 10
MAX_MINUTES = 24 * 60


@transaction.atomic
def ticket_comment(
    *,
    actor: User,
    ticket: Ticket,
    body: str,
    is_internal: bool = False,
    files: Sequence[IncomingFile] = (),
    channel: str = Channel.WEB,
    expected_version: int | None = None,
) -> Comment:
    """A public reply or an internal note, with optional files.

    A requester's reply while the ticket waits on them puts it back in progress, and on a resolved
    ticket reopens it; a staff member's first public reply marks the first response.
    """
    if not can_view(actor, ticket):
        raise NotFound(_("Ticket not found."))
    staff = can_work(actor, ticket)
    if is_internal and not staff:
        raise PermissionDenied(_("Only staff can write internal notes."))
    body = (body or "").strip()
    if not body and not files:
        raise ValidationFailed(
            _("Write something or attach a file."), details={"body": [_("This field is required.")]}
        )
    if len(body) > MAX_DESCRIPTION:
        message = _("The text is too long (at most %(max)d characters).") % {"max": MAX_DESCRIPTION}
        raise ValidationFailed(message, details={"body": [message]})
    if len(files) > MAX_ATTACHMENTS_PER_CALL:
        message = _("At most %(max)d files at a time.") % {"max": MAX_ATTACHMENTS_PER_CALL}
        raise ValidationFailed(message, details={"files": [message]})
    checked = [check_file(f) for f in files]  # all files valid, or nothing is written
    ticket = lock_ticket(ticket, expected_version=expected_version)
    if ticket.status in (Status.CLOSED, Status.CANCELLED) and not is_internal:
        raise Conflict(
            _("This ticket is %(status)s and takes no more replies; please open a new ticket.")
            % {"status": Status(ticket.status).label},
            code="ticket_finished",
        )
    now = timezone.now()
    comment = Comment.objects.create(
        ticket=ticket,
        author=actor,
        body=body,
        body_html=render_markdown(body),
        is_internal=is_internal,
        channel=channel,
        created_at=now,
    )
    for item in checked:
        _store_attachment(
            ticket, actor=actor, checked=item, comment=comment, is_internal=is_internal, now=now
        )
    fields: set[str] = set()
    if is_internal:
        ticket.search_notes = build_search_text(ticket.search_notes, body)
        fields.add("search_notes")
    else:
        ticket.search_text = build_search_text(ticket.search_text, body)
        fields.add("search_text")
        if staff and actor.pk != ticket.requester_id and ticket.first_response_at is None:
            ticket.first_response_at = now
            fields.add("first_response_at")
    touch(ticket, fields, now=now)
    append_event(
        ticket,
        actor=actor,
        kind=events.NOTE_ADDED if is_internal else events.COMMENTED,
        is_internal=is_internal,
        comment=comment,
        at=now,
        data={"attachments": [c.filename for c in checked], "channel": channel},
    )
    if not is_internal and actor.pk == ticket.requester_id and not staff:
        if ticket.status in (Status.PENDING_REQUESTER, Status.RESOLVED):
            apply_status(ticket, actor=actor, to_status=Status.IN_PROGRESS, action="requester_replied")
    return comment


# What the composer may do after sending: the workflow's action to the pending or resolved state.
THEN_STATUSES = {Status.PENDING_REQUESTER, Status.RESOLVED}


@transaction.atomic
def ticket_respond(
    *,
    actor: User,
    ticket: Ticket,
    body: str,
    is_internal: bool = False,
    files: Sequence[IncomingFile] = (),
    then: str = "",
    resolution: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """The composer's one submit: a reply or internal note, then (optionally) the next state — "Send and set
    pending", "Send and resolve" — in one transaction, the comment's event before the transition's.

    The resolution note is `resolution` if given; otherwise the reply's text, unless the site requires a
    separate note (desk settings) or the message is an internal note (never shown to the requester as the
    resolution). Any refusal rolls the whole submit back: no comment without its state change."""
    then = (then or "").strip()
    if then:
        moves = {t.to_status for t in workflow_for(ticket) if t.action == then}
        if not moves & THEN_STATUSES:
            message = _("Unknown action “%(action)s”.") % {"action": then}
            raise ValidationFailed(message, code="unknown_action", details={"then": [message]})
    resolution = (resolution or "").strip()
    resolving = bool(then) and Status.RESOLVED in {
        t.to_status for t in workflow_for(ticket) if t.action == then
    }
    if resolving and not resolution:
        if reference().desk.separate_resolution_note:
            message = _("Write the resolution note: this site keeps it apart from the reply.")
            raise ValidationFailed(message, code="note_required", details={"resolution": [message]})
        if is_internal:
            message = _("An internal note is not shown to the requester: write the resolution note too.")
            raise ValidationFailed(message, code="note_required", details={"resolution": [message]})
        resolution = (body or "").strip()
    comment = ticket_comment(
        actor=actor,
        ticket=ticket,
        body=body,
        is_internal=is_internal,
        files=files,
        expected_version=expected_version,
    )
    if not then:
        return comment.ticket
    # ticket_comment holds the row lock and bumped the version: no second check against our own write.
    return ticket_transition(actor=actor, ticket=ticket, action=then, note=resolution if resolving else "")


def _store_attachment(
    ticket: Ticket,
    *,
    actor: User,
    checked: CheckedFile,
    comment: Comment | None,
    is_internal: bool,
    now: datetime,
) -> Attachment:
    attachment = Attachment(
        ticket=ticket,
        comment=comment,
        uploaded_by=actor,
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        is_image=checked.is_image,
        is_internal=is_internal,
        created_at=now,
    )
    attachment.file.save(checked.filename, ContentFile(checked.content), save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_add(
    *,
    actor: User,
    ticket: Ticket,
    file: IncomingFile,
    is_internal: bool = False,
    expected_version: int | None = None,
) -> Attachment:
    if not can_view(actor, ticket):
        raise NotFound(_("Ticket not found."))
    if is_internal and not can_work(actor, ticket):
        raise PermissionDenied(_("Only staff can add internal files."))
    checked = check_file(file)
    ticket = lock_ticket(ticket, expected_version=expected_version)
    if ticket.status in (Status.CLOSED, Status.CANCELLED) and not can_work(actor, ticket):
        raise Conflict(_("This ticket is finished."), code="ticket_finished")
    now = timezone.now()
    attachment = _store_attachment(
        ticket, actor=actor, checked=checked, comment=None, is_internal=is_internal, now=now
    )
    touch(ticket, set(), now=now)
    append_event(
        ticket,
        actor=actor,
        kind=events.ATTACHMENT_ADDED,
        is_internal=is_internal,
        at=now,
        data={"attachment": attachment.pk, "filename": attachment.filename, "size": attachment.size},
    )
    return attachment


@transaction.atomic
def time_entry_add(
    *, actor: User, ticket: Ticket, minutes: int, work_date: date | None = None, note: str = ""
) -> TimeEntry:
    if not can_view(actor, ticket):
        raise NotFound(_("Ticket not found."))
    if not can_work(actor, ticket):
        raise PermissionDenied(_("Only the people who work this ticket can log time."))
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        message = _("Minutes must be a whole number from 1 to %(max)d.") % {"max": MAX_MINUTES}
        raise ValidationFailed(message, details={"minutes": [message]})
    today = timezone.localdate()
    work_date = work_date or today
    if work_date > today:
        message = _("Time cannot be logged in the future.")
        raise ValidationFailed(message, details={"work_date": [message]})
    note = (note or "").strip()
    if len(note) > 500:
        message = _("The note is too long (at most 500 characters).")
        raise ValidationFailed(message, details={"note": [message]})
    ticket = lock_ticket(ticket, expected_version=None)
    entry = TimeEntry.objects.create(
        ticket=ticket, user=actor, minutes=minutes, work_date=work_date, note=note
    )
    touch(ticket, set())
    append_event(
        ticket,
        actor=actor,
        kind=events.TIME_LOGGED,
        is_internal=True,
        data={"minutes": minutes, "work_date": work_date.isoformat(), "note": note},
    )
    return entry
