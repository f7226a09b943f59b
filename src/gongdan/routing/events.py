"""The ticket event kinds routing writes, registered on the tickets' timeline."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.tickets.events import register

# Written when a rule matched but nobody in its team could take the ticket and nothing else changed
# (ticket_assign writes no event for a no-op): the timeline still says why the ticket waits in the pool.
ROUTING_UNASSIGNED = register("routing_unassigned", _("left the ticket with the team: no agent available"))
