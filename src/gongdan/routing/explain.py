"""Reading a routing decision back: `describe_routing_reason(reason)` turns the `reason` stored in a
ticket's assignment event into one sentence for the timeline (in the active language)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gongdan.routing.engine import EXCLUSIONS
from gongdan.routing.models import RebalanceMode, Strategy

TRIGGERS = {
    "away": "away",
    "offline": "offline",
    "off_shift": "off_shift",
}


def _strategy(code: str) -> str:
    return str(Strategy(code).label) if code in Strategy.values else code


def _score(strategy: str, chosen: dict[str, Any]) -> str:
    if strategy == Strategy.NEAREST and "distance_km" in chosen:
        return _("%(km)s km away") % {"km": chosen["distance_km"]}
    if strategy == Strategy.SKILLS and "skills" in chosen:
        return _("skill score %(score)s") % {"score": chosen.get("score")}
    if strategy == Strategy.ROUND_ROBIN:
        return _("next in turn")
    load = float(chosen.get("load", 0))
    return _("load %(load)s, %(open)s open") % {"load": f"{load:g}", "open": chosen.get("open", 0)}


def _exclusions(counts: dict[str, int]) -> str:
    return pgettext("list separator", ", ").join(
        f"{count} {EXCLUSIONS.get(code, code)}" for code, count in sorted(counts.items()) if count
    )


def describe_routing_reason(reason: dict[str, Any] | None) -> str:
    """E.g. "Rule “VIP first” (#3), least loaded: chose Zhang Wei (load 2, 1 open) of 6 candidates
    (1 away, 1 at cap)." Empty for reasons routing did not write."""
    if not reason or reason.get("by") != "routing":
        return ""
    outcome = reason.get("outcome")
    if outcome == "returned_to_pool":
        agent = (reason.get("agent") or {}).get("label", "?")
        trigger = reason.get("trigger", "")
        why = str(EXCLUSIONS.get(trigger, trigger))
        text = _("Returned to the team's pool because %(agent)s is %(why)s.") % {"agent": agent, "why": why}
        if reason.get("mode") == RebalanceMode.REROUTE:
            text += " " + _("Nobody else could take it.")
        return text
    if outcome == "no_rule":
        return _("No routing rule matched; the ticket waits with its team, unassigned.")
    rule = reason.get("rule") or {}
    strategy = reason.get("strategy", "")
    head = _("Rule “%(rule)s” (#%(id)s), %(strategy)s") % {
        "rule": rule.get("name", "?"),
        "id": rule.get("id", "?"),
        "strategy": _strategy(strategy).lower(),
    }
    total = reason.get("candidates_total", 0)
    excluded = _exclusions(reason.get("excluded_counts") or {})
    chosen = reason.get("chosen")
    if chosen:
        text = _("%(head)s: chose %(name)s (%(score)s) of %(total)s candidates") % {
            "head": head,
            "name": chosen.get("name", "?"),
            "score": _score(strategy, chosen),
            "total": total,
        }
    else:
        text = _("%(head)s: nobody of %(total)s candidates could take it; it waits with %(team)s") % {
            "head": head,
            "total": total,
            "team": (reason.get("team") or {}).get("label", "?"),
        }
    if excluded:
        text = _("%(text)s (%(excluded)s).") % {"text": text, "excluded": excluded}
    else:
        text = _("%(text)s.") % {"text": text}
    if reason.get("trigger") in TRIGGERS and reason.get("agent"):
        text += " " + _("Handed on because %(agent)s is %(why)s.") % {
            "agent": reason["agent"].get("label", "?"),
            "why": EXCLUSIONS.get(reason["trigger"], reason["trigger"]),
        }
    return text
