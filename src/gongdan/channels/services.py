"""Every change the mail intake makes: mailboxes (admin), and turning a fetched mail into a ticket or a reply.

A mail changes tickets only through gongdan.tickets.services, acting as its sender (rule 1): a new ticket is
reported by the sender, a reply is the sender's public comment, so SLA clocks, routing and notifications see
exactly what they see for the web form.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import Organisation, Role, User
from gongdan.accounts.services import require_admin, user_create
from gongdan.channels.models import DEFAULT_MAX_MAIL_BYTES, InboundMail, Mailbox
from gongdan.channels.noise import noise_reason
from gongdan.channels.parsing import ParsedMail, UnreadableMail, body_text, mail_key, parse_mail
from gongdan.channels.reply_trim import trim_reply
from gongdan.core.domain_errors import Conflict, DomainError, NotFound, ValidationFailed
from gongdan.outbox.threading import ticket_number_from_subject, ticket_pk_from_headers
from gongdan.tickets import services as tickets
from gongdan.tickets.access import can_view
from gongdan.tickets.models import Channel, Ticket
from gongdan.tickets.services import MAX_ATTACHMENTS_PER_CALL, MAX_DESCRIPTION, MAX_SUBJECT, check_file

log = logging.getLogger(__name__)

MAX_FILES_PER_MAIL = 30
SECRET_FIELDS = ("password", "oauth_client_secret", "oauth_refresh_token", "oauth_access_token")
MAILBOX_FIELDS = (
    "name", "address", "host", "port", "security", "username", "auth_method", "oauth_token_url",
    "oauth_client_id", "oauth_scope", "folder", "processed_folder", "default_category", "default_team",
    "default_priority", "ignore_cc_only", "max_mail_bytes", "sender_limit_per_hour", "is_active", *SECRET_FIELDS,
)  # fmt: skip
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


# ---- mailboxes (administrators) -------------------------------------------------------------------------


def _clean_mailbox(values: dict[str, Any], *, existing: Mailbox | None) -> dict[str, Any]:
    unknown = sorted(set(values) - set(MAILBOX_FIELDS))
    if unknown:
        raise ValidationFailed(
            _("Some fields are not valid."), details={f: [_("Unknown or read-only field.")] for f in unknown}
        )
    cleaned = dict(values)
    for name in SECRET_FIELDS:  # write-only: empty means "keep what is stored"
        if name in cleaned and not cleaned[name] and existing is not None:
            del cleaned[name]
    errors: dict[str, list[str]] = {}
    merged = {f: getattr(existing, f) for f in MAILBOX_FIELDS} if existing else {}
    merged.update(cleaned)
    if not 1 <= int(merged.get("port") or 0) <= 65535:
        errors["port"] = [_("Enter a port from 1 to 65535.")]
    if not 1024 <= int(merged.get("max_mail_bytes") or DEFAULT_MAX_MAIL_BYTES) <= 200 * 1024 * 1024:
        errors["max_mail_bytes"] = [_("Enter a size from 1 KB to 200 MB.")]
    method = merged.get("auth_method") or Mailbox.Auth.PASSWORD
    if method == Mailbox.Auth.PASSWORD and not merged.get("password"):
        errors["password"] = [_("Enter the mailbox password.")]
    elif method == Mailbox.Auth.XOAUTH2_TOKEN and not merged.get("oauth_access_token"):
        errors["oauth_access_token"] = [_("Enter the access token.")]
    elif method == Mailbox.Auth.XOAUTH2_REFRESH:
        for name in ("oauth_token_url", "oauth_client_id", "oauth_refresh_token"):
            if not merged.get(name):
                errors[name] = [_("Required for sign-in with a refresh token.")]
    others = Mailbox.objects.filter(name__iexact=merged.get("name", ""))
    if existing is not None:
        others = others.exclude(pk=existing.pk)
    if others.exists():
        errors["name"] = [_("Another mailbox has this name.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)
    if "address" in cleaned:
        cleaned["address"] = cleaned["address"].strip().lower()
    return cleaned


@transaction.atomic
def mailbox_create(*, actor: User, **values: Any) -> Mailbox:
    require_admin(actor)
    mailbox = Mailbox(**_clean_mailbox(values, existing=None))
    mailbox.save()
    return mailbox


@transaction.atomic
def mailbox_update(*, actor: User, mailbox: Mailbox, **values: Any) -> Mailbox:
    require_admin(actor)
    cleaned = _clean_mailbox(values, existing=mailbox)
    mailbox = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    connection_changed = any(
        name in cleaned and cleaned[name] != getattr(mailbox, name) for name in ("host", "username", "folder")
    )
    if {"oauth_token_url", "oauth_client_id", "oauth_refresh_token", "oauth_client_secret"} & set(cleaned):
        mailbox.oauth_access_token_expires_at = None  # fetch a fresh access token with the new settings
    for name, value in cleaned.items():
        setattr(mailbox, name, value)
    if connection_changed:  # another folder or server: its UIDs mean something else
        mailbox.uid_validity, mailbox.last_uid = None, 0
    mailbox.last_error = ""
    mailbox.save()
    return mailbox


# ---- mail -----------------------------------------------------------------------------------------------


def _lenient_headers(raw: bytes) -> tuple[str, str, str]:
    """Message-ID, From and Subject of a mail we could not (or will not) read whole, for the admin's list."""
    try:
        headers = BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True)
        return (
            " ".join(str(headers.get("Message-ID", "")).split())[:255],
            str(headers.get("From", ""))[:255],
            str(headers.get("Subject", ""))[:300],
        )
    except Exception:
        return "", "", ""


def mail_reject_oversized(
    *, mailbox: Mailbox | None, header_bytes: bytes, size: int, uid: int | None
) -> InboundMail:
    """A mail larger than the mailbox accepts: recorded from its headers alone (it stays on the server)."""
    message_id, sender, subject = _lenient_headers(header_bytes)
    key = mail_key(message_id, header_bytes + str(size).encode())
    record, _created = InboundMail.objects.get_or_create(
        key=key,
        defaults={
            "mailbox": mailbox, "message_id": message_id, "uid": uid, "sender": sender, "subject": subject,
            "size": size, "state": InboundMail.State.REJECTED, "reason": InboundMail.Reason.TOO_LARGE,
            "detail": _("%(size)d bytes; this mailbox accepts at most %(limit)d.")
            % {"size": size, "limit": mailbox.max_mail_bytes if mailbox else DEFAULT_MAX_MAIL_BYTES},
            "raw": header_bytes,
        },
    )  # fmt: skip
    return record


def mail_receive(*, mailbox: Mailbox | None, raw: bytes, uid: int | None = None) -> InboundMail:
    """Turn one fetched mail into a ticket, a reply, or a recorded reason why not. Safe to call twice with
    the same mail: the second call returns the first record. Never raises for a bad mail: what can't be
    handled is quarantined with its bytes."""
    limit = mailbox.max_mail_bytes if mailbox else DEFAULT_MAX_MAIL_BYTES
    if len(raw) > limit:
        head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0][:65536]
        return mail_reject_oversized(mailbox=mailbox, header_bytes=head, size=len(raw), uid=uid)
    try:
        parsed: ParsedMail | None = parse_mail(raw)
        message_id = parsed.message_id if parsed is not None else ""
        error = ""
    except UnreadableMail as exc:
        parsed, error = None, str(exc)
        message_id = _lenient_headers(raw)[0]
    key = mail_key(message_id, raw)
    existing = InboundMail.objects.filter(key=key).first()
    if existing is not None:
        return existing
    if parsed is None:
        return _quarantine(mailbox=mailbox, raw=raw, key=key, uid=uid, reason=InboundMail.Reason.UNREADABLE,
                           detail=error)  # fmt: skip
    record = InboundMail(
        mailbox=mailbox, key=key, message_id=message_id, uid=uid, sender=parsed.sender_email[:255],
        subject=parsed.subject[:300], size=len(raw),
    )  # fmt: skip
    try:
        with transaction.atomic():
            record.state = InboundMail.State.QUARANTINED  # placeholder; _process sets the outcome
            record.save()
            _process(record, parsed, mailbox)
            record.save()
    except IntegrityError:
        # Another worker took the same mail (same Message-ID) at the same moment.
        duplicate = InboundMail.objects.filter(key=key).first()
        if duplicate is not None:
            return duplicate
        raise
    except Exception as exc:
        log.warning(
            "mail %s could not be turned into a ticket: %s",
            message_id,
            exc,
            exc_info=not isinstance(exc, DomainError),
        )
        detail = str(exc.message) if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        return _quarantine(mailbox=mailbox, raw=raw, key=key, uid=uid, reason=InboundMail.Reason.FAILED,
                           detail=detail, parsed=parsed)  # fmt: skip
    return record


def _quarantine(
    *, mailbox: Mailbox | None, raw: bytes, key: str, uid: int | None, reason: str, detail: str,
    parsed: ParsedMail | None = None,
) -> InboundMail:  # fmt: skip
    message_id, sender, subject = _lenient_headers(raw)
    if parsed is not None:
        sender, subject = parsed.sender_email, parsed.subject
    record, _created = InboundMail.objects.update_or_create(
        key=key,
        defaults={
            "mailbox": mailbox, "message_id": message_id, "uid": uid, "sender": sender[:255],
            "subject": subject[:300], "size": len(raw), "state": InboundMail.State.QUARANTINED,
            "reason": reason, "detail": detail[:5000], "raw": raw, "ticket": None,
        },
    )  # fmt: skip
    return record


@transaction.atomic
def mail_retry(*, actor: User, mail_id: int) -> InboundMail:
    """An administrator tries a quarantined mail again (after fixing the mailbox's settings, say)."""
    require_admin(actor)
    record = InboundMail.objects.select_for_update().filter(pk=mail_id).first()
    if record is None:
        raise NotFound(_("Mail not found."))
    if record.state != InboundMail.State.QUARANTINED or record.raw is None:
        raise Conflict(_("Only quarantined mail can be tried again."), code="not_quarantined")
    raw = bytes(record.raw)
    mailbox = record.mailbox
    record.attempts += 1
    try:
        parsed = parse_mail(raw)
    except UnreadableMail as exc:
        record.detail = str(exc)
        record.save(update_fields=["attempts", "detail"])
        return record
    try:
        with transaction.atomic():
            record.reason, record.detail = InboundMail.Reason.NONE, ""
            _process(record, parsed, mailbox)
            record.raw = None
            record.save()
    except Exception as exc:
        record.state, record.reason, record.ticket = (
            InboundMail.State.QUARANTINED,
            InboundMail.Reason.FAILED,
            None,
        )
        record.detail = str(exc.message) if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        record.save(update_fields=["attempts", "detail", "state", "reason", "ticket"])
    return record


def _process(record: InboundMail, parsed: ParsedMail, mailbox: Mailbox | None) -> None:
    reason = noise_reason(parsed, mailbox)
    if reason:
        record.state, record.reason = InboundMail.State.IGNORED, reason
        return
    limit = mailbox.sender_limit_per_hour if mailbox else 20
    recent = InboundMail.objects.filter(
        sender=parsed.sender_email,
        received_at__gte=timezone.now() - timedelta(hours=1),
        state__in=[InboundMail.State.TICKET, InboundMail.State.REPLY],
    ).exclude(pk=record.pk)
    if recent.count() >= limit:
        record.state, record.reason = InboundMail.State.IGNORED, InboundMail.Reason.RATE_LIMITED
        record.detail = _("More than %(limit)d mails from this sender in an hour.") % {"limit": limit}
        return
    sender = _sender(parsed)
    if not sender.is_active:
        record.state, record.reason = InboundMail.State.IGNORED, InboundMail.Reason.SENDER_INACTIVE
        return
    files, refused = _checked_files(parsed)
    target = _thread_target(parsed)
    if target is not None and _may_reply(sender, target):
        body = trim_reply(body_text(parsed, drop_quotes=True))
        body = _with_refused(body, refused)[:MAX_DESCRIPTION] or _("(no text)")
        try:
            tickets.ticket_comment(
                actor=sender,
                ticket=target,
                body=body,
                files=files[:MAX_ATTACHMENTS_PER_CALL],
                channel=Channel.EMAIL,
            )
        except Conflict as exc:
            if exc.code != "ticket_finished":
                raise
            record.detail = _("%(number)s takes no more replies: a new ticket was opened.") % {
                "number": target.number
            }
        else:
            for item in files[MAX_ATTACHMENTS_PER_CALL:]:
                tickets.attachment_add(actor=sender, ticket=target, file=item)
            record.state, record.ticket = InboundMail.State.REPLY, target
            return
    elif target is not None:
        record.detail = _(
            "Names %(number)s, but the sender is not its requester or a watcher: a new ticket was opened."
        ) % {"number": target.number}
    record.state = InboundMail.State.TICKET
    record.ticket = _open_ticket(parsed, mailbox, sender, files, refused)


def _with_refused(text: str, refused: list[str]) -> str:
    if not refused:
        return text
    lines = [_("Attachments not kept:")] + [f"- {line}" for line in refused]
    return (text + "\n\n" + "\n".join(lines)).strip()


def _checked_files(parsed: ParsedMail) -> tuple[list[tickets.IncomingFile], list[str]]:
    kept: list[tickets.IncomingFile] = []
    refused: list[str] = []
    for item in parsed.files:
        if len(kept) >= MAX_FILES_PER_MAIL:
            refused.append(
                _("%(name)s: more than %(max)d files in one mail")
                % {"name": item.name, "max": MAX_FILES_PER_MAIL}
            )
            continue
        try:
            check_file(item)
        except ValidationFailed as exc:
            refused.append(f"{item.name}: {exc.message}")
            continue
        kept.append(item)
    return kept, refused


def _thread_target(parsed: ParsedMail) -> Ticket | None:
    """The ticket this mail answers: a signed Message-ID of ours in In-Reply-To/References, else the number
    tag in the subject (gongdan.outbox.threading is the one contract for both)."""
    ticket: Ticket | None = None
    pk = ticket_pk_from_headers([parsed.in_reply_to, parsed.references])
    if pk is not None:
        ticket = Ticket.objects.filter(pk=pk).first()
    if ticket is None and (number := ticket_number_from_subject(parsed.subject)):
        ticket = Ticket.objects.filter(number=number).first()
    if ticket is not None and ticket.duplicate_of_id:
        ticket = Ticket.objects.filter(pk=ticket.duplicate_of_id).first() or ticket
    return ticket


def _may_reply(sender: User, ticket: Ticket) -> bool:
    """Replies by mail come from the ticket's requester or a watcher. A From address proves nothing, so a
    staff address gets no more than a requester would: it may answer only tickets it reported itself."""
    if ticket.requester_id == sender.pk:
        return True
    if sender.is_staff_member:
        return False
    return ticket.watchers.filter(pk=sender.pk).exists() and can_view(sender, ticket)


def _user_by_email(email: str) -> User | None:
    # Lower(email) = value uses the unique functional index on both databases (iexact would scan the table).
    return User.objects.alias(email_lower=Lower("email")).filter(email_lower=email.lower()).first()


def _sender(parsed: ParsedMail) -> User:
    user = _user_by_email(parsed.sender_email)
    if user is not None:
        return user
    domain = parsed.sender_email.rpartition("@")[2]
    organisation = Organisation.objects.filter(email_domain__iexact=domain, is_active=True).first()
    text = f"{parsed.subject} {parsed.text[:2000]} {parsed.html_source[:2000]}"
    values: dict[str, Any] = {
        "email": parsed.sender_email, "display_name": parsed.sender_name, "role": Role.REQUESTER,
        "language": "zh-hans" if _CJK.search(text) else "en", "organisation": organisation,
    }  # fmt: skip
    username = parsed.sender_email[:150]
    if User.objects.filter(username__iexact=username).exists():
        username = f"{parsed.sender_email[:140]}.{User.objects.count()}"
    try:
        with transaction.atomic():
            return user_create(actor=None, username=username, **values)
    except (IntegrityError, ValidationFailed):
        # The same new sender's other mail created the account a moment ago.
        user = _user_by_email(parsed.sender_email)
        if user is None:
            raise
        return user


_TAG = re.compile(r"\s*\[[A-Za-z][A-Za-z0-9]{0,19}(?:-[0-9]{4})?-[0-9]{1,12}\]\s*")


def _open_ticket(
    parsed: ParsedMail,
    mailbox: Mailbox | None,
    sender: User,
    files: list[tickets.IncomingFile],
    refused: list[str],
) -> Ticket:
    subject = " ".join(_TAG.sub(" ", parsed.subject).split())[:MAX_SUBJECT] or _("(no subject)")
    description = _with_refused(body_text(parsed), refused)
    if len(description) > MAX_DESCRIPTION:
        description = (
            description[: MAX_DESCRIPTION - 100].rstrip() + "\n\n" + _("(The rest of the mail was cut.)")
        )
    defaults = (
        tickets.IntakeDefaults(
            category=mailbox.default_category if mailbox.default_category_id else None,
            team=mailbox.default_team if mailbox.default_team_id else None,
            priority=mailbox.default_priority if mailbox.default_priority_id else None,
        )
        if mailbox is not None
        else None
    )
    ticket = tickets.ticket_create(actor=sender, subject=subject, description=description,
                                   channel=Channel.EMAIL, defaults=defaults)  # fmt: skip
    for item in files:
        tickets.attachment_add(actor=sender, ticket=ticket, file=item)
    return ticket
