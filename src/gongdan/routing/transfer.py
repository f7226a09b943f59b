"""Routing rules as a section of the configuration file (admin_console.transfer): each rule by name, in the
file's order (the first rule that matches wins), its team by name and the rows its conditions name by their
natural keys (a category's path of names, a type's or priority's code, an organisation's name, a place's full
name, an asset type's code) — never by id."""

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
)
from gongdan.core.domain_errors import ValidationFailed
from gongdan.routing import services
from gongdan.routing.models import RoutingRule
from gongdan.tickets.natural_keys import KINDS, natural_key, row_by_key

RULE_KEYS = ("team", "strategy", "max_open_per_agent", "conditions", "is_active")


def _exported_conditions(conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for condition in conditions or []:
        condition = dict(condition)
        if condition.get("kind") in KINDS:
            condition["values"] = [natural_key(condition["kind"], v) for v in condition.get("values") or []]
        out.append(condition)
    return out


def _imported_conditions(conditions: Any, name: str) -> Any:
    if not isinstance(conditions, list):
        return conditions  # the service says what is wrong with it
    out = []
    for condition in conditions:
        if isinstance(condition, dict) and condition.get("kind") in KINDS:
            condition = dict(condition)
            values = []
            for key in condition.get("values") or []:
                row = row_by_key(condition["kind"], key)
                if row is None:
                    message = _("Routing rule “%(name)s” names “%(value)s”, which does not exist on this site.") % {
                        "name": name, "value": key}  # fmt: skip
                    raise ValidationFailed(message, details={f"routing_rules.{name}": [message]})
                values.append(row.pk)
            condition["values"] = values
        out.append(condition)
    return out


def _item(rule: RoutingRule) -> Item:
    return {"name": rule.name, "team": rule.team.name, "strategy": rule.strategy,
            "max_open_per_agent": rule.max_open_per_agent, "conditions": _exported_conditions(rule.conditions),
            "is_active": rule.is_active}  # fmt: skip


def export_rules() -> list[Item]:
    return [_item(r) for r in RoutingRule.objects.select_related("team").order_by("position", "pk")]


def _name(item: Item) -> str:
    return " ".join(str(item.get("name") or "").split())


def apply_rules(actor: User, items: list[Item]) -> list[Change]:
    changes = []
    for item in items:
        name = _name(item)
        team = Team.objects.filter(name=item.get("team")).first() if item.get("team") else None
        if team is None:
            message = _("Routing rule “%(name)s”: the team “%(team)s” does not exist on this site.") % {
                "name": name, "team": item.get("team")}  # fmt: skip
            raise ValidationFailed(message, details={f"routing_rules.{name}": [message]})
        values = {"name": name, "team": team, "strategy": item.get("strategy") or "",
                  "max_open_per_agent": item.get("max_open_per_agent"),
                  "conditions": _imported_conditions(item.get("conditions", []), name),
                  "is_active": bool(item.get("is_active", True))}  # fmt: skip
        existing = RoutingRule.objects.select_related("team").filter(name=name).first()
        try:
            if existing is None:
                services.rule_create(actor=actor, **values)
                changes.append(Change("routing_rules", name, CREATE))
                continue
            before = {k: v for k, v in _item(existing).items() if k in RULE_KEYS}
            diff = changed_fields(before, {k: item.get(k) for k in RULE_KEYS})
            if diff:
                services.rule_update(actor=actor, rule=existing, **values)
            changes.append(Change("routing_rules", name, UPDATE if diff else UNCHANGED, diff))
        except ValidationFailed as exc:
            message = _("Routing rule “%(name)s”: %(message)s") % {"name": name, "message": exc.message}
            raise ValidationFailed(
                message, details={f"routing_rules.{name}.{k}": v for k, v in exc.details.items()}
            ) from None
    return changes


SECTIONS = (
    TransferSection(key="routing_rules", title=gettext_lazy("Routing rules"), order=30, export=export_rules,
                    apply=apply_rules, key_of=_name),
)  # fmt: skip
