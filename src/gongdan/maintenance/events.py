"""The ticket event kinds maintenance writes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.tickets import events

ASSET_DOWN = events.register("asset_down", gettext_lazy("set the asset down"), public=False)
ASSET_RUNNING = "asset_running"  # written on the asset's own history, not the ticket's


def describe(kind: str, data: dict[str, Any]) -> str:
    return _("%(asset)s is down since this ticket; resolving the ticket sets it running again.") % {
        "asset": (data.get("asset") or {}).get("label", "")
    }
