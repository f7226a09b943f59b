"""What each notification kind says, in the reader's language.

Notices are stored as a kind plus data, and rendered when they are read (the bell, the email), so a
notice reads in the language of whoever reads it. An unknown kind gets a generic message, never an error."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from gongdan.tickets.models import Status

SLA_ESCALATION = "sla_escalation"
SLA_BREACHED = "sla_breached"
TICKET_ASSIGNED = "ticket_assigned"

SLA_TARGETS = {
    "first_response": pgettext_lazy("sla target", "first response"),
    "next_response": pgettext_lazy("sla target", "next response"),
    "resolution": pgettext_lazy("sla target", "resolution"),
    "stage": pgettext_lazy("sla target", "stage"),
}


@dataclass
class Rendered:
    title: str  # one line: the bell, the email subject (after the ticket number)
    lines: list[str] = field(default_factory=list)  # the body, one paragraph each
    action_url: str = ""
    action_label: str = ""


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def ticket_url(ticket: Any) -> str:
    return site_url(reverse("tickets:ticket_detail", args=[ticket.number]))


# Where a requester follows a ticket, when an app offers a place for them (the portal registers one): a
# requester's mail must not link to the agents' screens.
_requester_links: dict[str, Any] = {}


def register_requester_link(builder: Any) -> None:
    """``builder(number) -> absolute URL`` of the page where the ticket's requester follows it."""
    _requester_links["builder"] = builder


def ticket_url_for(ticket: Any, user: Any) -> str:
    """The ticket's address for this reader: the requester's page for requesters, the agent page for staff."""
    builder = _requester_links.get("builder")
    if builder is not None and user is not None and not getattr(user, "is_staff_member", True):
        return str(builder(ticket.number))
    return ticket_url(ticket)


def _zone(user: Any) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(user, "time_zone", "") or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _local_time(value: Any, user: Any) -> str:
    """An ISO timestamp shown in the reader's time zone; anything unreadable is shown as given."""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return str(value or "")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(_zone(user)).strftime("%Y-%m-%d %H:%M")


def _duration(seconds: Any) -> str:
    try:
        total = max(int(seconds), 0)
    except (TypeError, ValueError):
        return str(seconds)
    hours, rest = divmod(total, 3600)
    minutes = rest // 60
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": max(minutes, 1)}


def _target(data: dict[str, Any]) -> str:
    target = data.get("target")
    return str(SLA_TARGETS.get(str(target), target or _("a service target")))


def _sla_escalation(data: dict[str, Any], user: Any) -> Rendered:
    values = {"target": _target(data), "due": _local_time(data.get("due_at"), user)}
    percent = data.get("percent")
    if not values["due"]:
        title = _("SLA warning: %(target)s") % values
    elif isinstance(percent, int) and not isinstance(percent, bool):
        title = _("SLA warning: %(target)s due %(due)s (%(percent)d%% used)") % {**values, "percent": percent}
    else:
        title = _("SLA warning: %(target)s due %(due)s") % values
    lines = [title]
    if step := data.get("step"):
        lines.append(_("Escalation step: %(step)s") % {"step": step})
    return Rendered(title=title, lines=lines)


def _sla_breached(data: dict[str, Any], user: Any) -> Rendered:
    values = {"target": _target(data), "due": _local_time(data.get("due_at"), user)}
    if data.get("by_seconds") is not None:
        title = _("SLA breached: %(target)s overdue by %(late)s") % {
            **values,
            "late": _duration(data["by_seconds"]),
        }
    else:
        title = _("SLA breached: %(target)s overdue") % values
    return Rendered(title=title, lines=[title, _("It was due %(due)s.") % values])


def _brief(rendered: Rendered, data: dict[str, Any]) -> Rendered:
    if data.get("template") == "brief":
        rendered.lines = rendered.lines[:1]
    return rendered


def _ticket_assigned(data: dict[str, Any], user: Any) -> Rendered:
    by = data.get("by") or data.get("actor")
    if "assignee_id" in data:
        mine = data["assignee_id"] is not None and data["assignee_id"] == getattr(user, "pk", None)
    else:  # notify() callers name no assignee: the reader is the one assigned
        mine = True
    if mine:
        title = _("Assigned to you by %(name)s") % {"name": by} if by else _("Assigned to you")
    elif data.get("assignee"):
        title = _("Assigned to %(name)s") % {"name": data["assignee"]}
    else:
        title = _("Assigned to team %(team)s") % {"team": data.get("team") or "—"}
    lines = [title]
    if by and mine is False:
        lines.append(_("By %(name)s.") % {"name": by})
    return _brief(Rendered(title=title, lines=lines), data)


def _ticket_created(data: dict[str, Any], user: Any) -> Rendered:
    if data.get("requester_id") is not None and data.get("requester_id") == getattr(user, "pk", None):
        title = _("We received your request")
        lines = [title, _("Open the ticket to follow it or add details; we will keep you posted.")]
        return _brief(Rendered(title=title, lines=lines), data)
    name = data.get("actor")
    title = _("New ticket from %(name)s") % {"name": name} if name else _("New ticket")
    return _brief(Rendered(title=title, lines=[title]), data)


def _ticket_commented(data: dict[str, Any], user: Any) -> Rendered:
    name = data.get("actor")
    title = _("%(name)s replied") % {"name": name} if name else _("New reply")
    lines = [title]
    if excerpt := str(data.get("excerpt") or "").strip():
        lines.append(excerpt)
    return _brief(Rendered(title=title, lines=lines), data)


def _status_label(value: Any) -> str:

    return str(Status(value).label) if value in Status.values else str(value or "—")


def _ticket_state_changed(data: dict[str, Any], user: Any) -> Rendered:
    title = _("Status changed to %(status)s") % {"status": _status_label(data.get("to"))}
    lines = [title, _("It was %(status)s.") % {"status": _status_label(data.get("from"))}]
    if name := data.get("actor"):
        lines.append(_("By %(name)s.") % {"name": name})
    return _brief(Rendered(title=title, lines=lines), data)


def _ticket_sla_warning(data: dict[str, Any], user: Any) -> Rendered:
    title = _("SLA warning: %(target)s") % {"target": _target(data)}
    return _brief(Rendered(title=title, lines=[title]), data)


def _ticket_sla_breached(data: dict[str, Any], user: Any) -> Rendered:
    title = _("SLA breached: %(target)s overdue") % {"target": _target(data), "due": ""}
    return _brief(Rendered(title=title, lines=[title]), data)


def _ticket_survey(data: dict[str, Any], user: Any) -> Rendered:
    title = _("How did we do? Please rate how your ticket was handled")
    return _brief(Rendered(title=title, lines=[title]), data)


def _account_locked(data: dict[str, Any], user: Any) -> Rendered:
    title = _("Your account was locked after too many failed sign-ins")
    lines = [
        title,
        _("The attempts came from %(address)s. You can sign in again after %(until)s.")
        % {"address": data.get("ip_address") or "?", "until": _local_time(data.get("until"), user)},
        _("If this was not you, tell your administrator and change your password once you are back in."),
    ]
    return Rendered(title=title, lines=lines, action_url=site_url(reverse("accounts:login")),
                    action_label=_("Sign in"))  # fmt: skip


def _second_factors_reset(data: dict[str, Any], user: Any) -> Rendered:
    title = _("Your two-factor sign-in was reset")
    lines = [
        title,
        _(
            "%(actor)s, a security administrator, removed your authenticator app, passkeys and recovery codes,"
            " and signed you out everywhere."
        )
        % {"actor": data.get("actor") or "?"},
        _(
            "If you did not ask for this, tell your administrator at once. You will set up a second factor again"
            " at your next sign-in if your role requires one."
        ),
    ]
    return Rendered(title=title, lines=lines, action_url=site_url(reverse("accounts:login")),
                    action_label=_("Sign in"))  # fmt: skip


RENDERERS = {
    SLA_ESCALATION: _sla_escalation,
    SLA_BREACHED: _sla_breached,
    TICKET_ASSIGNED: _ticket_assigned,
    "ticket_created": _ticket_created,
    "ticket_commented": _ticket_commented,
    "ticket_state_changed": _ticket_state_changed,
    "ticket_sla_warning": _ticket_sla_warning,
    "ticket_sla_breached": _ticket_sla_breached,
    # "ticket_p0_page": the on-call app registers it (it knows how a page's reason reads).
    "ticket_survey": _ticket_survey,
    "account_locked": _account_locked,
    "second_factors_reset": _second_factors_reset,
}


def register_renderer(kind: str, renderer: Any) -> None:
    """Let another app say what its notification kind says: ``renderer(data, user) -> Rendered`` (call it
    from the app's ``AppConfig.ready``)."""
    RENDERERS[kind] = renderer


def render(kind: str, *, data: dict[str, Any] | None, ticket: Any, user: Any) -> Rendered:
    """Render in the active language (wrap in `translation.override(user.language)` for someone else)."""
    data = data if isinstance(data, dict) else {}
    renderer = RENDERERS.get(kind)
    try:
        rendered = renderer(data, user) if renderer else None
    except Exception:
        rendered = None
    if rendered is None:
        rendered = Rendered(
            title=_("There is news about this ticket") if ticket else _("You have a new notice")
        )
        rendered.lines = [rendered.title]
    if ticket is not None:
        rendered.lines.append(
            _("Ticket %(number)s: %(subject)s") % {"number": ticket.number, "subject": ticket.subject}
        )
        if not rendered.action_url:
            rendered.action_url = ticket_url_for(ticket, user)
            rendered.action_label = _("Open the ticket")
    return rendered


def render_for(user: Any, kind: str, *, data: dict[str, Any] | None, ticket: Any) -> Rendered:
    with translation.override(getattr(user, "language", None) or settings.LANGUAGE_CODE):
        return render(kind, data=data, ticket=ticket, user=user)
