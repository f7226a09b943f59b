"""The ticket event kinds the automation writes, registered on the tickets' timeline."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.tickets.events import register

# Written when the loop guard stops a rule: the ticket's timeline says which rule and why.
LOOP_STOPPED = register("automation_loop_stopped", _("automation: a rule loop was stopped"))
MACRO_APPLIED = register("macro_applied", _("applied a macro"))
