from gongdan.notifications.models.notification import Notification
from gongdan.notifications.models.oncall import (
    OnCallOverride,
    OnCallParticipant,
    OnCallSchedule,
    Page,
    PageRecipient,
)
from gongdan.notifications.models.outbox import OutboxMessage

__all__ = [
    "Notification",
    "OnCallOverride",
    "OnCallParticipant",
    "OnCallSchedule",
    "OutboxMessage",
    "Page",
    "PageRecipient",
]
