"""The ticket event kinds the SLA engine writes, registered with the ticket timeline."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.tickets.events import register

SLA_ESCALATED = register("sla_escalated", _("escalated (SLA)"))
SLA_BREACHED = register("sla_breached", _("breached an SLA target"))
