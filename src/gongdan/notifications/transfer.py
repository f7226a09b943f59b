"""Notification rules as a section of the configuration file (admin_console.transfer): each rule by its name,
its team by name, its priorities by code, its chat bots and webhooks by name — never by id. The bots and
webhooks themselves carry secrets and are not in the file: a rule that names one this site lacks is refused,
by name, and the import writes nothing."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.accounts.models import Team, User
from gongdan.admin_console.transfer import (
    CREATE,
    UNCHANGED,
    UPDATE,
    Change,
    Item,
    TransferSection,
    changed_fields,
    explained,
)
from gongdan.core.domain_errors import ValidationFailed
from gongdan.notifications import services
from gongdan.notifications.models import NotificationRule
from gongdan.outbox.models import ChatBot, Webhook
from gongdan.tickets.models import Priority

KEYS = ("event", "is_active", "team", "priorities", "recipients", "channels", "fixed_address", "chat_bots",
        "webhooks", "template")  # fmt: skip


def _item(rule: NotificationRule) -> Item:
    return {"name": rule.name, "event": rule.event, "is_active": rule.is_active,
            "team": rule.team.name if rule.team else None,
            "priorities": sorted(p.code for p in rule.priorities.all()),
            "recipients": list(rule.recipients), "channels": list(rule.channels),
            "fixed_address": rule.fixed_address,
            "chat_bots": sorted(b.name for b in rule.chat_bots.all()),
            "webhooks": sorted(w.name for w in rule.webhooks.all()), "template": rule.template}  # fmt: skip


def export_rules() -> list[Item]:
    rules = NotificationRule.objects.select_related("team").prefetch_related(
        "priorities", "chat_bots", "webhooks"
    )
    return [_item(rule) for rule in rules.order_by("name", "pk")]


def _name(item: Item) -> str:
    return " ".join(str(item.get("name") or "").split())


def _refuse(name: str, key: str, message: str) -> ValidationFailed:
    text = _("Notification rule “%(name)s”: %(message)s") % {"name": name, "message": message}
    return ValidationFailed(text, details={f"notification_rules.{name}.{key}": [message]})


def _rows(model: Any, column: str, values: Any, name: str, key: str) -> list[Any]:
    if not isinstance(values, list):
        raise _refuse(name, key, _("Expected a list."))
    wanted = [str(v) for v in values]
    found = {getattr(row, column): row for row in model.objects.filter(**{f"{column}__in": wanted})}
    missing = [v for v in wanted if v not in found]
    if missing:
        raise _refuse(
            name, key, _("“%(value)s” does not exist on this site.") % {"value": "”, “".join(missing)}
        )
    return [found[v] for v in wanted]


def _codes(item: Item, key: str, name: str) -> list[str]:
    value = item.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _refuse(name, key, _("Expected a list."))
    return value


def _values(item: Item, name: str) -> dict[str, Any]:
    team = None
    if item.get("team"):
        team = Team.objects.filter(name=item["team"]).first()
        if team is None:
            raise _refuse(
                name, "team", _("“%(value)s” does not exist on this site.") % {"value": item["team"]}
            )
    return {"name": name, "event": str(item.get("event") or ""), "team": team,
            "priorities": _rows(Priority, "code", item.get("priorities", []), name, "priorities"),
            "recipients": _codes(item, "recipients", name), "channels": _codes(item, "channels", name),
            "fixed_address": str(item.get("fixed_address") or ""),
            "chat_bots": _rows(ChatBot, "name", item.get("chat_bots", []), name, "chat_bots"),
            "webhooks": _rows(Webhook, "name", item.get("webhooks", []), name, "webhooks"),
            "template": str(item.get("template") or "standard"), "is_active": bool(item.get("is_active", True))}  # fmt: skip


def apply_rules(actor: User, items: list[Item]) -> list[Change]:
    changes = []
    for item in items:
        name = _name(item)
        values = _values(item, name)
        existing = NotificationRule.objects.filter(name=name).first()
        try:
            if existing is None:
                services.rule_create(actor=actor, **values)
                changes.append(Change("notification_rules", name, CREATE))
                continue
            before = {k: v for k, v in _item(existing).items() if k in KEYS}
            diff = changed_fields(before, {k: item.get(k, before[k]) for k in KEYS})
            if diff:
                services.rule_update(actor=actor, rule=existing, **values)
            changes.append(Change("notification_rules", name, UPDATE if diff else UNCHANGED, diff))
        except ValidationFailed as exc:
            raise ValidationFailed(
                _("Notification rule “%(name)s”: %(message)s") % {"name": name, "message": explained(exc)},
                details={f"notification_rules.{name}.{k}": v for k, v in exc.details.items()},
            ) from None
    return changes


SECTIONS = (
    TransferSection(key="notification_rules", title=gettext_lazy("Notification rules"), order=70,
                    export=export_rules, apply=apply_rules, key_of=_name),
)  # fmt: skip
