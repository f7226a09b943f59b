"""Chat bots and outgoing webhooks, the hosts an admin lets them reach, and the log of every attempt."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongdan.core.sealed import SealedCharField, SealedURLField


class ChatBot(models.Model):
    class Kind(models.TextChoices):
        DINGTALK = "dingtalk", _("DingTalk custom robot")
        FEISHU = "feishu", _("Feishu / Lark custom bot")
        WECOM = "wecom", _("WeCom group robot")
        SLACK = "slack", _("Slack incoming webhook")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("service"), max_length=20, choices=Kind.choices)
    url = SealedURLField(_("webhook URL"), max_length=500)  # holds the bot's access token
    secret = SealedCharField(_("signing secret"), max_length=200, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    is_active = models.BooleanField(_("active"), default=True)
    # Sliding window of recent sends (epoch seconds), for the service's rate limit; see delivery.chat.
    recent_sends = models.JSONField(default=list, blank=True)
    disabled_reason = models.CharField(_("disabled because"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "notifications_chatbot"  # kept from the notifications app (decision 0061)
        ordering = ["name", "id"]
        verbose_name = _("chat bot")
        verbose_name_plural = _("chat bots")
        constraints = [models.UniqueConstraint(fields=["name"], name="notifications_chatbot_name_unique")]

    def __str__(self) -> str:
        return self.name


class Webhook(models.Model):
    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("URL"), max_length=500)
    secret = SealedCharField(_("signing secret"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "notifications_webhook"  # kept from the notifications app (decision 0061)
        ordering = ["name", "id"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        constraints = [models.UniqueConstraint(fields=["name"], name="notifications_webhook_name_unique")]

    def __str__(self) -> str:
        return self.name


class AllowedNetwork(models.Model):
    """A host name or a network (CIDR) outgoing webhooks and chat bots may reach although it is private,
    loopback or link-local (the SSRF guard refuses those otherwise)."""

    value = models.CharField(_("host or network"), max_length=255, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "notifications_allowednetwork"  # kept from the notifications app (decision 0061)
        ordering = ["value"]
        verbose_name = _("allowed host or network")
        verbose_name_plural = _("allowed hosts and networks")

    def __str__(self) -> str:
        return self.value


class DeliveryAttempt(models.Model):
    """One HTTP attempt to deliver an outbox message to a webhook or a chat bot."""

    message = models.ForeignKey(
        "outbox.OutboxMessage", on_delete=models.CASCADE, related_name="http_attempts"
    )
    attempt = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("time"), default=timezone.now)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        db_table = "notifications_deliveryattempt"  # kept from the notifications app (decision 0061)
        ordering = ["-id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        indexes = [models.Index(fields=["message", "-id"], name="delivery_attempt_msg_idx")]

    def __str__(self) -> str:
        return f"{self.message_id}#{self.attempt}: {self.status_code or self.error}"
