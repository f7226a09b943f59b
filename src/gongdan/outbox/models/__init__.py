from gongdan.outbox.models.destinations import AllowedNetwork, ChatBot, DeliveryAttempt, Webhook
from gongdan.outbox.models.message import OutboxMessage

__all__ = ["AllowedNetwork", "ChatBot", "DeliveryAttempt", "OutboxMessage", "Webhook"]
