"""Outgoing webhooks, signed as Standard Webhooks specifies (https://www.standardwebhooks.com/).

The body is fixed when the message is written (so every attempt sends the same bytes) and carries the
event and the ticket. `webhook-id` is the message's idempotency key and is the same on every attempt and
on a replay; `webhook-timestamp` is the attempt's time, and `webhook-signature` signs
``{id}.{timestamp}.{body}``. Any answer other than 2xx is retried with backoff; a refused address (the
SSRF guard) is not."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.utils import timezone

from gongdan.outbox.delivery import PermanentFailure, TemporaryFailure, network, register
from gongdan.outbox.delivery.signing import webhook_signature
from gongdan.outbox.models import DeliveryAttempt, Webhook

if TYPE_CHECKING:
    from gongdan.outbox.models import OutboxMessage


class WebhookChannel:
    name = "webhook"

    def is_configured(self) -> bool:
        return True

    def not_configured_reason(self) -> str:
        return ""

    def send(self, message: OutboxMessage) -> None:
        import urllib3  # loaded by the delivery itself; not at every start (decision 0176)

        hook = Webhook.objects.filter(pk=message.webhook_id).first() if message.webhook_id else None
        if hook is None:
            raise PermanentFailure("the webhook was deleted")
        if not hook.is_active:
            raise PermanentFailure("the webhook is switched off")
        message_id = str((message.headers or {}).get("webhook-id") or message.idempotency_key)
        stamp = int(time.time())
        body = message.body_text.encode()
        headers = {
            "Content-Type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(stamp),
            "webhook-signature": webhook_signature(hook.secret, message_id, stamp, body),
        }
        started = timezone.now()
        attempt = DeliveryAttempt(message=message, attempt=message.attempts, started_at=started)
        try:
            reply = network.post(hook.url, body=body, headers=headers)
        except network.Refused as refused:
            attempt.error = f"refused: {refused}"[:500]
            attempt.save()
            raise PermanentFailure(attempt.error) from refused
        except (urllib3.exceptions.HTTPError, OSError) as failed:
            attempt.error = f"{type(failed).__name__}: {failed}"[:500]
            attempt.duration_ms = int((timezone.now() - started).total_seconds() * 1000)
            attempt.save()
            raise TemporaryFailure(attempt.error) from failed
        attempt.status_code = reply.status
        attempt.duration_ms = reply.duration_ms
        attempt.response_excerpt = reply.text[:500]
        attempt.succeeded = 200 <= reply.status < 300
        attempt.save()
        if not attempt.succeeded:
            raise TemporaryFailure(f"HTTP {reply.status}: {reply.text[:200]}")


register(WebhookChannel())
