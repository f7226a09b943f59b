"""The outbox (rule 4 of DESIGN): side effects after commit, at least once, never twice from our side.

A message row is written in the caller's transaction; `transaction.on_commit` enqueues its delivery. A
consumer claims the row with a conditional UPDATE (pending/failed → sending, with a lease), sends it, and
marks it sent only if it still holds that claim (the attempt number is the fencing token). A consumer that
dies mid-send leaves the row in `sending`; once the lease runs out the minute sweep takes it again, so the
message goes out at least once. The idempotency key travels in the Message-ID so a receiver can drop the
rare duplicate that such a crash can cause after the server already accepted the mail."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from gongdan.notifications.delivery import PermanentFailure, TemporaryFailure, channel_for
from gongdan.notifications.models import OutboxMessage

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 300  # far longer than one send can take (SMTP timeout 30 s)
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
SWEEP_BATCH = 200
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


def _enqueue_delivery(message_id: int, eta: dt.datetime | None = None) -> None:
    from gongdan.notifications.tasks import deliver_outbox_message

    try:
        if eta is not None:
            deliver_outbox_message.schedule((message_id,), eta=eta)
        else:
            deliver_outbox_message(message_id)
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
        return own_delivery(message_id, now=now)
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
    from gongdan.notifications.delivery import configured_channels

    return configured_channels()
