"""Delivery channels: how an outbox message leaves the building.

Email is the first channel; chat bots and outgoing webhooks (issue 4) add theirs with `register()`. A
channel says whether it is configured (an unconfigured channel's messages wait, pending) and sends one
message, raising `TemporaryFailure` (retry with backoff) or `PermanentFailure` (dead at once)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from gongdan.outbox.models import OutboxMessage


class TemporaryFailure(Exception):
    """The receiver may accept later: a 4xx reply, a refused or dropped connection, a timeout."""


class PermanentFailure(Exception):
    """Retrying cannot help: a 5xx reply such as an unknown mailbox."""


class DeliveryChannel(Protocol):
    name: str

    def is_configured(self) -> bool: ...

    def not_configured_reason(self) -> str: ...

    def send(self, message: OutboxMessage) -> None: ...


CHANNELS: dict[str, DeliveryChannel] = {}


def register(channel: DeliveryChannel) -> DeliveryChannel:
    CHANNELS[channel.name] = channel
    return channel


def channel_for(name: str) -> DeliveryChannel | None:
    """The channel that delivers `name` messages (email, chat, webhook register themselves: see apps.py)."""
    return CHANNELS.get(name)


def configured_channels() -> list[str]:
    return [name for name, channel in CHANNELS.items() if channel.is_configured()]
