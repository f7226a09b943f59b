"""What the tickets app holds about a person, for export and erasure (gongdan.privacy, decision 0131), and the
retention purge of closed tickets.

Erasure keeps every ticket, its number and its history: free text that names the person (subject,
description, comments, location, resolution, the history's recorded values) has the person's identifiers
replaced by the pseudonym; custom values of fields marked personal or sensitive on the tickets they
requested are removed; attachments they uploaded are deleted, files included; the search columns are
rebuilt (the SQLite FTS5 table is optimised so no old entry lingers). The history is append-only: its
UPDATE trigger lets a row change only while this transaction holds a row in `tickets_event_erasure_permit`
(not a model; written and removed here only, decision 0132).
"""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any

from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Cast

from gongdan.core.html_sanitize import render_markdown
from gongdan.core.personal_data import Person, PersonalExport, json_needles, scrub, scrub_json
from gongdan.tickets.models import Attachment, Comment, CustomField, Status, Ticket, TicketEvent, TimeEntry
from gongdan.tickets.services.core import build_search_text
from gongdan.tickets.services.sensitive_values import open_values

PERMIT_TABLE = "tickets_event_erasure_permit"
TEXT_FIELDS = ("subject", "description", "location_text", "resolution")


def _personal_keys() -> set[str]:
    return set(CustomField.objects.filter(Q(personal=True) | Q(sensitive=True)).values_list("key", flat=True))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _opener(name: str) -> Any:
    def open_file() -> IO[bytes]:
        return default_storage.open(name, "rb")

    return open_file


def tickets_personal_export(person: Person) -> PersonalExport:
    export = PersonalExport()
    requested = Ticket.objects.filter(requester_id=person.user_id).select_related("category").order_by("pk")
    export.records["tickets_requested"] = [
        {
            "number": t.number,
            "subject": t.subject,
            "description": t.description,
            "status": t.status,
            "category": str(t.category) if t.category else None,
            "location": t.location_text,
            "custom_fields": open_values(t.custom_values),
            "created_at": _iso(t.created_at),
            "closed_at": _iso(t.closed_at),
        }
        for t in requested
    ]
    export.records["comments_written"] = [
        {
            "ticket": c.ticket.number,
            "text": c.body,
            "internal": c.is_internal,
            "created_at": _iso(c.created_at),
        }
        for c in Comment.objects.filter(author_id=person.user_id).select_related("ticket").order_by("pk")
    ]
    export.records["time_logged"] = [
        {"ticket": e.ticket.number, "minutes": e.minutes, "date": e.work_date.isoformat(), "note": e.note}
        for e in TimeEntry.objects.filter(user_id=person.user_id).select_related("ticket").order_by("pk")
    ]
    uploads = Attachment.objects.filter(uploaded_by_id=person.user_id).select_related("ticket").order_by("pk")
    export.records["attachments_uploaded"] = []
    for attachment in uploads:
        name = f"attachments/{attachment.ticket.number}/{attachment.pk}-{attachment.filename}"
        export.records["attachments_uploaded"].append(
            {
                "ticket": attachment.ticket.number,
                "file": name,
                "size": attachment.size,
                "sha256": attachment.sha256,
            }
        )
        export.files.append((name, _opener(attachment.file.name or "")))
    return export


def _mentioning(
    queryset: models.QuerySet[Any], fields: tuple[str, ...], identifiers: list[str]
) -> models.QuerySet[Any]:
    condition = Q()
    for field in fields:
        for identifier in identifiers:
            condition |= Q(**{f"{field}__icontains": identifier})
    return queryset.filter(condition)


def _rebuild_search(ticket_ids: set[int]) -> None:
    for ticket in Ticket.objects.filter(pk__in=ticket_ids).only("pk", "subject", "description"):
        comments = list(
            Comment.objects.filter(ticket_id=ticket.pk).order_by("pk").values_list("body", "is_internal")
        )
        Ticket.objects.filter(pk=ticket.pk).update(
            search_text=build_search_text(
                ticket.subject, ticket.description, *[b for b, i in comments if not i]
            ),
            search_notes=build_search_text(*[b for b, i in comments if i]),
        )
    if connection.vendor == "sqlite" and ticket_ids:
        with connection.cursor() as cursor:  # merge the index's segments: deleted entries leave the file
            cursor.execute("INSERT INTO tickets_ticket_fts(tickets_ticket_fts) VALUES ('optimize')")


def _delete_attachments(attachments: models.QuerySet[Attachment]) -> int:
    names = list(attachments.values_list("file", flat=True))
    count, _detail = attachments.delete()

    def delete_files() -> None:
        for name in names:
            if name:
                default_storage.delete(name)

    transaction.on_commit(delete_files)
    return len(names) if count else 0


def _scrub_events(identifiers: list[str], pseudonym: str) -> int:
    needles = json_needles(identifiers)
    raw = TicketEvent.objects.annotate(_raw=Cast("data", models.TextField()))
    condition = Q()
    for needle in needles:
        condition |= Q(_raw__icontains=needle)
    changed = 0
    rows = list(raw.filter(condition).values_list("pk", "data"))
    if not rows:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {PERMIT_TABLE} (reason) VALUES ('erasure')")  # noqa: S608 — our constant
    try:
        for pk, data in rows:
            TicketEvent.objects.filter(pk=pk).update(data=scrub_json(data, identifiers, pseudonym))
            changed += 1
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {PERMIT_TABLE}")  # noqa: S608 — our constant
    return changed


@transaction.atomic
def tickets_personal_erase(person: Person, pseudonym: str) -> dict[str, int]:
    identifiers = person.identifiers()
    counts = {"tickets": 0, "comments": 0, "attachments": 0, "events": 0}
    touched: set[int] = set()
    personal_keys = _personal_keys()
    for ticket in Ticket.objects.filter(requester_id=person.user_id).only("pk", "custom_values"):
        values = ticket.custom_values or {}
        kept = {k: v for k, v in values.items() if k not in personal_keys}
        if kept != values:
            Ticket.objects.filter(pk=ticket.pk).update(custom_values=kept)
            touched.add(ticket.pk)
    if identifiers:
        for ticket in _mentioning(Ticket.objects.all(), TEXT_FIELDS, identifiers):
            changes = {f: scrub(getattr(ticket, f), identifiers, pseudonym) for f in TEXT_FIELDS}
            changes["description_html"] = render_markdown(changes["description"])
            changes["custom_values"] = scrub_json(ticket.custom_values or {}, identifiers, pseudonym)
            Ticket.objects.filter(pk=ticket.pk).update(**changes)
            touched.add(ticket.pk)
        for comment in _mentioning(Comment.objects.all(), ("body",), identifiers):
            body = scrub(comment.body, identifiers, pseudonym)
            Comment.objects.filter(pk=comment.pk).update(body=body, body_html=render_markdown(body))
            touched.add(comment.ticket_id)
            counts["comments"] += 1
        for entry in _mentioning(TimeEntry.objects.all(), ("note",), identifiers):
            TimeEntry.objects.filter(pk=entry.pk).update(note=scrub(entry.note, identifiers, pseudonym))
        for attachment in _mentioning(Attachment.objects.all(), ("filename",), identifiers):
            Attachment.objects.filter(pk=attachment.pk).update(
                filename=scrub(attachment.filename, identifiers, pseudonym)
            )
        counts["events"] = _scrub_events(identifiers, pseudonym)
    uploads = Attachment.objects.filter(uploaded_by_id=person.user_id)
    touched.update(uploads.values_list("ticket_id", flat=True))
    counts["attachments"] = _delete_attachments(uploads)
    counts["tickets"] = len(touched)
    _rebuild_search(touched)
    return counts


def tickets_retention_purge(
    *, closed_before: datetime, category_cutoffs: dict[int, datetime], dry_run: bool
) -> dict[str, int]:
    """Closed tickets past their cutoff lose the personal data they hold: personal and sensitive custom values,
    their attachments (files included) and the free-text location. The requester's identifiers in the text
    go with the requester's own erasure; the ticket keeps its number, history and figures. Idempotent: a
    purged ticket has nothing left to remove."""
    personal_keys = _personal_keys()
    due = Q(closed_at__lt=closed_before) & ~Q(category_id__in=list(category_cutoffs))
    for category_id, cutoff in category_cutoffs.items():
        due |= Q(category_id=category_id, closed_at__lt=cutoff)
    tickets = Ticket.objects.filter(due, status=Status.CLOSED)
    counts = {"tickets": 0, "attachments": 0}
    attachments = Attachment.objects.filter(ticket__in=tickets)
    counts["attachments"] = attachments.count()
    for ticket in tickets.only("pk", "custom_values", "location_text").iterator(chunk_size=500):
        values = ticket.custom_values or {}
        kept = {k: v for k, v in values.items() if k not in personal_keys}
        if kept != values or ticket.location_text:
            counts["tickets"] += 1
            if not dry_run:
                Ticket.objects.filter(pk=ticket.pk).update(custom_values=kept, location_text="")
    if not dry_run and counts["attachments"]:
        with transaction.atomic():
            _delete_attachments(Attachment.objects.filter(ticket__in=tickets))
    return counts


class TicketsPersonalData:
    label = "tickets"

    def export(self, person: Person) -> PersonalExport:
        return tickets_personal_export(person)

    def erase(self, person: Person, pseudonym: str) -> dict[str, int]:
        return tickets_personal_erase(person, pseudonym)


class TicketsRetention:
    label = "tickets"

    def purge(
        self, *, closed_before: datetime, category_cutoffs: dict[int, datetime], dry_run: bool
    ) -> dict[str, int]:
        return tickets_retention_purge(
            closed_before=closed_before, category_cutoffs=category_cutoffs, dry_run=dry_run
        )
