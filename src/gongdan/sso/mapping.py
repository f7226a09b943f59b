"""Claims and directory groups into a role and teams, by the provider's rules in their order: the first rule
that names a role gives it (or the provider's default role when none does); every matching rule that names a
team adds that team."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gongdan.accounts.models import Team
from gongdan.sso.models import MappingRule


@dataclass(frozen=True)
class Mapped:
    role: str
    teams: tuple[Team, ...]
    matched: tuple[int, ...]  # the rules' ids, for the audit trail


def claim_value(claims: dict[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value if v is not None and not isinstance(v, dict | list)]
    if isinstance(value, dict):
        return []
    return [str(value)]


def rule_matches(rule: MappingRule, claims: dict[str, Any]) -> bool:
    values = _texts(claim_value(claims, rule.claim))
    wanted = rule.value
    if rule.operator == MappingRule.Operator.ENDS_WITH:
        return any(v.casefold().endswith(wanted.casefold()) for v in values)
    if rule.operator == MappingRule.Operator.EQUALS:
        return len(values) == 1 and values[0] == wanted
    return wanted in values  # contains: a member of the list, or the text itself


def apply_rules(rules: Iterable[MappingRule], claims: dict[str, Any], *, default_role: str) -> Mapped:
    role = ""
    teams: list[Team] = []
    matched: list[int] = []
    for rule in rules:
        if not rule_matches(rule, claims):
            continue
        matched.append(rule.pk)
        if rule.role and not role:
            role = rule.role
        if rule.team is not None and rule.team.is_active and rule.team not in teams:
            teams.append(rule.team)
    return Mapped(role=role or default_role, teams=tuple(teams), matched=tuple(matched))
