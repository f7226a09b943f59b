"""Reporting without an account (物业报修 from a "report here" code): the report, its tracking link, and what
the reporter may do through that link. Ticket changes go through gongdan.tickets.services (rule 1).

The tracking link carries a random secret (192 bits); the database keeps only its SHA-256, so the link is
the key to exactly one ticket: it cannot be guessed, derived from a ticket number, or read from a backup.
Decision 0168 says why there is no captcha and who the ticket's requester is."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from gongdan.accounts.models import Language, Role, User
from gongdan.accounts.services import user_create
from gongdan.assets.models import Asset, Location
from gongdan.assets.selectors import asset_allows_public_reports, location_allows_public_reports
from gongdan.core.domain_errors import NotFound, PermissionDenied, ValidationFailed
from gongdan.core.ids import parse_id
from gongdan.notifications.services import email_headers
from gongdan.outbox.models import OutboxMessage
from gongdan.outbox.services import outbox_enqueue
from gongdan.portal import events, notices
from gongdan.portal.forms import asset_in_use
from gongdan.portal.models import WalkUpReport
from gongdan.portal.phones import clean_phone
from gongdan.portal.services import clean_email, requester_for_email
from gongdan.tickets.models import Channel, Comment, Ticket
from gongdan.tickets.services import (
    IncomingFile,
    append_event,
    attachment_add,
    check_file,
    ticket_comment,
    ticket_create,
)

WALK_UP_USERNAME = "walk-up-reporter"
MAX_NAME = 100
MAX_DESCRIPTION = 4000
MAX_SUBJECT = 200
TOKEN_BYTES = 24
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class ReportingClosed(PermissionDenied):
    code = "walk_up_closed"


@dataclass(frozen=True)
class Submitted:
    report: WalkUpReport
    ticket: Ticket
    token: str  # shown once to the reporter and mailed to them; never stored


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tracking_url(token: str) -> str:
    return notices.site_url(reverse("portal:track", args=[token]))


def place_allows(*, location: Location | None, asset: Asset | None) -> bool:
    """Whether this place (or machine) takes reports from people without an account."""
    if asset is not None:
        return asset_allows_public_reports(asset)
    return location_allows_public_reports(location)


def place_from(params: Mapping[str, Any]) -> tuple[Location | None, Asset | None]:
    """The place a code names: `?asset=<code>` (its location comes with it) or `?location=<id>`."""
    asset = asset_in_use(str(params.get("asset") or ""))
    if asset is not None:
        return asset.location, asset
    pk = parse_id(params.get("location"))
    location = Location.objects.filter(pk=pk, is_active=True).first() if pk is not None else None
    return location, None


def place_query(location: Location | None, asset: Asset | None) -> str:
    if asset is not None:
        return urlencode({"asset": asset.code})
    return urlencode({"location": location.pk}) if location is not None else ""


def walk_up_account() -> User:
    """The shared requester of reports that left no email (a phone number only). It has no email and no
    usable password, so nobody can sign in as it; each of its tickets is reached only by its own link."""
    user = User.objects.filter(username=WALK_UP_USERNAME).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return user_create(
                actor=None,
                username=WALK_UP_USERNAME,
                role=Role.REQUESTER,
                display_name="扫码报修 · Walk-up reporter",
                language=settings.LANGUAGE_CODE,
            )
    except (IntegrityError, ValidationFailed):  # created a moment ago by another report
        return User.objects.get(username=WALK_UP_USERNAME)


def _requester(email: str, language: str) -> User:
    """The email's account (found or created, as mail intake does), else the shared walk-up account. A
    staff member's address is not taken at its word: a typed address proves nothing, and a staff
    requester's notes would count as the desk's first response."""
    if email:
        user = requester_for_email(email, language)
        if user.is_active and not user.is_staff_member:
            return user
    return walk_up_account()


def _check_photo(photo: IncomingFile | None) -> None:
    if photo is None:
        return
    checked = check_file(photo)  # the portal's own checks: size, blocked types, no HTML or SVG
    if not checked.is_image:
        message = _("Only a photo (JPEG, PNG, GIF or WebP) can be sent here.")
        raise ValidationFailed(message, code="file_type_blocked", details={"photo": [message]})


def clean_contact(*, name: str, phone: str, email: str) -> tuple[str, str, str]:
    """Name, phone (E.164) and email (lower case), with every problem named by its field."""
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_("At most %(max)d characters.") % {"max": MAX_NAME}]
    try:
        phone = clean_phone(phone)
    except ValidationFailed as exc:
        errors.update(exc.details)
        phone = ""
    email = (email or "").strip()
    if email:
        try:
            email = clean_email(email)
        except ValidationFailed as exc:
            errors.update(exc.details)
            email = ""
    elif not phone and "phone" not in errors:
        message = _("Give a phone number or an email address, so we can reach you.")
        errors["phone"] = [message]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)
    return name, phone, email


def _subject(description: str, *, location: Location | None, asset: Asset | None) -> str:
    first_line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    place = asset.name if asset is not None else (location.name if location is not None else "")
    subject = f"{place}: {first_line}" if place else first_line
    return subject if len(subject) <= MAX_SUBJECT else subject[: MAX_SUBJECT - 1] + "…"


@transaction.atomic
def walk_up_report_submit(
    *,
    name: str,
    phone: str = "",
    email: str = "",
    description: str,
    location: Location | None = None,
    asset: Asset | None = None,
    photo: IncomingFile | None = None,
    language: str = "",
) -> Submitted:
    """A problem reported without an account at a place (or machine) that allows it: the ticket (channel
    portal, the place and machine linked), the photo, the reporter's contact on the ticket's timeline, the
    tracking link mailed through the outbox when an email was given. Nothing is written on any refusal."""
    if asset is not None:
        location = asset.location
    if not place_allows(location=location, asset=asset):
        raise ReportingClosed(_("Reporting without an account is not open for this place."))
    name, phone, email = clean_contact(name=name, phone=phone, email=email)
    description = (description or "").strip()
    if not description:
        message = _("Tell us what is wrong.")
        raise ValidationFailed(message, details={"description": [message]})
    if len(description) > MAX_DESCRIPTION:
        message = _("At most %(max)d characters.") % {"max": MAX_DESCRIPTION}
        raise ValidationFailed(message, details={"description": [message]})
    _check_photo(photo)
    language = language if language in Language.values else settings.LANGUAGE_CODE
    requester = _requester(email, language)
    ticket = ticket_create(
        actor=requester,  # the history reads "you sent the request" on the reporter's page
        requester=requester,
        subject=_subject(description, location=location, asset=asset),
        description=description,
        location=location,
        asset=asset,
        channel=Channel.PORTAL,
    )
    if photo is not None:
        attachment_add(actor=requester, ticket=ticket, file=photo)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    report = WalkUpReport.objects.create(
        ticket=ticket, name=name, phone=phone, email=email, language=language,
        token_digest=token_digest(token), created_at=timezone.now(),
    )  # fmt: skip
    append_event(ticket, actor=None, kind=events.WALK_UP_REPORTED, is_internal=True,
                 data={"name": name, "phone": phone, "email": email})  # fmt: skip
    if email:
        _mail_tracking_link(report, token)
    return Submitted(report=report, ticket=ticket, token=token)


def _mail_tracking_link(report: WalkUpReport, token: str) -> None:
    with translation.override(report.language or settings.LANGUAGE_CODE):
        context = {"url": tracking_url(token), "number": report.ticket.number, "name": report.name,
                   "subject": report.ticket.subject}  # fmt: skip
        key = f"portal-walk-up-{report.pk}"
        outbox_enqueue(
            channel=OutboxMessage.Channel.EMAIL,
            address=report.email,
            subject=_("We received your report %(number)s") % {"number": report.ticket.number}
            + " · "
            + str(settings.GONGDAN_NAME),
            body_text=render_to_string("portal/email/walk_up.txt", context),
            body_html=render_to_string("portal/email/walk_up.html", context),
            headers=email_headers(key=key, kind="portal_walk_up", ticket=report.ticket),
            idempotency_key=key,
            kind="portal_walk_up",
            recipient=None,
        )


def walk_up_get(*, token: str) -> WalkUpReport:
    """The report a tracking link names. Anything else — a malformed, tampered or unknown token — is the
    same NotFound, so the answer says nothing about other tickets."""
    if not token or not TOKEN_SHAPE.fullmatch(token):
        raise NotFound(_("This link is not valid."))
    report = (
        WalkUpReport.objects.select_related(
            "ticket", "ticket__requester", "ticket__location", "ticket__asset", "ticket__category"
        )
        .filter(token_digest=token_digest(token))
        .first()
    )
    if report is None:
        raise NotFound(_("This link is not valid."))
    return report


@transaction.atomic
def walk_up_comment(*, report: WalkUpReport, body: str, files: Sequence[IncomingFile] = ()) -> Comment:
    """The reporter adds a note or a photo through their link, as the ticket's requester (a reply on a
    resolved ticket reopens it, as any requester's would)."""
    for file in files:
        checked = check_file(file)
        if not checked.is_image:
            message = _("Only a photo (JPEG, PNG, GIF or WebP) can be sent here.")
            raise ValidationFailed(message, code="file_type_blocked", details={"photo": [message]})
    ticket = Ticket.objects.select_related("requester").get(pk=report.ticket_id)
    return ticket_comment(
        actor=ticket.requester, ticket=ticket, body=body, files=files, channel=Channel.PORTAL
    )
