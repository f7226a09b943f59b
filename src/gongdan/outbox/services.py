"""The outbox (rule 4 of DESIGN): side effects after commit, at least once, never twice from our side.

A message row is written in the caller's transaction; `transaction.on_commit` enqueues its delivery. A
consumer claims the row with a conditional UPDATE (pending/failed → sending, with a lease), sends it, and
marks it sent only if it still holds that claim (the attempt number is the fencing token). A consumer that
dies mid-send leaves the row in `sending`; once the lease runs out the minute sweep takes it again, so the
message goes out at least once. The idempotency key travels in the Message-ID so a receiver can drop the
rare duplicate that such a crash can cause after the server already accepted the mail."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.audit import kinds as audit_kinds
from gongdan.audit.services import audit_record
from gongdan.core.bulk import write_rows
from gongdan.core.domain_errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongdan.core.validation import clean_unique_name, refuse_if_errors
from gongdan.outbox import tasks
from gongdan.outbox.delivery import (
    PermanentFailure,
    TemporaryFailure,
    channel_for,
    configured_channels,
    network,
)
from gongdan.outbox.delivery.signing import new_webhook_secret, valid_webhook_secret
from gongdan.outbox.models import AllowedNetwork, ChatBot, OutboxMessage, Webhook

log = logging.getLogger(__name__)
OUTBOX_RETRY = "outbox.retry"  # an audit kind: an administrator sent a dead or failed message again

DEFAULT_LEASE_SECONDS = 300  # far longer than one send can take (SMTP timeout 30 s)
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
SWEEP_BATCH = 200
DELIVERY_CHUNK = 50  # messages per delivery task written by a batch
MAX_ERROR_LENGTH = 2000

State = OutboxMessage.State


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at an hour, after the given number of failed attempts."""
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS))


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "GONGDAN_OUTBOX_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def max_attempts() -> int:
    return max(int(settings.GONGDAN_OUTBOX_MAX_ATTEMPTS), 1)


def outbox_enqueue(
    *,
    channel: str,
    address: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    headers: dict[str, str] | None = None,
    idempotency_key: str,
    kind: str = "",
    recipient: Any = None,
    ticket: Any = None,
    chat_bot: Any = None,
    webhook: Any = None,
    not_before: dt.datetime | None = None,
) -> OutboxMessage:
    """Write a message in the current transaction; it is handed to a consumer once that commits. The same
    idempotency key twice gives back the first message (nothing is sent twice). `not_before` holds it back
    (a recipient's quiet hours)."""
    now = timezone.now()
    due = max(not_before, now) if not_before else now
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                channel=channel,
                kind=kind[:60],
                address=address[:320],
                subject=subject[:300],
                body_text=body_text,
                body_html=body_html,
                headers=headers or {},
                idempotency_key=idempotency_key[:200],
                recipient=recipient,
                ticket=ticket,
                chat_bot=chat_bot,
                webhook=webhook,
                created_at=now,
                next_attempt_at=due,
            )
    except IntegrityError:
        return OutboxMessage.objects.get(idempotency_key=idempotency_key[:200])
    transaction.on_commit(lambda: _enqueue_delivery(message.pk, eta=due if due > now else None))
    return message


@dataclass
class Draft:
    """One message for `outbox_enqueue_many` (the fields of `outbox_enqueue`)."""

    channel: str
    address: str
    subject: str
    body_text: str
    idempotency_key: str
    body_html: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = ""
    recipient_id: int | None = None
    ticket_id: int | None = None
    chat_bot_id: int | None = None
    webhook_id: int | None = None
    not_before: dt.datetime | None = None
    urgent: bool = False


DRAFT_COLUMNS = ("channel", "kind", "address", "subject", "body_text", "body_html", "headers", "idempotency_key",
                 "recipient_id", "ticket_id", "chat_bot_id", "webhook_id", "created_at", "next_attempt_at", "state",
                 "attempts", "last_error", "claim_token")  # fmt: skip


def outbox_enqueue_many(drafts: list[Draft]) -> int:
    """Many messages in one statement (an event consumer's batch), with what `outbox_enqueue` promises: a
    key seen before writes nothing again, and each is handed to a queue worker once the transaction commits —
    the ones due now in a few tasks, urgent ones (pages) ahead of the rest. Returns how many were written."""
    if not drafts:
        return 0
    now = timezone.now()
    rows, due_at = [], {}
    for d in drafts:
        due = max(d.not_before, now) if d.not_before else now
        key = d.idempotency_key[:200]
        due_at[key] = (due, d.urgent)
        rows.append([d.channel, d.kind[:60], d.address[:320], d.subject[:300], d.body_text, d.body_html, d.headers,
                     key, d.recipient_id, d.ticket_id, d.chat_bot_id, d.webhook_id, now, due, State.PENDING, 0, "",
                     ""])  # fmt: skip
    written = write_rows(OutboxMessage, DRAFT_COLUMNS, rows, conflict=["idempotency_key"],
                         returning=["id", "idempotency_key"])  # fmt: skip
    if not written:
        return 0
    keys = dict(written)
    now_urgent = sorted(pk for pk in keys if due_at[keys[pk]][0] <= now and due_at[keys[pk]][1])
    now_other = sorted(pk for pk in keys if due_at[keys[pk]][0] <= now and not due_at[keys[pk]][1])
    later = sorted((pk, due_at[keys[pk]][0]) for pk in keys if due_at[keys[pk]][0] > now)

    def enqueue() -> None:
        try:
            for start in range(0, len(now_urgent), DELIVERY_CHUNK):
                tasks.deliver_outbox_messages(now_urgent[start : start + DELIVERY_CHUNK], priority=100)
            for start in range(0, len(now_other), DELIVERY_CHUNK):
                tasks.deliver_outbox_messages(now_other[start : start + DELIVERY_CHUNK])
            for pk, eta in later:
                tasks.deliver_outbox_message.schedule((pk,), eta=eta)
        except Exception:  # the queue being down must not break the consumer; the sweep picks them up
            log.exception(
                "could not enqueue %d outbox messages; the minute sweep will deliver them", len(written)
            )

    transaction.on_commit(enqueue)
    return len(written)


def deliver_many(message_ids: list[int]) -> dict[str, int]:
    """Deliver messages one after the other (a batch task); each is claimed as `deliver` claims it."""
    outcomes: dict[str, int] = {}
    for message_id in message_ids:
        outcome = deliver(message_id) or "skipped"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def _enqueue_delivery(message_id: int, eta: dt.datetime | None = None) -> None:

    try:
        if eta is not None:
            tasks.deliver_outbox_message.schedule((message_id,), eta=eta)
        else:
            tasks.deliver_outbox_message(message_id)
    except Exception:  # the queue being down must not break the request; the sweep picks it up
        log.exception("could not enqueue outbox message %s; the minute sweep will deliver it", message_id)


def claimable(now: dt.datetime) -> Q:
    return Q(state__in=[State.PENDING, State.FAILED], next_attempt_at__lte=now) | Q(
        state=State.SENDING, claimed_until__lt=now
    )


def claim(message_id: int, *, now: dt.datetime | None = None) -> OutboxMessage | None:
    """Take the message for one attempt, or None if it is not due, already taken or finished."""
    now = now or timezone.now()
    taken = (
        OutboxMessage.objects.filter(claimable(now), pk=message_id)
        .exclude(attempts__gte=max_attempts(), state=State.SENDING)
        .update(state=State.SENDING, claimed_until=now + lease(), attempts=F("attempts") + 1)
    )
    if not taken:
        return None
    return OutboxMessage.objects.select_related("ticket").get(pk=message_id)


def deliver(message_id: int, *, now: dt.datetime | None = None) -> str | None:
    """One delivery attempt; returns the message's new state, or None if there was nothing to do."""
    now = now or timezone.now()
    head = OutboxMessage.objects.filter(pk=message_id).values_list("channel", flat=True).first()
    if head is None:
        return None
    channel = channel_for(head)
    if channel is None or not channel.is_configured():
        return None  # stays pending; the outbox page says why
    own_delivery = getattr(channel, "deliver", None)
    if own_delivery is not None:  # chat bots claim and send several messages at once (rate limits)
        outcome: str | None = own_delivery(message_id, now=now)
        return outcome
    message = claim(message_id, now=now)
    if message is None:
        return None
    mine = OutboxMessage.objects.filter(pk=message.pk, state=State.SENDING, attempts=message.attempts)
    try:
        channel.send(message)
    except PermanentFailure as error:
        mine.update(state=State.DEAD, claimed_until=None, last_error=str(error)[:MAX_ERROR_LENGTH])
        log.warning("outbox message %s is dead: %s", message.pk, error)
        return State.DEAD
    except (TemporaryFailure, Exception) as error:
        dead = message.attempts >= max_attempts()
        mine.update(
            state=State.DEAD if dead else State.FAILED,
            claimed_until=None,
            next_attempt_at=now + backoff(message.attempts),
            last_error=f"{error}"[:MAX_ERROR_LENGTH] or type(error).__name__,
        )
        log.warning("outbox message %s attempt %s failed: %s", message.pk, message.attempts, error)
        return State.DEAD if dead else State.FAILED
    mine.update(state=State.SENT, claimed_until=None, sent_at=timezone.now(), last_error="")
    return State.SENT


def due_message_ids(*, now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    now = now or timezone.now()
    channels = _configured()
    ids = list(
        OutboxMessage.objects.filter(state__in=[State.PENDING, State.FAILED], next_attempt_at__lte=now)
        .filter(channel__in=channels)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    expired = OutboxMessage.objects.filter(state=State.SENDING, claimed_until__lt=now, channel__in=channels)
    ids += list(expired.order_by("claimed_until").values_list("pk", flat=True)[:limit])
    return ids


def expire_abandoned(*, now: dt.datetime | None = None) -> int:
    """A message whose last allowed attempt was abandoned mid-send (consumer killed) is dead, not stuck."""
    now = now or timezone.now()
    return OutboxMessage.objects.filter(
        state=State.SENDING, claimed_until__lt=now, attempts__gte=max_attempts()
    ).update(state=State.DEAD, claimed_until=None, last_error="abandoned mid-send on the last attempt")


def deliver_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The minute sweep: retry what is due and take over what a dead consumer left behind."""
    counts: dict[str, int] = {}
    expire_abandoned(now=now)
    for message_id in due_message_ids(now=now):
        state = deliver(message_id, now=now)
        if state:
            counts[state] = counts.get(state, 0) + 1
    return counts


def _configured() -> list[str]:

    return configured_channels()


HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


LANGUAGES = ("zh-hans", "en")


def check_target_url(url: str, errors: dict[str, list[str]], field: str = "url") -> str:
    """The URL must be http(s) and reach a public address, or one the admin allow-listed (SSRF guard)."""
    url = (url or "").strip()
    if not url or len(url) > 500:
        errors[field] = [_("Enter a URL of at most 500 characters.")]
        return url
    try:
        network.check_url(url)
    except network.Refused as refused:
        errors[field] = [_("This address cannot be called: %(reason)s") % {"reason": refused}]
    return url


def _bot_values(*, bot: ChatBot | None, name: str, kind: str, url: str, secret: str = "", language: str = "zh-hans",
                is_active: bool = True) -> dict[str, Any]:  # fmt: skip
    errors: dict[str, list[str]] = {}
    name = clean_unique_name(name, ChatBot, bot, errors)
    if kind not in ChatBot.Kind.values:
        errors["kind"] = [_("Choose the chat service.")]
    url = check_target_url(url, errors)
    secret = (secret or "").strip()
    if len(secret) > 200:
        errors["secret"] = [_("At most 200 characters.")]
    if kind == ChatBot.Kind.DINGTALK and secret and not secret.startswith("SEC"):
        errors["secret"] = [_("A DingTalk signing secret starts with SEC.")]
    if kind in (ChatBot.Kind.WECOM, ChatBot.Kind.SLACK) and secret:
        errors["secret"] = [
            _("This service does not sign messages; the URL itself is the secret. Leave this empty.")
        ]
    if kind == ChatBot.Kind.WECOM and "url" not in errors and "key=" not in url:
        errors["url"] = [_("A WeCom robot URL ends with ?key=… (copy it from the group robot's settings).")]
    if kind == ChatBot.Kind.DINGTALK and "url" not in errors and "access_token=" not in url:
        errors["url"] = [
            _("A DingTalk robot URL ends with ?access_token=… (copy it from the robot's settings).")
        ]
    if language not in LANGUAGES:
        errors["language"] = [_("Choose a language.")]
    refuse_if_errors(errors, _("chat bot"))
    return {
        "name": name,
        "kind": kind,
        "url": url,
        "secret": secret,
        "language": language,
        "is_active": is_active,
    }


@transaction.atomic
def chat_bot_create(*, actor: User, **fields: Any) -> ChatBot:
    _require_admin(actor)
    return ChatBot.objects.create(**_bot_values(bot=None, **fields))


@transaction.atomic
def chat_bot_update(*, actor: User, bot: ChatBot, **fields: Any) -> ChatBot:
    _require_admin(actor)
    bot = ChatBot.objects.select_for_update().get(pk=bot.pk)
    values = _bot_values(bot=bot, **fields)
    if values["is_active"]:
        values["disabled_reason"] = ""
    for key, value in values.items():
        setattr(bot, key, value)
    bot.save(update_fields=list(values))
    return bot


def _webhook_values(
    *, hook: Webhook | None, name: str, url: str, secret: str = "", is_active: bool = True
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = clean_unique_name(name, Webhook, hook, errors)
    url = check_target_url(url, errors)
    secret = (secret or "").strip() or (hook.secret if hook else new_webhook_secret())
    if not valid_webhook_secret(secret):
        errors["secret"] = [
            _(
                "A signing secret is whsec_ followed by 24 to 64 bytes in base64; leave it empty to keep or generate one."
            )
        ]
    refuse_if_errors(errors, _("webhook"))
    return {"name": name, "url": url, "secret": secret, "is_active": is_active}


@transaction.atomic
def webhook_create(*, actor: User, **fields: Any) -> Webhook:
    _require_admin(actor)
    return Webhook.objects.create(**_webhook_values(hook=None, **fields))


@transaction.atomic
def webhook_update(*, actor: User, hook: Webhook, **fields: Any) -> Webhook:
    _require_admin(actor)
    hook = Webhook.objects.select_for_update().get(pk=hook.pk)
    values = _webhook_values(hook=hook, **fields)
    for key, value in values.items():
        setattr(hook, key, value)
    hook.save(update_fields=list(values))
    return hook


@transaction.atomic
def webhook_rotate_secret(*, actor: User, hook: Webhook) -> Webhook:
    _require_admin(actor)
    hook.secret = new_webhook_secret()
    Webhook.objects.filter(pk=hook.pk).update(secret=hook.secret)
    return hook


@transaction.atomic
def delivery_replay(*, actor: User, message_id: int) -> OutboxMessage:
    """Send a webhook or chat message again, with the same webhook-id, whatever became of it; its attempts
    start again from zero. A message being sent right now is refused."""
    _require_admin(actor)
    message = (
        OutboxMessage.objects.select_for_update()
        .filter(pk=message_id, channel__in=[OutboxMessage.Channel.WEBHOOK, OutboxMessage.Channel.CHAT])
        .first()
    )
    if message is None:
        raise NotFound(_("Delivery not found."))
    if message.state == OutboxMessage.State.SENDING:
        raise Conflict(_("This message is being sent right now; wait for the attempt to finish."))
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxMessage.State.PENDING,
        attempts=0,
        next_attempt_at=now,
        claimed_until=None,
        claim_token="",
        sent_at=None,
    )
    transaction.on_commit(lambda: _enqueue_delivery(message.pk))
    message.refresh_from_db()
    return message


def clean_allow_entry(value: str) -> str:
    value = (value or "").strip().lower()
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        pass
    if not HOST_NAME.match(value):
        raise ValueError(value)
    return value


@transaction.atomic
def allow_list_set(*, actor: User, entries: Iterable[str]) -> list[str]:
    """Replace the allow-list with these host names and networks (CIDR)."""
    _require_admin(actor)
    clean: list[str] = []
    bad: list[str] = []
    for entry in entries:
        if not (entry or "").strip():
            continue
        try:
            value = clean_allow_entry(entry)
        except ValueError:
            bad.append(entry.strip()[:80])
            continue
        if value not in clean:
            clean.append(value)
    if bad:
        raise ValidationFailed(_("The allow-list was not saved."), details={
            "entries": [_("Not a host name or network: %(values)s") % {"values": ", ".join(bad)}]})  # fmt: skip
    if len(clean) > 200:
        raise ValidationFailed(
            _("The allow-list was not saved."), details={"entries": [_("At most 200 entries.")]}
        )
    before = sorted(AllowedNetwork.objects.values_list("value", flat=True))
    AllowedNetwork.objects.exclude(value__in=clean).delete()
    for value in clean:
        AllowedNetwork.objects.get_or_create(value=value)
    if before != sorted(clean):  # who widened what the SSRF guard lets through is for the auditor
        audit_record(kind=audit_kinds.CONFIG_UPDATE, actor=actor, object_type="outbox.allowednetwork",
                     object_repr="allow-list", detail={"before": {"entries": before},
                                                       "after": {"entries": sorted(clean)}})  # fmt: skip
    return clean


@transaction.atomic
def outbox_retry(*, actor: User, message_id: int) -> OutboxMessage:
    """An admin sends a dead (or failed) message again, from a fresh count of attempts."""
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators can retry messages."))
    message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        raise NotFound(_("Message not found."))
    if message.state not in (OutboxMessage.State.DEAD, OutboxMessage.State.FAILED):
        raise Conflict(_("Only a dead or failed message can be retried; this one is %(state)s.")
                       % {"state": message.get_state_display()})  # fmt: skip
    attempts_before = message.attempts
    message.state = OutboxMessage.State.PENDING
    message.attempts = 0
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["state", "attempts", "next_attempt_at"])
    audit_record(kind=OUTBOX_RETRY, actor=actor, object_type="outbox.outboxmessage", object_id=message.pk,
                 object_repr=message.channel, detail={"attempts_before": attempts_before})  # fmt: skip
    transaction.on_commit(lambda: _enqueue_delivery(message.pk))
    return message


def _require_admin(actor: User) -> None:
    if not (actor.is_active and actor.is_admin):
        raise PermissionDenied(_("Only administrators can change notification settings."))
