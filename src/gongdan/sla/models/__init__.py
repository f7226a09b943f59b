from gongdan.sla.models.calendars import BusinessCalendar, CalendarDay, DayKind
from gongdan.sla.models.clocks import ClockKind, EscalationFiring, SlaClock
from gongdan.sla.models.policies import (
    EscalationAction,
    EscalationStep,
    SlaPolicy,
    SlaTarget,
    StageTarget,
)

__all__ = [
    "BusinessCalendar",
    "CalendarDay",
    "ClockKind",
    "DayKind",
    "EscalationAction",
    "EscalationFiring",
    "EscalationStep",
    "SlaClock",
    "SlaPolicy",
    "SlaTarget",
    "StageTarget",
]
