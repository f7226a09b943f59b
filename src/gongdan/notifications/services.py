"""Every change in notifications: notices to people (in the app, by mail, in chat), their preferences, and the
notification rules.

`notify` is the interface other apps call (SLA escalation, on-call paging, the portal). It runs inside the
caller's transaction; anything that leaves the building goes through the outbox after commit."""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
from collections.abc import Iterable
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import EmailValidator
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongdan.accounts.models import Team, User
from gongdan.core.bulk import write_rows
from gongdan.core.domain_errors import NotFound, PermissionDenied, ValidationFailed
from gongdan.core.single_line import one_line
from gongdan.core.validation import clean_unique_name, refuse_if_errors
from gongdan.notifications import kinds
from gongdan.notifications.models import (
    Notification,
    NotificationPreference,
    NotificationRule,
    PersonChannel,
    Recipient,
    RuleEvent,
    Template,
)
from gongdan.outbox.delivery.email import sender_domain
from gongdan.outbox.delivery.mail_headers import clean_address
from gongdan.outbox.models import ChatBot, OutboxMessage, Webhook
from gongdan.outbox.services import Draft, outbox_enqueue_many
from gongdan.outbox.threading import subject_tag, ticket_message_id, ticket_thread_root
from gongdan.tickets.models import Priority, Ticket

log = logging.getLogger(__name__)

MAX_KIND = 60
MAX_DATA_BYTES = 8_000


# --- notices ------------------------------------------------------------------------------------------------


def _clean_data(data: dict[str, Any] | None) -> dict[str, Any]:

    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationFailed(
            _("Notification data must be a mapping."), details={"data": [_("Not a mapping.")]}
        )
    encoded = json.dumps(data, cls=DjangoJSONEncoder)
    if len(encoded) > MAX_DATA_BYTES:
        raise ValidationFailed(_("Notification data is too large."), details={"data": [_("Too large.")]})
    cleaned: dict[str, Any] = json.loads(encoded)
    return cleaned


class MailParts(TypedDict):
    subject: str
    body_text: str
    body_html: str


def compose_email(*, user: User, kind: str, ticket: Ticket | None, data: dict[str, Any]) -> MailParts:
    """Subject and bodies of one notice for one reader, in the reader's language."""
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language):
        rendered = kinds.render(kind, data=data, ticket=ticket, user=user)
        subject = f"{subject_tag(ticket.number)} {rendered.title}" if ticket else rendered.title
        reply_to = getattr(settings, "GONGDAN_MAIL_REPLY_TO", "")
        context = {
            "rendered": rendered,
            "subject": subject,
            "language": language,
            "ticket_link": kinds.ticket_url_for(ticket, user) if ticket else "",
            "ticket_link_label": _("Open the ticket"),
            "footer": _("Gongdan sent this automatically. Reply to this email to add to the ticket.")
            if reply_to and ticket
            else _("Gongdan sent this automatically; replies to it are not read."),
        }
        return {
            # A name or a ticket subject may hold a line break: the subject is one line (mail_headers).
            "subject": one_line(subject, limit=300),
            "body_text": render_to_string("notifications/email/message.txt", context),
            "body_html": render_to_string("notifications/email/message.html", context),
        }


def email_headers(*, key: str, kind: str, ticket: Ticket | None) -> dict[str, str]:
    """Threading headers come only from `threading` (the mail intake reads the same contract): a signed
    Message-ID naming the ticket, and the ticket's thread root in In-Reply-To and References, so a reply
    lands on the ticket. The idempotency key travels too, so a receiver can drop a rare duplicate."""
    headers = {
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
        "X-Gongdan-Kind": one_line(kind),
        "X-Gongdan-Idempotency-Key": one_line(key),
    }
    if ticket is not None:
        root = ticket_thread_root(ticket.pk)
        headers.update({"Message-ID": ticket_message_id(ticket.pk), "In-Reply-To": root, "References": root,
                        "X-Gongdan-Ticket": one_line(ticket.number)})  # fmt: skip
    else:
        headers["Message-ID"] = f"<{key}@{sender_domain()}>"
    if reply_to := clean_address(getattr(settings, "GONGDAN_MAIL_REPLY_TO", "")):
        headers["Reply-To"] = reply_to
    return headers


def quiet_until(
    preference: NotificationPreference | None, user: User, now: dt.datetime
) -> dt.datetime | None:
    """The end of the person's quiet hours if `now` falls inside them (in their own time zone), else None."""
    if preference is None or preference.quiet_start is None or preference.quiet_end is None:
        return None
    start, end = preference.quiet_start, preference.quiet_end
    if start == end:
        return None
    local = now.astimezone(kinds._zone(user))
    at = local.time().replace(tzinfo=None)
    inside = start <= at < end if start < end else (at >= start or at < end)
    if not inside:
        return None
    day = local.date() if at < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=local.tzinfo).astimezone(dt.UTC)


class Fanout:
    """Notices and mails for many people, gathered and then written in two statements (`flush`): one INSERT
    for the in-app notices, one for the outbox messages. The rules engine keeps one for a whole batch of
    events; `notify` one per call. Each person's own choices apply — a channel they switched off is skipped
    and email during their quiet hours waits until the hours end — unless the message is `urgent` (an
    on-call page). A mail is composed once for everyone who reads it the same way."""

    NOTICE_COLUMNS = ("user_id", "kind", "ticket_id", "data", "created_at", "read_at")

    def __init__(self) -> None:
        self.now = timezone.now()
        self.notices: list[list[Any]] = []
        self.drafts: list[Draft] = []
        self._preferences: dict[int, NotificationPreference | None] = {}
        self._mails: dict[tuple[Any, ...], MailParts] = {}

    def know(self, user_ids: Iterable[int]) -> None:
        """Read the choices of these people (one query for any number of them)."""
        missing = [pk for pk in set(user_ids) if pk not in self._preferences]
        if missing:
            found = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=missing)}
            self._preferences.update({pk: found.get(pk) for pk in missing})

    def people(
        self,
        *,
        people: Iterable[User],
        kind: str,
        ticket: Ticket | None,
        data: dict[str, Any],
        channels: set[str] | None = None,
        urgent: bool = False,
        key_prefix: str,
    ) -> int:
        """Tell these people; returns how many notices and mails that makes."""
        channels = {"email", "in_app"} if channels is None else channels
        unique = {u.pk: u for u in people if u is not None and u.is_active}
        self.know(unique)
        encoded = json.dumps(data, cls=DjangoJSONEncoder)  # once for everyone who gets this notice
        data_key = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True)  # the mails' cache key, once too
        written = 0
        for user in unique.values():
            preference = self._preferences.get(user.pk)
            if "in_app" in channels and (urgent or getattr(preference, "in_app", True)):
                self.notices.append([user.pk, kind, ticket.pk if ticket else None, encoded, self.now, None])
                written += 1
            if "email" in channels and user.email and (urgent or getattr(preference, "email", True)):
                key = f"{key_prefix}.u{user.pk}.{kind}"
                self.drafts.append(Draft(
                    channel=OutboxMessage.Channel.EMAIL, address=user.email, idempotency_key=key, kind=kind,
                    recipient_id=user.pk, ticket_id=ticket.pk if ticket else None,
                    headers=email_headers(key=key, kind=kind, ticket=ticket), urgent=urgent,
                    not_before=None if urgent else quiet_until(preference, user, self.now),
                    **self._mail(user, kind, ticket, data, data_key),
                ))  # fmt: skip
                written += 1
        return written

    def _mail(
        self, user: User, kind: str, ticket: Ticket | None, data: dict[str, Any], data_key: str
    ) -> MailParts:
        staff = user.is_staff_member
        key = (kind, ticket.pk if ticket else None, data_key, user.language, user.time_zone, staff,
               None if staff else user.pk)  # fmt: skip
        if key not in self._mails:
            self._mails[key] = compose_email(user=user, kind=kind, ticket=ticket, data=data)
        return self._mails[key]

    def message(self, draft: Draft) -> None:
        self.drafts.append(draft)

    def flush(self) -> int:
        """Write what was gathered (in the caller's transaction); returns how many rows."""
        count = len(self.notices) + len(self.drafts)
        write_rows(Notification, self.NOTICE_COLUMNS, self.notices)
        outbox_enqueue_many(self.drafts)
        self.notices, self.drafts = [], []
        return count


def deliver_to_people(
    *,
    people: Iterable[User],
    kind: str,
    ticket: Ticket | None,
    data: dict[str, Any],
    channels: set[str] | None = None,
    urgent: bool = False,
    key_prefix: str = "",
) -> int:
    """In-app notices and emails for these people, as each of them chose (see `Fanout`). Returns how many
    notices and emails were written."""
    fanout = Fanout()
    fanout.people(people=people, kind=kind, ticket=ticket, data=data, channels=channels, urgent=urgent,
                  key_prefix=key_prefix or f"m{secrets.token_hex(6)}")  # fmt: skip
    return fanout.flush()


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    ticket: Ticket | None = None,
    data: dict[str, Any] | None = None,
    urgent: bool = False,
) -> int:
    """In-app notification for each active recipient + an outbox email per recipient who has an address,
    rendered in the recipient's language (User.language) from `kind` + `data`. Call inside the caller's
    transaction; delivery happens after commit. Each recipient's own choices apply (channels switched off,
    quiet hours), unless it is `urgent` (an on-call page)."""
    kind = (kind or "").strip()
    if not kind or len(kind) > MAX_KIND:
        raise ValidationFailed(
            _("A notification needs a kind."), details={"kind": [_("Required, at most 60 characters.")]}
        )
    clean = _clean_data(data)
    return deliver_to_people(people=recipients, kind=kind, ticket=ticket, data=clean, urgent=urgent,
                             key_prefix=f"k{secrets.token_hex(6)}")  # fmt: skip


@transaction.atomic
def notification_mark_read(*, actor: User, notification_id: int) -> Notification:
    notice = Notification.objects.filter(pk=notification_id, user=actor).first()
    if notice is None:
        raise NotFound(_("Notification not found."))
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notification.objects.filter(pk=notice.pk, read_at=None).update(read_at=notice.read_at)
    return notice


@transaction.atomic
def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(user=actor, read_at=None).update(read_at=timezone.now())


# --- the outbox ---------------------------------------------------------------------------------------------


# --- paging -------------------------------------------------------------------------------------------------


# --- on-call schedules (admins) -----------------------------------------------------------------------------


def _rule_values(
    *, rule: NotificationRule | None, name: str, event: str, recipients: Iterable[str], channels: Iterable[str],
    fixed_address: str = "", team: Team | None = None, priorities: Iterable[Priority] = (),
    chat_bots: Iterable[ChatBot] = (), webhooks: Iterable[Webhook] = (), template: str = Template.STANDARD,
    is_active: bool = True,
) -> tuple[dict[str, Any], dict[str, list[Any]]]:  # fmt: skip
    errors: dict[str, list[str]] = {}
    name = clean_unique_name(name, NotificationRule, rule, errors)
    if event not in RuleEvent.values:
        errors["event"] = [_("Choose an event.")]
    recipients = list(dict.fromkeys(recipients or []))
    channels = list(dict.fromkeys(channels or []))
    if any(r not in Recipient.values for r in recipients):
        errors["recipients"] = [_("Unknown recipient.")]
    if any(c not in PersonChannel.values for c in channels):
        errors["channels"] = [_("Unknown channel.")]
    if recipients and not channels:
        errors["channels"] = [_("Choose how these people hear about it (email, in-app or both).")]
    if channels and not recipients:
        errors["recipients"] = [_("Choose who hears about it, or clear the channels.")]
    fixed_address = (fixed_address or "").strip()
    if fixed_address:
        try:
            EmailValidator()(fixed_address)
        except ValidationError:
            errors["fixed_address"] = [_("Enter a valid email address.")]
    chat_bots, webhooks, priorities = list(chat_bots), list(webhooks), list(priorities)
    if not (recipients or fixed_address or chat_bots or webhooks) and "recipients" not in errors:
        errors["recipients"] = [
            _("A rule must send something: choose people, an address, a chat bot or a webhook.")
        ]
    if template not in Template.values:
        errors["template"] = [_("Choose a template.")]
    if team is not None and not team.is_active:
        errors["team"] = [_("This team is deactivated.")]
    refuse_if_errors(errors, _("rule"))
    values = {"name": name, "event": event, "recipients": recipients, "channels": channels,
              "fixed_address": fixed_address, "team": team, "template": template, "is_active": is_active}  # fmt: skip
    return values, {"priorities": priorities, "chat_bots": chat_bots, "webhooks": webhooks}


@transaction.atomic
def rule_create(*, actor: User, **fields: Any) -> NotificationRule:
    _require_admin(actor)
    values, links = _rule_values(rule=None, **fields)
    rule = NotificationRule.objects.create(**values)
    for key, rows in links.items():
        getattr(rule, key).set(rows)
    return rule


@transaction.atomic
def rule_update(*, actor: User, rule: NotificationRule, **fields: Any) -> NotificationRule:
    _require_admin(actor)
    rule = NotificationRule.objects.select_for_update().get(pk=rule.pk)
    values, links = _rule_values(rule=rule, **fields)
    for key, value in values.items():
        setattr(rule, key, value)
    rule.save(update_fields=list(values))
    for key, rows in links.items():
        getattr(rule, key).set(rows)
    return rule


@transaction.atomic
def rule_delete(*, actor: User, rule_id: int) -> None:
    _require_admin(actor)
    deleted, _rows = NotificationRule.objects.filter(pk=rule_id).delete()
    if not deleted:
        raise NotFound(_("Rule not found."))


@transaction.atomic
def preference_update(
    *, actor: User, email: bool, in_app: bool, quiet_start: dt.time | None, quiet_end: dt.time | None
) -> NotificationPreference:
    if (quiet_start is None) != (quiet_end is None):
        raise ValidationFailed(_("Your choices were not saved."), details={
            "quiet_end" if quiet_start else "quiet_start": [_("Give both the start and the end of your quiet hours.")]})  # fmt: skip
    if quiet_start is not None and quiet_start == quiet_end:
        raise ValidationFailed(_("Your choices were not saved."), details={
            "quiet_end": [_("The quiet hours must end at another time than they start.")]})  # fmt: skip
    preference, _created = NotificationPreference.objects.update_or_create(
        user=actor,
        defaults={"email": email, "in_app": in_app, "quiet_start": quiet_start, "quiet_end": quiet_end},
    )
    return preference


def _require_admin(actor: User) -> None:
    if not (actor.is_active and actor.is_admin):
        raise PermissionDenied(_("Only administrators can change notification settings."))
