"""How an automation rule's notice reads (in-app and mail): the message the admin wrote, rendered with the
ticket's values when the rule ran."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from gongdan.notifications.kinds import Rendered


def render_notice(data: dict[str, Any], _user: Any) -> Rendered:
    message = str(data.get("message") or "")
    first = message.splitlines()[0] if message else ""
    title = first[:120] or _("An automation rule asks for your attention")
    lines = [title, *[line for line in message.splitlines()[1:] if line.strip()]]
    if data.get("rule"):
        lines.append(_("Sent by the automation rule “%(name)s”.") % {"name": data["rule"]})
    return Rendered(title=title, lines=lines)


def explain_event(kind: str, data: dict[str, Any]) -> str:
    if kind == "macro_applied":
        macro = (data.get("macro") or {}).get("label", "")
        changes = "; ".join(str(c) for c in data.get("changes") or [])
        return _("Macro “%(name)s”: %(changes)s") % {"name": macro, "changes": changes}
    return str(data.get("message") or "")
