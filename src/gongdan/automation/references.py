"""Rules and macros name rows by id (a team, a person, a category, a webhook, a calendar); another site has other
ids. The export writes each such id with its natural key beside it (a team's and a category's name, a
username, a webhook's name, a calendar's name) and the import finds the rows with those keys on its own site,
refusing the file — naming what is missing — if one is not there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from gongdan.accounts.models import Organisation, Team, User
from gongdan.core.domain_errors import ValidationFailed
from gongdan.outbox.models import Webhook
from gongdan.sla.models import BusinessCalendar
from gongdan.tickets.models import Category

# kind → (model, the natural key's column)
MODELS: dict[str, tuple[Any, str]] = {
    "team": (Team, "name"),
    "user": (User, "username"),
    "category": (Category, "name"),
    "organisation": (Organisation, "name"),
    "webhook": (Webhook, "name"),
    "calendar": (BusinessCalendar, "name"),
}
CONDITION_KINDS = {"team": "team", "category": "category", "assignee": "user", "organisation": "organisation"}


def _walk(conditions: list[dict[str, Any]], actions: list[dict[str, Any]],
          swap: Callable[[str, Any], Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:  # fmt: skip
    """Copies of the lists with every reference passed through `swap(kind, value)`."""
    new_conditions = []
    for condition in conditions:
        condition = dict(condition)
        kind = CONDITION_KINDS.get(condition.get("field", ""))
        if kind and condition.get("op") not in (
            "is_set",
            "is_not_set",
            "contains",
            "not_contains",
            "starts_with",
        ):
            value = condition.get("value")
            condition["value"] = (
                [swap(kind, v) for v in value] if isinstance(value, list) else swap(kind, value)
            )
        new_conditions.append(condition)
    new_actions = []
    for action in actions:
        action = dict(action)
        if action.get("type") == "assign":
            action["team"] = swap("team", action.get("team")) if action.get("team") else None
            action["assignee"] = swap("user", action.get("assignee")) if action.get("assignee") else None
        elif action.get("type") == "webhook":
            action["webhook"] = swap("webhook", action.get("webhook"))
        elif action.get("type") == "set_field" and action.get("field") == "category":
            action["value"] = swap("category", action.get("value"))
        new_actions.append(action)
    return new_conditions, new_actions


def natural(kind: str, value: Any) -> Any:
    """An id → {"ref": kind, "key": natural key} (the id itself when the row is gone)."""
    model, column = MODELS[kind]
    try:
        row = model.objects.filter(pk=int(value)).values_list(column, flat=True).first()
    except (TypeError, ValueError):
        return value
    return {"ref": kind, "key": row} if row is not None else value


class Resolver:
    """Natural keys → this site's ids, collecting what is missing."""

    def __init__(self) -> None:
        self.missing: list[str] = []

    def __call__(self, kind: str, value: Any) -> Any:
        if not isinstance(value, dict) or "ref" not in value:
            return value
        kind = str(value.get("ref"))
        if kind not in MODELS:
            self.missing.append(f"{kind}?")
            return None
        model, column = MODELS[kind]
        pk = model.objects.filter(**{column: value.get("key")}).values_list("pk", flat=True).first()
        if pk is None:
            self.missing.append(f"{kind} “{value.get('key')}”")
            return None
        return pk if kind in ("webhook", "calendar") else str(pk)

    def check(self, where: str) -> None:
        if self.missing:
            message = _("%(where)s names rows this site does not have: %(missing)s.") % {
                "where": where, "missing": ", ".join(dict.fromkeys(self.missing))}  # fmt: skip
            raise ValidationFailed(message, details={"file": [message]})


def export_refs(
    conditions: list[dict[str, Any]], actions: list[dict[str, Any]]
) -> tuple[list[Any], list[Any]]:
    return _walk(conditions, actions, natural)


def import_refs(conditions: list[dict[str, Any]], actions: list[dict[str, Any]], resolver: Resolver) -> tuple[list[Any], list[Any]]:  # fmt: skip
    return _walk(conditions, actions, resolver)
