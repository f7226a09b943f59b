"""The outbox (rule 4): a message written in the transaction that caused it, delivered after commit."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        CHAT = "chat", _("Chat bot")
        CHAT_APP = "chatapp", _("Chat app")
        WEBHOOK = "webhook", _("Webhook")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        DEAD = "dead", _("Dead, gave up")

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    kind = models.CharField(_("kind"), max_length=60, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.CharField(_("address"), max_length=320)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # A consumer that claimed the row owns it until then; one killed mid-send lets the row go after it.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    chat_bot = models.ForeignKey(
        "outbox.ChatBot", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    webhook = models.ForeignKey(
        "outbox.Webhook", null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    # Several chat messages sent as one post (rate limits) are claimed together under one token.
    claim_token = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        db_table = "notifications_outboxmessage"  # kept from the notifications app (decision 0061)
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due_idx",
                condition=models.Q(state__in=["pending", "failed"]),
            ),
            models.Index(
                fields=["claimed_until"], name="outbox_lease_idx", condition=models.Q(state="sending")
            ),
            models.Index(fields=["state", "-created_at", "-id"], name="outbox_state_idx"),
            models.Index(fields=["-created_at", "-id"], name="outbox_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "sending", "sent", "failed", "dead"]),
                name="notifications_outbox_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.address}: {self.subject}"
