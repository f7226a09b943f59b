from gongdan.notifications.models.integrations import AllowedNetwork, ChatBot, DeliveryAttempt, Webhook
from gongdan.notifications.models.notification import Notification
from gongdan.notifications.models.oncall import (
    OnCallOverride,
    OnCallParticipant,
    OnCallSchedule,
    Page,
    PageRecipient,
)
from gongdan.notifications.models.outbox import OutboxMessage
from gongdan.notifications.models.rules import (
    NotificationPreference,
    NotificationRule,
    PersonChannel,
    Recipient,
    RuleCursor,
    RuleEvent,
    Template,
)

__all__ = [
    "AllowedNetwork",
    "ChatBot",
    "DeliveryAttempt",
    "Notification",
    "NotificationPreference",
    "NotificationRule",
    "OnCallOverride",
    "OnCallParticipant",
    "OnCallSchedule",
    "OutboxMessage",
    "Page",
    "PageRecipient",
    "PersonChannel",
    "Recipient",
    "RuleCursor",
    "RuleEvent",
    "Template",
    "Webhook",
]
