"""The ticket event kinds the field app writes, registered on the tickets' timeline.

All are internal: a technician's position and the customer's signature are for the people who work the
ticket, not for the requester's timeline."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.tickets.events import register

FIELD_ACCEPTED = register("field_accepted", _("accepted the job on the phone"))
FIELD_CHECKED_IN = register("field_checked_in", _("checked in on site"))
FIELD_CHECKED_OUT = register("field_checked_out", _("checked out of the site"))
FIELD_SIGNED = register("field_signed", _("captured the customer's signature"))
