"""The ticket event kind rounds write: a failed item on an inspection round opened this work order."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.tickets import events

ROUND_FINDING = events.register("round_finding", gettext_lazy("found on an inspection round"), public=False)


def describe(kind: str, data: dict[str, Any]) -> str:
    values = {key: data.get(key, "") for key in ("round", "due_on", "stop", "step", "value", "by")}
    if values["value"]:
        return (
            _(
                "Found on the round %(round)s of %(due_on)s at stop %(stop)s by %(by)s: “%(step)s” read %(value)s."
            )
            % values
        )
    return (
        _("Found on the round %(round)s of %(due_on)s at stop %(stop)s by %(by)s: “%(step)s” failed.")
        % values
    )
