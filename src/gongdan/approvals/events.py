"""The ticket event kinds approvals write, and how each reads on a timeline."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongdan.approvals.models import Decision, RequestStatus
from gongdan.tickets.events import register

APPROVAL_STARTED = register("approval_started", _("asked for approval"), public=True)
APPROVAL_DECIDED = register("approval_decided", _("decided on the approval"), public=True)
APPROVAL_RESUMED = register("approval_resumed", _("resumed the approval"), public=True)
APPROVAL_FINISHED = register("approval_finished", _("finished the approval"), public=True)
APPROVAL_REMINDED = register("approval_reminded", _("reminded the approvers"))
APPROVAL_ESCALATED = register("approval_escalated", _("escalated the approval"))

KINDS = (APPROVAL_STARTED, APPROVAL_DECIDED, APPROVAL_RESUMED, APPROVAL_FINISHED, APPROVAL_REMINDED,
         APPROVAL_ESCALATED)  # fmt: skip


def icon(kind: str) -> str:
    return {APPROVAL_REMINDED: "ti-bell", APPROVAL_ESCALATED: "ti-urgent"}.get(kind, "ti-checkup-list")


def describe_approval_event(kind: str, data: dict[str, Any]) -> str:
    """One line for a timeline: the flow and stage, the decision, on whose behalf, and the comment."""
    stage = str(data.get("stage", ""))
    if kind == APPROVAL_STARTED:
        return gettext("%(flow)s, first stage: %(stage)s") % {"flow": data.get("flow", ""), "stage": stage}
    if kind == APPROVAL_DECIDED:
        decision = data.get("decision", "")
        text = gettext("%(stage)s: %(decision)s") % {
            "stage": stage,
            "decision": Decision(decision).label if decision in Decision.values else decision,
        }
        if data.get("on_behalf_of"):
            text += " " + gettext("(on behalf of %(name)s)") % {"name": data["on_behalf_of"]}
        if data.get("comment"):
            text += " — " + str(data["comment"])
        return text
    if kind == APPROVAL_FINISHED:
        outcome = data.get("outcome", "")
        text = str(RequestStatus(outcome).label) if outcome in RequestStatus.values else str(outcome)
        if data.get("next_stage"):
            return gettext("%(stage)s approved; next: %(next)s") % {
                "stage": stage,
                "next": data["next_stage"],
            }
        if data.get("comment"):
            text += " — " + str(data["comment"])
        return text
    if kind in (APPROVAL_REMINDED, APPROVAL_ESCALATED, APPROVAL_RESUMED):
        names = ", ".join(str(n) for n in data.get("people", []))
        return gettext("%(stage)s: %(names)s") % {"stage": stage, "names": names} if names else stage
    return ""
