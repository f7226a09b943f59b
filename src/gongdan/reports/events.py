"""The ticket event kinds reports read but another app may own.

`csat_rated` is written by the requester portal (data: {"rating": 1..5, "comment": str}). Reports register it
too, so timelines describe it and tests can append it, whichever app loads first: registering the same
description twice is harmless, and an app that registered it already is left alone.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.tickets.events import DESCRIPTIONS, register

CSAT_RATED = "csat_rated"

if CSAT_RATED not in DESCRIPTIONS:
    register(CSAT_RATED, _("rated the service"), public=True)
