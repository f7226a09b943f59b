"""What other apps add to the ticket page, registered from their AppConfig.ready(): how their event kinds read
on the timeline, and panels (SLA clocks, on-call pages). The tickets app imports none of them.

    register_timeline({"sla_escalated", "sla_breached"}, icon="ti-urgent", explain=describe_sla_event)
    register_panel(Panel("sla", "sla/includes/ticket_sla_panel.html", sla_panel_context, place="side"))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gongdan.accounts.models import User
    from gongdan.tickets.models import Ticket


@dataclass(frozen=True)
class TimelineLine:
    """How one app's event kinds read: an icon (or a function of the kind) and a one-line explanation."""

    icon: str | Callable[[str], str] = ""
    explain: Callable[[str, dict[str, Any]], str] | None = None


_timeline: dict[str, list[TimelineLine]] = {}


def register_timeline(
    kinds: Iterable[str],
    *,
    icon: str | Callable[[str], str] = "",
    explain: Callable[[str, dict[str, Any]], str] | None = None,
) -> None:
    """Add to how these kinds read. A kind the tickets app draws itself (assigned) keeps its own icon and
    changes; the explanation is added below them."""
    line = TimelineLine(icon=icon, explain=explain)
    for kind in kinds:
        lines = _timeline.setdefault(kind, [])
        if line not in lines:
            lines.append(line)


def decorate(item: dict[str, Any], kind: str, data: dict[str, Any]) -> None:
    """Apply what the apps registered for `kind` to one timeline item (its icon and explanation)."""
    for line in _timeline.get(kind, ()):
        if line.icon:
            item["icon"] = line.icon(kind) if callable(line.icon) else line.icon
        if line.explain is not None:
            item["explanation"] = line.explain(kind, data)


@dataclass(frozen=True)
class Panel:
    """A card on the ticket page for the people who work it. `context(actor, ticket)` returns the template's
    variables (merged into the page's context: name them after the app), or None to show nothing. `place`
    is "main" (above the description) or "side" (below the properties, which stay on the first screen)."""

    key: str
    template: str
    context: Callable[[User, Ticket], dict[str, Any] | None]
    place: str = "side"
    order: int = 100


_panels: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    if panel.place not in ("main", "side"):
        raise ValueError(f"panel {panel.key!r}: place must be 'main' or 'side'")
    held = _panels.get(panel.key)
    if held is not None and held != panel:
        raise ValueError(f"a ticket panel named {panel.key!r} is already registered")
    _panels[panel.key] = panel


def panels(actor: User, ticket: Ticket) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """The templates to include per place, and the variables they need."""
    places: dict[str, list[str]] = {"main": [], "side": []}
    context: dict[str, Any] = {}
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        values = panel.context(actor, ticket)
        if values is None:
            continue
        context.update(values)
        places[panel.place].append(panel.template)
    return places, context
