"""The ticket event kinds the field app writes, registered on the tickets' timeline.

All are internal: a technician's position and the customer's signature are for the people who work the
ticket, not for the requester's timeline."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongdan.field.models import EndReason, GeoStatus
from gongdan.field.templatetags.field import distance, duration
from gongdan.tickets.events import register

FIELD_ACCEPTED = register("field_accepted", _("accepted the job on the phone"))
FIELD_CHECKED_IN = register("field_checked_in", _("checked in on site"))
FIELD_CHECKED_OUT = register("field_checked_out", _("checked out of the site"))
FIELD_SIGNED = register("field_signed", _("captured the customer's signature"))


def describe_field_event(kind: str, data: dict[str, Any]) -> str:
    """One line for a timeline: how far from the job, how long on site, who signed.

    The desk's timeline can show it beside the event's description (as it does for SLA events)."""

    if kind == FIELD_SIGNED:
        return gettext("signed by %(name)s") % {"name": data.get("signer_name", "")}
    if kind not in (FIELD_CHECKED_IN, FIELD_CHECKED_OUT):
        return ""
    geo = data.get("geo", "")
    if geo == GeoStatus.SHARED and data.get("distance_m") is not None:
        where = gettext("%(distance)s from the job") % {"distance": distance(data["distance_m"])}
    elif geo == GeoStatus.SHARED:
        where = gettext("position shared; the job's place has no coordinates")
    else:
        where = gettext("location %(status)s") % {
            "status": GeoStatus(geo).label if geo in GeoStatus.values else geo
        }
    if kind == FIELD_CHECKED_OUT and isinstance(data.get("duration_s"), int):
        reason = data.get("reason", "")
        reason_label = EndReason(reason).label if reason in EndReason.values else reason
        return gettext("%(where)s; on site %(duration)s (%(reason)s)") % {
            "where": where,
            "duration": duration(data["duration_s"]),
            "reason": reason_label,
        }
    return where
