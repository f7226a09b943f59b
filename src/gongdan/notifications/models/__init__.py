from gongdan.notifications.models.notification import Notification
from gongdan.notifications.models.rules import (
    NotificationPreference,
    NotificationRule,
    PersonChannel,
    Recipient,
    RuleEvent,
    Template,
)

__all__ = [
    "Notification",
    "NotificationPreference",
    "NotificationRule",
    "PersonChannel",
    "Recipient",
    "RuleEvent",
    "Template",
]
